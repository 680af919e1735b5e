"""Importing a large library without the garbage collector.

An import of dbt or Great Expectations creates a few hundred thousand objects (classes,
functions, module dictionaries) and next to no garbage, yet the collector starts a
collection every 700 new objects and, every so often, a full one that scans all of them
again. Measured on this machine (three runs each, a fresh process each): importing dbt and
its DuckDB adapter took 1.33 to 1.37 s with the collector and 1.18 to 1.20 s without;
Great Expectations 2.4 to 3.1 s and 1.9 to 2.0 s. dbt's import is on the critical path of
every build; Great Expectations' shares the two cores with dbt.

After the import the new objects are frozen (`gc.freeze`): moved out of the generations
the collector scans, for the life of the process, since a library's modules live as long
as the process anyway."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run a block of imports with the garbage collector off, then freeze every object the
    process holds and turn the collector back on (unless it was off before). The collector
    is process-wide: the pause also covers the process's other threads, for as long as the
    imports take."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()
