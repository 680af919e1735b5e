-- The deals and pledges the report lists behind each edge it shows (kind, from group, to
-- group): the largest counted rows of the edge (superseded rows left out), at most
-- var('report_examples_per_edge') of them, ranked by amount (undisclosed last), then day,
-- then id. Only the edges the page shows are ranked, and the ranking reads only the few
-- columns of int_flows_counted; the facts are looked up for the rows kept, so this stays
-- cheap and small however large the data.

with

edges_shown as (
    select * from {{ ref('report_edges') }}
    where is_shown
),

counted as (
    select counted_flows.*
    from {{ ref('int_flows_counted') }} as counted_flows
    inner join edges_shown
        on counted_flows.flow_kind = edges_shown.kind
        and counted_flows.from_group_id = edges_shown.from_group
        and counted_flows.to_group_id = edges_shown.to_group
),

largest as (
    {{ largest_flows_per_edge('counted', var('report_examples_per_edge')) }}
),

investments as (
    select
        'investment' as kind,
        fct_investments.deal_id as flow_id,
        fct_investments.announced_date,
        fct_investments.investor_group_id as from_group,
        fct_investments.investee_group_id as to_group,
        fct_investments.investor_id as from_company,
        fct_investments.investee_id as to_company,
        fct_investments.amount_usd_m,
        fct_investments.amount_qualifier as qualifier,
        coalesce(fct_investments.instrument, '') as detail,
        coalesce(fct_investments.source_url, '') as source_url,
        largest.rank_in_edge
    from {{ ref('fct_investments') }} as fct_investments
    inner join largest
        on largest.flow_kind = 'investment'
        and fct_investments.deal_id = largest.flow_id
),

pledges as (
    select
        'pledge' as kind,
        fct_pledges.pledge_id as flow_id,
        fct_pledges.announced_date,
        fct_pledges.pledger_group_id as from_group,
        fct_pledges.recipient_group_id as to_group,
        fct_pledges.pledger_id as from_company,
        fct_pledges.recipient_id as to_company,
        fct_pledges.amount_usd_m,
        fct_pledges.amount_qualifier as qualifier,
        concat_ws(
            ', ',
            fct_pledges.category,
            case
                when fct_pledges.period_years is not null
                    then cast(fct_pledges.period_years as {{ dbt.type_string() }}) || ' years'
            end
        ) as detail,
        coalesce(fct_pledges.source_url, '') as source_url,
        largest.rank_in_edge
    from {{ ref('fct_pledges') }} as fct_pledges
    inner join largest
        on largest.flow_kind = 'pledge'
        and fct_pledges.pledge_id = largest.flow_id
),

final as (
    select * from investments
    union all
    select * from pledges
)

select * from final
