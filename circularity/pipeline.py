"""The one build pipeline behind both front doors (the `circularity` CLI and Dagster):
check inputs, dbt build into a fresh file, validate, publish atomically."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from circularity import checks, publish
from circularity.dbt_runner import PROJECT_DIR, DbtFailure, dbt_build
from circularity.inputs import InputFile, check_data_dir
from circularity.summary import BuildSummary, summarize

DEFAULT_DATA_DIR = PROJECT_DIR / "seeds"
DEFAULT_WAREHOUSE = PROJECT_DIR / "warehouse" / "circularity.duckdb"


@dataclass(frozen=True)
class BuildConfig:
    data_dir: Path = DEFAULT_DATA_DIR
    warehouse: Path = DEFAULT_WAREHOUSE
    as_of: date | None = None
    max_rejected_share: float = checks.DEFAULT_MAX_REJECTED_SHARE

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
    failed_build: Path | None = None
    seconds: dict[str, float] = field(default_factory=dict)


Progress = Callable[[str], None]


def build(config: BuildConfig, progress: Progress = lambda _: None) -> BuildResult:
    """Build, validate and, only if everything passes, publish. Raises InputError or
    WarehouseError for problems the user must fix first; returns failed checks otherwise."""
    config = config.resolved()
    timings: dict[str, float] = {}
    started = time.perf_counter()

    progress(f"checking inputs in {config.data_dir}")
    files = check_data_dir(config.data_dir)
    progress("  " + ", ".join(f"{f.name}: {f.data_lines:,} rows" for f in files))
    timings["inputs"] = time.perf_counter() - started

    build_path = publish.new_build_path(config.warehouse)
    step = time.perf_counter()
    progress("running dbt build (staging -> intermediate -> marts, with dbt tests)")
    dbt_failures = dbt_build(build_path, config.data_dir, config.as_of)
    timings["dbt"] = time.perf_counter() - step
    if dbt_failures:
        return _failed(build_path, config, [_describe(f) for f in dbt_failures], timings)

    step = time.perf_counter()
    progress("validating the build")
    failures, summary = validate(build_path, files, config)
    timings["validate"] = time.perf_counter() - step
    if failures:
        return _failed(build_path, config, failures, timings)

    step = time.perf_counter()
    progress(f"publishing {config.warehouse}")
    publish.publish(build_path, config.warehouse)
    timings["publish"] = time.perf_counter() - step
    timings["total"] = time.perf_counter() - started
    return BuildResult(True, summary=summary, seconds=timings)


def validate(
    build_path: Path, files: list[InputFile], config: BuildConfig
) -> tuple[list[str], BuildSummary]:
    connection = duckdb.connect(str(build_path), read_only=True)
    try:
        results = checks.line_accounting(connection, files, config.as_of)
        results += checks.rejected_share(connection, files, config.max_rejected_share)
        summary = summarize(connection, files)
    finally:
        connection.close()
    failures = [
        f"{result.file}: {result.check} failed: {result.observed}"
        for result in results
        if not result.success
    ]
    return failures, summary


def _failed(
    build_path: Path, config: BuildConfig, failures: list[str], timings: dict[str, float]
) -> BuildResult:
    kept = publish.keep_failed(build_path, config.warehouse) if build_path.exists() else None
    if kept is None:
        publish.discard(build_path)
    return BuildResult(False, failures=failures, failed_build=kept, seconds=timings)


def _describe(failure: DbtFailure) -> str:
    message = " ".join(failure.message.split())
    return f"dbt {failure.node}: {failure.status}: {message}"
