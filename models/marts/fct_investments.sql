with

deals as (
    select * from {{ ref('int_deals_resolved') }}
    where rejection_reason is null
),

final as (
    select
        source_line,
        deal_id,
        announced_date,
        investor_id,
        investee_id,
        investor_group_id,
        investee_group_id,
        amount_usd_m,
        amount_millions,
        currency,
        usd_per_unit,
        amount_qualifier,
        instrument,
        supersedes_deal_id,
        is_superseded,
        source_url,
        notes
    from deals
)

select * from final
