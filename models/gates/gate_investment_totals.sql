-- One row per pair of groups with the amounts its gate checks (as DOUBLE for the gate).

with

totals as (
    select * from {{ ref('investment_totals') }}
),

final as (
    select
        investor_group_id,
        investee_group_id,
        invested_usd_m::double as invested_usd_m,
        invested_firm_usd_m::double as invested_firm_usd_m,
        tranche_count,
        undisclosed_count
    from totals
)

select * from final
