{#- Spark's reading of company_aliases.csv (the DuckDB build reads it with the Python model
    ../base_csv__company_aliases.py): see macros/spark_inputs.sql. -#}
{{ config(pre_hook=spark_clean_csv_view('company_aliases')) }}

{{ spark_clean_csv_rows('company_aliases') }}
