-- The fact table reduced to one row per combination of the facts its gate checks, with
-- how many rows share it: the gate validates thousands of rows, not millions.

with

facts as (
    select * from {{ ref('fct_investments') }}
),

company_ids as (
    select company_id from {{ ref('dim_companies') }}
    where company_id is not null
),

duplicate_ids as (
    select count(*) - count(distinct deal_id) as duplicate_deal_ids
    from facts
),

judged as (
    select
        amount_qualifier,
        instrument,
        is_superseded,
        deal_id is not null as has_deal_id,
        source_url is not null as has_source_url,
        investor_group_id <> investee_group_id as is_between_groups,
        (amount_usd_m is null) = (amount_qualifier = 'undisclosed') as amount_matches_qualifier,
        investor_id in (select company_ids.company_id from company_ids)
        and investee_id in (select company_ids.company_id from company_ids) as has_known_companies,
        amount_usd_m,
        deal_id
    from facts
),

combinations as (
    select
        amount_qualifier,
        instrument,
        is_superseded,
        has_deal_id,
        has_source_url,
        is_between_groups,
        amount_matches_qualifier,
        has_known_companies,
        count(*) as row_count,
        min(amount_usd_m)::double as min_amount_usd_m,

        min(deal_id) as example_deal_id
    from judged
    group by all
),

final as (
    select
        combinations.*,
        duplicate_ids.duplicate_deal_ids
    from combinations
    cross join duplicate_ids
)

select * from final
