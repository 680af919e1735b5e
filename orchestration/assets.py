"""The build as Dagster assets: the input CSVs as source assets, every dbt model as an asset
(its dbt tests as asset checks) and the published warehouse, downstream of every mart."""

import subprocess
from collections.abc import Iterator
from typing import Any

import duckdb
from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    Failure,
    MaterializeResult,
    MetadataValue,
    Output,
    asset,
)
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from circularity import pipeline, publish, summary
from circularity.dbt_runner import PROJECT_DIR, dbt_executable, dbt_variables, environment
from circularity.inputs import REQUIRED_COLUMNS, InputError
from circularity.validation import ValidationReport
from circularity.workspace import Workspace
from orchestration.resources import CircularityResource

MART_TABLES = (
    "dim_companies", "fct_investments", "fct_pledges", "investment_totals",
    "reciprocal_spend", "circular_loops", "rejected_rows",
)
MART_KEYS = [AssetKey(["marts", table]) for table in MART_TABLES]

dbt_project = DbtProject(project_dir=PROJECT_DIR)


def _prepare_manifest(project: DbtProject) -> None:
    """dbt parse when the manifest is missing or older than the project's dbt files, so
    that `dagster dev`, `dagster asset materialize` and tests all load the current models."""
    manifest = project.manifest_path
    sources = [PROJECT_DIR / "dbt_project.yml", PROJECT_DIR / "profiles.yml"]
    for folder in ("models", "macros", "tests/dbt"):
        sources.extend(path for path in (PROJECT_DIR / folder).rglob("*") if path.is_file())
    newest = max(path.stat().st_mtime for path in sources)
    if not manifest.exists() or manifest.stat().st_mtime < newest:
        subprocess.run(
            [dbt_executable(), "parse", "--quiet", "--project-dir", str(PROJECT_DIR),
             "--profiles-dir", str(PROJECT_DIR), "--target-path", str(manifest.parent)],
            cwd=PROJECT_DIR, check=True,
        )


_prepare_manifest(dbt_project)


class CircularityTranslator(DagsterDbtTranslator):
    """Groups follow the dbt layers; sources are the `inputs` group."""

    def get_group_name(self, dbt_resource_props: dict[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "source":
            return "inputs"
        return dbt_resource_props["fqn"][1] if len(dbt_resource_props["fqn"]) > 2 else None


input_files = [
    AssetSpec(
        key=AssetKey(["csv", name.removesuffix(".csv")]),
        description=f"{name} in the data directory (CIRCULARITY_DATA_DIR); required columns: "
        + ", ".join(columns),
        group_name="inputs",
        metadata={"file": name},
    )
    for name, columns in REQUIRED_COLUMNS.items()
]


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    exclude="resource_type:unit_test",
    dagster_dbt_translator=CircularityTranslator(),
)
def circularity_dbt_models(
    context: AssetExecutionContext, dbt: DbtCliResource, circularity: CircularityResource
) -> Iterator[Any]:
    """Check the inputs, open this run's workspace beside the published warehouse, and dbt
    build into its new file. Row counts (and, on marts, a preview) become asset metadata."""
    config = circularity.build_config()
    try:
        workspace = pipeline.prepare(config, context.run.run_id)
    except (InputError, publish.WarehouseError) as error:
        raise Failure(description=str(error)) from error
    variables = dbt_variables(str(workspace.database), config.data_dir, config.as_of)
    with environment(variables):
        invocation = dbt.cli(["build"], context=context, raise_on_error=False)
        events = list(invocation.stream())
    if not invocation.is_successful():
        for event in events:
            yield event
        kept = publish.keep_failed(workspace)
        raise Failure(description=f"dbt build failed; the failed build is kept at {kept}")
    connection = duckdb.connect(str(workspace.database), read_only=True)
    try:
        for event in events:
            if isinstance(event, Output):
                key = context.asset_key_for_output(event.output_name)
                relation = ".".join(key.path)
                metadata: dict[str, Any] = {
                    "dagster/row_count": summary.row_count(connection, relation)
                }
                if key in MART_KEYS:
                    metadata["preview"] = MetadataValue.md(
                        summary.markdown_preview(connection, relation)
                    )
                event = event.with_metadata({**event.metadata, **metadata})
            yield event
    finally:
        connection.close()


@asset(
    key=AssetKey(["warehouse", "published"]),
    deps=MART_KEYS,
    group_name="publish",
    description="The published DuckDB warehouse (CIRCULARITY_WAREHOUSE): this run's build, "
    "renamed over it atomically once every blocking check passed, with schema audit.",
)
def published_warehouse(
    context: AssetExecutionContext, circularity: CircularityResource
) -> MaterializeResult:
    config = circularity.build_config()
    workspace = Workspace(config.warehouse, context.run.run_id)
    report = ValidationReport.load(workspace.folder / "validation.json")
    pipeline.publish_build(workspace, report)
    return MaterializeResult(
        metadata={
            "path": MetadataValue.path(str(config.warehouse)),
            "expectations": len(report.outcomes),
            "suites": len(report.suites()),
        }
    )
