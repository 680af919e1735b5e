"""Faults, for real: builds killed (their whole process group, dbt included) at several
moments leave the published file whole, the old build or the new one, and the next build
removes what they left; two builds started together both publish and both are audited."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from circularity.workspace import build_prefix
from tests.conftest import query, write_data_dir

CLI = str(Path(sys.executable).with_name("circularity"))
DEALS = "d1,2024-01-01,amazon,anthropic,100,USD,exact,equity,,https://example.com/d1,\n"
MORE_DEALS = DEALS + "d2,2024-02-01,google,anthropic,50,USD,exact,equity,,https://example.com/d2,\n"
# Kill when the build prints this line, after this many seconds more.
KILL_MOMENTS = (
    ("checking inputs", 0.0),  # the work folder is being made
    ("running dbt build", 2.0),  # dbt is writing the new file
    ("validating: dbt data tests and Great Expectations", 0.5),  # whole, not published
)


def _start(data: Path, warehouse: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [CLI, "build", "--data-dir", str(data), "--warehouse", str(warehouse)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, so one kill takes dbt too
    )


def _leftovers(warehouse: Path) -> list[str]:
    prefix = build_prefix(warehouse)
    return [p.name for p in warehouse.parent.iterdir() if p.name.startswith(prefix)]


def test_killed_builds_and_concurrent_builds(tmp_path: Path) -> None:
    old = write_data_dir(tmp_path / "old", deals=DEALS)
    new = write_data_dir(tmp_path / "new", deals=MORE_DEALS)
    warehouse = tmp_path / "wh" / "circularity.duckdb"
    first = _start(old, warehouse)
    assert first.wait(timeout=120) == 0, first.communicate()
    published_builds = 1

    for line_start, delay in KILL_MOMENTS:
        process = _start(new, warehouse)
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith(line_start):
                break
        time.sleep(delay)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        # The published file opens and holds one whole build (old: 1 deal, new: 2) with the
        # audit rows of every build published so far (a kill just after the rename counts).
        assert query(warehouse, "select count(*) from marts.fct_investments")[0][0] in (1, 2)
        ((builds,),) = query(warehouse, "select count(*) from audit.build_runs")
        assert builds in (published_builds, published_builds + 1)
        published_builds = builds
    assert _leftovers(warehouse), "the kills came too late to leave a work folder behind"

    # Two builds at once: one waits for the other, both publish, both are audited; the
    # first to run removes what the killed builds left.
    pair = [_start(new, warehouse), _start(old, warehouse)]
    outputs = [process.communicate(timeout=180) for process in pair]
    for process, (stdout, stderr) in zip(pair, outputs, strict=True):
        assert process.returncode == 0, stderr
        assert f"published {warehouse}" in stdout
    assert sum("waiting for it to finish" in stdout for stdout, _ in outputs) == 1
    assert query(warehouse, "select count(*) from audit.build_runs") == [(published_builds + 2,)]
    assert _leftovers(warehouse) == []
    assert not list(warehouse.parent.glob("*.wal"))
