"""Ending a command's process without the interpreter's last garbage collections.

A process that has imported dbt or Great Expectations holds a few million objects, and at
exit the interpreter collects them all before it tears its modules down: 0.5 s in dbt's
process and 0.6 to 0.8 s in the CLI's after Great Expectations, of a seeds build of about
8 s. The operating system takes the memory back at once anyway.

`run_then_exit` runs a command's main function, then lets the interpreter begin its usual
exit: every exit handler runs (logging flushes its files, dbt-duckdb closes its database,
multiprocessing releases its semaphores, temporary files are removed). A last handler,
registered before all others so that it runs after them, flushes the standard streams and
ends the process with the command's status, skipping only the collections and the module
teardown. It is the pattern Instagram described for its web workers ("Dismissing Python
Garbage Collection at Instagram", 2017), kept to the processes the CLI owns: never a
test's or Dagster's."""

from __future__ import annotations

import atexit
import ctypes
import os
import signal
import sys
from collections.abc import Callable
from contextlib import suppress
from typing import NoReturn

# The status a process had when it was interrupted (Ctrl-C) by the shell's convention.
_INTERRUPTED = 130


def exit_status(code: object) -> int:
    """The process status for a `SystemExit` code, as the interpreter maps it: None is
    success, an integer is itself, anything else (a message) is printed and means 1."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def run_then_exit(main: Callable[[], object]) -> NoReturn:
    """Run `main` (which returns or raises SystemExit with the status) and end the process
    with its status once every exit handler has run."""
    status = 1  # an exception escaping main: the interpreter prints it, and the status is 1

    def end_process() -> None:
        for stream in (sys.stdout, sys.stderr):
            # A reader that went away (`circularity build | head`) loses the rest, as it asked.
            with suppress(OSError, ValueError, AttributeError):
                stream.flush()
        os._exit(status)

    atexit.register(end_process)  # registered first, so it runs last
    try:
        status = exit_status(main())
    except SystemExit as exit_request:
        status = exit_status(exit_request.code)
    except KeyboardInterrupt:
        status = _INTERRUPTED
        raise
    sys.exit(status)


_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent() -> None:
    """Have the kernel kill this child process when the process that started it dies
    (Linux; elsewhere nothing happens). A CLI killed with SIGKILL cannot stop its children:
    its dbt child would run on into a work folder that the next build is removing, and
    leave part of it behind for good."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        return  # best effort: the build works without it
    if os.getppid() == 1:  # the parent died before the request: its death was not seen
        os._exit(1)
