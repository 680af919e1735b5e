-- Rejected records per file and kind of reason (the reason with its quoted values taken
-- out), most frequent first, with the first such record as the example a user fixes first:
-- the build's summary and its plain-words failures read this.

with

rejected as (
    select
        *,
        {{ regexp_replace_all('reason', "'''[^'']*'''", "'''…'''") }} as reason_kind
    from {{ ref('rejected_rows') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by source_file, reason_kind order by source_line
        ) as rank_in_kind,
        count(*) over (partition by source_file, reason_kind) as rejected_rows
    from rejected
),

final as (
    select
        source_file,
        reason_kind,
        rejected_rows,
        source_line as first_line,
        record as first_record,
        reason as first_reason
    from ranked
    where rank_in_kind = 1
)

select * from final
