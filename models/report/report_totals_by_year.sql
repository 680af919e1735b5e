-- Counted amounts and rows per year announced and kind (intra-group flows included).

with

flows as (
    select * from {{ ref('report_flows') }}
),

final as (
    select
        year(announced_date)::varchar as announced_year,
        kind,
        coalesce(sum(amount_usd_m), 0)::decimal(38, 2) as amount_usd_m,
        count(*) as flow_rows
    from flows
    group by announced_year, kind
)

select * from final
