-- The fact table reduced to one row per combination of the facts its gate checks, with
-- how many rows share it: the gate validates thousands of rows, not millions.

with

facts as (
    select * from {{ ref('fct_pledges') }}
),

company_ids as (
    select company_id from {{ ref('dim_companies') }}
    where company_id is not null
),

duplicate_ids as (
    select count(*) - count(distinct pledge_id) as duplicate_pledge_ids
    from facts
),

judged as (
    select
        amount_qualifier,
        category,
        is_superseded,
        pledge_id is not null as has_pledge_id,
        source_url is not null as has_source_url,
        pledger_group_id <> recipient_group_id as is_between_groups,
        (amount_usd_m is null) = (amount_qualifier = 'undisclosed') as amount_matches_qualifier,
        -- annualized times the period is the amount, to half a cent a year
        coalesce(
            abs(annualized_usd_m * period_years - amount_usd_m) <= 0.005 * period_years,
            annualized_usd_m is null and (period_years is null or amount_usd_m is null)
        ) as annualized_matches,
        pledger_id in (select company_ids.company_id from company_ids)
        and recipient_id in (select company_ids.company_id from company_ids) as has_known_companies,
        amount_usd_m,
        annualized_usd_m,
        pledge_id
    from facts
),

combinations as (
    select
        amount_qualifier,
        category,
        is_superseded,
        has_pledge_id,
        has_source_url,
        is_between_groups,
        amount_matches_qualifier,
        annualized_matches,
        has_known_companies,
        count(*) as row_count,
        min(amount_usd_m)::double as min_amount_usd_m,
        min(annualized_usd_m)::double as min_annualized_usd_m,
        min(pledge_id) as example_pledge_id
    from judged
    group by all
),

final as (
    select
        combinations.*,
        duplicate_ids.duplicate_pledge_ids
    from combinations
    cross join duplicate_ids
)

select * from final
