with

{{ csv_rows_ctes(ref('base_csv__deals'), 'deals') }},

typed as (
    select
        source_line,
        split_error,
        deal_id,
        announced_date as announced_date_text,
        {{ parse_iso_date('announced_date') }} as announced_date,
        investor,
        investee,
        amount_millions as amount_text,
        {{ parse_decimal('amount_millions') }} as amount_millions,
        {{ parse_approximate('amount_millions') }} as amount_approximate,
        currency,
        amount_qualifier,
        instrument,
        supersedes_deal_id,
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
            [missing_fields_reason(['deal_id', 'investor', 'investee', 'currency', 'amount_qualifier', 'instrument', 'source_url'])]
            + amount_reasons('amount_text', 'amount_approximate', 'amount_qualifier')
            + [
                unknown_value_reason('instrument', var('instruments'), 'instrument'),
                currency_reason('currency'),
            ]
        ) }} as row_reason
    from typed
),

final as (
    select
        'deals.csv' as source_file,
        source_line,
        deal_id,
        announced_date,
        investor as investor_name,
        investee as investee_name,
        amount_text,
        amount_millions,
        amount_approximate,
        currency,
        amount_qualifier,
        instrument,
        supersedes_deal_id,
        source_url,
        notes,
        split_error,
        unreadable_reason,
        row_reason
    from judged
)

select * from final
