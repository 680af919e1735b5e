"""The benchmark's reference is honest: written by hand from the contract, it builds the same
marts as the real build on synthetic data, and the comparison that says so can fail. The
benchmark's figures themselves are for `make bench`, never asserted in tests."""

from __future__ import annotations

import json
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
        [CLI, "bench", "--flows", "2k", "--repeat", "2", "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    lines = completed.stdout.strip().splitlines()
    last = re.fullmatch(
        r"flows=2000 build_s=([\d.]+) reference_s=([\d.]+) ratio=([\d.]+) "
        r"peak_rss_mb=(\d+) ratios=([\d.]+),([\d.]+)",
        lines[-1],
    )
    assert last, lines[-1]
    assert sum(" equal " in line for line in lines) == 2  # one table row per pair
    [figures] = list((tmp_path / "out").glob("bench-*.json"))
    [result] = json.loads(figures.read_text())["results"]
    assert result["marts_equal"] is True
    assert len(result["pairs"]) == 2
    # The figures printed last are those of the pair with the higher ratio of the two.
    ratios = [pair["build"]["seconds"] / pair["reference"]["seconds"] for pair in result["pairs"]]
    median = result["pairs"][result["median_pair"]]
    assert ratios[result["median_pair"]] == max(ratios)
    assert float(last[1]) == round(median["build"]["seconds"], 2)
    assert float(last[3]) == round(max(ratios), 2)
    assert int(last[4]) == round(max(pair["build"]["peak_rss_mb"] for pair in result["pairs"]))


def _pair(build_seconds: float, reference_seconds: float, build_mb: float = 100.0) -> bench.Pair:
    return bench.Pair(
        bench.Measurement(build_seconds, build_mb), bench.Measurement(reference_seconds, 50.0)
    )


def test_the_figures_are_those_of_the_pair_with_the_median_ratio() -> None:
    pairs = [_pair(9.0, 3.0), _pair(6.0, 3.0, build_mb=900.0), _pair(10.0, 4.0)]
    result = bench.BenchResult(1000, pairs, [], {})
    assert result.median is pairs[2]  # ratios 3.0, 2.0, 2.5
    assert result.ratio == 2.5
    assert result.peak_rss_mb == 900.0  # the highest of every build run, not the median's
    assert result.last_line() == (
        "flows=1000 build_s=10.00 reference_s=4.00 ratio=2.50 peak_rss_mb=900 ratios=3.00,2.00,2.50"
    )
    assert bench.BenchResult(1000, pairs[:2], [], {}).median is pairs[0]  # the higher middle
    assert bench.BenchResult(1000, pairs[1:2], [], {}).median is pairs[1]
