"""The `circularity` executable (and `python -m circularity`): the CLI in a process that
ends without the interpreter's last garbage collections (see fast_exit)."""

from __future__ import annotations

from circularity.fast_exit import run_then_exit


def run() -> None:
    def command_line() -> int:
        # Imported only now, after run_then_exit registered its exit handler: the handlers
        # that DuckDB and the rest register on import must run before it.
        from circularity.cli import main

        return main()

    run_then_exit(command_line)


if __name__ == "__main__":
    run()
