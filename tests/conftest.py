"""Shared helpers: write a small data directory, build it for real (dbt on DuckDB), query
the published warehouse, run a script in a process of its own, and run dbt's own command
line in the project root."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb
import pytest

from circularity.dbt_runner import PROJECT_DIR
from circularity.inputs import HEADERS
from circularity.pipeline import BuildConfig, BuildResult, build

# A small world most fixtures start from: two groups with a child company each.
BASE_COMPANIES = """\
amazon,Amazon,,hyperscaler,US
aws,Amazon Web Services,amazon,hyperscaler,US
anthropic,Anthropic,,ai_lab,US
google,Google,,hyperscaler,US
google_cloud,Google Cloud,google,hyperscaler,US
nvidia,Nvidia,,chipmaker,US
openai,OpenAI,,ai_lab,US
"""


def write_data_dir(directory: Path, **files: str) -> Path:
    """Write the five input files; keyword names are file stems (deals=..., fx_rates=...).
    Values are the data lines (no header); a value starting with the header replaces the
    whole file. Files not given get their header only (companies get BASE_COMPANIES)."""
    directory.mkdir(parents=True, exist_ok=True)
    defaults = {"companies": BASE_COMPANIES}
    for name, header in HEADERS.items():
        stem = name.removesuffix(".csv")
        body = textwrap.dedent(files.get(stem, defaults.get(stem, "")))
        text = body if body.startswith(header.split(",")[0] + ",") else f"{header}\n{body}"
        (directory / name).write_text(text, encoding="utf-8")
    return directory


def query(warehouse: Path, sql: str, parameters: list | None = None) -> list[tuple]:
    connection = duckdb.connect(str(warehouse), read_only=True)
    try:
        return connection.execute(sql, parameters or []).fetchall()
    finally:
        connection.close()


@pytest.fixture
def build_data(tmp_path: Path) -> Callable[..., tuple[BuildResult, Path]]:
    """Build a data directory written from keyword files; returns (result, warehouse)."""

    def run(as_of: date | None = None, **files: str) -> tuple[BuildResult, Path]:
        data_dir = write_data_dir(tmp_path / "data", **files)
        warehouse = tmp_path / "warehouse" / "circularity.duckdb"
        result = build(BuildConfig(data_dir, warehouse, as_of))
        return result, warehouse

    return run


def run_script(body: str) -> dict:
    """Run `body` in a new interpreter (for what changes a whole process: imports, patches
    of a library); it prints one JSON object, returned here."""
    completed = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(body)], capture_output=True, text=True, timeout=120
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def run_dbt(
    *args: str, env: dict[str, str], timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """`dbt <args>` in the project root as a user runs it by hand, with the default profile:
    none of this process's CIRCULARITY_* variables, only those of `env`."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CIRCULARITY_")}
    return subprocess.run(
        [str(Path(sys.executable).with_name("dbt")), *args],
        cwd=PROJECT_DIR,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
