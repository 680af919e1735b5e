-- Every name a flow may use for a company: its id, its name and its aliases, matched
-- case-insensitively after trimming. An id wins over a name, a name over an alias; a key
-- that names two companies at its best rank is ambiguous and resolves to nothing.

with

companies as (
    select * from {{ ref('int_companies_rolled_up') }}
    where rejection_reason is null
),

aliases as (
    select * from {{ ref('int_company_aliases_validated') }}
    where rejection_reason is null
),

candidate_names as (
    select lower(company_id) as name_key, company_id, 1 as name_rank from companies
    union all
    select lower(name) as name_key, company_id, 2 as name_rank from companies
    union all
    select alias_key as name_key, company_id, 3 as name_rank from aliases
),

best_rank as (
    select
        name_key,
        min(name_rank) as name_rank
    from candidate_names
    group by name_key
),

unambiguous as (
    select
        candidate_names.name_key,
        min(candidate_names.company_id) as company_id
    from candidate_names
    inner join best_rank
        on candidate_names.name_key = best_rank.name_key
        and candidate_names.name_rank = best_rank.name_rank
    group by candidate_names.name_key
    having count(distinct candidate_names.company_id) = 1
),

final as (
    select
        unambiguous.name_key,
        unambiguous.company_id,
        companies.group_id
    from unambiguous
    inner join companies on unambiguous.company_id = companies.company_id
)

select * from final
