with

{{ csv_rows_ctes(ref('base_csv__companies'), 'companies') }},

judged as (
    select
        *,
        {{ first_reason([
            'split_error',
            missing_fields_reason(['company_id', 'name', 'kind']),
            unknown_value_reason('kind', var('company_kinds'), 'kind'),
            "case when not " ~ regexp_full_match('country', '[A-Z]{2}') ~ " then 'country ''' || country || ''' is not an ISO 3166 alpha-2 code like US: fix it or leave it blank' end",
        ]) }} as row_reason
    from csv_rows
),

final as (
    select
        'companies.csv' as source_file,
        source_line,
        company_id,
        lower(company_id) as company_key,
        name,
        parent_id,
        lower(parent_id) as parent_key,
        kind,
        country,
        split_error,
        row_reason
    from judged
)

select * from final
