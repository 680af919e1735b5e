-- The closed loops the report lists, in its order: the var('report_loops_shown') with the
-- largest bottleneck (ties: fewer hops first, then by path). report_edges shows every hop
-- of them, and `circularity report` lists them in list_rank order.

with

loops as (
    select * from {{ ref('circular_loops') }}
),

loops_ranked as (
    select
        loop_id,
        path,
        hop_count,
        bottleneck_usd_m,
        row_number() over (
            order by bottleneck_usd_m desc, hop_count asc, path asc
        ) as list_rank
    from loops
),

final as (
    select * from loops_ranked
    where list_rank <= {{ var('report_loops_shown') }}
)

select * from final
