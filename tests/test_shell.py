"""`circularity sql` as a user runs it: one query, CSV and JSON for scripts, SQL piped on
stdin, a DuckDB error as one line, and queries that keep working while a build runs."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import query, write_data_dir

CLI = str(Path(sys.executable).with_name("circularity"))
DEALS = "d1,2024-01-01,amazon,anthropic,100,USD,exact,equity,,https://example.com/d1,\n"
PLEDGES = "p1,2024-02-01,Anthropic,AWS,300,USD,exact,,cloud_compute,,https://example.com/p1,\n"


def sql(warehouse: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLI, "sql", "--warehouse", str(warehouse), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("shell")
    data = write_data_dir(root / "data", deals=DEALS, pledges=PLEDGES)
    published = root / "wh" / "circularity.duckdb"
    completed = subprocess.run(
        [CLI, "build", "--data-dir", str(data), "--warehouse", str(published)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    return published


PAIR_SQL = (
    "select investor_group_id, investee_group_id, invested_usd_m, pledged_back_usd_m "
    "from marts.reciprocal_spend"
)


def test_query_prints_an_aligned_table(warehouse: Path) -> None:
    completed = sql(warehouse, PAIR_SQL)
    assert completed.returncode == 0, completed.stderr
    lines = completed.stdout.splitlines()
    assert lines[0].split(" | ") == [
        "investor_group_id",
        "investee_group_id",
        "invested_usd_m",
        "pledged_back_usd_m",
    ]
    assert set(lines[1]) <= {"-", "+"}
    assert [cell.strip() for cell in lines[2].split("|")] == [
        "amazon",
        "anthropic",
        "100.00",
        "300.00",
    ]
    # Aligned: every row puts its separators where the header does.
    assert [i for i, c in enumerate(lines[0]) if c == "|"] == [
        i for i, c in enumerate(lines[2]) if c == "|"
    ]
    assert lines[-1] == "(1 row)"


def test_csv_and_json(warehouse: Path) -> None:
    as_csv = sql(warehouse, "--csv", PAIR_SQL)
    assert as_csv.returncode == 0, as_csv.stderr
    assert list(csv.reader(io.StringIO(as_csv.stdout))) == [
        ["investor_group_id", "investee_group_id", "invested_usd_m", "pledged_back_usd_m"],
        ["amazon", "anthropic", "100.00", "300.00"],
    ]
    as_json = sql(warehouse, "--json", PAIR_SQL + "; select count(*) as n from marts.fct_pledges")
    assert as_json.returncode == 0, as_json.stderr
    first, second = (json.loads(line) for line in as_json.stdout.splitlines())
    assert first == [
        {
            "investor_group_id": "amazon",
            "investee_group_id": "anthropic",
            "invested_usd_m": 100.0,
            "pledged_back_usd_m": 300.0,
        }
    ]
    assert second == [{"n": 1}]


def test_sql_from_stdin(warehouse: Path) -> None:
    piped = "select path, hop_count\nfrom marts.circular_loops;\n"
    completed = sql(warehouse, "--csv", stdin=piped)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.splitlines() == ["path,hop_count", "amazon > anthropic > amazon,2"]


def test_error_is_one_line_and_fails(warehouse: Path) -> None:
    completed = sql(warehouse, "select nope from marts.fct_investments")
    assert completed.returncode == 1
    assert completed.stdout == ""
    lines = completed.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "nope" in lines[0]
    assert "Traceback" not in completed.stderr


def test_read_only(warehouse: Path) -> None:
    completed = sql(warehouse, "create table marts.x as select 1")
    assert completed.returncode == 1
    assert "read-only" in completed.stderr.lower()
    assert query(warehouse, "select count(*) from duckdb_tables() where table_name = 'x'") == [(0,)]


def test_missing_warehouse_is_named(tmp_path: Path) -> None:
    completed = sql(tmp_path / "none.duckdb", "select 1")
    assert completed.returncode == 2
    assert "no warehouse at" in completed.stderr and "none.duckdb" in completed.stderr


def test_queries_while_a_build_runs(warehouse: Path, tmp_path: Path) -> None:
    """A build into the same warehouse (two deals now) runs while the shell queries in a
    loop: every query answers, the build publishes, and the next query sees it."""
    data = write_data_dir(
        tmp_path / "data",
        pledges=PLEDGES,
        deals=DEALS + "d2,2024-03-01,google,anthropic,50,USD,exact,equity,,https://e.com/d2,\n",
    )
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "GX_ANALYTICS_ENABLED": "false"}
    build = subprocess.Popen(
        [CLI, "build", "--data-dir", str(data), "--warehouse", str(warehouse)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    answers = []
    try:
        while build.poll() is None:
            completed = sql(warehouse, "--csv", "select count(*) from marts.fct_investments")
            assert completed.returncode == 0, completed.stderr
            answers.append(completed.stdout.splitlines()[1])
            time.sleep(0.2)
    finally:
        out, err = build.communicate(timeout=300)
    assert build.returncode == 0, err
    assert len(answers) >= 3, "the build finished before the shell could query during it"
    assert set(answers) <= {"1", "2"}
    after = sql(warehouse, "--csv", "select count(*) from marts.fct_investments")
    assert after.stdout.splitlines()[1] == "2"


def test_prompt_commands_and_statement_end(warehouse: Path) -> None:
    from circularity.shell import ShellError, dot_command, statement_complete

    tables = dot_command(warehouse, ".tables")
    assert tables is not None and "reciprocal_spend" in tables and "build_runs" in tables
    schema = dot_command(warehouse, ".schema marts.circular_loops")
    assert schema is not None and "bottleneck_usd_m" in schema and "hop_count" in schema
    with pytest.raises(ShellError, match="no table or view named nope"):
        dot_command(warehouse, ".schema nope")
    assert dot_command(warehouse, ".quit") is None
    assert dot_command(warehouse, ".tables;") == tables  # a semicolon out of habit
    assert dot_command(warehouse, ".schema marts.circular_loops ;") == schema
    assert dot_command(warehouse, ".quit;") is None
    assert not statement_complete("select 1")
    assert not statement_complete("select ';'")
    assert statement_complete("select\n';' as semicolon;")
