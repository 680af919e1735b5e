-- The counted flows at group level: accepted, not superseded deals and pledges, in one
-- shape. Totals and the flow graph read only this.

with

deals as (
    select * from {{ ref('int_deals_resolved') }}
    where rejection_reason is null
        and not is_superseded
),

pledges as (
    select * from {{ ref('int_pledges_resolved') }}
    where rejection_reason is null
        and not is_superseded
),

investments as (
    select
        'investment' as flow_kind,
        deal_id as flow_id,
        announced_date,
        investor_group_id as from_group_id,
        investee_group_id as to_group_id,
        amount_usd_m,
        amount_qualifier
    from deals
),

spend_pledges as (
    select
        'pledge' as flow_kind,
        pledge_id as flow_id,
        announced_date,
        pledger_group_id as from_group_id,
        recipient_group_id as to_group_id,
        amount_usd_m,
        amount_qualifier
    from pledges
),

final as (
    select * from investments
    union all
    select * from spend_pledges
)

select * from final
