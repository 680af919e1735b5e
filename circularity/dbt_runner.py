"""What `dbt build` of a build runs (one DbtStep for every door), running it as a child
process for the CLI, and reading what it did from its artifacts.

dbt runs in a child process, as dagster-dbt runs it: dbt-duckdb keeps its database open
for the life of the process, and the build must be closed before it is validated and
renamed into place. Each run gets its own target folder (seeded with the last partial parse
state, so start-up stays fast) so that concurrent builds never share artifacts. Nothing is
written into the project: the partial parse state is kept in a private temp folder, so a
read-only checkout builds as well as a writable one."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from circularity.workspace import user_temp_folder

PROJECT_DIR = Path(__file__).resolve().parents[1]
_PARTIAL_PARSE = "partial_parse.msgpack"
# What the CLI's dbt child writes instead of dbt's manifest.json: the nodes of the run, each
# with the manifest's fields that the gate and the Spark copy read (see dbt_child).
NODES_FILE = "nodes.json"


class DbtFault(Exception):
    """dbt could not run to its end for a reason outside the project: its process was
    killed (as the system does when memory runs out), or its results were cut short (a
    full disk). No check failed: the build could not be checked at all."""


@dataclass(frozen=True)
class DbtFailure:
    node: str
    status: str
    message: str


@dataclass(frozen=True)
class DbtTest:
    name: str
    column_name: str | None
    success: bool
    observed: str


@dataclass
class DbtRun:
    failures: list[DbtFailure]
    seconds_by_type: dict[str, float]  # summed node execution time: model, test
    tests: list[DbtTest]


def dbt_variables(database: str, data_dir: Path, as_of: date | None) -> dict[str, str]:
    """The environment variables that point the dbt profile and sources at one build."""
    return {
        "CIRCULARITY_DBT_DATABASE": database,
        "CIRCULARITY_DATA_DIR": str(data_dir),
        "CIRCULARITY_AS_OF": as_of.isoformat() if as_of else "",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }


@contextmanager
def environment(variables: dict[str, str]) -> Iterator[None]:
    """Set variables in this process for the duration of a block (for dbt run by Dagster,
    which passes its own environment on to dbt)."""
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def partial_parse_cache() -> Path:
    """This user's folder for the project's partial parse state, outside the project."""
    project = hashlib.sha256(str(PROJECT_DIR).encode()).hexdigest()[:16]
    return user_temp_folder() / f"dbt-{project}"


def _restore_partial_parse(target_path: Path) -> None:
    cached = partial_parse_cache() / _PARTIAL_PARSE
    try:
        if cached.parent.stat().st_uid == os.getuid():  # never another user's state
            shutil.copy2(cached, target_path / _PARTIAL_PARSE)
    except OSError:
        pass  # no state yet, or none readable: dbt parses the project from scratch


def _save_partial_parse(target_path: Path) -> None:
    """Best effort: a full disk or a read-only temp folder only costs the next start-up."""
    state = target_path / _PARTIAL_PARSE
    if not state.exists():
        return
    cache = partial_parse_cache()
    try:
        cache.mkdir(mode=0o700, parents=True, exist_ok=True)
        staged = cache / f"{_PARTIAL_PARSE}.{os.getpid()}"
        shutil.copy2(state, staged)
        os.replace(staged, cache / _PARTIAL_PARSE)  # concurrent builds never see half a file
    except OSError:
        pass


def dbt_executable() -> str:
    beside_python = Path(sys.executable).with_name("dbt")
    return str(beside_python) if beside_python.exists() else "dbt"


@dataclass(frozen=True)
class DbtStep:
    """What `dbt build` of one build runs: the same for every door (the CLI runs it as a
    child process, Dagster through dagster-dbt)."""

    args: list[str]
    env: dict[str, str]  # names the database relative to cwd, where the CLI runs dbt
    target_path: Path
    cwd: Path
    database: Path

    def env_from_anywhere(self) -> dict[str, str]:
        """The environment for a runner that starts dbt in another folder (dagster-dbt
        starts it in the project): the database by its absolute path."""
        return {**self.env, "CIRCULARITY_DBT_DATABASE": str(self.database)}


def dbt_step(database: Path, data_dir: Path, as_of: date | None, target_path: Path) -> DbtStep:
    """`dbt build` of every model and data test into `database`: the models and the dbt
    half of the gate (unit tests belong to the test suite). The database is named relative
    to the build folder, where dbt runs, so that the profile reads the same from build to
    build and dbt's partial parsing stays valid (it re-parses the whole project, seconds of
    work, whenever the profile changes)."""
    return DbtStep(
        args=[
            "build",
            "--project-dir",
            str(PROJECT_DIR),
            "--profiles-dir",
            str(PROJECT_DIR),
            "--target-path",
            str(target_path),
            "--log-path",
            str(target_path),
            # dbt's file log at DEBUG holds every statement of every node, a seventh of a
            # small build's time; the SQL is in the target folder's compiled/ and run/ anyway.
            "--log-level-file",
            os.environ.get("DBT_LOG_LEVEL_FILE", "info"),
            "--exclude-resource-type",
            "unit_test",
        ],
        env=dbt_variables(database.name, data_dir, as_of),
        target_path=target_path,
        cwd=database.parent,
        database=database,
    )


# "12 of 49 OK created sql table model marts.fct_investments .... [OK in 1.20s]"
_NODE_RESULT = re.compile(r"(\d+) of (\d+) (OK|PASS|ERROR|FAIL|WARN|SKIP)\S* (.*?)\s\.{3,}")


def dbt_child_command(args: list[str]) -> list[str]:
    """The command line of the CLI's dbt child process for dbt's `args`. With
    --no-write-json the child writes the two artifacts the CLI reads (see dbt_child)."""
    return [
        sys.executable,
        "-m",
        "circularity.dbt_child",
        *args,
        "--no-use-colors",
        "--no-write-json",
    ]


def run_dbt(
    step: DbtStep,
    progress: Callable[[str], None] = lambda _: None,
    finished: Callable[[str, str], None] | None = None,
) -> DbtRun:
    """Run a DbtStep in a child process, reporting each finished node as it finishes, so a
    long build shows where it is (and `finished` hears its status and `schema.name`).
    Returns the nodes that failed, errored or were skipped."""
    step.target_path.mkdir(exist_ok=True)
    _restore_partial_parse(step.target_path)
    with subprocess.Popen(
        dbt_child_command(step.args),
        env={**os.environ, **step.env},
        cwd=step.cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as process:
        output: list[str] = []
        for line in process.stdout or ():
            output.append(line)
            match = _NODE_RESULT.search(_ANSI.sub("", line))
            if match:
                number, total, status, node = match.groups()
                name = " ".join(node.split()[-1:])
                progress(f"  [{number}/{total}] {status.lower()}: {name}")
                if finished:
                    finished(status, name)
        returncode = process.wait()
    if returncode < 0:
        _killed(-returncode)
    try:
        run = read_results(step.target_path)
    except DbtFault:
        cause = dbt_error_message("".join(output))
        if cause:
            raise DbtFault(f"dbt failed: {cause}") from None
        raise
    if returncode != 0 and not run.failures:
        message = dbt_error_message("".join(output))
        run.failures.append(DbtFailure("dbt", "error", message or f"exit {returncode}"))
    _save_partial_parse(step.target_path)
    return run


def _killed(signal_number: int) -> None:
    """Raise for a dbt child that a signal ended: Ctrl-C reached it with the CLI (which
    stops too), or something else killed it, which the user must hear in plain words."""
    if signal_number == signal.SIGINT:
        raise KeyboardInterrupt
    try:
        name = signal.Signals(signal_number).name
    except ValueError:
        name = f"signal {signal_number}"
    raise DbtFault(
        f"dbt's process was killed by {name} before it finished (the system kills a process "
        "this way when memory runs out); build again, with more memory free if it recurs"
    )


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_LOG_TIME = re.compile(r"^\d\d:\d\d:\d\d\s*")


def dbt_error_message(output: str) -> str:
    """The cause dbt gives when it fails as a whole (a full disk, an unreadable file), in
    one line: the text after "Encountered an error:", without dbt's traceback."""
    lines = [_LOG_TIME.sub("", _ANSI.sub("", line)).strip() for line in output.splitlines()]
    for index, line in enumerate(lines):
        if "Encountered an error:" in line:
            cause = [line.split("Encountered an error:", 1)[1].strip()]
            for following in lines[index + 1 :]:
                if following.startswith("Traceback") or not following:
                    break
                cause.append(following)
            return " ".join(part for part in cause if part)
    meaningful = [line for line in lines if line and not line.startswith(("Traceback", "File "))]
    return meaningful[-1] if meaningful else ""


def read_results(target_path: Path) -> DbtRun:
    """What a `dbt build` wrote to `target_path`: its failures, time per kind of node, and
    every data test with its outcome (the dbt half of the gate, recorded in the audit)."""
    run_results = target_path / "run_results.json"
    if not run_results.exists():
        return DbtRun([], {}, [])
    try:
        results = json.loads(run_results.read_text())["results"]
    except (ValueError, KeyError) as error:
        raise DbtFault(
            f"dbt's results file {run_results} is incomplete; is the disk full?"
        ) from error
    nodes = node_details(target_path)
    seconds: dict[str, float] = {}
    tests: list[DbtTest] = []
    for result in results:
        kind = result["unique_id"].split(".")[0]
        seconds[kind] = seconds.get(kind, 0.0) + (result.get("execution_time") or 0.0)
        if kind == "test":
            node = nodes.get(result["unique_id"], {})
            tests.append(
                DbtTest(
                    name=node.get("name") or result["unique_id"].split(".")[2],
                    column_name=node.get("column_name"),
                    success=result["status"] == "pass",
                    observed=_test_observed(result),
                )
            )
    failures = [
        DbtFailure(result["unique_id"], result["status"], result.get("message") or "")
        for result in results
        if result["status"] in ("error", "fail", "runtime error", "skipped")
    ]
    return DbtRun(failures, seconds, tests)


def node_details(target_path: Path) -> dict[str, dict]:
    """The nodes of a dbt run by unique id, in the manifest's shape: from the CLI's dbt child
    (NODES_FILE) or from dbt's own manifest.json (a run by Dagster). Empty when neither can
    be read: dbt stopped before it ran a node."""
    for name in (NODES_FILE, "manifest.json"):
        try:
            return json.loads((target_path / name).read_text())["nodes"]
        except (OSError, ValueError, KeyError):
            continue
    return {}


def _test_observed(result: dict) -> str:
    failures = result.get("failures")
    if result["status"] == "pass":
        return json.dumps({"failing_rows": 0})
    if failures is not None:
        return json.dumps({"failing_rows": failures})
    return json.dumps({"status": result["status"], "message": result.get("message") or ""})
