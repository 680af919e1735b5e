-- Every FX rate row, judged. The as-of date leaves rates in: it applies to rows that are
-- announced (deals and pledges), and a flow on or before it only ever uses a rate dated on
-- or before its own day anyway.

with

rates as (
    select * from {{ ref('stg_csv__fx_rates') }}
),

first_line_per_key as (
    select
        currency,
        rate_date,
        min(source_line) as first_line
    from rates
    where unreadable_reason is null
        and row_reason is null
    group by currency, rate_date
),

judged as (
    select
        rates.source_file,
        rates.source_line,
        rates.currency,
        rates.rate_date,
        rates.usd_per_unit,
        {{ first_reason([
            'rates.unreadable_reason',
            'rates.row_reason',
            "case when rates.source_line <> first_line_per_key.first_line then 'duplicate rate for ''' || rates.currency || ''' on ''' || rates.rate_date || ''' (first on line ' || first_line_per_key.first_line || '): keep one rate per currency and day' end",
        ]) }} as rejection_reason
    from rates
    left join first_line_per_key
        on rates.currency = first_line_per_key.currency
        and rates.rate_date = first_line_per_key.rate_date
),

final as (
    select * from judged
)

select * from final
