{#- Spark's reading of fx_rates.csv (the DuckDB build reads it with the Python model
    ../base_csv__fx_rates.py): see macros/spark_inputs.sql. -#}
{{ config(pre_hook=spark_clean_csv_view('fx_rates')) }}

{{ spark_clean_csv_rows('fx_rates') }}
