"""Atomic publishing: a build writes a new DuckDB file beside the published one and, only
when it is valid, takes its place with one rename. Readers of the published file are never
blocked (the build only reads it, read-only, to carry the audit history over) and never see
a half-built warehouse."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import duckdb

from circularity import data_docs, report
from circularity import workspace as workspaces
from circularity.sql_text import quote_identifier
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
    """Check that the build may replace the warehouse, remove what killed builds left
    behind, and make this build's own work folder."""
    check_replaceable(workspace.warehouse)
    check_side_files(workspace)
    workspaces.remove_left_behind(workspace.warehouse)
    try:
        workspace.create()
    except OSError as error:
        raise WarehouseError(
            f"cannot write the warehouse {workspace.warehouse}: {error.strerror or error}; "
            "choose a writable path with --warehouse"
        ) from error


def check_replaceable(warehouse: Path) -> None:
    """The build replaces only a missing file or a Circularity warehouse (one with
    audit.build_runs); anything else is the user's and is refused, left as it is."""
    if "\\" in str(warehouse):
        # DuckDB reads a backslash in a file path as a folder separator.
        raise WarehouseError(
            f"cannot use the warehouse path {warehouse}: DuckDB cannot open a path that "
            "holds a backslash; choose another --warehouse"
        )
    if not warehouse.exists():
        return
    if not warehouse.is_file():
        raise WarehouseError(
            f"refusing to replace {warehouse}: it is not a file; choose another --warehouse"
        )
    try:
        connection = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error as error:
        raise _open_error(warehouse, error) from error
    try:
        if not _has_build_runs(connection, None):
            raise _not_ours(warehouse)
    finally:
        connection.close()
    check_no_write_ahead_log(warehouse)


def check_no_write_ahead_log(warehouse: Path) -> None:
    """Refuse to publish over a warehouse that has a `.wal` file beside it. DuckDB would
    apply that file to the next build's file when it is opened, and the build cannot tell a
    session's unsaved writes from a file another program wrote under that name (`circularity
    sql` lets a query `copy ... to` any path): the user decides."""
    wal = _wal(warehouse)
    if wal.exists() or wal.is_symlink():
        raise WarehouseError(
            f"{wal} exists beside the warehouse: the write-ahead log of a session that opened "
            "the warehouse for writing and is still open or did not close it, or a file "
            "another program wrote under that name. A build replaces the warehouse whole, so "
            "what such a session wrote would not be kept anyway: close the session, or move "
            "the file away, and build again"
        )


def check_side_files(workspace: Workspace) -> None:
    """Beside the warehouse a build writes its report page and its data docs folder: a file
    of either name that no build wrote is the user's and is refused, left as it is. (In the
    data docs folder, files the user put there are left alone: see data_docs.publish_site.)"""
    folder = workspace.data_docs
    if (folder.exists() or folder.is_symlink()) and not folder.is_dir():
        raise WarehouseError(
            f"refusing to replace {folder}: Circularity did not write it, and the build writes "
            "its data docs folder there; move it, or choose another --warehouse"
        )
    page = report.default_path(workspace.warehouse)
    if not report.may_replace(page):
        raise WarehouseError(
            f"refusing to replace {page}: Circularity did not write it, and the build writes "
            "its report there; move it, or choose another --warehouse"
        )
    # Both are named after the warehouse's name without its extension, so two warehouses
    # in one folder (w.duckdb, w.db) would write the same two: the first one keeps them.
    warehouse = workspace.warehouse
    for side, owner in (
        (page, report.page_owner(page)),
        (folder, data_docs.site_owner(folder)),
    ):
        if owner and owner != warehouse.name and (warehouse.parent / owner).exists():
            raise WarehouseError(
                f"refusing to replace {side}: it belongs to the warehouse "
                f"{warehouse.parent / owner}, whose name is the same but for its extension; "
                "give this warehouse another name with --warehouse"
            )


def _has_build_runs(connection: duckdb.DuckDBPyConnection, database: str | None) -> bool:
    """Whether `database` (default: the connection's own) holds audit.build_runs."""
    found = connection.execute(
        "select count(*) from duckdb_tables() where database_name = coalesce(?, "
        "current_database()) and schema_name = 'audit' and table_name = 'build_runs'",
        [database],
    ).fetchone()[0]
    return bool(found)


def _not_ours(warehouse: Path) -> WarehouseError:
    return WarehouseError(
        f"refusing to replace {warehouse}: it is not a Circularity warehouse (it has no "
        "audit.build_runs); it was left unchanged; choose another --warehouse"
    )


def _open_error(warehouse: Path, error: duckdb.Error) -> WarehouseError:
    """One plain sentence for why DuckDB could not open the published file."""
    message = str(error)
    held = re.search(r"Conflicting lock is held in .*?\(PID (\d+)\)", message)
    if held:
        return WarehouseError(
            f"the warehouse {warehouse} is open for writing in another process "
            f"(PID {held.group(1)}): close it (readers should open it read-only) and build again"
        )
    if "not a valid DuckDB database file" in message or "Unable to open database" in message:
        return _not_ours(warehouse)
    first_line = " ".join(message.split())
    return WarehouseError(f"cannot read the warehouse {warehouse}: {first_line}")


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
        columns = ", ".join(quote_identifier(column) for column in build_run)
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
        connection.execute("attach ? as previous (read_only)", [str(published)])
    except duckdb.Error as error:
        raise _open_error(published, error) from error
    try:
        if not _has_build_runs(connection, "previous"):
            raise _not_ours(published)
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
    check_no_write_ahead_log(warehouse)  # again: a session may have opened it meanwhile
    os.replace(workspace.database, warehouse)
    _fsync_dir(warehouse.parent)
    workspace.discard()


def keep_failed(workspace: Workspace) -> Path | None:
    """Keep the last failed build for inspection, out of the readers' way."""
    if not workspace.database.exists():
        workspace.discard()
        return None
    failed = workspace.failed_folder
    if failed.exists() or failed.is_symlink():
        if not workspaces.is_own_folder(failed):
            return workspace.database  # not ours to replace: the next build removes this one
        shutil.rmtree(failed, ignore_errors=True)
    try:
        os.replace(workspace.folder, failed)
    except OSError:
        workspace.discard()
        return None
    workspace.let_go()
    return failed / workspace.database.name


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _fsync_dir(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
