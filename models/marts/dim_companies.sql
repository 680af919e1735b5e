with

companies as (
    select * from {{ ref('int_companies_rolled_up') }}
    where rejection_reason is null
),

final as (
    select
        source_line,
        company_id,
        name,
        parent_id,
        group_id,
        kind,
        country
    from companies
)

select * from final
