"""The Dagster code location of Circularity (`dagster dev` in the project root loads it)."""

from __future__ import annotations

from dagster import Definitions
from dagster_dbt import DbtCliResource

from circularity.dbt_runner import PROJECT_DIR, dbt_executable
from orchestration.assets import (
    circularity_dbt_models,
    dbt_project,
    input_files,
    published_warehouse,
)
from orchestration.automation import build_warehouse, csv_change_sensor, daily_build
from orchestration.checks import great_expectations_gates
from orchestration.resources import CircularityResource

defs = Definitions(
    assets=[*input_files, circularity_dbt_models, published_warehouse],
    asset_checks=[great_expectations_gates],
    jobs=[build_warehouse],
    schedules=[daily_build],
    sensors=[csv_change_sensor],
    resources={
        "dbt": DbtCliResource(
            project_dir=dbt_project,
            profiles_dir=str(PROJECT_DIR),
            dbt_executable=dbt_executable(),
        ),
        "circularity": CircularityResource.from_environment(),
    },
)
