"""dbt's own command line, as the child process in which the CLI runs `dbt build`
(`python -m circularity.dbt_child build ...`): dbt's commands, options, output and exit
statuses (0, 1 when a node fails, 2 when dbt cannot run), ended by `fast_exit` once dbt has
closed its database.

With `--no-write-json`, dbt writes none of its JSON artifacts: no `manifest.json` (twice a
build, once after parsing and once at the end: 0.3 to 0.5 s of every build, however small)
and no `run_results.json`. The child then writes the two files that the CLI reads after the
build, from the results dbt returns: `run_results.json` (dbt's own writer and schema) and
`nodes.json`, the fields of each node of the run that the gate and the Spark copy read
(`dbt_runner.NODES_FILE`).

dbt's compiled templates and configuration schemas are kept per user from run to run
(`template_cache`, `schema_cache`): the same work every dbt run would otherwise repeat. And
the events of dbt's run that no log shows are dropped unbuilt (`dbt_events`), query
results share a date parser's locale tables (`dbt_results`), and the namespace of every
macro that each context gets is built in fewer steps (`dbt_macros`): a fifth, 3% and a
sixth of dbt's Python per node."""

from __future__ import annotations

import atexit
import json
import sys
from pathlib import Path
from typing import Any

from circularity.dbt_runner import NODES_FILE
from circularity.fast_exit import die_with_parent, run_then_exit
from circularity.large_imports import collector_paused
from circularity.schema_cache import keep_dbt_schemas
from circularity.template_cache import keep_dbt_templates_compiled


def node_fields(node: Any) -> dict[str, Any]:
    """The fields of a node in the manifest's shape that the CLI reads: a test's name and
    column, a model's schema and contracted columns."""
    return {
        "name": node.name,
        "resource_type": node.resource_type.value,
        "schema": node.schema,
        "column_name": getattr(node, "column_name", None),
        # dbt's own serialization of a column, as in the manifest: its enums as their values.
        "columns": {name: column.to_dict() for name, column in node.columns.items()},
    }


def write_artifacts(result: Any, target_path: Path) -> None:
    """run_results.json and nodes.json of a run that dbt did not write artifacts for."""
    result.write(str(target_path / "run_results.json"))
    nodes = {outcome.node.unique_id: node_fields(outcome.node) for outcome in result.results}
    (target_path / NODES_FILE).write_text(json.dumps({"nodes": nodes}))


def main() -> None:
    die_with_parent()

    def dbt_command_line() -> int:
        # Imported only now, after run_then_exit registered its exit handler: the handlers
        # that dbt registers on import (dbt-duckdb closes its database, multiprocessing
        # releases its semaphores) must run before it. dbt's modules live as long as the
        # process: imported without collections and then frozen, the garbage collector no
        # longer scans them again and again while dbt starts and runs.
        with collector_paused():
            from dbt.artifacts.schemas.run import RunExecutionResult
            from dbt.cli.exceptions import DbtUsageException
            from dbt.cli.main import dbtRunner
            from dbt.flags import get_flags
            from dbt.utils import ExitCodes

            from circularity.dbt_events import skip_unlogged_events
            from circularity.dbt_macros import build_macro_namespaces_quickly
            from circularity.dbt_results import share_date_locales

        # What every dbt start and run builds again from the same sources: its JSON
        # schemas and compiled templates, kept per user from run to run.
        atexit.register(keep_dbt_schemas())
        keep_dbt_templates_compiled()
        # What dbt builds for nothing at every node: events no log shows (dbt_events), a
        # date parser's locale tables for every query result (dbt_results); and what it
        # builds in many small steps: the macros' namespace of every context (dbt_macros).
        skip_unlogged_events()
        share_date_locales()
        build_macro_namespaces_quickly()
        outcome = dbtRunner().invoke(sys.argv[1:])
        if isinstance(outcome.exception, KeyboardInterrupt):
            raise outcome.exception
        if outcome.result is None:
            if isinstance(outcome.exception, DbtUsageException):
                # A mistake in the command line, which dbt leaves to its caller to print;
                # any other failure dbt has logged already.
                print(f"Error: {outcome.exception}", file=sys.stderr)
            return ExitCodes.Success if outcome.success else ExitCodes.UnhandledError
        flags = get_flags()
        if isinstance(outcome.result, RunExecutionResult) and not flags.WRITE_JSON:
            target_path = Path(flags.PROJECT_DIR or ".") / (flags.TARGET_PATH or "target")
            write_artifacts(outcome.result, target_path)
        return ExitCodes.Success if outcome.success else ExitCodes.ModelError

    run_then_exit(dbt_command_line)


if __name__ == "__main__":
    main()
