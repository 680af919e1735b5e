"""Loading an input CSV file into the build: the step behind the `base_csv__*` dbt Python
models, so that `dbt build`, `circularity build` and Dagster all read files the same way.

The file's header is checked first (a missing or doubled required column, or a file that is
not UTF-8 text, stops the build naming the file); then `csv_records` writes every record
with its physical line to a plain CSV beside the database, which DuckDB reads in parallel
with the path bound as a parameter, never pasted into SQL, taking the contract's columns
from wherever the header put them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import weakref
from pathlib import Path

import duckdb

from circularity.csv_records import META_COLUMNS, Header, ReadStats, field_names, write_records
from circularity.inputs import REQUIRED_COLUMNS, InputError, checked_header

_READ_RECORDS = """
    select * from read_csv(
        $path, header = true, auto_detect = false, columns = $columns,
        delim = ',', quote = '"', escape = '"', new_line = '\\n', strict_mode = true,
        null_padding = false, max_line_size = $max_line_size,
        buffer_size = $buffer_size
    )
"""


# Files larger than this are read in a child process, so that two files use two cores.
_CHILD_PROCESS_BYTES = 16 * 1_048_576


def _write_records(path: Path, records: Path, header: Header) -> ReadStats:
    if path.stat().st_size < _CHILD_PROCESS_BYTES:
        return write_records(path, records, header)
    completed = subprocess.run(
        [sys.executable, "-m", "circularity.csv_records", str(path), str(records)],
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise InputError(f"{path}: cannot be read: {completed.stderr.strip()[-2000:]}")
    return ReadStats(**json.loads(completed.stdout))


def _database_folder(connection: duckdb.DuckDBPyConnection) -> Path:
    rows = connection.execute(
        "select path from duckdb_databases() where database_name = current_database()"
    ).fetchall()
    if rows and rows[0][0]:
        return Path(rows[0][0]).resolve().parent
    return Path(tempfile.gettempdir())


def load_input(
    connection: duckdb.DuckDBPyConnection, data_dir: str | os.PathLike[str], file_name: str
) -> duckdb.DuckDBPyRelation:
    """Every physical line of `data_dir/file_name` after the header, as a relation: one row
    per record (or blank line) with its start line, line count, read error, raw text and the
    contract's columns as text, untrimmed, in the contract's order.

    The relation reads the record file when dbt writes the model's table, so the rows are
    copied once; the record file is removed when the relation is gone (or, at the latest,
    when the process exits)."""
    path, header = checked_header(Path(data_dir), file_name)
    handle, name = tempfile.mkstemp(
        prefix=f".ingested_{file_name.removesuffix('.csv')}-",
        suffix=".csv",
        dir=_database_folder(connection),
    )
    os.close(handle)
    records = Path(name)
    try:
        stats = _write_records(path, records, header)
    except BaseException:
        records.unlink(missing_ok=True)
        raise
    # A record of any length: DuckDB's limit is on a line in bytes, and an output line
    # holds a record's text and fields (each at most 4 bytes a character, quotes doubled).
    max_line_size = max(2_097_152, 16 * stats.longest_line + 4096)
    fields = field_names(header)
    read = connection.sql(
        _READ_RECORDS,
        params={
            "path": str(records),
            "columns": {
                "source_line": "BIGINT",
                "line_count": "INTEGER",
                "is_blank": "BOOLEAN",
                "read_error": "VARCHAR",
                "record": "VARCHAR",
                **dict.fromkeys(fields, "VARCHAR"),
            },
            "max_line_size": max_line_size,
            "buffer_size": max(16 * 1_048_576, 2 * max_line_size),
        },
    )
    relation = read.select(*_contract_columns(header, file_name, fields))
    weakref.finalize(relation, records.unlink, missing_ok=True)
    return relation


def _contract_columns(header: Header, file_name: str, fields: list[str]) -> list[duckdb.Expression]:
    """The meta columns and the contract's columns, taken by their place in the header. The
    raw text of a record written as it is (empty in the record file) is its fields joined by
    commas: staging rebuilds it when the file's columns are the contract's, in its order;
    otherwise it is rebuilt here from every field of the file."""
    columns = REQUIRED_COLUMNS[file_name]
    record = duckdb.ColumnExpression("record")
    if header.names != columns:
        every_field = [
            duckdb.CoalesceOperator(duckdb.ColumnExpression(field), duckdb.ConstantExpression(""))
            for field in fields
        ]
        record = duckdb.CoalesceOperator(
            record,
            duckdb.FunctionExpression("concat_ws", duckdb.ConstantExpression(","), *every_field),
        ).alias("record")
    meta = [record if name == "record" else duckdb.ColumnExpression(name) for name in META_COLUMNS]
    return meta + [
        duckdb.ColumnExpression(fields[header.names.index(column)]).alias(column)
        for column in columns
    ]
