-- Counted amounts and rows per year announced and kind (intra-group flows included).

with

flows as (
    select * from {{ ref('int_flows_counted') }}
),

final as (
    select
        cast(year(announced_date) as {{ dbt.type_string() }}) as announced_year,
        flow_kind as kind,
        cast(coalesce(sum(amount_usd_m), 0) as decimal(38, 2)) as amount_usd_m,
        count(*) as flow_rows
    from flows
    group by cast(year(announced_date) as {{ dbt.type_string() }}), flow_kind
)

select * from final
