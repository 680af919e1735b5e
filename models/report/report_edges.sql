-- The flow graph's edges as the report draws them: per kind and pair of distinct groups,
-- the counted amount (undisclosed rows count 0), the rows and the undisclosed rows.

with

flows as (
    select * from {{ ref('int_flows_counted') }}
    where from_group_id <> to_group_id
),

final as (
    select
        flow_kind as kind,
        from_group_id as from_group,
        to_group_id as to_group,
        cast(coalesce(sum(amount_usd_m), 0) as decimal(38, 2)) as amount_usd_m,
        count(*) as flow_rows,
        count(*) filter (where amount_usd_m is null) as undisclosed_rows
    from flows
    group by flow_kind, from_group_id, to_group_id
)

select * from final
