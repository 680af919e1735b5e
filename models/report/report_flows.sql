-- The deals and pledges the report shows behind each edge (kind, from group, to group):
-- the largest counted rows of the edge (superseded rows left out), at most
-- var('report_examples_per_edge') of them, ranked by amount. The edges' totals come from
-- int_flows_counted (report_edges), so this table stays small however large the data.

with

investments as (
    select
        'investment' as kind,
        deal_id as flow_id,
        announced_date,
        investor_group_id as from_group,
        investee_group_id as to_group,
        investor_id as from_company,
        investee_id as to_company,
        amount_usd_m,
        amount_qualifier as qualifier,
        coalesce(instrument, '') as detail,
        coalesce(source_url, '') as source_url
    from {{ ref('fct_investments') }}
    where not is_superseded
),

pledges as (
    select
        'pledge' as kind,
        pledge_id as flow_id,
        announced_date,
        pledger_group_id as from_group,
        recipient_group_id as to_group,
        pledger_id as from_company,
        recipient_id as to_company,
        amount_usd_m,
        amount_qualifier as qualifier,
        concat_ws(
            ', ',
            category,
            case
                when period_years is not null
                    then cast(period_years as {{ dbt.type_string() }}) || ' years'
            end
        ) as detail,
        coalesce(source_url, '') as source_url
    from {{ ref('fct_pledges') }}
    where not is_superseded
),

flows as (
    select * from investments
    union all
    select * from pledges
),

ranked as (
    select
        *,
        row_number() over (
            partition by kind, from_group, to_group
            order by amount_usd_m desc nulls last, announced_date asc, flow_id asc
        ) as rank_in_edge
    from flows
),

final as (
    select * from ranked
    where rank_in_edge <= {{ var('report_examples_per_edge') }}
)

select * from final
