-- Every name a flow may use for a company: its id, its name and its aliases, matched
-- case-insensitively after trimming. An id wins over a name, a name over an alias; a key
-- that names two companies at its best rank is ambiguous: it resolves to no company and
-- lists the companies it matches, so that a flow naming it is rejected as ambiguous. The
-- ids, names and aliases of rejected companies that no accepted company claims resolve to
-- no company either, and name the rejected company, so that a flow naming one says so.

with

companies as (
    select * from {{ ref('int_companies_rolled_up') }}
    where rejection_reason is null
),

rejected_companies as (
    select * from {{ ref('int_companies_rolled_up') }}
    where rejection_reason is not null
        and company_id is not null
),

aliases as (
    select * from {{ ref('int_company_aliases_validated') }}
    where rejection_reason is null
),

candidate_names as (
    select
        lower(company_id) as name_key,
        company_id,
        1 as name_rank
    from companies
    union all
    select
        lower(name) as name_key,
        company_id,
        2 as name_rank
    from companies
    union all
    select
        alias_key as name_key,
        company_id,
        3 as name_rank
    from aliases
),

best_rank as (
    select
        name_key,
        min(name_rank) as name_rank
    from candidate_names
    group by name_key
),

matches as (
    select
        candidate_names.name_key,
        {{ sorted_distinct_list('candidate_names.company_id') }} as company_ids
    from candidate_names
    inner join best_rank
        on candidate_names.name_key = best_rank.name_key
        and candidate_names.name_rank = best_rank.name_rank
    group by candidate_names.name_key
),

rejected_company_aliases as (
    select
        aliases.alias_key,
        rejected_companies.company_id
    from {{ ref('int_company_aliases_validated') }} as aliases
    inner join rejected_companies
        on aliases.company_key = lower(rejected_companies.company_id)
    where aliases.rejection_reason is not null
),

rejected_names as (
    select
        lower(company_id) as name_key,
        company_id
    from rejected_companies
    union all
    select
        lower(name) as name_key,
        company_id
    from rejected_companies
    where name is not null
    union all
    select
        alias_key as name_key,
        company_id
    from rejected_company_aliases
),

rejected_names_unclaimed as (
    select
        rejected_names.name_key,
        min(rejected_names.company_id) as rejected_company_id
    from rejected_names
    where rejected_names.name_key not in (select matches.name_key from matches)
    group by rejected_names.name_key
),

accepted_names as (
    select
        matches.name_key,
        companies.company_id,
        companies.group_id,
        case
            when {{ list_length('matches.company_ids') }} > 1
                then {{ list_to_text('matches.company_ids', ', ') }}
        end as matching_companies,
        cast(null as {{ dbt.type_string() }}) as rejected_company_id
    from matches
    left join companies
        on {{ list_length('matches.company_ids') }} = 1
        and {{ list_element('matches.company_ids', 1) }} = companies.company_id
),

rejected_names_indexed as (
    select
        name_key,
        cast(null as {{ dbt.type_string() }}) as company_id,
        cast(null as {{ dbt.type_string() }}) as group_id,
        cast(null as {{ dbt.type_string() }}) as matching_companies,
        rejected_company_id
    from rejected_names_unclaimed
),

final as (
    select * from accepted_names
    union all
    select * from rejected_names_indexed
)

select * from final
