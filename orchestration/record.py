"""Builds published from the command line, shown in Dagster: when a Dagster instance is
configured (DAGSTER_HOME), `circularity build` reports the marts and the published
warehouse as materialized, so the UI does not say "Never materialized" after a CLI build,
and the marts carry the report's charts as after a Dagster run."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
import duckdb

from circularity import asset_charts
from orchestration.assets import PUBLISHED, mart_keys


def record_cli_build(warehouse: Path, run_id: str) -> bool:
    """Report the build to the instance named by DAGSTER_HOME; False when none is."""
    if not os.environ.get("DAGSTER_HOME"):
        return False
    instance = dg.DagsterInstance.get()
    connection = duckdb.connect(str(warehouse), read_only=True)
    try:
        charts = asset_charts.mart_charts(connection, warehouse)
    finally:
        connection.close()
    for key in [*mart_keys(), PUBLISHED]:
        metadata: dict[str, object] = {
            "warehouse": dg.MetadataValue.path(str(warehouse)),
            "run": run_id,
        }
        if key.path[-1] in charts and key != PUBLISHED:
            metadata["chart"] = dg.MetadataValue.md(charts[key.path[-1]])
        instance.report_runless_asset_event(
            dg.AssetMaterialization(
                asset_key=key,
                description=f"published by `circularity build` (run {run_id})",
                metadata=metadata,
            )
        )
    return True
