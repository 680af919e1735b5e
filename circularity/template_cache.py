"""Compiled Jinja templates kept from build to build, in this user's private folder.

Jinja turns a template into Python code, then compiles that code: about 1 s of the CPU in
every dbt run of this project, however small its data, and a few tenths of a second in
every build's GX data docs. Both compile the same templates every time: dbt its macros
(the materializations, the tests) and each node's SQL, GX its page templates.

Jinja's bytecode cache keeps the compiled code of a template in a file named by a key and
checked against the template's source, in Jinja's private per-user folder (made mode 0700,
refused when another user owns it or others may write to it). GX's views load templates
by name, which Jinja caches itself (`BestEffortBytecodeCache`). dbt renders every template
from a string, which Jinja never caches: `keep_dbt_templates_compiled` makes dbt's Jinja
environments look their compiled code up in the same kind of cache, keyed by everything
that shapes the code (the source, the environment's class, its syntax, extensions,
filters and tests, and the versions of Jinja and dbt's Jinja layer). The cache never fails
a build: a damaged entry, a full disk or no safe folder only means compiling again."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from contextlib import suppress
from importlib.metadata import version
from types import CodeType
from typing import Any

import jinja2
from jinja2.bccache import Bucket, FileSystemBytecodeCache

# dbt's entries beside Jinja's own in the same private folder, apart by name.
_DBT_PATTERN = "__circularity_dbt_%s.cache"


class BestEffortBytecodeCache(FileSystemBytecodeCache):
    """A cache that never fails a build: an unreadable or damaged entry, a full disk or a
    read-only temporary folder only means compiling the template again."""

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # noqa: BLE001 (unreadable or damaged in any way: compile again)
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        with suppress(OSError):
            super().dump_bytecode(bucket)


def template_cache(pattern: str = "__jinja2_%s.cache") -> BestEffortBytecodeCache | None:
    """The bytecode cache in Jinja's private per-user folder, or None when that folder
    cannot be made or is not safe (owned by someone else, open to others)."""
    try:
        return BestEffortBytecodeCache(pattern=pattern)
    except (OSError, RuntimeError):
        return None


@functools.cache
def _versions() -> str:
    return f"jinja2 {jinja2.__version__}, dbt-common {version('dbt-common')}"


def environment_signature(environment: jinja2.Environment) -> str:
    """Everything of an environment that shapes the code Jinja generates for a source:
    two environments with the same signature compile a source to the same code."""
    kind = type(environment)
    syntax = (
        environment.block_start_string,
        environment.block_end_string,
        environment.variable_start_string,
        environment.variable_end_string,
        environment.comment_start_string,
        environment.comment_end_string,
        environment.line_statement_prefix,
        environment.line_comment_prefix,
        environment.trim_blocks,
        environment.lstrip_blocks,
        environment.newline_sequence,
        environment.keep_trailing_newline,
    )
    return repr(
        (
            _versions(),
            f"{kind.__module__}.{kind.__qualname__}",
            environment.code_generator_class.__qualname__,
            syntax,
            environment.optimized,
            environment.is_async,
            environment.autoescape if isinstance(environment.autoescape, bool) else "function",
            environment.finalize is not None,
            sorted(environment.extensions),
            sorted(environment.filters),
            sorted(environment.tests),
        )
    )


def compile_cached(
    cache: BestEffortBytecodeCache,
    environment: jinja2.Environment,
    source: str,
    compile_source: Callable[[], CodeType],
) -> CodeType:
    """The compiled code of `source` in `environment`: from the cache when an earlier run
    compiled it, else compiled by `compile_source()` and kept."""
    name = hashlib.sha256(f"{environment_signature(environment)}\0{source}".encode()).hexdigest()
    bucket = cache.get_bucket(environment, name, None, source)
    if bucket.code is None:
        bucket.code = compile_source()
        cache.set_bucket(bucket)
    return bucket.code


def keep_dbt_templates_compiled(cache: BestEffortBytecodeCache | None = None) -> None:
    """Make dbt's Jinja environments (one class for SQL, its subclass for native values)
    keep the code of every template they compile from a string, in `cache` (by default
    the per-user one). Called once by the CLI's dbt child before dbt runs; a process that
    never calls it compiles as dbt always does."""
    from dbt_common.clients import jinja as dbt_jinja

    cache = cache or template_cache(_DBT_PATTERN)
    if cache is None:
        return
    environment_class = dbt_jinja.MacroFuzzEnvironment
    # Called again (another cache), it replaces its own wrapper instead of wrapping it.
    compile_uncached = getattr(environment_class.compile, "__wrapped__", environment_class.compile)

    def compile(  # noqa: A001 (Jinja's method name)
        self: jinja2.Environment,
        source: Any,
        name: str | None = None,
        filename: str | None = None,
        raw: bool = False,
        defer_init: bool = False,
    ) -> Any:
        def compile_source() -> Any:
            return compile_uncached(self, source, name, filename, raw, defer_init)

        # A named template, raw Python source, a parsed tree, or dbt's macro debugging
        # (which puts each template's source where tracebacks find it): as dbt does.
        if (
            raw
            or defer_init
            or name is not None
            or filename is not None
            or not isinstance(source, str)
            or dbt_jinja.MACRO_DEBUGGING
        ):
            return compile_source()
        return compile_cached(cache, self, source, compile_source)

    compile.__wrapped__ = compile_uncached  # type: ignore[attr-defined]
    environment_class.compile = compile  # type: ignore[method-assign]
