{#- The two knobs of a build. Each is a dbt var first, then an environment variable, so that
    `dbt build`, `circularity build` and Dagster all set them the same way. -#}

{% macro data_dir() -%}
    {{ return(var('data_dir', env_var('CIRCULARITY_DATA_DIR', 'seeds')) | string) }}
{%- endmacro %}

{#- The as-of date as a SQL date literal, or null for a full build. Only digits in the
    shape YYYY-MM-DD reach the SQL. -#}
{% macro as_of_date() -%}
    {%- set as_of = var('as_of', env_var('CIRCULARITY_AS_OF', '')) | string | trim -%}
    {%- if as_of in ('', 'none', 'None') -%}
        cast(null as date)
    {%- elif modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}', as_of) -%}
        cast('{{ as_of }}' as date)
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "as_of '" ~ as_of ~ "' is not a date: write YYYY-MM-DD, like 2025-12-31"
        ) }}
    {%- endif -%}
{%- endmacro %}
