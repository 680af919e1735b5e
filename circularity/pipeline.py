"""The one build pipeline behind both front doors, the `circularity` CLI and Dagster:
prepare (check inputs, open a workspace), dbt build into the workspace's new file,
validate with Great Expectations, publish atomically. Dagster runs the same steps as
separate ops (dbt through dagster-dbt); neither front door holds logic of its own."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from circularity import locking, publish, validation
from circularity.dbt_runner import PROJECT_DIR, dbt_build
from circularity.inputs import check_data_dir
from circularity.report import write_report
from circularity.summary import BuildSummary, summarize
from circularity.validation import ValidationReport
from circularity.workspace import Workspace, lock_file

DEFAULT_DATA_DIR = PROJECT_DIR / "seeds"
DEFAULT_WAREHOUSE = PROJECT_DIR / "warehouse" / "circularity.duckdb"


@dataclass(frozen=True)
class BuildConfig:
    data_dir: Path = DEFAULT_DATA_DIR
    warehouse: Path = DEFAULT_WAREHOUSE
    as_of: date | None = None
    max_rejected_share: float = validation.DEFAULT_MAX_REJECTED_SHARE

    def resolved(self) -> BuildConfig:
        """Absolute paths: dbt and DuckDB resolve relative ones against other folders."""
        return BuildConfig(
            self.data_dir.expanduser().resolve(),
            self.warehouse.expanduser().resolve(),
            self.as_of,
            self.max_rejected_share,
        )


@dataclass
class BuildResult:
    published: bool
    failures: list[str] = field(default_factory=list)
    summary: BuildSummary | None = None
    validation: ValidationReport | None = None
    failed_build: Path | None = None
    seconds: dict[str, float] = field(default_factory=dict)


Progress = Callable[[str], None]


def prepare(config: BuildConfig, run_id: str) -> Workspace:
    """Check the inputs (InputError names the file and column to fix), open the build's
    workspace and record the independent line counts for validation."""
    config = config.resolved()
    files = check_data_dir(config.data_dir)
    workspace = Workspace(config.warehouse, run_id)
    publish.open_workspace(workspace)
    try:
        workspace.write(
            "inputs",
            {
                "run_id": run_id,
                "started_at": datetime.now(UTC).isoformat(),
                "data_dir": str(config.data_dir),
                "as_of": config.as_of.isoformat() if config.as_of else None,
                "physical_lines": {f.name: f.physical_lines for f in files},
            },
        )
    except BaseException:
        workspace.discard()
        raise
    return workspace


def validate(workspace: Workspace, config: BuildConfig) -> ValidationReport:
    """Run the Great Expectations suites on the build; record and return the outcomes."""
    inputs = workspace.read("inputs")
    report = validation.validate(
        workspace.database,
        workspace.run_id,
        physical_lines=inputs["physical_lines"],
        data_docs_dir=workspace.data_docs,
        max_rejected_share=config.max_rejected_share,
    )
    report.save(workspace.folder / "validation.json")
    return report


@contextmanager
def one_build_at_a_time(warehouse: Path, wait: bool, progress: Progress) -> Iterator[None]:
    """Hold `<warehouse>.lock` (flock) for a block: a second build of the same warehouse
    waits, saying so, or with `wait` false fails at once. The lock dies with its process."""
    lock = lock_file(warehouse)
    try:
        warehouse.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = locking.acquire(lock)
        except locking.LockBusy:
            if not wait:
                raise publish.WarehouseError(
                    f"another build of {warehouse} is running (it holds {lock}); try again "
                    "when it has finished, or leave out --no-wait to wait for it"
                ) from None
            progress(f"another build of {warehouse} is running; waiting for it to finish "
                     f"(lock file {lock})")
            descriptor = locking.acquire(lock, wait=True)
    except OSError as error:
        raise publish.WarehouseError(
            f"cannot write the warehouse {warehouse}: {error.strerror or error}; "
            "choose a writable path with --warehouse"
        ) from error
    try:
        yield
    finally:
        locking.release(descriptor)


def publish_build(workspace: Workspace, report: ValidationReport) -> None:
    """Write the audit records of a validated build and publish it atomically, holding the
    warehouse's lock (Dagster publishes in its own step, apart from the rest of the run)."""
    with one_build_at_a_time(workspace.warehouse, wait=True, progress=lambda _: None):
        _publish_build(workspace, report)


def _publish_build(workspace: Workspace, report: ValidationReport) -> None:
    if not report.success:
        raise publish.WarehouseError("refusing to publish a build that failed validation")
    inputs = workspace.read("inputs")
    connection = duckdb.connect(str(workspace.database), read_only=True)
    try:
        rejected = connection.execute("select count(*) from marts.rejected_rows").fetchone()[0]
        records = dict(
            connection.execute("select source_file, records from gates.gate_inputs").fetchall()
        )
    finally:
        connection.close()
    build_run = {
        "run_id": workspace.run_id,
        "started_at": inputs["started_at"],
        "finished_at": datetime.now(UTC).isoformat(),
        "data_dir": inputs["data_dir"],
        "as_of": inputs["as_of"],
        **{f"{name.removesuffix('.csv')}_rows": count for name, count in records.items()},
        "rejected_rows": rejected,
    }
    rows = [
        (report.run_id, report.validated_at, o.suite, o.expectation, o.column_name, o.success,
         o.observed)
        for o in report.outcomes
    ]
    publish.write_audit(workspace, build_run, rows)
    publish.publish(workspace)
    write_report(workspace.warehouse)  # <warehouse stem>.report.html, refreshed by every publish


def build(
    config: BuildConfig, progress: Progress = lambda _: None, wait: bool = True
) -> BuildResult:
    """The whole pipeline in this process, one build at a time per warehouse. Raises
    InputError or WarehouseError for problems the user must fix first; returns the failed
    checks otherwise. Whatever happens, the work folder is removed or kept as the failed
    build: nothing else is left behind."""
    config = config.resolved()
    with one_build_at_a_time(config.warehouse, wait, progress):
        clock = time.perf_counter()
        progress(f"checking inputs in {config.data_dir}")
        workspace = prepare(config, run_id=f"cli-{uuid.uuid4().hex[:12]}")
        try:
            return _build_in(workspace, config, progress, clock)
        except BaseException:
            workspace.discard()
            raise


def _build_in(
    workspace: Workspace, config: BuildConfig, progress: Progress, clock: float
) -> BuildResult:
    timings: dict[str, float] = {}
    counts = workspace.read("inputs")["physical_lines"]
    progress("  " + ", ".join(f"{name}: {n:,} lines" for name, n in counts.items()))
    timings["inputs"] = time.perf_counter() - clock

    # Great Expectations takes seconds to import: let it load while dbt works.
    preload = threading.Thread(target=validation.preload, daemon=True)
    preload.start()

    step = time.perf_counter()
    progress("running dbt build (staging -> intermediate -> marts)")
    dbt_run = dbt_build(workspace.database, config.data_dir, config.as_of, workspace.dbt_target)
    timings["dbt"] = time.perf_counter() - step
    timings.update({f"dbt {kind}s": seconds for kind, seconds in dbt_run.seconds_by_type.items()})
    if dbt_run.failures:
        described = [
            f"dbt {f.node}: {f.status}: {' '.join(f.message.split())}" for f in dbt_run.failures
        ]
        return _failed(workspace, described, timings)

    step = time.perf_counter()
    progress("validating with Great Expectations")
    preload.join()
    report = validate(workspace, config)
    timings["validate"] = time.perf_counter() - step
    progress(
        f"  {len(report.outcomes)} expectations in {len(report.suites())} suites, "
        f"{len(report.failures())} failed; data docs: {workspace.data_docs / 'index.html'}"
    )
    if not report.success:
        return _failed(workspace, [f.describe() for f in report.failures()], timings, report)

    connection = duckdb.connect(str(workspace.database), read_only=True)
    try:
        summary = summarize(connection)
    finally:
        connection.close()

    step = time.perf_counter()
    progress(f"publishing {config.warehouse}")
    _publish_build(workspace, report)
    timings["publish"] = time.perf_counter() - step
    timings["total"] = time.perf_counter() - clock
    return BuildResult(True, summary=summary, validation=report, seconds=timings)


def _failed(
    workspace: Workspace,
    failures: list[str],
    timings: dict[str, float],
    report: ValidationReport | None = None,
) -> BuildResult:
    kept = publish.keep_failed(workspace)
    return BuildResult(
        False, failures=failures, validation=report, failed_build=kept, seconds=timings
    )
