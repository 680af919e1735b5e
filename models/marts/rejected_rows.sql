-- Every rejected row of every input file with its reason, and the record as read, taken
-- from the file's base model: the layers between carry only the fields.

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

final as (
    {%- for file_name in judged_models %}
    select * from {{ file_name }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
)

select * from final
