"""The Dagster code location of Circularity (`dagster dev` in the project root loads it).

Nothing happens at import: Dagster calls `defs` when it loads the code location, which is
when the dbt manifest is brought up to date (`dbt parse`, only when a dbt file changed)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject

from circularity.dbt_runner import PROJECT_DIR, dbt_executable, partial_parse_cache
from orchestration.assets import dbt_models, input_files, published_warehouse
from orchestration.automation import build_warehouse, csv_change_sensor, daily_build
from orchestration.checks import gate_checks
from orchestration.resources import CircularityResource


def dbt_project() -> DbtProject:
    """The dbt project with a current manifest. The manifest lives outside the project (a
    read-only checkout works) and is parsed again only when a dbt file is newer."""
    target = partial_parse_cache() / "dagster-dbt-target"  # one per checkout of the project
    project = DbtProject(project_dir=PROJECT_DIR, target_path=target)
    manifest = project.manifest_path
    sources = [PROJECT_DIR / "dbt_project.yml", PROJECT_DIR / "profiles.yml"]
    for folder in ("models", "macros", "tests/dbt"):
        sources.extend(path for path in (PROJECT_DIR / folder).rglob("*") if path.is_file())
    newest = max(path.stat().st_mtime for path in sources)
    if not manifest.exists() or manifest.stat().st_mtime < newest:
        Path(target).mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                dbt_executable(),
                "parse",
                "--quiet",
                "--project-dir",
                str(PROJECT_DIR),
                "--profiles-dir",
                str(PROJECT_DIR),
                "--target-path",
                str(target),
                "--log-path",
                str(target),
            ],
            cwd=target,
            check=True,
        )
    return project


@dg.definitions
def defs() -> dg.Definitions:
    project = dbt_project()
    circularity = CircularityResource.from_environment()
    return dg.Definitions(
        assets=[*input_files(), dbt_models(project, circularity.warehouse), published_warehouse()],
        asset_checks=[gate_checks()],
        jobs=[build_warehouse],
        schedules=[daily_build],
        sensors=[csv_change_sensor],
        resources={
            "dbt": DbtCliResource(
                project_dir=project,
                profiles_dir=str(PROJECT_DIR),
                dbt_executable=dbt_executable(),
            ),
            "circularity": circularity,
        },
    )
