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
    # Whole, not published: what is left of the gate after dbt takes a few tenths of a
    # second (most suites ran while dbt built).
    ("validating: dbt data tests and Great Expectations", 0.0),
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


def _dbt_child(cli: subprocess.Popen[str], timeout: float = 60.0) -> int:
    """The process id of the CLI's dbt child, once it has started."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                command = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
                parent = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            if parent == cli.pid and b"circularity.dbt_child" in command:
                return int(entry)
        time.sleep(0.05)
    raise AssertionError("the dbt child never started")


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has ended; only its exit status is left


def test_a_dbt_child_killed_alone_is_named_and_nothing_is_published(tmp_path: Path) -> None:
    """Something other than the user killing dbt (the system, out of memory) is a fault of
    the build's surroundings, said in one line: not a failed check, not a bug."""
    data = write_data_dir(tmp_path / "data", deals=DEALS)
    warehouse = tmp_path / "wh" / "circularity.duckdb"
    assert _start(data, warehouse).wait(timeout=120) == 0
    published = warehouse.read_bytes()
    build = _start(data, warehouse)
    os.kill(_dbt_child(build), signal.SIGKILL)
    stdout, stderr = build.communicate(timeout=120)
    assert build.returncode == 3, stdout + stderr
    assert "dbt's process was killed by SIGKILL before it finished" in stderr
    assert "Traceback" not in stderr and "bug" not in stderr
    assert warehouse.read_bytes() == published
    assert _leftovers(warehouse) == []


def test_the_dbt_child_dies_with_a_killed_cli(tmp_path: Path) -> None:
    """A CLI killed alone (SIGKILL, so it cannot stop its children) takes its dbt child
    with it at once, not when the child next writes to its closed output (seconds later,
    once dbt has started): the next build removes the work folder whole, with nothing
    writing into it."""
    data = write_data_dir(tmp_path / "data", deals=DEALS)
    warehouse = tmp_path / "wh" / "circularity.duckdb"
    build = _start(data, warehouse)
    child = _dbt_child(build)
    os.kill(build.pid, signal.SIGKILL)
    build.wait(timeout=30)
    deadline = time.monotonic() + 0.5  # the child is still importing dbt then
    while _running(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running(child), "the dbt child outlived the CLI"
    assert _leftovers(warehouse), "the kill came too late to leave a work folder behind"
    assert _start(data, warehouse).wait(timeout=120) == 0
    assert _leftovers(warehouse) == []
