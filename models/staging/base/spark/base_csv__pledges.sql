{#- Spark's reading of pledges.csv (the DuckDB build reads it with the Python model
    ../base_csv__pledges.py): see macros/spark_inputs.sql. -#}
{{ config(pre_hook=spark_clean_csv_view('pledges')) }}

{{ spark_clean_csv_rows('pledges') }}
