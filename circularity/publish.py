"""Atomic publishing: a build writes a new DuckDB file beside the published one and, only
when it is valid, takes its place with one rename. Readers of the published file are never
blocked (the build never opens it) and never see a half-built warehouse."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import duckdb


class WarehouseError(Exception):
    """The warehouse path cannot be built or published (the message says why)."""


def new_build_path(warehouse: Path) -> Path:
    """A fresh file for one build, in a private folder beside the published file: same
    file system (so the rename is atomic) and same file name (so the DuckDB catalog is
    named the same once published)."""
    try:
        warehouse.parent.mkdir(parents=True, exist_ok=True)
        build_dir = warehouse.parent / f".{warehouse.stem}.build-{uuid.uuid4().hex[:12]}"
        build_dir.mkdir()
    except OSError as error:
        raise WarehouseError(
            f"cannot write the warehouse {warehouse}: {error.strerror or error}; "
            "choose a writable path with --warehouse"
        ) from error
    return build_dir / warehouse.name


def publish(build_path: Path, warehouse: Path) -> None:
    """Checkpoint the finished build (so no write-ahead log is left behind) and rename it
    over the published file."""
    connection = duckdb.connect(str(build_path))
    try:
        connection.execute("checkpoint")
    finally:
        connection.close()
    if _wal(build_path).exists():
        raise WarehouseError(f"{build_path} still has a write-ahead log after checkpoint")
    if _wal(warehouse).exists():
        raise WarehouseError(
            f"{_wal(warehouse)} exists: a session opened the published warehouse for writing. "
            "Close it (readers should open the file read-only) and build again."
        )
    os.replace(build_path, warehouse)
    _fsync_dir(warehouse.parent)
    shutil.rmtree(build_path.parent, ignore_errors=True)


def keep_failed(build_path: Path, warehouse: Path) -> Path:
    """Keep the last failed build for inspection, out of the readers' way."""
    failed = warehouse.parent / f".{warehouse.stem}.failed"
    shutil.rmtree(failed, ignore_errors=True)
    os.replace(build_path.parent, failed)
    return failed / build_path.name


def discard(build_path: Path) -> None:
    shutil.rmtree(build_path.parent, ignore_errors=True)


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _fsync_dir(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
