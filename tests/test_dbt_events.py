"""The CLI's dbt child drops the events that no log of the run shows (`dbt_events`): what
it logs, to its standard output and to dbt.log, is what dbt's own command line logs for
the same run, line for line, whatever the file log's level."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from circularity.dbt_runner import PROJECT_DIR, dbt_child_command, dbt_executable, dbt_step
from tests.conftest import run_script

# Lines that differ between any two runs, or between dbt's own command line and a program
# that runs dbt: the arguments as an unordered dict, the process's resources, and the name
# dbt gives the command.
_RUN_SPECIFIC = ("running dbt with arguments", "Resource report:", "Command `")


def logged(lines: list[str], tmp_path: Path) -> list[str]:
    """The lines without what differs from run to run: times, durations, ids, the folder."""
    kept = []
    for line in lines:
        if any(marker in line for marker in _RUN_SPECIFIC):
            continue
        line = line.replace(str(tmp_path), "TMP")
        line = re.sub(r"\d\d:\d\d:\d\d(\.\d+)?", "T", line)
        line = re.sub(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", "ID", line)
        kept.append(re.sub(r"\d+\.\d+", "N", line))
    return kept


def logs_of_a_run(command: str, tmp_path: Path) -> tuple[list[str], list[str]]:
    """One dbt build of the fx_rates models and their tests on the seeds, on one thread so
    that the order of the lines is the same from run to run: its standard output and its
    dbt.log."""
    folder = tmp_path / command
    folder.mkdir()
    step = dbt_step(folder / "build.duckdb", PROJECT_DIR / "seeds", None, folder / "target")
    args = [*step.args, "--select", "+int_fx_rates_validated", "--threads", "1"]
    if command == "child":
        argv = dbt_child_command(args)
    else:
        argv = [dbt_executable(), *args, "--no-use-colors", "--no-write-json"]
    completed = subprocess.run(
        argv,
        # One hash seed for both: dbt walks some sets, and the walk shows in its debug lines.
        env={**os.environ, **step.env, "PYTHONHASHSEED": "0"},
        cwd=step.cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stdout
    log = (folder / "target" / "dbt.log").read_text().splitlines()
    return logged(completed.stdout.splitlines(), folder), logged(log, folder)


@pytest.mark.parametrize("level", ["info", "debug"])
def test_the_dbt_child_logs_what_dbt_logs(
    level: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DBT_LOG_LEVEL_FILE", level)  # the file log's level (dbt_step)
    child_output, child_log = logs_of_a_run("child", tmp_path)
    own_output, own_log = logs_of_a_run("own", tmp_path)
    assert child_output == own_output
    if level == "debug":
        # The nodes' lines, from the one thread that runs them; dbt's other threads (the
        # pool that lists the schemas) take connections from a shared pool in no set order.
        node_lines = [line for line in child_log if "[Thread-" in line]
        assert node_lines == [line for line in own_log if "[Thread-" in line]
        assert len([line for line in node_lines if "[debug]" in line]) > 100
    else:
        assert child_log == own_log
        assert not [line for line in child_log if "[debug]" in line]
        assert any(
            "OK created sql table model intermediate.int_fx_rates_validated" in line
            for line in child_log
        )


def test_an_event_below_every_log_is_dropped_unbuilt_and_the_others_are_logged() -> None:
    script = """
        import io, json
        from dbt_common.events.base_types import EventLevel
        from dbt_common.events.event_manager import EventManager
        from dbt_common.events.logger import LoggerConfig
        from dbt_common.events.types import Note, SystemExecutingCmd
        from circularity.dbt_events import skip_unlogged_events

        skip_unlogged_events()
        out = io.StringIO()
        manager = EventManager()
        manager.add_logger(LoggerConfig(name="out", level=EventLevel.INFO, output_stream=out))
        debug = SystemExecutingCmd(cmd=["ls"])
        manager.fire_event(debug)
        info = Note(msg="logged")
        manager.fire_event(info)
        raised = SystemExecutingCmd(cmd=["ls"])
        manager.fire_event(raised, level=EventLevel.WARN)  # a level given when fired
        read = SystemExecutingCmd(cmd=["cat"])
        print(json.dumps({
            "debug_built": "pb_msg" in debug.__dict__,
            "info_built": "pb_msg" in info.__dict__,
            "lines": [line.split(" ", 1)[-1].strip() for line in out.getvalue().splitlines()],
            "read_when_needed": read.message(),
        }))
    """
    assert run_script(script) == {
        "debug_built": False,
        "info_built": True,
        "lines": ["logged", 'Executing "ls"'],
        "read_when_needed": 'Executing "cat"',
    }
