-- Every rejected row of every input file with its reason, and the record as read, taken
-- from the file's base model: the layers between carry only the fields. A character that
-- does not show on screen is written by its code in the values a reason quotes: a chain
-- of replace() calls (shown_invisible), deeper than sqlfluff parses by default.
-- sqlfluff:max_parse_depth:1500

{%- set judged_models = {
    'companies': 'int_companies_rolled_up',
    'company_aliases': 'int_company_aliases_validated',
    'fx_rates': 'int_fx_rates_validated',
    'deals': 'int_deals_resolved',
    'pledges': 'int_pledges_resolved',
} %}

with

{% for file_name, judged_model in judged_models.items() %}
{{ file_name }} as (
    select
        judged.source_file,
        judged.source_line,
        {{ csv_record('records', file_name) }} as record,
        judged.rejection_reason as reason
    from {{ ref(judged_model) }} as judged
    inner join {{ ref('base_csv__' ~ file_name) }} as records
        on judged.source_line = records.source_line
    where judged.rejection_reason is not null
),
{% endfor %}

every_file as (
    {%- for file_name in judged_models %}
    select * from {{ file_name }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

final as (
    select
        source_file,
        source_line,
        record,
        {{ shown_invisible('reason') }} as reason
    from every_file
)

select * from final
