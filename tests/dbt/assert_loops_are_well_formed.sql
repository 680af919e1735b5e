{{ config(meta={"dagster": {"ref": {"name": "circular_loops"}}}) }}

-- Every loop path starts and ends at its smallest group, visits hop_count distinct groups,
-- and every hop is an edge of the flow graph.
with

loops as (
    select
        path,
        hop_count,
        string_split(path, ' > ') as groups
    from {{ ref('circular_loops') }}
),

hops as (
    select
        loops.path,
        loops.groups[position] as from_group_id,
        loops.groups[position + 1] as to_group_id
    from loops, range(1, loops.hop_count + 1) as positions(position)
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
    where groups[1] <> groups[-1]
       or len(groups) <> hop_count + 1
       or len(list_distinct(groups[1:hop_count])) <> hop_count
       or groups[1] <> list_min(groups)
)

select path from missing_edges
union all
select path from malformed
