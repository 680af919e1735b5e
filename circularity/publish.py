"""Atomic publishing: a build writes a new DuckDB file beside the published one and, only
when it is valid, takes its place with one rename. Readers of the published file are never
blocked (the build only reads it, read-only, to carry the audit history over) and never see
a half-built warehouse."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb

from circularity.workspace import Workspace

AUDIT_TABLES = {
    "build_runs": """
        run_id varchar, started_at timestamptz, finished_at timestamptz, data_dir varchar,
        as_of date, companies_rows bigint, company_aliases_rows bigint, deals_rows bigint,
        pledges_rows bigint, fx_rates_rows bigint, rejected_rows bigint
    """,
    "validation_results": """
        run_id varchar, validated_at timestamptz, suite varchar, expectation varchar,
        column_name varchar, success boolean, observed varchar
    """,
}


class WarehouseError(Exception):
    """The warehouse path cannot be built or published (the message says why)."""


def open_workspace(workspace: Workspace) -> None:
    try:
        workspace.folder.mkdir(parents=True)
    except OSError as error:
        raise WarehouseError(
            f"cannot write the warehouse {workspace.warehouse}: {error.strerror or error}; "
            "choose a writable path with --warehouse"
        ) from error


def write_audit(
    workspace: Workspace, build_run: dict[str, object], validation_rows: list[tuple]
) -> None:
    """Record this build in schema audit, after the history of the published warehouse."""
    connection = duckdb.connect(str(workspace.database))
    try:
        connection.execute("create schema if not exists audit")
        for table, columns in AUDIT_TABLES.items():
            connection.execute(f"create or replace table audit.{table} ({columns})")
        if workspace.warehouse.exists():
            _carry_history(connection, workspace.warehouse)
        columns = ", ".join(build_run)
        placeholders = ", ".join("?" for _ in build_run)
        connection.execute(
            f"insert into audit.build_runs ({columns}) values ({placeholders})",
            list(build_run.values()),
        )
        if validation_rows:
            connection.executemany(
                "insert into audit.validation_results values (?, ?, ?, ?, ?, ?, ?)",
                validation_rows,
            )
    finally:
        connection.close()


def _carry_history(connection: duckdb.DuckDBPyConnection, published: Path) -> None:
    try:
        connection.execute(f"attach '{published}' as previous (read_only)")
    except duckdb.Error as error:
        raise WarehouseError(
            f"cannot read the audit history of {published}: {error}. Is it open for writing "
            "in another session? Readers should open it read-only."
        ) from error
    try:
        for table in AUDIT_TABLES:
            exists = connection.execute(
                "select count(*) from duckdb_tables() where database_name = 'previous' "
                "and schema_name = 'audit' and table_name = ?",
                [table],
            ).fetchone()[0]
            if exists:
                connection.execute(
                    f"insert into audit.{table} by name select * from previous.audit.{table}"
                )
    finally:
        connection.execute("detach previous")


def publish(workspace: Workspace) -> None:
    """Checkpoint the finished build (so no write-ahead log is left behind) and rename it
    over the published file."""
    warehouse = workspace.warehouse
    connection = duckdb.connect(str(workspace.database))
    try:
        connection.execute("checkpoint")
    finally:
        connection.close()
    if _wal(workspace.database).exists():
        raise WarehouseError(f"{workspace.database} still has a write-ahead log after checkpoint")
    if _wal(warehouse).exists():
        raise WarehouseError(
            f"{_wal(warehouse)} exists: a session opened the published warehouse for writing. "
            "Close it (readers should open the file read-only) and build again."
        )
    os.replace(workspace.database, warehouse)
    _fsync_dir(warehouse.parent)
    workspace.discard()


def keep_failed(workspace: Workspace) -> Path | None:
    """Keep the last failed build for inspection, out of the readers' way."""
    if not workspace.database.exists():
        workspace.discard()
        return None
    shutil.rmtree(workspace.failed_folder, ignore_errors=True)
    os.replace(workspace.folder, workspace.failed_folder)
    return workspace.failed_folder / workspace.warehouse.name


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _fsync_dir(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
