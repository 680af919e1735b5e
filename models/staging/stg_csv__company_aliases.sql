with

{{ csv_rows_ctes(ref('base_csv__company_aliases'), 'company_aliases') }},

judged as (
    select
        *,
        {{ first_reason([
            'split_error',
            missing_fields_reason(['alias', 'company_id']),
        ]) }} as row_reason
    from csv_rows
),

final as (
    select
        'company_aliases.csv' as source_file,
        source_line,
        alias,
        lower(alias) as alias_key,
        company_id,
        lower(company_id) as company_key,
        split_error,
        row_reason
    from judged
)

select * from final
