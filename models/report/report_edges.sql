-- The flow graph's edges as the report draws them: per kind and pair of distinct groups,
-- the counted amount (undisclosed rows count 0), the rows and the undisclosed rows; and
-- whether the page shows the edge: one of the var('report_edges_shown') largest, or a hop of
-- one of the loops the page lists (report_loops).

with

flows as (
    select * from {{ ref('int_flows_counted') }}
    where from_group_id <> to_group_id
),

edges as (
    select
        flow_kind as kind,
        from_group_id as from_group,
        to_group_id as to_group,
        cast(coalesce(sum(amount_usd_m), 0) as decimal(38, 2)) as amount_usd_m,
        count(*) as flow_rows,
        count(*) filter (where amount_usd_m is null) as undisclosed_rows
    from flows
    group by flow_kind, from_group_id, to_group_id
),

edges_ranked as (
    select
        *,
        row_number() over (
            order by amount_usd_m desc, kind asc, from_group asc, to_group asc
        ) as amount_rank
    from edges
),

loops_shown as (
    select * from {{ ref('report_loops') }}
),

-- An edge is a hop of a loop when "from > to" stands in its path between separators.
loop_hops as (
    select distinct
        edges.kind,
        edges.from_group,
        edges.to_group
    from edges
    inner join loops_shown
        on {{ dbt.position(
            "' > ' || edges.from_group || ' > ' || edges.to_group || ' > '",
            "' > ' || loops_shown.path || ' > '"
        ) }} > 0
),

final as (
    select
        edges_ranked.kind,
        edges_ranked.from_group,
        edges_ranked.to_group,
        edges_ranked.amount_usd_m,
        edges_ranked.flow_rows,
        edges_ranked.undisclosed_rows,
        (
            edges_ranked.amount_rank <= {{ var('report_edges_shown') }}
            or loop_hops.kind is not null
        ) as is_shown
    from edges_ranked
    left join loop_hops
        on edges_ranked.kind = loop_hops.kind
        and edges_ranked.from_group = loop_hops.from_group
        and edges_ranked.to_group = loop_hops.to_group
)

select * from final
