with

investments as (
    select * from {{ ref('int_flows_counted') }}
    where flow_kind = 'investment'
),

final as (
    select
        from_group_id as investor_group_id,
        to_group_id as investee_group_id,
        coalesce(sum(amount_usd_m), 0)::decimal(38, 2) as invested_usd_m,
        coalesce(sum(amount_usd_m) filter (where amount_qualifier <> 'up_to'), 0)::decimal(38, 2)
            as invested_firm_usd_m,
        count(*) as tranche_count,
        count(*) filter (where amount_qualifier = 'undisclosed') as undisclosed_count,
        min(announced_date) as first_announced,
        max(announced_date) as last_announced
    from investments
    group by from_group_id, to_group_id
)

select * from final
