-- rejected_rows reduced to one row per file and whether a reason is given, with the
-- count of lines rejected twice.

with

rejected as (
    select * from {{ ref('rejected_rows') }}
),

duplicate_lines as (
    select
        count(*) - count(distinct {{ row_value(['source_file', 'source_line']) }})
            as duplicate_lines
    from rejected
),

per_file as (
    select
        source_file,
        reason is not null as has_reason,
        count(*) as row_count,
        min(source_line) as min_source_line
    from rejected
    group by all
),

final as (
    select
        per_file.*,
        duplicate_lines.duplicate_lines
    from per_file
    cross join duplicate_lines
)

select * from final
