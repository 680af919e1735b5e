-- Simple directed cycles of 2 to 4 distinct groups. Each cycle is found once, from its
-- smallest group id (plain string order): every later group must sort after the first, so
-- the search is bounded by four hops and pruned at every step.

with

edges as (
    select * from {{ ref('int_flow_edges_summed') }}
),

two_hops as (
    select
        first_edge.from_group_id as group_1,
        first_edge.to_group_id as group_2,
        least(first_edge.amount_usd_m, second_edge.amount_usd_m) as bottleneck_usd_m
    from edges as first_edge
    inner join edges as second_edge
        on first_edge.to_group_id = second_edge.from_group_id
        and first_edge.from_group_id = second_edge.to_group_id
    where first_edge.to_group_id > first_edge.from_group_id
),

open_paths_2 as (
    select
        first_edge.from_group_id as group_1,
        first_edge.to_group_id as group_2,
        first_edge.amount_usd_m as bottleneck_usd_m
    from edges as first_edge
    where first_edge.to_group_id > first_edge.from_group_id
),

open_paths_3 as (
    select
        paths.group_1,
        paths.group_2,
        next_edge.to_group_id as group_3,
        least(paths.bottleneck_usd_m, next_edge.amount_usd_m) as bottleneck_usd_m
    from open_paths_2 as paths
    inner join edges as next_edge
        on paths.group_2 = next_edge.from_group_id
    where next_edge.to_group_id > paths.group_1
        and next_edge.to_group_id <> paths.group_2
),

three_hops as (
    select
        paths.group_1,
        paths.group_2,
        paths.group_3,
        least(paths.bottleneck_usd_m, closing_edge.amount_usd_m) as bottleneck_usd_m
    from open_paths_3 as paths
    inner join edges as closing_edge
        on paths.group_3 = closing_edge.from_group_id
        and paths.group_1 = closing_edge.to_group_id
),

four_hops as (
    select
        paths.group_1,
        paths.group_2,
        paths.group_3,
        next_edge.to_group_id as group_4,
        least(paths.bottleneck_usd_m, next_edge.amount_usd_m, closing_edge.amount_usd_m)
            as bottleneck_usd_m
    from open_paths_3 as paths
    inner join edges as next_edge
        on paths.group_3 = next_edge.from_group_id
    inner join edges as closing_edge
        on next_edge.to_group_id = closing_edge.from_group_id
        and paths.group_1 = closing_edge.to_group_id
    where next_edge.to_group_id > paths.group_1
        and next_edge.to_group_id not in (paths.group_2, paths.group_3)
),

cycles as (
    select
        {{ make_list(['group_1', 'group_2']) }} as group_ids,
        bottleneck_usd_m
    from two_hops
    union all
    select
        {{ make_list(['group_1', 'group_2', 'group_3']) }} as group_ids,
        bottleneck_usd_m
    from three_hops
    union all
    select
        {{ make_list(['group_1', 'group_2', 'group_3', 'group_4']) }} as group_ids,
        bottleneck_usd_m
    from four_hops
),

final as (
    select
        {{ list_to_text(list_append('group_ids', list_element('group_ids', 1)), ' > ') }} as path,
        {{ list_length('group_ids') }} as hop_count,
        bottleneck_usd_m
    from cycles
)

select * from final
