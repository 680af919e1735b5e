"""`dbt build` straight from the project root, with the default profile: the third way
people use the warehouse. It builds the development warehouse beside the published one and
never touches the published file; it also runs the dbt unit tests, which the publishing
doors leave to this suite."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import yaml

from circularity.dbt_runner import PROJECT_DIR
from tests.conftest import query, run_dbt


def test_dbt_build_from_project_root_with_default_profile(tmp_path: Path) -> None:
    warehouse = tmp_path / "dbt" / "circularity.duckdb"
    warehouse.parent.mkdir()
    completed = run_dbt("build", env={"CIRCULARITY_WAREHOUSE": str(warehouse)})
    assert completed.returncode == 0, completed.stdout[-4000:]
    assert "ERROR=0" in completed.stdout and "unit_test" in completed.stdout
    assert not warehouse.exists()
    development = warehouse.with_name("circularity.dev.duckdb")
    assert query(development, "select count(*) > 30 from marts.fct_investments") == [(True,)]
    assert not list(warehouse.parent.glob(".ingested_*")), "the ingest left a file behind"
    # Gate batches are the CLI's alone (circularity.gate_batches): none by hand.
    assert not (PROJECT_DIR / "gate-batches").exists()


def test_duckdb_options_of_the_whole_database_are_set_once_not_on_every_cursor(
    tmp_path: Path,
) -> None:
    """dbt-duckdb runs each of the profile's `settings` as a SET on every cursor it opens, and
    `SET memory_limit` makes DuckDB return all its cached memory to the system each time: an
    option of the whole database belongs in `config_options`, set when dbt opens the file."""
    profile = yaml.safe_load((PROJECT_DIR / "profiles.yml").read_text())
    output = profile["circularity"]["outputs"]["dev"]
    with duckdb.connect() as connection:
        scopes = dict(connection.execute("select name, scope from duckdb_settings()").fetchall())
    assert output["settings"], "the session needs its own settings"
    for name in output["settings"]:
        assert scopes[name] == "LOCAL", f"{name} is an option of the whole database"
    assert {"memory_limit", "preserve_insertion_order"} <= set(output["config_options"])

    # ... and they still reach every cursor dbt opens, the memory limit from the environment.
    completed = run_dbt(
        "show",
        "--output",
        "json",
        "--log-format",
        "json",
        "--inline",
        "select current_setting('memory_limit') as memory_limit,"
        " current_setting('preserve_insertion_order') as preserve_insertion_order,"
        " current_setting('enable_progress_bar') as enable_progress_bar",
        env={
            "CIRCULARITY_WAREHOUSE": str(tmp_path / "circularity.duckdb"),
            "CIRCULARITY_DUCKDB_MEMORY_LIMIT": "1GB",
        },
    )
    assert completed.returncode == 0, completed.stdout[-4000:]
    shown = [
        json.loads(event["data"]["preview"])
        for event in map(json.loads, completed.stdout.splitlines())
        if event["info"]["name"] == "ShowNode"
    ]
    assert shown == [
        [
            {
                "memory_limit": "953.6 MiB",
                "preserve_insertion_order": False,
                "enable_progress_bar": False,
            }
        ]
    ]
