with

companies as (
    select
        source_file,
        source_line,
        record,
        rejection_reason as reason
    from {{ ref('int_companies_rolled_up') }}
    where rejection_reason is not null
),

aliases as (
    select
        source_file,
        source_line,
        record,
        rejection_reason as reason
    from {{ ref('int_company_aliases_validated') }}
    where rejection_reason is not null
),

fx_rates as (
    select
        source_file,
        source_line,
        record,
        rejection_reason as reason
    from {{ ref('int_fx_rates_validated') }}
    where rejection_reason is not null
),

deals as (
    select
        source_file,
        source_line,
        record,
        rejection_reason as reason
    from {{ ref('int_deals_resolved') }}
    where rejection_reason is not null
),

pledges as (
    select
        source_file,
        source_line,
        record,
        rejection_reason as reason
    from {{ ref('int_pledges_resolved') }}
    where rejection_reason is not null
),

final as (
    select * from companies
    union all
    select * from aliases
    union all
    select * from fx_rates
    union all
    select * from deals
    union all
    select * from pledges
)

select * from final
