with

investment_totals as (
    select * from {{ ref('investment_totals') }}
),

pledges as (
    select * from {{ ref('int_flows_counted') }}
    where flow_kind = 'pledge'
),

pledge_totals as (
    select
        from_group_id as pledger_group_id,
        to_group_id as recipient_group_id,
        coalesce(sum(amount_usd_m), 0)::decimal(38, 2) as pledged_usd_m,
        coalesce(sum(amount_usd_m) filter (where amount_qualifier <> 'up_to'), 0)::decimal(38, 2)
            as pledged_firm_usd_m
    from pledges
    group by from_group_id, to_group_id
),

final as (
    select
        investment_totals.investor_group_id,
        investment_totals.investee_group_id,
        investment_totals.invested_usd_m,
        investment_totals.invested_firm_usd_m,
        coalesce(pledge_totals.pledged_usd_m, 0)::decimal(38, 2) as pledged_back_usd_m,
        coalesce(pledge_totals.pledged_firm_usd_m, 0)::decimal(38, 2) as pledged_back_firm_usd_m,
        {{ ratio(
            'coalesce(pledge_totals.pledged_usd_m, 0)',
            'nullif(investment_totals.invested_usd_m, 0)',
        ) }} as reciprocal_ratio,
        -- The same ratio on firm money only: up_to tranches and up_to pledges left out.
        {{ ratio(
            'coalesce(pledge_totals.pledged_firm_usd_m, 0)',
            'nullif(investment_totals.invested_firm_usd_m, 0)',
        ) }} as reciprocal_ratio_firm
    from investment_totals
    left join pledge_totals
        on investment_totals.investee_group_id = pledge_totals.pledger_group_id
        and investment_totals.investor_group_id = pledge_totals.recipient_group_id
)

select * from final
