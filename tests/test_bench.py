"""The benchmark works end to end on a small size (figures themselves are for
`make bench`, never asserted in tests), and its reference script is current."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from circularity import bench

CLI = str(Path(sys.executable).with_name("circularity"))


def test_reference_script_is_generated_from_the_current_models(tmp_path: Path) -> None:
    committed = bench.REFERENCE_SQL.read_text()
    assert bench.write_reference(tmp_path / "reference.sql") == committed, (
        "bench/reference.sql is stale: run `circularity bench --write-reference`"
    )


def test_small_bench_runs_and_the_marts_agree(tmp_path: Path) -> None:
    completed = subprocess.run(
        [CLI, "bench", "--flows", "10k", "--results", str(tmp_path / "results")],
        capture_output=True, text=True, timeout=900,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    lines = completed.stdout.strip().splitlines()
    assert re.fullmatch(
        r"flows=10000 build_s=[\d.]+ reference_s=[\d.]+ ratio=[\d.]+ peak_rss_mb=\d+", lines[-1]
    ), lines[-1]
    assert any(" equal " in line for line in lines)
    [figures] = list((tmp_path / "results").glob("bench-*.json"))
    assert '"marts_equal": true' in figures.read_text()
