"""The build as Dagster assets: the input CSVs, every dbt model (its dbt tests as asset
checks, from dagster-dbt), and the published warehouse. Each asset calls one step of
`circularity.pipeline` and adds what Dagster needs: keys, metadata, failures."""

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from circularity import asset_charts, pipeline, project, summary
from circularity.dbt_runner import environment
from circularity.inputs import REQUIRED_COLUMNS, InputError
from circularity.publish import WarehouseError
from circularity.workspace import Workspace
from orchestration.resources import BuildSettings, CircularityResource, run_key


def mart_keys() -> list[dg.AssetKey]:
    """The contract's tables (the dbt var public_marts) as asset keys."""
    return [dg.AssetKey(["marts", table]) for table in project.public_marts()]


PUBLISHED = dg.AssetKey(["warehouse", "published"])
BASE_PREFIX = "base_csv__"


class CircularityTranslator(DagsterDbtTranslator):
    """Groups follow the dbt folders; each base model reads one input CSV asset; a table's
    storage is named as readers of the published warehouse see it, and a mart's natural
    key (dbt meta `natural_key`) orders its preview."""

    def __init__(self, warehouse: str = "") -> None:
        super().__init__()
        self.catalog = Path(warehouse).stem if warehouse else "circularity"

    def get_asset_spec(
        self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None
    ) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        node = manifest["nodes"].get(unique_id, {})
        fqn = node.get("fqn", [])
        if len(fqn) > 2:
            spec = spec.replace_attributes(group_name=fqn[1])
        if node.get("resource_type") == "model":
            identifier = f"{self.catalog}.{node['schema']}.{node['name']}"
            extra: dict[str, Any] = {"dagster/relation_identifier": identifier}
            if node.get("meta", {}).get("natural_key"):
                extra["natural_key"] = ", ".join(node["meta"]["natural_key"])
            spec = spec.merge_attributes(metadata=extra)
        name = node.get("name", "")
        if name.startswith(BASE_PREFIX):
            csv_file = dg.AssetKey(["csv", name.removeprefix(BASE_PREFIX)])
            spec = spec.merge_attributes(deps=[csv_file])
        return spec


def input_files() -> list[dg.AssetSpec]:
    return [
        dg.AssetSpec(
            key=dg.AssetKey(["csv", name.removesuffix(".csv")]),
            description=f"{name} in the data directory (CIRCULARITY_DATA_DIR); required "
            "columns: " + ", ".join(columns),
            group_name="inputs",
            metadata={"file": name},
        )
        for name, columns in REQUIRED_COLUMNS.items()
    ]


def dbt_models(project: DbtProject, warehouse: str = "") -> dg.AssetsDefinition:
    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        exclude="resource_type:unit_test",
        dagster_dbt_translator=CircularityTranslator(warehouse),
    )
    def circularity_dbt_models(
        context: dg.AssetExecutionContext,
        dbt: DbtCliResource,
        circularity: CircularityResource,
        config: BuildSettings,
    ) -> Iterator[Any]:
        """prepare and transform: check the inputs, open the run's work folder, and dbt build
        into it. Row counts, and on marts a preview, become asset metadata."""
        build = circularity.build_config(config.as_of, config.engine)
        try:
            workspace = pipeline.prepare(build, run_key(context))
        except (InputError, WarehouseError) as error:
            raise dg.Failure(description=str(error)) from error
        step = pipeline.transform_step(workspace, build)
        with environment(step.env_from_anywhere()):
            invocation = dbt.cli(
                step.args, context=context, raise_on_error=False, target_path=step.target_path
            )
            events = list(invocation.stream())
        pipeline.finish_transform(workspace, build)
        yield from _with_metadata(context, events, workspace)
        if not invocation.is_successful():
            raise dg.Failure(description="dbt build failed: see the failed models and tests")

    return circularity_dbt_models


def _with_metadata(
    context: dg.AssetExecutionContext, events: list[Any], workspace: Workspace
) -> Iterator[Any]:
    """Row counts on every model in the run's build file; on the marts a preview and the
    report's chart of that table (its figures beside it). A Spark build's views stay in
    Spark (only its tables are copied into the build file): they get no row count."""
    connection = duckdb.connect(str(workspace.database), read_only=True)
    try:
        relations = summary.relations(connection)
        charts: dict[str, str] | None = None
        for event in events:
            if isinstance(event, dg.Output):
                key = context.asset_key_for_output(event.output_name)
                relation = ".".join(key.path)
                metadata: dict[str, Any] = {}
                if relation in relations:
                    metadata["dagster/row_count"] = summary.row_count(connection, relation)
                if key in mart_keys():
                    spec = context.assets_def.specs_by_key[key]
                    order = spec.metadata.get("natural_key")
                    metadata["preview"] = dg.MetadataValue.md(
                        summary.markdown_preview(connection, relation, order_by=order)
                    )
                    if charts is None:
                        charts = asset_charts.mart_charts(connection, workspace.database)
                        if not charts:
                            context.log.warning("no charts: the report models were not built")
                    if key.path[-1] in charts:
                        metadata["chart"] = dg.MetadataValue.md(charts[key.path[-1]])
                event = event.with_metadata({**event.metadata, **metadata})
            yield event
    finally:
        connection.close()


def published_warehouse() -> dg.AssetsDefinition:
    """The publish step as an asset that depends on every public mart."""

    @dg.asset(
        key=PUBLISHED,
        deps=mart_keys(),
        group_name="publish",
        description="The published DuckDB warehouse (CIRCULARITY_WAREHOUSE): this run's build, "
        "renamed over it atomically once the gate passed, with schema audit.",
    )
    def published_warehouse_asset(
        context: dg.AssetExecutionContext, circularity: CircularityResource
    ) -> dg.MaterializeResult:
        """publish: the audit records, then the atomic rename."""
        build = circularity.build_config()
        try:
            report = pipeline.publish_validated(Workspace(build.warehouse, run_key(context)))
        except WarehouseError as error:
            raise dg.Failure(description=str(error)) from error
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(build.warehouse)),
                "checks": len(report.outcomes),
                "report": dg.MetadataValue.path(str(build.warehouse.with_suffix(".report.html"))),
            }
        )

    return published_warehouse_asset
