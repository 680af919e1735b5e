{#- Spark's base models: each reads the clean CSV that `circularity build --engine spark`
    wrote before dbt from the rows of the DuckDB base model (circularity.ingest), so
    records, line numbers and read errors are exactly DuckDB's. The dbt var `spark_inputs`
    gives the folder and each file's contract columns. -#}

{#- A Spark SQL string literal of a path (backslashes and quotes escaped). -#}
{% macro spark_string_literal(value) -%}
    '{{ value | replace("\\", "\\\\") | replace("'", "\\'") }}'
{%- endmacro %}

{#- The pre-hook: a temporary view over one clean file, every column read as text. -#}
{% macro spark_clean_csv_view(file) -%}
    {%- set inputs = var('spark_inputs', {}) -%}
    create or replace temporary view clean_csv__{{ file }}
    using csv
    options (
        path {{ spark_string_literal(inputs.get('dir', 'spark-inputs') ~ '/' ~ file ~ '.csv') }},
        header 'true',
        multiLine 'true',
        quote '"',
        escape '"',
        mode 'FAILFAST',
        encoding 'UTF-8',
        inferSchema 'false',
        enforceSchema 'false'
    )
{%- endmacro %}

{#- The base model's rows: the meta columns typed as DuckDB reads them, the contract's
    columns as text. -#}
{% macro spark_clean_csv_rows(file) -%}
    {%- set columns = var('spark_inputs', {}).get('columns', {}).get(file, []) -%}
    select
        cast(source_line as bigint) as source_line,
        cast(line_count as int) as line_count,
        cast(is_blank as boolean) as is_blank,
        read_error,
        record
        {%- for column in columns %},
        `{{ column }}`
        {%- endfor %}
    from clean_csv__{{ file }}
{%- endmacro %}
