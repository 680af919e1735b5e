with

loops as (
    select * from {{ ref('int_loops_found') }}
),

final as (
    select
        substr(md5(path), 1, 12) as loop_id,
        path,
        hop_count,
        bottleneck_usd_m
    from loops
)

select * from final
