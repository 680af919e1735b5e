{#- The post-hook of every gate model: when `circularity build` runs dbt on DuckDB, a copy
    of the gate's rows in the build folder (`gate-batches/<model>.parquet`, relative to the
    folder where the CLI runs dbt), so that Great Expectations validates them while dbt
    builds the rest. The path is fixed: nothing from outside reaches this SQL. Every other
    run (`dbt build` by hand, Dagster, Spark) writes nothing. -#}
{% macro export_gate_batch() -%}
    {%- if target.type == 'duckdb' and env_var('CIRCULARITY_GATE_BATCHES', '') == 'on' -%}
        copy (select * from {{ this }}) to 'gate-batches/{{ this.identifier }}.parquet' (format parquet)
    {%- endif -%}
{%- endmacro %}
