-- One row per pair of groups with its ratios and the ratios of its parts, which the gate
-- checks are equal.

with

pairs as (
    select * from {{ ref('reciprocal_spend') }}
),

final as (
    select
        investor_group_id,
        investee_group_id,
        invested_usd_m::double as invested_usd_m,
        invested_firm_usd_m::double as invested_firm_usd_m,
        pledged_back_usd_m::double as pledged_back_usd_m,
        pledged_back_firm_usd_m::double as pledged_back_firm_usd_m,
        reciprocal_ratio,
        reciprocal_ratio_firm,
        {{ ratio('pledged_back_usd_m', 'nullif(invested_usd_m, 0)') }} as ratio_of_parts,
        {{ ratio('pledged_back_firm_usd_m', 'nullif(invested_firm_usd_m, 0)') }}
            as firm_ratio_of_parts
    from pairs
)

select * from final
