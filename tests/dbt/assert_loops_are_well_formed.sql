{{ config(meta={"dagster": {"ref": {"name": "circular_loops"}}}) }}

-- Every loop path starts and ends at its smallest group, visits hop_count distinct groups,
-- and every hop is an edge of the flow graph.
with

loops as (
    select
        path,
        hop_count,
        {{ split_text('path', ' > ') }} as group_ids
    from {{ ref('circular_loops') }}
),

hops as (
    {{ list_positions('loops', 'hop_count') }}
),

missing_edges as (
    select hops.path
    from hops
    left join {{ ref('int_flow_edges_summed') }} as edges
        on hops.from_group_id = edges.from_group_id
        and hops.to_group_id = edges.to_group_id
    where edges.from_group_id is null
),

malformed as (
    select path
    from loops
    where {{ list_element('group_ids', 1) }} <> {{ list_last('group_ids') }}
        or {{ list_length('group_ids') }} <> hop_count + 1
        or {{ list_distinct_count(list_head('group_ids', 'hop_count')) }} <> hop_count
        or {{ list_element('group_ids', 1) }} <> {{ list_smallest('group_ids') }}
)

select path from missing_edges
union all
select path from malformed
