"""Great Expectations gates of a build.

Each suite in `expectations/` is a GX Core 1.x suite in JSON; it validates the rows of the
dbt model `gates.gate_<suite>`, where SQL computed the per-row facts it judges (like
`is_between_groups`), so GX validates a small pandas batch rather than whole tables. GX 1.x has no
DuckDB engine and its SQL route through duckdb-engine returns empty results, hence batches.
"""

from __future__ import annotations

import json
import sys
import threading
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import duckdb

from circularity import data_docs, project
from circularity.dbt_runner import PROJECT_DIR
from circularity.large_imports import collector_paused, defer_until_used, packages_hidden
from circularity.sql_text import quote_identifier

SUITES_DIR = PROJECT_DIR / "expectations"
DEFAULT_MAX_REJECTED_SHARE = 0.5


@dataclass(frozen=True)
class ExpectationOutcome:
    suite: str
    expectation: str
    column_name: str | None
    success: bool
    observed: str

    def describe(self) -> str:
        column = f" on {self.column_name}" if self.column_name else ""
        if self.suite == "dbt":
            return f"dbt {self.expectation}{column} failed: {self.observed}"
        return f"gx {self.suite}: {self.expectation}{column} failed: observed {self.observed}"


@dataclass(frozen=True)
class ValidationReport:
    run_id: str
    validated_at: str
    outcomes: list[ExpectationOutcome]

    @property
    def success(self) -> bool:
        return all(outcome.success for outcome in self.outcomes)

    def suites(self) -> list[str]:
        return sorted({outcome.suite for outcome in self.outcomes})

    def failures(self) -> list[ExpectationOutcome]:
        return [outcome for outcome in self.outcomes if not outcome.success]

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=1))

    @classmethod
    def load(cls, path: Path) -> ValidationReport:
        raw = json.loads(path.read_text())
        outcomes = [ExpectationOutcome(**outcome) for outcome in raw.pop("outcomes")]
        return cls(outcomes=outcomes, **raw)


def suite_names() -> list[str]:
    return sorted(path.stem for path in SUITES_DIR.glob("*.json"))


def load_suite(name: str) -> dict[str, Any]:
    return json.loads((SUITES_DIR / f"{name}.json").read_text())


# Installed for other parts of the project (the Spark engine runs in dbt's process;
# SQLAlchemy comes with Dagster); GX imports them for engines no suite here uses.
_ENGINES_NEVER_VALIDATED_WITH = ("pyspark", "sqlalchemy")


def great_expectations() -> ModuleType:
    """The `great_expectations` package, imported once per process without the garbage
    collections its objects would set off, with `scipy.stats` deferred (GX imports it only
    for expectations no suite here uses), and without pyspark and SQLAlchemy (GX imports
    them for its Spark and SQL engines; batches here are pandas frames): a quarter of GX's
    import. See `large_imports`.

    The import runs in a thread of its own. Every object it leaves, garbage included, is
    frozen for the life of the process, and the garbage of an import holds the frames that
    were on the stack: imported from the caller's thread, the caller's frames would outlive
    their calls, with every local they hold then (a DuckDB connection opened after the
    import, in the frame that imported it, stayed in a Dagster process after its build)."""
    if "great_expectations.expectations" not in sys.modules:
        failures: list[BaseException] = []
        importing = threading.Thread(
            target=_import_great_expectations, args=(failures,), name="import GX"
        )
        importing.start()
        importing.join()
        if failures:
            raise failures[0]
    return sys.modules["great_expectations"]


def _import_great_expectations(failures: list[BaseException]) -> None:
    try:
        with collector_paused(), packages_hidden(*_ENGINES_NEVER_VALIDATED_WITH):
            defer_until_used("scipy.stats")
            import great_expectations.expectations  # noqa: F401
    except BaseException as error:  # noqa: BLE001 (raised again in the caller's thread)
        failures.append(error)


def validate(
    database: Path,
    run_id: str,
    physical_lines: dict[str, int],
    data_docs_dir: Path,
    max_rejected_share: float = DEFAULT_MAX_REJECTED_SHARE,
    suites: list[str] | None = None,
    warehouse_name: str | None = None,
    ran_early: SuiteRunner | None = None,
) -> ValidationReport:
    """Run every suite (or the named ones) on batches read from the build, write GX Data
    Docs to `data_docs_dir` (failed runs included; its manifest names `warehouse_name`) and
    return every expectation's outcome. Suites that `ran_early` ran already on the same
    rows (gate_batches, while dbt built the rest) are not run again."""
    names = suites or suite_names()
    # GX rebuilds the whole site in a scratch folder; publish_site then replaces only what
    # earlier builds wrote and makes the pages work offline.
    data_docs_dir.parent.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        runner = ran_early or SuiteRunner(
            stack.enter_context(data_docs.scratch_site()), run_id, max_rejected_share
        )
        left = [name for name in names if name not in runner.outcomes]
        if left:
            connection = duckdb.connect(str(database), read_only=True)
            try:
                for name in left:
                    runner.run(name, _batch(connection, name, physical_lines))
            finally:
                connection.close()
        if left or not runner.data_docs_drawn:
            runner.draw_data_docs()
        data_docs.publish_site(runner.scratch, data_docs_dir, owner=warehouse_name)
    outcomes = [outcome for name in names for outcome in runner.outcomes[name]]
    return ValidationReport(run_id, datetime.now(UTC).isoformat(), outcomes)


class SuiteRunner:
    """The suites of one build, run one at a time in one GX context (in any order, each as
    its batch is ready), which draws its data docs in `scratch`."""

    def __init__(self, scratch: Path, run_id: str, max_rejected_share: float) -> None:
        self.scratch = scratch
        self.outcomes: dict[str, list[ExpectationOutcome]] = {}
        self.data_docs_drawn = False
        self._gx = great_expectations()
        self._context = _context(scratch)
        self._run_id = run_id
        # The contract's enumerations come from the project's dbt vars, so a suite names a
        # value set ({"$PARAMETER": "instruments"}) instead of copying it.
        self._parameters = {"max_rejected_share": max_rejected_share, **project.enumerations()}

    def run(self, name: str, batch: Any) -> None:
        """Validate `batch`, the rows of gates.gate_<name>, with suite `name`."""
        gx, context = self._gx, self._context
        spec = load_suite(name)
        suite = context.suites.add(
            gx.ExpectationSuite(
                name=name, expectations=spec["expectations"], notes=spec.get("notes")
            )
        )
        asset = context.data_sources.get("build").add_dataframe_asset(name=name)
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(
                name=name, data=asset.add_batch_definition_whole_dataframe(name), suite=suite
            )
        )
        checkpoint = context.checkpoints.add(
            gx.Checkpoint(
                name=name,
                validation_definitions=[definition],
                # Failures name the rows they concern (file, id) beside the values.
                result_format={
                    "result_format": "SUMMARY",
                    "unexpected_index_column_names": spec["meta"].get("index_columns", []),
                },
            )
        )
        result = checkpoint.run(
            batch_parameters={"dataframe": batch},
            expectation_parameters=self._parameters,
            run_id=gx.RunIdentifier(run_name=self._run_id),
        )
        self.outcomes[name] = _outcomes(name, result)

    def draw_data_docs(self) -> None:
        """The site of every suite run so far, in the scratch folder, made to work offline."""
        self._context.build_data_docs()
        data_docs.make_offline(self.scratch)
        self.data_docs_drawn = True


def _batch(
    connection: duckdb.DuckDBPyConnection, suite: str, physical_lines: dict[str, int]
) -> Any:
    """The rows suite `name` validates: the dbt model gates.gate_<name>, which computed
    them in SQL. The inputs batch gains each file's own line count, taken from its bytes
    apart from the reader."""
    batch = connection.table(f"gates.{quote_identifier('gate_' + suite)}").df()
    return with_line_counts(batch, physical_lines) if suite == "inputs" else batch


def with_line_counts(inputs_batch: Any, physical_lines: dict[str, int]) -> Any:
    """The inputs batch with each file's own line count, taken from its bytes apart from the
    reader (-1 for a file not counted)."""
    counted = inputs_batch["source_file"].map(physical_lines).fillna(-1)
    return inputs_batch.assign(physical_lines_counted=counted)


def _cached_view(class_name: str) -> dict[str, str]:
    return {"module_name": "circularity.data_docs_views", "class_name": class_name}


def _context(data_docs_dir: Path) -> Any:
    gx = great_expectations()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    # An ephemeral context comes with a site of its own ("local_site") in a new folder under
    # the system's temporary folder: GX would draw every page twice and leave that copy
    # behind at every build. The build's site is the only one.
    for site_name in context.get_site_names():
        context.delete_data_docs_site(site_name)
    context.add_data_docs_site(
        site_name="circularity",
        site_config={
            "class_name": "SiteBuilder",
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(data_docs_dir),
            },
            # Pages drawn by views that keep GX's compiled templates from build to build;
            # no profiling section (the build profiles nothing).
            "site_index_builder": {
                "class_name": "DefaultSiteIndexBuilder",
                "view": _cached_view("CachedIndexPageView"),
            },
            "site_section_builders": {
                "expectations": {"view": _cached_view("CachedPageView")},
                "validations": {"view": _cached_view("CachedPageView")},
                "profiling": "None",  # GX's word for a section it leaves out
            },
        },
    )
    context.data_sources.add_pandas("build")
    return context


def _outcomes(suite: str, checkpoint_result: Any) -> list[ExpectationOutcome]:
    outcomes = []
    for validation in checkpoint_result.run_results.values():
        for result in validation.results:
            config = result.expectation_config
            kwargs = config.kwargs
            column = (
                kwargs.get("column")
                or ", ".join(str(kwargs[key]) for key in ("column_A", "column_B") if key in kwargs)
                or ", ".join(kwargs.get("column_list", []))
            )
            outcomes.append(
                ExpectationOutcome(
                    suite=suite,
                    expectation=config.type,
                    column_name=column or None,
                    success=bool(result.success),
                    observed=_observed(result),
                )
            )
    return outcomes


def _observed(result: Any) -> str:
    details = result.result or {}
    if result.exception_info and result.exception_info.get("raised_exception"):
        return "error: " + str(result.exception_info.get("exception_message"))
    if "observed_value" in details:
        return json.dumps(details["observed_value"], default=str)
    summary = {key: details[key] for key in ("element_count", "unexpected_count") if key in details}
    examples = details.get("partial_unexpected_index_list") or details.get(
        "partial_unexpected_list"
    )
    if examples:
        summary["unexpected_examples"] = examples[:5]
    return json.dumps(summary, default=str)
