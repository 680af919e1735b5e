"""The `circularity build` command as a user runs it: exit codes, the summary, and readable
errors (never a traceback) naming the file, the column or the path to fix."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path

import pytest

from circularity import cli
from tests.conftest import write_data_dir

CLI = str(Path(sys.executable).with_name("circularity"))
DEALS = "d1,2024-01-01,amazon,anthropic,100,USD,exact,equity,,https://example.com/d1,\n"
PLEDGES = "p1,2024-02-01,Anthropic,AWS,300,USD,exact,,cloud_compute,,https://example.com/p1,\n"


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CLI, *args], capture_output=True, text=True, timeout=300)


def test_build_prints_progress_and_summary(tmp_path: Path) -> None:
    data = write_data_dir(tmp_path / "data", deals=DEALS, pledges=PLEDGES)
    warehouse = tmp_path / "wh" / "w.duckdb"
    completed = run_cli("build", "--data-dir", str(data), "--warehouse", str(warehouse))
    assert completed.returncode == 0, completed.stderr
    out = completed.stdout
    assert "running dbt build" in out
    assert "deals.csv" in out and "1 / 0" in out
    assert "amazon -> anthropic: 100.00 -> 300.00 (ratio 3.00)" in out
    assert "amazon > anthropic > amazon" in out
    assert warehouse.exists()


def test_missing_data_dir_is_a_readable_error(tmp_path: Path) -> None:
    completed = run_cli(
        "build", "--data-dir", str(tmp_path / "nope"), "--warehouse", str(tmp_path / "w.duckdb")
    )
    assert completed.returncode == 2
    assert "does not exist" in completed.stderr and str(tmp_path / "nope") in completed.stderr
    assert "Traceback" not in completed.stderr


def test_missing_file_is_named(tmp_path: Path) -> None:
    data = write_data_dir(tmp_path / "data", deals=DEALS)
    (data / "fx_rates.csv").unlink()
    completed = run_cli("build", "--data-dir", str(data), "--warehouse", str(tmp_path / "w.duckdb"))
    assert completed.returncode == 2
    assert "fx_rates.csv: missing input file" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_renamed_column_names_file_and_column_and_publishes_nothing(tmp_path: Path) -> None:
    data = write_data_dir(tmp_path / "data", deals=DEALS)
    deals = data / "deals.csv"
    deals.write_text(deals.read_text().replace("amount_millions", "amount_usd", 1))
    warehouse = tmp_path / "w.duckdb"
    completed = run_cli("build", "--data-dir", str(data), "--warehouse", str(warehouse))
    assert completed.returncode == 2
    assert "deals.csv, line 1: missing column 'amount_millions'" in completed.stderr
    assert "Traceback" not in completed.stderr
    assert not warehouse.exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_warehouse_is_a_readable_error(tmp_path: Path) -> None:
    data = write_data_dir(tmp_path / "data", deals=DEALS)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    completed = run_cli("build", "--data-dir", str(data), "--warehouse", str(locked / "w.duckdb"))
    assert completed.returncode == 2
    assert "cannot write the warehouse" in completed.stderr


def test_warehouse_under_a_file_is_a_readable_error(tmp_path: Path) -> None:
    data = write_data_dir(tmp_path / "data", deals=DEALS)
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    completed = run_cli("build", "--data-dir", str(data), "--warehouse", str(blocker / "w.duckdb"))
    assert completed.returncode == 2
    assert "cannot write the warehouse" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_bad_as_of_is_a_usage_error(tmp_path: Path) -> None:
    completed = run_cli("build", "--as-of", "2024-13-01")
    assert completed.returncode == 2
    assert "is not a date" in completed.stderr


def test_failed_validation_exits_non_zero_and_names_the_check(tmp_path: Path) -> None:
    data = write_data_dir(
        tmp_path / "data",
        deals="d1,2024-01-01,amazon,anthropic,100,USD,exact,equity,,https://example.com/d1,\n"
        "d2,2024-01-01,amazon,nobody,100,USD,exact,equity,,https://example.com/d2,\n"
        "d3,2024-01-01,amazon,nobody,100,USD,exact,equity,,https://example.com/d3,\n",
    )
    completed = run_cli("build", "--data-dir", str(data), "--warehouse", str(tmp_path / "w.duckdb"))
    assert completed.returncode == 1
    failure = next(line for line in completed.stderr.splitlines() if "rejected_share" in line)
    assert "gx inputs: expect_column_values_to_be_between on rejected_share failed" in failure
    assert '"source_file": "deals.csv"' in failure and "0.666" in failure
    # Before the checks' detail, the same in the user's words, with the fix.
    assert "deals.csv: 2 of 3 records are rejected (67%; a build allows 50%)" in completed.stderr
    assert "or allow more with --max-rejected-share" in completed.stderr
    assert not (tmp_path / "w.duckdb").exists()
    # The rows per file and every rejection reason are printed for a failed build too.
    lines = completed.stdout.splitlines()
    deals = lines.index(next(line for line in lines if line.strip().startswith("deals.csv")))
    assert lines[deals].split()[1:] == ["1", "/", "2"]
    assert lines[deals + 1].split()[:2] == ["2", "x"] and "nobody" not in lines[deals + 1]


def test_a_failed_gate_shows_a_records_control_characters_by_their_codes(
    tmp_path: Path,
) -> None:
    """The message quotes the first rejected record: its escape sequences and carriage
    returns must not move the cursor or colour the terminal that reads it."""
    valid = "d1,2024-01-01,amazon,anthropic,100,USD,exact,equity,,https://example.com/d1,\n"
    data = write_data_dir(
        tmp_path / "data",
        deals=valid
        + "d2,2024-01-01,amazon,anthropic,1,USD,exact,equity,,https://x,\x1b[31mred\x1b[0m\n"
        + 'd3,2024-01-01,amazon,anthropic,1,USD,exact,equity,,https://x,"a\rb\x1b[2K"\n',
    )
    completed = run_cli("build", "--data-dir", str(data), "--warehouse", str(tmp_path / "w.duckdb"))
    assert completed.returncode == 1
    assert "\x1b" not in completed.stderr and "\r" not in completed.stderr
    assert "https://x,<U+001B>[31mred<U+001B>[0m`" in completed.stderr


def test_a_stop_is_not_swallowed_by_code_that_catches_errors() -> None:
    """Great Expectations catches Exception around its data docs: a SIGTERM that arrives
    there must still stop the build, not let it go on and publish."""
    with pytest.raises(cli.Stopped), suppress(Exception):  # what a library may do
        cli._stop(signal.SIGTERM, None)


def test_a_stop_after_the_rename_is_told_from_one_before_it(tmp_path: Path) -> None:
    """A stop that lands after the final rename leaves this build published: the CLI reads
    the warehouse's audit to say which of the two happened."""
    warehouse = tmp_path / "wh" / "circularity.duckdb"
    assert not cli.published_since(warehouse, 0.0)  # no warehouse yet
    before = time.time()
    completed = subprocess.run(
        [
            CLI,
            "build",
            "--data-dir",
            str(write_data_dir(tmp_path / "d")),
            "--warehouse",
            str(warehouse),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    assert cli.published_since(warehouse, before)
    assert not cli.published_since(warehouse, time.time())
    (tmp_path / "other.duckdb").write_bytes(b"not a warehouse")
    assert not cli.published_since(tmp_path / "other.duckdb", 0.0)
