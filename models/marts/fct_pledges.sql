with

pledges as (
    select * from {{ ref('int_pledges_resolved') }}
    where rejection_reason is null
),

final as (
    select
        source_line,
        pledge_id,
        announced_date,
        pledger_id,
        recipient_id,
        pledger_group_id,
        recipient_group_id,
        amount_usd_m,
        amount_millions,
        currency,
        usd_per_unit,
        amount_qualifier,
        period_years,
        {{ divide_half_up('amount_usd_m', 'period_years') }} as annualized_usd_m,
        category,
        supersedes_pledge_id,
        is_superseded,
        source_url,
        notes
    from pledges
)

select * from final
