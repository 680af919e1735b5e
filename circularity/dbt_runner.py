"""Runs `dbt build` against a chosen DuckDB file, with the build's data directory and
as-of date passed the way the dbt project reads them (environment variables).

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
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
_PARTIAL_PARSE = "partial_parse.msgpack"


@dataclass(frozen=True)
class DbtFailure:
    node: str
    status: str
    message: str


@dataclass
class DbtRun:
    failures: list[DbtFailure]
    seconds_by_type: dict[str, float]  # summed node execution time: model, test


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
    return Path(tempfile.gettempdir()) / f"circularity-{os.getuid()}" / f"dbt-{project}"


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


def dbt_build(
    database: Path, data_dir: Path, as_of: date | None, target_path: Path
) -> DbtRun:
    """`dbt build` of the models into `database`. The gates of this front door are the Great
    Expectations suites, which check what the dbt data tests check (and more), so the data
    tests are left to `dbt build` users and to Dagster, where they become asset checks;
    the unit tests belong to the test suite. Returns the nodes that errored or skipped."""
    target_path.mkdir(exist_ok=True)
    _restore_partial_parse(target_path)
    command = [
        dbt_executable(), "build",
        "--project-dir", str(PROJECT_DIR),
        "--profiles-dir", str(PROJECT_DIR),
        "--target-path", str(target_path),
        "--log-path", str(target_path),
        "--exclude-resource-type", "unit_test", "test",
        "--quiet",
    ]
    # The database is named relative to the build folder, where dbt runs, so that the
    # profile reads the same from build to build and dbt's partial parsing stays valid (it
    # re-parses the whole project, seconds of work, whenever the profile changes).
    variables = dbt_variables(database.name, data_dir, as_of)
    completed = subprocess.run(
        command, env={**os.environ, **variables}, cwd=database.parent,
        capture_output=True, text=True, check=False,
    )
    run = _read_results(target_path / "run_results.json")
    if completed.returncode != 0 and not run.failures:
        message = dbt_error_message(completed.stdout + completed.stderr)
        run.failures.append(DbtFailure("dbt", "error", message or f"exit {completed.returncode}"))
    _save_partial_parse(target_path)
    return run


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_LOG_TIME = re.compile(r"^\d\d:\d\d:\d\d\s*")


def dbt_error_message(output: str) -> str:
    """The cause dbt gives when it fails as a whole (a full disk, an unreadable file), in
    one line: the text after "Encountered an error:", without dbt's traceback."""
    lines = [_LOG_TIME.sub("", _ANSI.sub("", line)).strip() for line in output.splitlines()]
    for index, line in enumerate(lines):
        if "Encountered an error:" in line:
            cause = [line.split("Encountered an error:", 1)[1].strip()]
            for following in lines[index + 1:]:
                if following.startswith("Traceback") or not following:
                    break
                cause.append(following)
            return " ".join(part for part in cause if part)
    meaningful = [line for line in lines if line and not line.startswith(("Traceback", "File "))]
    return meaningful[-1] if meaningful else ""


def _read_results(run_results: Path) -> DbtRun:
    if not run_results.exists():
        return DbtRun([], {})
    results = json.loads(run_results.read_text())["results"]
    seconds: dict[str, float] = {}
    for result in results:
        kind = result["unique_id"].split(".")[0]
        seconds[kind] = seconds.get(kind, 0.0) + (result.get("execution_time") or 0.0)
    failures = [
        DbtFailure(result["unique_id"], result["status"], result.get("message") or "")
        for result in results
        if result["status"] in ("error", "fail", "runtime error", "skipped")
    ]
    return DbtRun(failures, seconds)
