"""`circularity`: the command line front door of the build pipeline."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
import warnings
from datetime import date
from pathlib import Path
from types import FrameType

import duckdb

from circularity import bench, explain, report, shell, summary, synth
from circularity.dbt_runner import DbtFault
from circularity.engines import DEFAULT_ENGINE, ENGINES
from circularity.inputs import InputError
from circularity.pipeline import DEFAULT_DATA_DIR, DEFAULT_WAREHOUSE, BuildConfig, build
from circularity.publish import WarehouseError
from circularity.validation import DEFAULT_MAX_REJECTED_SHARE


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date: write YYYY-MM-DD") from None


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"'{text}' is not a share between 0 and 1")
    return value


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="circularity",
        description="Build the Circularity warehouse of circular AI financing.",
    )
    commands = root.add_subparsers(dest="command", required=True)
    build_command = commands.add_parser(
        "build",
        help="load, dbt build, validate and atomically publish the warehouse",
        description="Build a new warehouse beside the published one, validate it, and "
        "replace the published file only when every check passes.",
    )
    build_command.add_argument(
        "--data-dir",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help="folder of input CSVs (default: the project's seeds/)",
    )
    build_command.add_argument(
        "--warehouse",
        type=Path,
        default=DEFAULT_WAREHOUSE,
        help="published DuckDB file (default: warehouse/circularity.duckdb)",
    )
    build_command.add_argument(
        "--as-of",
        type=_iso_date,
        default=None,
        metavar="YYYY-MM-DD",
        help="leave out rows announced after this date",
    )
    build_command.add_argument(
        "--max-rejected-share",
        type=_share,
        default=DEFAULT_MAX_REJECTED_SHARE,
        metavar="SHARE",
        help="fail when more than this share of a file's rows is rejected (default: 0.5)",
    )
    build_command.add_argument(
        "--engine",
        choices=ENGINES,
        default=DEFAULT_ENGINE,
        help="where the dbt models run: duckdb (default, this machine) or spark (dbt-spark: "
        "a local Spark session, or the Thrift server in CIRCULARITY_SPARK_*); the warehouse "
        "published is the same DuckDB file either way",
    )
    build_command.add_argument(
        "--no-wait",
        action="store_true",
        help="when another build of the same warehouse is running, "
        "exit at once instead of waiting for it",
    )
    build_command.add_argument(
        "--timings-json", type=Path, default=None, help=argparse.SUPPRESS
    )  # seconds per step, for the benchmark
    build_command.set_defaults(handler=run_build)
    shell.add_parser(commands, DEFAULT_WAREHOUSE)
    report.add_parser(commands, DEFAULT_WAREHOUSE)
    synth.add_parser(commands)
    bench.add_parser(commands)
    return root


def main(argv: list[str] | None = None) -> int:
    # Great Expectations imports pyspark when it is installed (the Spark engine), and pyspark
    # warns about the pandas version on every start: noise for a user of either engine.
    warnings.filterwarnings(
        "ignore", message="PySpark does not yet fully support pandas", category=FutureWarning
    )
    args = parser().parse_args(argv)
    return args.handler(args)


class Stopped(BaseException):
    """The build was told to stop (SIGTERM, SIGHUP). A BaseException, like KeyboardInterrupt:
    libraries catch Exception around work of their own (Great Expectations does around its
    data docs), and a stop caught there would let the build go on and publish."""


def _stop(signal_number: int, _frame: FrameType | None) -> None:
    raise Stopped(signal.Signals(signal_number).name)


def describe_fault(error: BaseException) -> str:
    """One plain line for a fault of the build's surroundings (disk, permissions, a file
    held elsewhere): its cause and the file it concerns, without a traceback."""
    if isinstance(error, OSError):
        cause = error.strerror or type(error).__name__
        where = f" ({error.filename})" if error.filename else ""
        return f"{cause}{where}"
    return " ".join(str(error).split())


def published_since(warehouse: Path, started: float) -> bool:
    """Whether the warehouse holds a build that started at or after `started` (seconds since
    the epoch): a stop that came after the final rename, whose build is published. Any
    doubt (no warehouse, no audit, a file that will not open) says no."""
    try:
        connection = duckdb.connect(str(warehouse), read_only=True)
    except (duckdb.Error, OSError):
        return False
    try:
        (newest,) = connection.execute(
            "select epoch(max(started_at)) from audit.build_runs"
        ).fetchone()
    except duckdb.Error:
        return False
    finally:
        connection.close()
    return newest is not None and newest >= started


def run_build(args: argparse.Namespace) -> int:
    config = BuildConfig(
        args.data_dir, args.warehouse, args.as_of, args.max_rejected_share, args.engine
    )
    # A polite stop unwinds like an error, so the build removes its work folder.
    for name in ("SIGTERM", "SIGHUP"):
        signal.signal(getattr(signal, name), _stop)
    started = time.time()
    try:
        result = build(
            config, progress=lambda message: print(message, flush=True), wait=not args.no_wait
        )
    except (InputError, WarehouseError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except (OSError, duckdb.Error, DbtFault) as error:
        print(
            f"error: the build failed and the published warehouse {config.warehouse} was "
            f"not changed: {describe_fault(error)}",
            file=sys.stderr,
        )
        return 3
    except (Stopped, KeyboardInterrupt):
        if published_since(config.warehouse, started):
            print(
                f"error: the build was stopped after it published: {config.warehouse} holds "
                "it, whole, but its report page may be the last build's (run `circularity "
                "report` to write it again)",
                file=sys.stderr,
            )
        else:
            print(
                f"error: the build was stopped; {config.warehouse} holds the last build "
                "that finished (never a part of this one)",
                file=sys.stderr,
            )
        return 130
    if not result.published:
        if result.failed_build and result.failed_build.exists():
            for line in summary.rejected_lines(result.failed_build):
                print(line)
        print(
            f"build FAILED: the published warehouse {config.warehouse} was not changed",
            file=sys.stderr,
        )
        if result.validation is not None:
            plain = explain.plain_failures(
                result.failed_build, result.validation, config.max_rejected_share
            )
            for line in plain:
                print(line, file=sys.stderr)
        print(f"{len(result.failures)} check(s) failed:", file=sys.stderr)
        for failure in result.failures:
            print(f"  - {failure}", file=sys.stderr)
        if result.failed_build:
            print(
                f"the failed build is kept for inspection at {result.failed_build}", file=sys.stderr
            )
        return 1
    assert result.summary is not None and result.validation is not None
    for line in result.summary.lines():
        print(line)
    if args.timings_json:
        args.timings_json.write_text(json.dumps(result.seconds))
    print(f"published {config.warehouse} in {result.seconds['total']:.1f} s")
    _record_in_dagster(config.warehouse, result.validation.run_id)
    return 0


def _record_in_dagster(warehouse: Path, run_id: str) -> None:
    """Show the build in the Dagster UI when an instance is configured (DAGSTER_HOME)."""
    if not os.environ.get("DAGSTER_HOME"):
        return
    try:
        from orchestration.record import record_cli_build

        record_cli_build(warehouse.expanduser().resolve(), run_id)
        print(f"recorded in the Dagster instance at {os.environ['DAGSTER_HOME']}")
    except Exception as error:  # the build is published; Dagster's view is a courtesy
        print(f"note: could not record the build in Dagster: {error}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
