"""dbt's own command line, as the child process in which the CLI runs `dbt build`
(`python -m circularity.dbt_child build ...`): the same as the `dbt` executable, but ended
by `fast_exit` once dbt has closed its database and written its artifacts."""

from __future__ import annotations

import gc

from circularity.fast_exit import run_then_exit


def main() -> None:
    def dbt_command_line() -> None:
        # Imported only now, after run_then_exit registered its exit handler: the handlers
        # that dbt registers on import (dbt-duckdb closes its database, multiprocessing
        # releases its semaphores) must run before it.
        from dbt.cli.main import cli

        # dbt's modules live as long as the process: frozen, the garbage collector no longer
        # scans them again and again while dbt runs (0.2 s of a seeds build).
        gc.freeze()
        cli()  # reads sys.argv and ends with SystemExit(dbt's status)

    run_then_exit(dbt_command_line)


if __name__ == "__main__":
    main()
