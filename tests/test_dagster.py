"""The Dagster front door: definitions, a real in-process run of the whole pipeline, the
blocking Great Expectations gates, and the sensor."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import pytest
from dagster import AssetKey, DagsterInstance, build_sensor_context, materialize

from circularity.pipeline import BuildConfig, build
from orchestration.assets import dbt_models, input_files, published_warehouse
from orchestration.automation import csv_change_sensor, daily_build
from orchestration.checks import gate_checks
from orchestration.definitions import dbt_project, defs
from orchestration.resources import CircularityResource
from tests.conftest import query, write_data_dir

SNAPSHOT = Path(__file__).parent / "snapshots" / "dagster_specs.txt"

CONTRACT_TABLES = [
    "dim_companies",
    "fct_investments",
    "fct_pledges",
    "investment_totals",
    "reciprocal_spend",
    "circular_loops",
    "rejected_rows",
]
DEALS = """\
d1,2024-01-01,amazon,anthropic,100,USD,exact,equity,,https://example.com/d1,
d2,2024-02-01,google,anthropic,40,USD,up_to,equity,,https://example.com/d2,
d3,2024-03-01,nvidia,openai,,USD,undisclosed,equity,,https://example.com/d3,
"""
PLEDGES = """\
p1,2024-01-02,Anthropic,AWS,300,USD,at_least,3,cloud_compute,,https://example.com/p1,
p2,2024-03-02,openai,nvidia,20,USD,exact,,chips,,https://example.com/p2,
p3,2024-03-03,openai,amazon,5,USD,exact,,cloud_compute,,https://example.com/p3,
"""


def run_dagster(data_dir: Path, warehouse: Path, as_of: str | None = None):  # noqa: ANN201
    models = dbt_models(dbt_project())
    run_config = {"ops": {models.op.name: {"config": {"as_of": as_of}}}} if as_of else None
    return materialize(
        [*input_files(), models, published_warehouse(), gate_checks()],
        selection=[*models.keys, AssetKey(["warehouse", "published"])],
        instance=DagsterInstance.ephemeral(),
        resources={
            "dbt": defs().resources["dbt"],
            "circularity": CircularityResource(data_dir=str(data_dir), warehouse=str(warehouse)),
        },
        run_config=run_config,
        raise_on_error=False,
    )


def spec_snapshot() -> str:
    """Every asset (key, group, deps) and every check (name, asset, blocking), one a line."""
    graph = defs().resolve_asset_graph()
    lines = []
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        parents = ",".join(sorted(parent.to_user_string() for parent in node.parent_keys))
        lines.append(f"asset {key.to_user_string()} group={node.group_name} deps={parents}")
    checks = gate_checks().check_specs
    lines.extend(
        f"check {spec.name} on {spec.asset_key.to_user_string()} blocking={spec.blocking}"
        for spec in sorted(checks, key=lambda spec: spec.name)
    )
    lines.extend(
        f"dbt-check {key.name} on {key.asset_key.to_user_string()}"
        for key in sorted(graph.asset_check_keys, key=lambda key: key.name)
        if not key.name.startswith("gx_")
    )
    return "\n".join(lines) + "\n"


def test_every_asset_and_check_spec_matches_the_snapshot() -> None:
    """A change to the asset graph is a deliberate one: rerun with
    CIRCULARITY_UPDATE_SNAPSHOTS=1 and review the diff of tests/snapshots/."""
    current = spec_snapshot()
    if os.environ.get("CIRCULARITY_UPDATE_SNAPSHOTS"):
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(current)
    assert current == SNAPSHOT.read_text()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_definitions_have_every_contract_table_gates_schedule_and_sensor() -> None:
    definitions = defs()
    keys = {key.to_user_string() for key in definitions.resolve_asset_graph().get_all_asset_keys()}
    assert {f"marts/{table}" for table in CONTRACT_TABLES} <= keys
    assert {
        f"csv/{name}" for name in ("companies", "company_aliases", "deals", "pledges", "fx_rates")
    } <= keys
    assert "warehouse/published" in keys
    checks = {spec.name for spec in gate_checks().check_specs}
    assert {"gx_inputs", "gx_fct_investments", "gx_circular_loops"} <= checks
    assert all(spec.blocking for spec in gate_checks().check_specs)
    assert [schedule.name for schedule in definitions.schedules] == ["daily_build"]
    assert daily_build.cron_schedule == "0 6 * * *"
    assert daily_build.job_name == "build_warehouse"
    assert [sensor.name for sensor in definitions.sensors] == ["csv_change_sensor"]


def test_dagster_run_builds_validates_and_publishes_like_the_cli(tmp_path: Path) -> None:
    data = write_data_dir(tmp_path / "data", deals=DEALS, pledges=PLEDGES)
    warehouse = tmp_path / "dagster" / "circularity.duckdb"
    result = run_dagster(data, warehouse)
    assert result.success
    checks = {
        e.event_specific_data.check_name: e.event_specific_data.passed
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
    }
    assert all(passed for name, passed in checks.items() if name.startswith("gx_"))
    assert len([name for name in checks if name.startswith("gx_")]) == 8
    materialized = {
        e.asset_key for e in result.all_events if e.event_type_value == "ASSET_MATERIALIZATION"
    }
    assert AssetKey(["warehouse", "published"]) in materialized
    mart = next(
        e
        for e in result.all_events
        if e.event_type_value == "ASSET_MATERIALIZATION"
        and e.asset_key == AssetKey(["marts", "fct_investments"])
    )
    metadata = mart.event_specific_data.materialization.metadata
    assert metadata["dagster/row_count"].value == 3
    assert "| deal_id |" in metadata["preview"].value or "deal_id" in metadata["preview"].value
    # The report's charts ride on the marts they draw, their figures beside them.
    charts = {
        e.asset_key.path[-1]: e.event_specific_data.materialization.metadata.get("chart")
        for e in result.all_events
        if e.event_type_value == "ASSET_MATERIALIZATION" and e.asset_key.path[0] == "marts"
    }
    assert charts["dim_companies"] is None
    loops = charts["circular_loops"].value
    assert loops.startswith("**Bottleneck per closed loop**")
    assert "![Bottleneck per closed loop](data:image/svg+xml;base64," in loops
    assert "| amazon > anthropic > amazon | 2 | 100.00 |" in loops
    assert "| 2024 | 140.00 | 3 |" in charts["fct_investments"].value
    assert "| 2024 | 325.00 | 3 |" in charts["fct_pledges"].value
    assert "data:image/svg+xml;base64," in charts["investment_totals"].value
    assert "No input row was rejected." in charts["rejected_rows"].value

    # The same data through the CLI pipeline gives the same marts and the same gate.
    cli_warehouse = tmp_path / "cli" / "circularity.duckdb"
    assert build(BuildConfig(data, cli_warehouse)).published
    for table in CONTRACT_TABLES:
        sql = f"select * from marts.{table} order by all"
        assert query(warehouse, sql) == query(cli_warehouse, sql), table
    gate = "select suite, expectation, column_name, success from audit.validation_results"
    assert sorted(query(warehouse, gate)) == sorted(query(cli_warehouse, gate))
    assert {suite for (suite, *_) in query(warehouse, gate)} >= {"dbt", "inputs"}
    [(runs, expectations)] = query(
        warehouse,
        "select (select count(*) from audit.build_runs),"
        " (select count(*) from audit.validation_results where success)",
    )
    assert runs == 1 and expectations >= 20


def test_failed_gate_blocks_publish_and_keeps_the_published_file(tmp_path: Path) -> None:
    warehouse = tmp_path / "wh" / "circularity.duckdb"
    good = write_data_dir(tmp_path / "good", deals=DEALS, pledges=PLEDGES)
    assert build(BuildConfig(good, warehouse)).published
    before = _digest(warehouse)
    # Two of three deals name a company nobody knows: 67% rejected, over the 50% limit.
    bad = write_data_dir(
        tmp_path / "bad",
        deals=DEALS.replace("google,anthropic", "googel,anthropic").replace(
            "nvidia,openai", "nvidai,openai"
        ),
        pledges=PLEDGES,
    )
    result = run_dagster(bad, warehouse)
    assert not result.success
    checks = {
        e.event_specific_data.check_name: e.event_specific_data.passed
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
    }
    assert checks["gx_inputs"] is False
    # The failed check says what the CLI says, in the user's words: the file, the share, the
    # reason with its first line, and the fix.
    (inputs_check,) = (
        e.event_specific_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
        and e.event_specific_data.check_name == "gx_inputs"
    )
    explanation = inputs_check.metadata["explanation"].value
    assert "deals.csv: 2 of 3 records are rejected (67%; a build allows 50%)" in explanation
    assert "unknown company 'googel' in investor" in explanation
    assert "first on line 3" in explanation and "fix these rows of deals.csv" in explanation
    assert "allow more with the circularity resource's max_rejected_share" in explanation
    assert inputs_check.description == explanation
    materialized = {
        e.asset_key for e in result.all_events if e.event_type_value == "ASSET_MATERIALIZATION"
    }
    assert AssetKey(["warehouse", "published"]) not in materialized
    assert _digest(warehouse) == before


def test_sensor_fires_on_changed_csv_and_not_otherwise(tmp_path: Path) -> None:
    data = write_data_dir(tmp_path / "data", deals=DEALS)
    resource = CircularityResource(data_dir=str(data), warehouse=str(tmp_path / "w.duckdb"))
    instance = DagsterInstance.ephemeral()

    def tick(cursor: str | None):  # noqa: ANN202
        context = build_sensor_context(
            instance=instance,
            cursor=cursor,
            resources={"circularity": resource},
            definitions=defs(),
        )
        return csv_change_sensor(context)

    first = tick(None)
    assert not first.run_requests and first.cursor
    steady = tick(first.cursor)
    assert not steady.run_requests

    # Touching a file without changing it is not a change.
    deals = data / "deals.csv"
    later = time.time() + 5
    os.utime(deals, (later, later))
    touched = tick(steady.cursor)
    assert not touched.run_requests

    deals.write_text(deals.read_text() + DEALS.replace("d1,", "d9,").splitlines()[0] + "\n")
    changed = tick(touched.cursor)
    assert len(changed.run_requests) == 1
    assert changed.run_requests[0].tags["circularity/changed"] == "deals.csv"
    settled = tick(changed.cursor)
    assert not settled.run_requests

    # A change that keeps the size and sets the modification time back (`cp -p`, `rsync
    # -t`) is a change too.
    before = deals.stat()
    deals.write_text(deals.read_text().replace("d9,", "d8,"))
    os.utime(deals, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert deals.stat().st_size == before.st_size
    assert deals.stat().st_mtime_ns == before.st_mtime_ns
    same_size = tick(settled.cursor)
    assert [request.tags["circularity/changed"] for request in same_size.run_requests] == [
        "deals.csv"
    ]
    # And a cursor of the earlier form ([size, mtime, hash]) is read: the files are hashed.
    old_form = {name: state[:3] for name, state in json.loads(same_size.cursor).items()}
    assert not tick(json.dumps(old_form)).run_requests


@pytest.mark.parametrize("missing", ["fx_rates.csv"])
def test_missing_input_fails_the_run_naming_the_file(tmp_path: Path, missing: str) -> None:
    data = write_data_dir(tmp_path / "data", deals=DEALS)
    (data / missing).unlink()
    warehouse = tmp_path / "wh" / "circularity.duckdb"
    result = run_dagster(data, warehouse)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert f"{missing}: missing input file" in str(failure.event_specific_data.error)
    assert not warehouse.exists()


def test_cli_builds_show_in_the_dagster_instance(tmp_path: Path) -> None:
    """With DAGSTER_HOME set, a `circularity build` is recorded as materializations of the
    marts and of the published warehouse, so the UI does not say "Never materialized"."""
    import subprocess
    import sys

    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    data = write_data_dir(tmp_path / "data", deals=DEALS, pledges=PLEDGES)
    warehouse = tmp_path / "wh" / "circularity.duckdb"
    completed = subprocess.run(
        [
            str(Path(sys.executable).with_name("circularity")),
            "build",
            "--data-dir",
            str(data),
            "--warehouse",
            str(warehouse),
        ],
        env={**os.environ, "DAGSTER_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    assert "recorded in the Dagster instance" in completed.stdout
    instance = DagsterInstance.from_config(str(home))
    for key in (AssetKey(["marts", "fct_investments"]), AssetKey(["warehouse", "published"])):
        event = instance.get_latest_materialization_event(key)
        assert event is not None
        metadata = event.asset_materialization.metadata
        assert metadata["warehouse"].value == str(warehouse)
    chart = instance.get_latest_materialization_event(AssetKey(["marts", "circular_loops"]))
    markdown = chart.asset_materialization.metadata["chart"].value
    assert "data:image/svg+xml;base64," in markdown
    assert "| amazon > anthropic > amazon | 2 | 100.00 |" in markdown


def test_dg_lists_the_definitions(tmp_path: Path) -> None:
    """Dagster's current command line loads the code location from pyproject.toml."""
    import subprocess
    import sys

    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    completed = subprocess.run(
        [str(Path(sys.executable).with_name("dg")), "list", "defs", "--json"],
        cwd=Path(__file__).parents[1],
        env={**os.environ, "DAGSTER_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert "build_warehouse" in completed.stdout and "marts/fct_investments" in completed.stdout
