-- The flow graph: an edge from group A to group B when A has at least one counted
-- investment in, or pledge to, B. Its amount sums those counted amounts (undisclosed add 0).

with

flows as (
    select * from {{ ref('int_flows_counted') }}
),

final as (
    select
        from_group_id,
        to_group_id,
        coalesce(sum(amount_usd_m), 0)::decimal(38, 2) as amount_usd_m
    from flows
    group by from_group_id, to_group_id
)

select * from final
