-- Rejected records per file and kind of reason (the reason with its values taken out),
-- with the first such record as the example a user fixes first: the build's summary
-- and its plain-words failures read this. The kinds are the report's.

with

examples as (
    select * from {{ ref('report_rejected_examples') }}
),

final as (
    select
        source_file,
        reason_kind,
        rejected_rows,
        source_line as first_line,
        record as first_record,
        reason as first_reason
    from examples
    where example_rank = 1
)

select * from final
