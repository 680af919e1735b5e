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
as the process anyway.

A module that a library imports for features this project never calls can be deferred
(`defer_until_used`): bound at once, run on first use. Great Expectations imports
`scipy.stats` (and with it most of SciPy) for three expectations and metrics that no suite
here uses (the KL divergence and the two Kolmogorov-Smirnov tests): a third of its import,
1.61 to 1.63 s of CPU with it and 1.16 to 1.17 s deferred (three fresh processes each).
That import shares the two cores with dbt.

A package that a library imports only when it is installed, for features this project never
calls, can be hidden from that import (`packages_hidden`): Great Expectations imports
pyspark and SQLAlchemy for its Spark and SQL engines when they are installed (pyspark is,
for the Spark engine, which runs in dbt's process; SQLAlchemy comes with Dagster), and this
project validates pandas frames only."""

from __future__ import annotations

import atexit
import functools
import gc
import importlib.util
import sys
from collections.abc import Iterator
from contextlib import contextmanager


@functools.cache
def _unfreeze_at_exit() -> None:
    atexit.register(gc.unfreeze)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run a block of imports with the garbage collector off, then freeze every object the
    process holds and turn the collector back on (unless it was off before). The collector
    is process-wide: the pause also covers the process's other threads, for as long as the
    imports take. The import's garbage is frozen too, and it holds the frames that were on
    the stack: every frame of the caller stays alive, with what it holds until it returns
    (`validation.great_expectations` imports in a thread of its own for that reason). At
    the process's exit the objects are unfrozen: the interpreter's last collections never
    look at frozen ones, and DuckDB's bindings report each of its objects left then as
    leaked."""
    _unfreeze_at_exit()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


@contextmanager
def packages_hidden(*names: str) -> Iterator[None]:
    """Run a block of imports as if the packages `names` were not installed: importing one
    raises ImportError, as it does where the package is missing, so a library that imports it
    only when it can does without it. A package the process has imported already is not
    hidden (its users keep it, and so does the library). Afterwards each hidden package
    imports as usual; the library keeps what it chose without it. The import system is
    process-wide: another thread that imports a hidden package during the block would not
    find it either."""
    hidden = [name for name in names if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # the import system's "not found"
    try:
        yield
    finally:
        for name in hidden:
            if sys.modules.get(name, False) is None:
                del sys.modules[name]


def defer_until_used(name: str) -> None:
    """Bind module `name` now and run its code on its first attribute access, with
    importlib's LazyLoader: `from parent import child` (as Great Expectations imports
    `scipy.stats`) binds the deferred module. A plain `import parent.child` runs it at once,
    as before: the import system reads the module's state. The parent package is imported
    as usual. Nothing changes for a module imported already, or one that cannot be found
    (its import fails where it is used, as it would have)."""
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        return
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    if parent:
        # Set as the import system sets a submodule, so that `from parent import child`
        # finds it without a package's own `__getattr__`, which (SciPy's does) imports it
        # again and runs it.
        setattr(sys.modules[parent], child, module)
