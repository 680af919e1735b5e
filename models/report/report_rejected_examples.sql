-- Rejected rows per file and kind of reason, with up to 20 examples each (first by line).
-- A reason's kind is the reason without its values: every value it quotes, and the line
-- of a duplicate's first occurrence, become '…'.

with

rejected as (
    select
        *,
        {{ regexp_replace_all(
            regexp_replace_all('reason', "'''[^'']*'''", "'''…'''"),
            "'[(]first on line [0-9]+[)]'",
            "'(first on line …)'"
        ) }} as reason_kind
    from {{ ref('rejected_rows') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by source_file, reason_kind order by source_line
        ) as example_rank,
        count(*) over (partition by source_file, reason_kind) as rejected_rows
    from rejected
),

final as (
    select
        source_file,
        reason_kind,
        rejected_rows,
        example_rank,
        source_line,
        reason,
        record
    from ranked
    where example_rank <= 20
)

select * from final
