"""`dbt build` straight from the project root, with the default profile: the third way
people use the warehouse. It builds the development warehouse beside the published one and
never touches the published file; it also runs the dbt unit tests, which the publishing
doors leave to this suite."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from circularity.dbt_runner import PROJECT_DIR
from tests.conftest import query

DBT = str(Path(sys.executable).with_name("dbt"))


def test_dbt_build_from_project_root_with_default_profile(tmp_path: Path) -> None:
    warehouse = tmp_path / "dbt" / "circularity.duckdb"
    warehouse.parent.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIRCULARITY_")}
    env["CIRCULARITY_WAREHOUSE"] = str(warehouse)
    completed = subprocess.run(
        [DBT, "build"], cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=600
    )
    assert completed.returncode == 0, completed.stdout[-4000:]
    assert "ERROR=0" in completed.stdout and "unit_test" in completed.stdout
    assert not warehouse.exists()
    development = warehouse.with_name("circularity.dev.duckdb")
    assert query(development, "select count(*) > 30 from marts.fct_investments") == [(True,)]
    assert not list(warehouse.parent.glob(".ingested_*")), "the ingest left a file behind"
    # Gate batches are the CLI's alone (circularity.gate_batches): none by hand.
    assert not (PROJECT_DIR / "gate-batches").exists()
