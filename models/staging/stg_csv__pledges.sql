with

{{ csv_rows_ctes(ref('base_csv__pledges'), 'pledges') }},

typed as (
    select
        source_line,
        split_error,
        pledge_id,
        announced_date as announced_date_text,
        {{ parse_iso_date('announced_date') }} as announced_date,
        pledger,
        recipient,
        amount_millions as amount_text,
        {{ parse_decimal('amount_millions') }} as amount_millions,
        {{ parse_approximate('amount_millions') }} as amount_approximate,
        currency,
        amount_qualifier,
        period_years as period_years_text,
        -- Read to 6 decimals (half a minute), the precision annualized amounts divide by.
        cast({{ parse_decimal('period_years', 6, integer_digits=26) }} as decimal(38, 12))
            as period_years,
        category,
        supersedes_pledge_id,
        source_url,
        notes
    from csv_rows
),

judged as (
    select
        *,
        coalesce(
            split_error,
            {{ date_reason('announced_date_text', 'announced_date', 'announced_date') }}
        ) as unreadable_reason,
        {{ first_reason(
            [missing_fields_reason(['pledge_id', 'pledger', 'recipient', 'currency', 'amount_qualifier', 'category', 'source_url'])]
            + amount_reasons('amount_text', 'amount_approximate', 'amount_qualifier')
            + [
                "case when period_years_text is not null and (period_years is null or period_years <= 0) then 'period_years ''' || period_years_text || ''' is not a positive number of years' || " ~ cut_to_zero_note('period_years_text', 'period_years', 6) ~ " || ': write e.g. 5, or leave it blank when unknown' end",
                unknown_value_reason('category', var('categories'), 'category'),
                currency_reason('currency'),
            ]
        ) }} as row_reason
    from typed
),

final as (
    select
        'pledges.csv' as source_file,
        source_line,
        pledge_id,
        announced_date,
        pledger as pledger_name,
        recipient as recipient_name,
        amount_text,
        amount_millions,
        amount_approximate,
        currency,
        amount_qualifier,
        period_years,
        category,
        supersedes_pledge_id,
        source_url,
        notes,
        split_error,
        unreadable_reason,
        row_reason
    from judged
)

select * from final
