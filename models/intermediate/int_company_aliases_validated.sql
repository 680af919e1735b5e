-- Every alias row, judged against the accepted companies.

with

aliases as (
    select * from {{ ref('stg_csv__company_aliases') }}
),

companies as (
    select * from {{ ref('int_companies_rolled_up') }}
    where rejection_reason is null
),

company_names as (
    select
        lower(company_id) as name_key,
        company_id
    from companies
    union
    select
        lower(name) as name_key,
        company_id
    from companies
),

first_line_per_alias as (
    select
        alias_key,
        min(source_line) as first_line
    from aliases
    where split_error is null
        and alias_key is not null
    group by alias_key
),

judged as (
    select
        aliases.source_file,
        aliases.source_line,
        aliases.alias,
        aliases.alias_key,
        target_company.company_id,
        aliases.company_key,
        {{ first_reason([
            'aliases.row_reason',
            "case when aliases.source_line <> first_line_per_alias.first_line then 'duplicate alias ''' || aliases.alias || ''' (first on line ' || first_line_per_alias.first_line || '): give each alias one row' end",
            "case when target_company.company_id is null then 'company_id ''' || aliases.company_id || ''' names no accepted company: fix the id or the company row' end",
            "'alias ''' || aliases.alias || ''' already names company ''' || (select min(company_names.company_id) from company_names where company_names.name_key = aliases.alias_key and company_names.company_id <> target_company.company_id) || ''': an alias must be unambiguous'",
        ]) }} as rejection_reason
    from aliases
    left join first_line_per_alias
        on aliases.alias_key = first_line_per_alias.alias_key
    left join companies as target_company
        on aliases.company_key = lower(target_company.company_id)
),

final as (
    select * from judged
)

select * from final
