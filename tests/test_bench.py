"""The benchmark's reference is honest: written by hand from the contract, it builds the same
marts as the real build on synthetic data, and the comparison that says so can fail. The
benchmark's figures themselves are for `make bench`, never asserted in tests."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from circularity import bench
from circularity.synth import synthesize

CLI = str(Path(sys.executable).with_name("circularity"))
FLOWS = 2_000


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """A small synthetic data directory, its real build and its reference database."""
    root = tmp_path_factory.mktemp("bench")
    data = root / "data"
    synthesize(data, FLOWS, seed=0)
    warehouse = root / "build" / "circularity.duckdb"
    completed = subprocess.run(
        [CLI, "build", "--data-dir", str(data), "--warehouse", str(warehouse)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    reference = root / "reference" / bench.REFERENCE_DATABASE
    bench.run_reference(data, reference)
    return data, warehouse, reference


def test_reference_is_plain_duckdb_written_by_hand() -> None:
    script = bench.REFERENCE_SQL.read_text()
    assert "{{" not in script and "{%" not in script, "no dbt Jinja in the reference"
    assert "getvariable('data_dir')" in script, "the data directory is bound, not pasted"
    assert not re.search(r"\b(stg|int)_[a-z_]+", script), "no model of the project is named"


def test_reference_and_build_make_the_same_marts(built: tuple[Path, Path, Path]) -> None:
    _, warehouse, reference = built
    differences, rows = bench.compare_marts(warehouse, reference)
    assert differences == [], "\n".join(differences)
    # Every mart holds rows, so equality is not two empty tables agreeing.
    assert all(count > 0 for count in rows.values()), rows
    # The synthetic data's 1% bad rows (of every kind) were rejected by both.
    assert rows["rejected_rows"] == FLOWS // 100


def test_comparison_reports_a_changed_row(built: tuple[Path, Path, Path], tmp_path: Path) -> None:
    _, warehouse, reference = built
    changed = tmp_path / "changed.duckdb"
    shutil.copyfile(reference, changed)
    connection = duckdb.connect(str(changed))
    connection.execute(
        "update marts.fct_investments set amount_usd_m = amount_usd_m + 0.01 "
        "where deal_id = (select min(deal_id) from marts.fct_investments "
        "where amount_usd_m is not null)"
    )
    connection.execute("delete from marts.rejected_rows where source_file = 'pledges.csv'")
    connection.close()
    differences, _ = bench.compare_marts(warehouse, changed)
    text = "\n".join(differences)
    assert "fct_investments: 1 row(s) only in the build" in text
    assert "fct_investments: 1 row(s) only in the reference" in text
    assert f"rejected_rows: {FLOWS // 200} row(s) only in the build" in text


def test_comparison_ignores_reason_wording_but_not_its_absence(
    built: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    _, warehouse, reference = built
    changed = tmp_path / "reworded.duckdb"
    shutil.copyfile(reference, changed)
    connection = duckdb.connect(str(changed))
    connection.execute("update marts.rejected_rows set reason = 'worded otherwise'")
    connection.close()
    assert bench.compare_marts(warehouse, changed)[0] == []
    connection = duckdb.connect(str(changed))
    connection.execute(
        "update marts.rejected_rows set reason = null where source_line = "
        "(select min(source_line) from marts.rejected_rows)"
    )
    connection.close()
    assert any("rejected_rows" in problem for problem in bench.compare_marts(warehouse, changed)[0])


def test_small_bench_runs_and_the_marts_agree(tmp_path: Path) -> None:
    completed = subprocess.run(
        [CLI, "bench", "--flows", "2k", "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    lines = completed.stdout.strip().splitlines()
    assert re.fullmatch(
        r"flows=2000 build_s=[\d.]+ reference_s=[\d.]+ ratio=[\d.]+ peak_rss_mb=\d+", lines[-1]
    ), lines[-1]
    assert any(" equal " in line for line in lines)
    [figures] = list((tmp_path / "out").glob("bench-*.json"))
    assert '"marts_equal": true' in figures.read_text()
