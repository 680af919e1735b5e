{#- Records of an input file for staging.

    The base models (circularity.ingest) have already found each record, its physical line
    and whether it can be read at all. This gives staging, per record: source_line, record
    (the raw text), split_error (why it cannot be read) and one trimmed text column per name
    in `columns` (null when blank). -#}

{#- The raw text of a record the ingest did not store: its fields joined by commas. -#}
{% macro csv_record(columns) -%}
    concat_ws(','
    {%- for column in columns %}, coalesce({{ column }}, ''){% endfor -%}
    )
{%- endmacro %}

{% macro csv_rows_ctes(base_relation, columns) -%}
csv_rows as (
    select
        source_line,
        coalesce(record, {{ csv_record(columns) }}) as record,
        read_error as split_error,
        {%- for column in columns %}
        nullif(trim({{ column }}), '') as {{ column }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ base_relation }}
    where not coalesce(is_blank, false)
)
{%- endmacro %}
