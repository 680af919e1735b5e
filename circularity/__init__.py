"""Circularity: a DuckDB + dbt warehouse of circular financing in the AI industry."""

import os

# No tool of the stack phones home from a build: set before dbt, Dagster or GX import.
for _name, _value in {
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "GX_ANALYTICS_ENABLED": "false",
    "DAGSTER_DISABLE_TELEMETRY": "1",
}.items():
    os.environ.setdefault(_name, _value)
