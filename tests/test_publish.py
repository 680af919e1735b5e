"""Publishing is atomic: a failed build leaves the published file byte for byte as it was,
and readers of the published file neither block a build nor break because of it."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from circularity.pipeline import BuildConfig, build
from tests.conftest import query, write_data_dir

GOOD_DEALS = "d1,2024-01-01,amazon,anthropic,100,USD,exact,equity,,https://example.com/d1,\n"
MORE_DEALS = (
    GOOD_DEALS + "d2,2024-02-01,google,anthropic,50,USD,exact,equity,,https://example.com/d2,\n"
)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _published(tmp_path: Path) -> Path:
    warehouse = tmp_path / "wh" / "circularity.duckdb"
    result = build(BuildConfig(write_data_dir(tmp_path / "good", deals=GOOD_DEALS), warehouse))
    assert result.published, result.failures
    return warehouse


def test_failed_validation_leaves_published_file_unchanged(tmp_path: Path) -> None:
    warehouse = _published(tmp_path)
    before = _digest(warehouse)
    # A systematic error: every date in day/month/year form, so every deal is rejected.
    bad = write_data_dir(
        tmp_path / "bad",
        deals="d1,01/02/2024,amazon,anthropic,100,USD,exact,equity,,https://example.com/d1,\n"
        "d2,02/02/2024,amazon,anthropic,100,USD,exact,equity,,https://example.com/d2,\n",
    )
    result = build(BuildConfig(bad, warehouse))
    assert not result.published
    assert any("deals.csv" in failure and "rejected" in failure for failure in result.failures)
    assert _digest(warehouse) == before
    assert not list(warehouse.parent.glob("*.wal"))
    assert result.failed_build is not None and result.failed_build.exists()
    assert query(result.failed_build, "select count(*) from marts.rejected_rows") == [(2,)]


def test_published_file_has_no_wal_and_no_build_leftovers(tmp_path: Path) -> None:
    warehouse = _published(tmp_path)
    assert sorted(p.name for p in warehouse.parent.iterdir()) == [
        "circularity.data_docs",
        "circularity.duckdb",
        "circularity.duckdb.lock",
        "circularity.report.html",
    ]


READER = textwrap.dedent(
    """
    import sys, duckdb
    connection = duckdb.connect(sys.argv[1], read_only=True)
    count = "select count(*) from marts.fct_investments"
    print(connection.execute(count).fetchone()[0], flush=True)
    sys.stdin.readline()  # hold the file open until told to go on
    print(connection.execute(count).fetchone()[0], flush=True)
    """
)


def test_reader_holding_the_file_does_not_block_a_build(tmp_path: Path) -> None:
    warehouse = _published(tmp_path)
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(warehouse)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout is not None and reader.stdin is not None
        assert reader.stdout.readline().strip() == "1"
        result = build(BuildConfig(write_data_dir(tmp_path / "more", deals=MORE_DEALS), warehouse))
        assert result.published, result.failures
        # The reader still sees the snapshot it opened; new readers see the new build.
        reader.stdin.write("\n")
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == "1"
        assert reader.wait(timeout=30) == 0
    finally:
        reader.kill()
    assert query(warehouse, "select count(*) from marts.fct_investments") == [(2,)]


POLLER = textwrap.dedent(
    """
    import os, sys, time, duckdb
    path, stop_file = sys.argv[1], sys.argv[2]
    polls = errors = 0
    while not os.path.exists(stop_file):
        try:
            connection = duckdb.connect(path, read_only=True)
            connection.execute("select count(*) from marts.investment_totals").fetchone()
            connection.close()
            polls += 1
        except Exception as error:  # every error counts: none is acceptable
            errors += 1
            print("ERROR", repr(error), flush=True)
        time.sleep(0.01)
    print(f"polls={polls} errors={errors}", flush=True)
    """
)


def test_polling_readers_see_no_error_during_three_builds(tmp_path: Path) -> None:
    warehouse = _published(tmp_path)
    stop_file = tmp_path / "stop"
    poller = subprocess.Popen(
        [sys.executable, "-c", POLLER, str(warehouse), str(stop_file)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(0.5)
        for round_number, deals in enumerate([MORE_DEALS, GOOD_DEALS, MORE_DEALS]):
            data = write_data_dir(tmp_path / f"round{round_number}", deals=deals)
            result = build(BuildConfig(data, warehouse))
            assert result.published, result.failures
        stop_file.touch()
        output, _ = poller.communicate(timeout=60)
    finally:
        poller.kill()
    assert "ERROR" not in output, output
    polls = int(output.strip().splitlines()[-1].split()[0].removeprefix("polls="))
    assert polls > 10, output
    assert output.strip().endswith("errors=0")
