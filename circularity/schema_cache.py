"""dbt's JSON schemas of its configuration classes kept from run to run, per user.

Every dbt process validates `dbt_project.yml`, the profile and the project flags against
JSON schemas that it builds from its dataclasses first (mashumaro walks every field of
every nested class): about 0.4 s of each dbt start, the same schemas every time for the
same versions of dbt. The CLI's dbt child keeps them in one JSON file in Jinja's private
per-user cache folder (made mode 0700, refused when another user owns it), named by the
versions of everything that shapes a schema. A schema is data, not code, and validation
runs exactly as dbt runs it; an unreadable or damaged file only means building them
again."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Callable
from contextlib import suppress
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from circularity.template_cache import template_cache

# The distributions whose classes or schema builder shape a schema of dbt's configuration.
_SHAPERS = ("dbt-core", "dbt-common", "dbt-adapters", "dbt-duckdb", "dbt-spark", "mashumaro")


def _installed(distribution: str) -> str:
    try:
        return version(distribution)
    except PackageNotFoundError:  # not installed: part of the key all the same
        return "none"


def schema_file(folder: Path) -> Path:
    """The file of the schemas for the installed versions, in `folder`."""
    versions = [sys.version, *(f"{name} {_installed(name)}" for name in _SHAPERS)]
    key = hashlib.sha256("\0".join(versions).encode()).hexdigest()[:24]
    return folder / f"__circularity_dbt_schemas_{key}.json"


def _read(path: Path) -> dict[str, Any]:
    try:
        schemas = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return schemas if isinstance(schemas, dict) else {}


def _write(path: Path, schemas: dict[str, Any]) -> None:
    """Write whole or not at all: a concurrent build reads the old file or the new one."""
    with suppress(OSError):
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".schemas-")
        try:
            with os.fdopen(handle, "w") as file:
                json.dump(schemas, file)
            os.replace(temporary, path)
        finally:
            with suppress(OSError):
                os.unlink(temporary)


def keep_dbt_schemas(folder: Path | None = None) -> Callable[[], None]:
    """Make dbt's configuration classes take their JSON schemas from the file in `folder`
    (by default Jinja's private per-user folder), building only those it lacks. Returns
    what writes the schemas built since back to the file: the CLI's dbt child calls it
    when the process ends."""
    from dbt_common.dataclass_schema import dbtClassMixin

    if folder is None:
        cache = template_cache()
        if cache is None:
            return lambda: None
        folder = Path(cache.directory)
    path = schema_file(folder)
    stored = _read(path)
    built: dict[str, Any] = {}
    build_schema = dbtClassMixin.json_schema.__func__  # dbt's own, cached per class

    @functools.cache
    def json_schema(cls: type) -> dict[str, Any]:
        name = f"{cls.__module__}.{cls.__qualname__}"
        if name in stored:
            return stored[name]
        schema = build_schema(cls)
        built[name] = schema
        return schema

    def write_new_schemas() -> None:
        if built:
            _write(path, {**_read(path), **stored, **built})

    dbtClassMixin.json_schema = classmethod(json_schema)  # type: ignore[method-assign,assignment]
    return write_new_schemas
