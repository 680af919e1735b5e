with

{{ csv_rows_ctes(ref('base_csv__fx_rates'), 'fx_rates') }},

typed as (
    select
        source_line,
        split_error,
        currency,
        rate_date as rate_date_text,
        {{ parse_iso_date('rate_date') }} as rate_date,
        usd_per_unit,
        {{ parse_decimal('usd_per_unit', 10) }} as usd_per_unit_value
    from csv_rows
),

judged as (
    select
        *,
        coalesce(
            split_error,
            {{ date_reason('rate_date_text', 'rate_date', 'rate_date') }}
        ) as unreadable_reason,
        {{ first_reason([
            missing_fields_reason(['currency', 'usd_per_unit']),
            currency_reason('currency'),
            "case when usd_per_unit_value is null or usd_per_unit_value <= 0 then 'usd_per_unit ''' || usd_per_unit || ''' is not a positive number' || " ~ cut_to_zero_note('usd_per_unit', 'usd_per_unit_value', 10) ~ " || ': write the US dollars one unit buys, like 1.0850' end",
        ]) }} as row_reason
    from typed
),

final as (
    select
        'fx_rates.csv' as source_file,
        source_line,
        currency,
        rate_date,
        usd_per_unit_value as usd_per_unit,
        unreadable_reason,
        row_reason
    from judged
)

select * from final
