{#- Spark's reading of companies.csv (the DuckDB build reads it with the Python model
    ../base_csv__companies.py): see macros/spark_inputs.sql. -#}
{{ config(pre_hook=spark_clean_csv_view('companies')) }}

{{ spark_clean_csv_rows('companies') }}
