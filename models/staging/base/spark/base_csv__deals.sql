{#- Spark's reading of deals.csv (the DuckDB build reads it with the Python model
    ../base_csv__deals.py): see macros/spark_inputs.sql. -#}
{{ config(pre_hook=spark_clean_csv_view('deals')) }}

{{ spark_clean_csv_rows('deals') }}
