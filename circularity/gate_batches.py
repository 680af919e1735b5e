"""Great Expectations on each gate's rows while dbt builds the rest (the CLI's builds).

dbt builds the gates models in its last seconds, beside the report models and the data
tests; Great Expectations could only start once dbt had ended and closed the build's
database, which opens in one process at a time. So when `circularity build` runs dbt on
DuckDB, each gate model also writes its rows to `gate-batches/<model>.parquet` in the build
folder (its post-hook, macros/gate_batches.sql), and a thread of the CLI validates each
batch as soon as dbt reports that gate built, on the core that dbt's one Python thread
leaves free in those seconds. The same thread imports Great Expectations and sets up its
context first, while dbt starts.

The inputs suite also needs every file's line count, taken beside dbt: it runs once both
its batch and the count are in. When every suite has run, the same thread draws the data
docs. After dbt, the gate (`validation.validate`) runs only what is left, if anything (a
suite whose batch did not come), and copies the site beside the warehouse. A suite that
fails to run here is not retried here: the whole early run is set aside and the gate runs
every suite from the build's database, as Dagster's door always does. A batch holds the
gate's rows as the build's file holds them; tests hold the two to the same outcomes."""

from __future__ import annotations

import queue
import threading
from contextlib import ExitStack
from pathlib import Path
from types import TracebackType

import duckdb

from circularity import data_docs
from circularity.validation import SuiteRunner, great_expectations, suite_names, with_line_counts

# The folder in the build folder, named again in macros/gate_batches.sql, and the variable
# of dbt's environment that turns the batches on.
BATCHES_FOLDER = "gate-batches"
SWITCH = "CIRCULARITY_GATE_BATCHES"
# The suite that also needs every file's line count.
_COUNTED = "inputs"


class EarlyValidation:
    """Validates the gate batches of one build as dbt reports each gate built. Use it as a
    context manager around the dbt step and the gate."""

    def __init__(self, build_folder: Path, run_id: str, max_rejected_share: float) -> None:
        self.batches = build_folder / BATCHES_FOLDER
        self._run_id = run_id
        self._max_rejected_share = max_rejected_share
        self._suites = set(suite_names())
        # Gates built (suite names), the line counts (a dict), or None: dbt has ended.
        self._news: queue.SimpleQueue[str | dict[str, int] | None] = queue.SimpleQueue()
        self._runner: SuiteRunner | None = None
        # The suites validated on their batches, known after dbt (runner()).
        self.validated_early: list[str] = []
        self._stack = ExitStack()
        self._worker = threading.Thread(target=self._work, daemon=True)

    def __enter__(self) -> EarlyValidation:
        self.batches.mkdir(exist_ok=True)
        self._scratch = self._stack.enter_context(data_docs.scratch_site())
        self._worker.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop()
        self._stack.close()

    def dbt_environment(self) -> dict[str, str]:
        """What dbt's environment needs for the gate models to write their batches."""
        return {SWITCH: "on"}

    def node_finished(self, status: str, node: str) -> None:
        """dbt reported `node` (schema.model) finished with `status`: a gate built has its
        batch written, ready to validate."""
        schema, _, model = node.partition(".")
        suite = model.removeprefix("gate_")
        if status == "OK" and schema == "gates" and suite in self._suites:
            self._news.put(suite)

    def lines_counted(self, physical_lines: dict[str, int]) -> None:
        """Every input file's physical lines, counted from its bytes beside dbt."""
        self._news.put(dict(physical_lines))

    def runner(self) -> SuiteRunner | None:
        """After dbt: the suites run so far, in the context that draws the data docs; None
        when the early run was set aside."""
        self._stop()
        self.validated_early = sorted(self._runner.outcomes) if self._runner else []
        return self._runner

    def _stop(self) -> None:
        if self._worker.is_alive():
            self._news.put(None)
            self._worker.join()

    def _work(self) -> None:
        runner = self._new_runner()
        physical_lines: dict[str, int] | None = None
        ready: set[str] = set()  # built, not yet validated
        with duckdb.connect() as connection:  # in memory, to read the batch files
            while (news := self._news.get()) is not None:
                if isinstance(news, dict):
                    physical_lines = news
                else:
                    ready.add(news)
                if runner is None:
                    continue
                try:
                    for suite in sorted(ready):
                        if suite == _COUNTED and physical_lines is None:
                            continue
                        batch_file = self.batches / f"gate_{suite}.parquet"
                        read = connection.execute(
                            "select * from read_parquet(?)", [str(batch_file)]
                        )
                        batch = read.df()
                        if suite == _COUNTED:
                            batch = with_line_counts(batch, physical_lines or {})
                        runner.run(suite, batch)
                        ready.discard(suite)
                    if set(runner.outcomes) == self._suites and not runner.data_docs_drawn:
                        runner.draw_data_docs()
                except Exception:  # noqa: BLE001 (set aside: the gate runs every suite after dbt)
                    runner = None
        self._runner = runner

    def _new_runner(self) -> SuiteRunner | None:
        try:
            great_expectations()
            return SuiteRunner(self._scratch, self._run_id, self._max_rejected_share)
        except Exception:  # noqa: BLE001 (set aside: the gate runs every suite after dbt)
            return None
