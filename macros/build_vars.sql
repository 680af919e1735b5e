{#- The two knobs of a build. Each is a dbt var first, then an environment variable, so that
    `dbt build`, `circularity build` and Dagster all set them the same way. -#}

{% macro data_dir() -%}
    {{ return(var('data_dir', env_var('CIRCULARITY_DATA_DIR', 'seeds')) | string) }}
{%- endmacro %}

{#- The as-of date as a SQL date literal, or null for a full build. -#}
{% macro as_of_date() -%}
    {%- set as_of = var('as_of', env_var('CIRCULARITY_AS_OF', '')) | string | trim -%}
    {%- if as_of in ('', 'none', 'None') -%}
        cast(null as date)
    {%- else -%}
        cast('{{ as_of }}' as date)
    {%- endif -%}
{%- endmacro %}
