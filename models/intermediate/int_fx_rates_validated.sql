-- Every FX rate row, judged. Rates dated after the as-of date are left out of the build,
-- like any row written after it.

with

rates as (
    select
        *,
        {{ as_of_date() }} as as_of_date
    from {{ ref('stg_csv__fx_rates') }}
),

in_build as (
    select *
    from rates
    where unreadable_reason is not null
       or as_of_date is null
       or rate_date <= as_of_date
),

first_line_per_key as (
    select
        currency,
        rate_date,
        min(source_line) as first_line
    from in_build
    where unreadable_reason is null
      and row_reason is null
    group by currency, rate_date
),

judged as (
    select
        in_build.source_file,
        in_build.source_line,
        in_build.record,
        in_build.currency,
        in_build.rate_date,
        in_build.usd_per_unit,
        {{ first_reason([
            'in_build.unreadable_reason',
            'in_build.row_reason',
            "case when in_build.source_line <> first_line_per_key.first_line then 'duplicate rate for ' || in_build.currency || ' on ' || in_build.rate_date || ' (first on line ' || first_line_per_key.first_line || '): keep one rate per currency and day' end",
        ]) }} as rejection_reason
    from in_build
    left join first_line_per_key
        on in_build.currency = first_line_per_key.currency
        and in_build.rate_date = first_line_per_key.rate_date
),

final as (
    select * from judged
)

select * from final
