"""The one build pipeline behind every door that publishes (the `circularity` CLI, a
Dagster run, its schedule and sensor). Its steps, in the only order there is:

    prepare    check the inputs, open the build's work folder beside the warehouse
    transform  `dbt build` of the models and the dbt data tests into the work folder's file
    validate   the gate: the dbt data tests' results and the Great Expectations suites
    publish    audit records, then one atomic rename over the published warehouse

`build` runs them in this process; Dagster runs the same functions as its steps (dbt
through dagster-dbt, with the arguments `dbt_step` gives) and adds only asset keys,
metadata and check results."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from circularity import engines, locking, publish, validation
from circularity.dbt_runner import PROJECT_DIR, DbtRun, DbtStep, dbt_step, read_results, run_dbt
from circularity.gate_batches import EarlyValidation
from circularity.inputs import check_data_dir, count_physical_lines
from circularity.report import write_report
from circularity.summary import BuildSummary, summarize
from circularity.validation import ExpectationOutcome, ValidationReport
from circularity.workspace import Workspace, lock_file

DEFAULT_DATA_DIR = PROJECT_DIR / "seeds"
DEFAULT_WAREHOUSE = PROJECT_DIR / "warehouse" / "circularity.duckdb"


@dataclass(frozen=True)
class BuildConfig:
    data_dir: Path = DEFAULT_DATA_DIR
    warehouse: Path = DEFAULT_WAREHOUSE
    as_of: date | None = None
    max_rejected_share: float = validation.DEFAULT_MAX_REJECTED_SHARE
    engine: str = engines.DEFAULT_ENGINE  # where the dbt models run: duckdb or spark

    def resolved(self) -> BuildConfig:
        """Absolute paths: dbt and DuckDB resolve relative ones against other folders."""
        return BuildConfig(
            self.data_dir.expanduser().resolve(),
            self.warehouse.expanduser().resolve(),
            self.as_of,
            self.max_rejected_share,
            engines.check_engine(self.engine),
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
    """Check the inputs (InputError names the file and column to fix) and open the build's
    workspace."""
    config = config.resolved()
    files = check_data_dir(config.data_dir)
    workspace = Workspace(config.warehouse, run_id)
    publish.open_workspace(workspace)
    try:
        spark_inputs = (
            engines.write_spark_inputs(workspace.folder, config.data_dir)
            if config.engine == "spark"
            else None
        )
        workspace.write(
            "inputs",
            {
                "run_id": run_id,
                "started_at": datetime.now(UTC).isoformat(),
                "data_dir": str(config.data_dir),
                "as_of": config.as_of.isoformat() if config.as_of else None,
                "files": [f.name for f in files],
                "engine": config.engine,
                "spark_inputs": spark_inputs,
            },
        )
    except BaseException:
        workspace.discard()
        raise
    return workspace


def _counted_lines(workspace: Workspace) -> dict[str, int]:
    inputs = workspace.read("inputs")
    data_dir = Path(inputs["data_dir"])
    return {name: count_physical_lines(data_dir / name) for name in inputs["files"]}


def count_lines(workspace: Workspace) -> dict[str, int]:
    """The physical lines of every input file, counted from the bytes apart from the reader,
    for the inputs gate: counted once per build and kept in the workspace."""
    if workspace.has("line_counts"):
        return workspace.read("line_counts")
    counts = _counted_lines(workspace)
    workspace.write("line_counts", counts)
    return counts


def _count_in_background(
    workspace: Workspace, counted: Callable[[dict[str, int]], None] | None
) -> None:
    # Kept in this process's memory only: the thread never writes to the disk, and if it
    # cannot count (a file gone), count_lines counts again in the main thread, where the
    # error is reported like any other.
    with suppress(Exception):
        counts = _counted_lines(workspace)
        workspace.remember("line_counts", counts)
        if counted:
            counted(counts)


@contextmanager
def counting_lines(
    workspace: Workspace, counted: Callable[[dict[str, int]], None] | None = None
) -> Iterator[None]:
    """Count the input files' lines while the block (the dbt build) runs: the count is a
    pass over every byte, and the gate needs it only after dbt (`counted` hears it as soon
    as it is taken)."""
    counting = threading.Thread(target=_count_in_background, args=(workspace, counted), daemon=True)
    counting.start()
    try:
        yield
    finally:
        counting.join()


def transform_step(workspace: Workspace, config: BuildConfig) -> DbtStep:
    """The dbt build of this build, for whichever door runs it."""
    step = dbt_step(workspace.database, config.data_dir, config.as_of, workspace.dbt_target)
    if config.engine == "spark":
        return engines.spark_step(step, workspace.folder, workspace.read("inputs")["spark_inputs"])
    return step


def transform(
    workspace: Workspace,
    config: BuildConfig,
    progress: Progress,
    early: EarlyValidation | None = None,
) -> DbtRun:
    """Run the dbt build in a child process, reporting each model and test as it ends; on
    DuckDB, `early` validates each gate's rows as soon as dbt has built it."""
    step = transform_step(workspace, config)
    early = early if config.engine == "duckdb" else None
    if early is not None:
        step = replace(step, env={**step.env, **early.dbt_environment()})
    with counting_lines(workspace, early.lines_counted if early else None):
        dbt_run = run_dbt(step, progress, early.node_finished if early else None)
    finish_transform(workspace, config)
    return dbt_run


def finish_transform(workspace: Workspace, config: BuildConfig) -> None:
    """After dbt on Spark, bring the tables it built into the build's DuckDB file, where the
    gate, the publish and every reader find them (nothing to do on DuckDB). Runs once: the
    CLI, Dagster's dbt step and the gate may each ask."""
    if config.engine != "spark":
        return
    dbt_run = read_results(workspace.dbt_target)
    if not dbt_run.failures and dbt_run.tests:
        engines.copy_spark_build(workspace.folder, workspace.database, workspace.dbt_target)


def validate(
    workspace: Workspace, config: BuildConfig, early: EarlyValidation | None = None
) -> ValidationReport:
    """The gate of a publish: every dbt data test (read from the dbt build's results) and,
    when dbt built everything, every Great Expectations suite (but those `early` ran while
    dbt built). The outcomes are saved for the publish step; a build that fails its gate
    is kept for inspection."""
    finish_transform(workspace, config)
    dbt_run = read_results(workspace.dbt_target)
    outcomes = [
        ExpectationOutcome("dbt", test.name, test.column_name, test.success, test.observed)
        for test in dbt_run.tests
    ]
    outcomes.extend(
        ExpectationOutcome("dbt", failure.node, None, False, f"{failure.status}: {failure.message}")
        for failure in dbt_run.failures
        if not failure.node.startswith("test.")
    )
    if not dbt_run.tests and not dbt_run.failures:
        outcomes.append(ExpectationOutcome("dbt", "dbt build", None, False, "dbt did not run"))
    if all(outcome.success for outcome in outcomes):
        checked = validation.validate(
            workspace.database,
            workspace.run_id,
            physical_lines=count_lines(workspace),
            data_docs_dir=workspace.data_docs,
            max_rejected_share=config.max_rejected_share,
            warehouse_name=workspace.warehouse.name,
            ran_early=early.runner() if early else None,
        )
        report = ValidationReport(checked.run_id, checked.validated_at, outcomes + checked.outcomes)
    else:
        report = ValidationReport(workspace.run_id, datetime.now(UTC).isoformat(), outcomes)
    report.save(workspace.folder / "validation.json")
    if not report.success:
        publish.keep_failed(workspace)
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
            progress(
                f"another build of {warehouse} is running; waiting for it to finish "
                f"(lock file {lock})"
            )
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


def publish_validated(workspace: Workspace) -> ValidationReport:
    """Publish a build whose gate passed (Dagster's last step, in its own process): write the
    audit records and rename the build over the warehouse, holding the warehouse's lock."""
    report = ValidationReport.load(workspace.folder / "validation.json")
    with one_build_at_a_time(workspace.warehouse, wait=True, progress=lambda _: None):
        _publish_build(workspace, report)
    return report


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
        (
            report.run_id,
            report.validated_at,
            o.suite,
            o.expectation,
            o.column_name,
            o.success,
            o.observed,
        )
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
    timings["inputs"] = time.perf_counter() - clock

    # Great Expectations takes seconds to import, and validates each gate as dbt builds it.
    with EarlyValidation(workspace.folder, workspace.run_id, config.max_rejected_share) as early:
        return _transform_and_validate(workspace, config, progress, clock, timings, early)


def _transform_and_validate(
    workspace: Workspace,
    config: BuildConfig,
    progress: Progress,
    clock: float,
    timings: dict[str, float],
    early: EarlyValidation,
) -> BuildResult:
    step = time.perf_counter()
    progress("running dbt build (staging -> intermediate -> marts -> gates, with data tests)")
    dbt_run = transform(workspace, config, progress, early)
    timings["dbt"] = time.perf_counter() - step
    timings.update({f"dbt {kind}s": seconds for kind, seconds in dbt_run.seconds_by_type.items()})
    counts = count_lines(workspace)
    progress("  " + ", ".join(f"{name}: {n:,} lines" for name, n in counts.items()))

    step = time.perf_counter()
    progress("validating: dbt data tests and Great Expectations")
    report = validate(workspace, config, early)
    timings["validate"] = time.perf_counter() - step
    dbt_tests = [outcome for outcome in report.outcomes if outcome.suite == "dbt"]
    expectations = [outcome for outcome in report.outcomes if outcome.suite != "dbt"]
    early_suites = (
        f" ({len(early.validated_early)} while dbt built)" if early.validated_early else ""
    )
    progress(
        f"  {len(dbt_tests)} dbt tests, {len(expectations)} expectations in "
        f"{len({o.suite for o in expectations})} suites{early_suites}, "
        f"{len(report.failures())} failed; data docs: {workspace.data_docs / 'index.html'}"
    )
    if not report.success:
        failed = workspace.failed_folder / workspace.database.name
        return BuildResult(
            False,
            failures=[f.describe() for f in report.failures()],
            validation=report,
            failed_build=failed if failed.exists() else None,
            seconds=timings,
        )

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
