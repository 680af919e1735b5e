{#- Records of an input file for staging.

    The base models (circularity.ingest) have already found each record, its physical line
    and whether it can be read at all. Staging takes, per record: source_line, split_error
    (why it cannot be read) and one trimmed text column per contract column (null when
    blank). The raw text of a record is not carried through the layers: only rejected rows
    show it, and rejected_rows takes it from the base model (csv_record). -#}

{#- The contract's columns of each input file, in the contract's order: the order of the
    base models' columns, and of the fields of a record the ingest read as it is. -#}
{% macro input_columns(file_name) -%}
    {%- set columns = {
        'companies': ['company_id', 'name', 'parent_id', 'kind', 'country'],
        'company_aliases': ['alias', 'company_id'],
        'fx_rates': ['currency', 'rate_date', 'usd_per_unit'],
        'deals': [
            'deal_id', 'announced_date', 'investor', 'investee', 'amount_millions', 'currency',
            'amount_qualifier', 'instrument', 'supersedes_deal_id', 'source_url', 'notes',
        ],
        'pledges': [
            'pledge_id', 'announced_date', 'pledger', 'recipient', 'amount_millions', 'currency',
            'amount_qualifier', 'period_years', 'category', 'supersedes_pledge_id', 'source_url',
            'notes',
        ],
    } -%}
    {{ return(columns[file_name]) }}
{%- endmacro %}

{#- The raw text of a record of a base model: as stored by the ingest, or, for a record the
    ingest read as it is (a line in the header's order with no quotes), its fields joined by
    commas, which is that line exactly. -#}
{% macro csv_record(base, file_name) -%}
    coalesce({{ base }}.record, concat_ws(','
    {%- for column in input_columns(file_name) %}, coalesce({{ base }}.{{ column }}, ''){% endfor -%}
    ))
{%- endmacro %}

{% macro csv_rows_ctes(base_relation, file_name) -%}
csv_rows as (
    select
        source_line,
        read_error as split_error,
        {%- for column in input_columns(file_name) %}
        nullif({{ trim_spaces(column) }}, '') as {{ column }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ base_relation }}
    where not coalesce(is_blank, false)
)
{%- endmacro %}
