-- One row per loop with the facts its gate checks: a path that closes on itself, has one
-- group per hop, visits distinct groups and starts at the smallest id.

with

loops as (
    select
        *,
        {{ split_text('path', ' > ') }} as path_groups
    from {{ ref('circular_loops') }}
),

final as (
    select
        loop_id,
        path,
        hop_count,
        bottleneck_usd_m::double as bottleneck_usd_m,
        coalesce(
            {{ list_element('path_groups', 1) }}
            = {{ list_element('path_groups', 'hop_count + 1') }},
            false
        ) as starts_and_ends_at_same_group,
        {{ list_length('path_groups') }} = hop_count + 1 as has_hop_count_edges,
        {{ list_distinct_count('path_groups') }} = hop_count as visits_distinct_groups,
        {{ list_element('path_groups', 1) }} = {{ list_smallest('path_groups') }}
            as starts_at_smallest_group
    from loops
)

select * from final
