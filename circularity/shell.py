"""`circularity sql`: a SQL shell on the published warehouse.

The DuckDB CLI on the registries may be older than the DuckDB this project pins and cannot
open its files, so the shell uses the pinned `duckdb` package. It opens the warehouse
read-only, one connection per statement: a build replaces the file by rename, so a reader
never blocks it, and the next statement already sees the new build.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

import duckdb

HISTORY_FILE = Path("~/.circularity_sql_history")
FORMATS = ("table", "csv", "json")
HELP = """\
Type SQL ending in ';' (it may span lines). Commands:
  .tables            list the tables and views of the warehouse
  .schema TABLE      the columns of TABLE (schema.table or table)
  .help              this text
  .quit              leave (Ctrl-D works too)
The warehouse is opened read-only: a running build is never blocked."""


class ShellError(Exception):
    """A statement or command failed; the message is one line for the user."""


@dataclass(frozen=True)
class Result:
    columns: list[str]
    rows: list[tuple[Any, ...]]


def add_parser(commands: Any, default_warehouse: Path) -> None:
    command = commands.add_parser(
        "sql",
        help="query the published warehouse (read-only) from a prompt, a pipe or one QUERY",
        description="Run SQL on the published warehouse, read-only. With QUERY, print its "
        "result; without, read SQL from stdin when piped, or start an interactive prompt.",
    )
    command.add_argument("query", nargs="?", metavar="QUERY", help="SQL to run")
    command.add_argument(
        "--warehouse",
        type=Path,
        default=default_warehouse,
        help="DuckDB file (default: warehouse/circularity.duckdb)",
    )
    style = command.add_mutually_exclusive_group()
    style.add_argument(
        "--csv", dest="format", action="store_const", const="csv", help="print results as CSV"
    )
    style.add_argument(
        "--json",
        dest="format",
        action="store_const",
        const="json",
        help="print results as JSON (one array of objects per statement)",
    )
    command.set_defaults(handler=run, format="table")


def warehouse_missing(warehouse: Path) -> bool:
    """Say so, in one line, when there is no warehouse to read (sql and report)."""
    if warehouse.is_file():
        return False
    print(
        f"error: no warehouse at {warehouse}: build one first (make build) or name "
        "one with --warehouse",
        file=sys.stderr,
    )
    return True


def run(args: argparse.Namespace) -> int:
    warehouse: Path = args.warehouse.expanduser()
    if warehouse_missing(warehouse):
        return 2
    if args.query is not None:
        return run_script(warehouse, args.query, args.format, sys.stdout)
    if not sys.stdin.isatty():
        return run_script(warehouse, sys.stdin.read(), args.format, sys.stdout)
    return interactive(warehouse, args.format)


def one_line(error: BaseException) -> str:
    """DuckDB messages span lines (a caret under the query, hints); keep the words."""
    lines = [line.strip() for line in str(error).splitlines()]
    kept = [line for line in lines if line and not line.startswith("LINE ") and set(line) != {"^"}]
    return " ".join(" ".join(kept).split())


def execute(warehouse: Path, sql: str) -> list[Result]:
    """Run each statement of `sql` on a fresh read-only connection; results of those that
    return rows. Raises ShellError with a one-line message."""
    try:
        connection = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error as error:
        raise ShellError(f"cannot open {warehouse}: {one_line(error)}") from None
    try:
        results = []
        for statement in connection.extract_statements(sql):
            cursor = connection.execute(statement)
            if cursor.description is None:
                continue
            columns = [description[0] for description in cursor.description]
            results.append(Result(columns, cursor.fetchall()))
        return results
    except duckdb.Error as error:
        raise ShellError(one_line(error)) from None
    finally:
        connection.close()


def text(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, float):
        return f"{value:.6g}" if abs(value) < 1e15 else repr(value)
    return str(value)


def format_table(result: Result) -> str:
    """Columns aligned, numbers to the right, and a row count, like DuckDB's own CLI."""
    cells = [[text(value).replace("\n", " ") for value in row] for row in result.rows]
    widths = [len(name) for name in result.columns]
    for row in cells:
        widths = [max(width, len(cell)) for width, cell in zip(widths, row, strict=True)]
    numeric = [
        bool(result.rows)
        and all(
            isinstance(row[index], int | float | Decimal) and not isinstance(row[index], bool)
            for row in result.rows
            if row[index] is not None
        )
        for index in range(len(result.columns))
    ]

    def line(values: Sequence[str]) -> str:
        return " | ".join(
            value.rjust(width) if right else value.ljust(width)
            for value, width, right in zip(values, widths, numeric, strict=True)
        ).rstrip()

    rule = "-+-".join("-" * width for width in widths)
    count = len(result.rows)
    body = [line(result.columns), rule, *(line(row) for row in cells)]
    return "\n".join([*body, f"({count} row{'s' if count != 1 else ''})"])


def format_csv(result: Result) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(result.columns)
    writer.writerows(["" if value is None else value for value in row] for row in result.rows)
    return buffer.getvalue().rstrip("\n")


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        # A number when a float holds it exactly (USD millions to the cent do), else text.
        as_float = float(value)
        return as_float if Decimal(repr(as_float)) == value else str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def format_json(result: Result) -> str:
    records = [dict(zip(result.columns, row, strict=True)) for row in result.rows]
    return json.dumps(records, default=_json_value, ensure_ascii=False)


FORMATTERS = {"table": format_table, "csv": format_csv, "json": format_json}


def run_script(warehouse: Path, sql: str, style: str, out: TextIO) -> int:
    """Run SQL given at once (QUERY or stdin): print every result; 1 on an error."""
    try:
        results = execute(warehouse, sql)
    except ShellError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print_results(results, style, out)
    return 0


def print_results(results: Iterable[Result], style: str, out: TextIO) -> None:
    for index, result in enumerate(results):
        if index and style == "table":
            out.write("\n")
        out.write(FORMATTERS[style](result) + "\n")
    out.flush()


def dot_command(warehouse: Path, line: str) -> str | None:
    """The answer to a `.command`, or None for `.quit`."""
    # A `;` after a command is a habit from SQL statements (`.tables;`): allowed anywhere.
    name, _, argument = line.strip().rstrip(";").partition(" ")
    name, argument = name.rstrip(";"), argument.strip().rstrip(";")
    if name in (".quit", ".exit", ".q"):
        return None
    if name == ".help":
        return HELP
    if name == ".tables":
        return format_table(query(warehouse, TABLES_SQL, []))
    if name == ".schema":
        if not argument:
            raise ShellError(".schema needs a table name, e.g. .schema marts.reciprocal_spend")
        schema, _, table = argument.rpartition(".")
        result = query(warehouse, COLUMNS_SQL, [table, schema or None, schema or None])
        if not result.rows:
            raise ShellError(f"no table or view named {argument} (see .tables)")
        return format_table(result)
    raise ShellError(f"unknown command {name}: try .help")


TABLES_SQL = """
select schema_name as schema, table_name as name, 'table' as kind, estimated_size as rows
from duckdb_tables() where not internal and database_name = current_database()
union all
select schema_name, view_name, 'view', null
from duckdb_views() where not internal and database_name = current_database()
order by schema, name
"""
COLUMNS_SQL = """
select schema_name as schema, table_name as "table", column_name as "column",
       data_type as type, comment
from duckdb_columns()
where database_name = current_database() and table_name = ? and (schema_name = ? or ? is null)
order by schema_name, column_index
"""


def query(warehouse: Path, sql: str, parameters: list[Any]) -> Result:
    """One parameterized statement (names typed by the user are bound, never pasted)."""
    try:
        connection = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error as error:
        raise ShellError(f"cannot open {warehouse}: {one_line(error)}") from None
    try:
        cursor = connection.execute(sql, parameters)
        columns = [description[0] for description in cursor.description]
        return Result(columns, cursor.fetchall())
    except duckdb.Error as error:
        raise ShellError(one_line(error)) from None
    finally:
        connection.close()


def statement_complete(sql: str) -> bool:
    """A statement ends at a `;` outside quotes and comments."""
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error:
        return sql.rstrip().endswith(";")
    return bool(statements) and sql.rstrip().endswith(";")


def interactive(warehouse: Path, style: str) -> int:
    """A prompt with history (stdlib readline) and multi-line statements ending in `;`."""
    try:
        import readline
    except ImportError:  # not on every platform; the prompt works without history
        readline = None  # type: ignore[assignment]
    history = HISTORY_FILE.expanduser()
    if readline is not None:
        readline.set_auto_history(False)
        with contextlib.suppress(OSError):
            readline.read_history_file(history)
    print(f"circularity sql on {warehouse} (read-only). Type .help for help, .quit to leave.")
    buffer: list[str] = []
    try:
        while True:
            try:
                line = input("   ...> " if buffer else "circularity> ")
            except EOFError:
                print()
                break
            except KeyboardInterrupt:
                print()
                buffer.clear()
                continue
            if not buffer and line.strip().startswith("."):
                try:
                    answer = dot_command(warehouse, line)
                except ShellError as error:
                    print(f"error: {error}", file=sys.stderr)
                    continue
                if readline is not None:
                    readline.add_history(line.strip())
                if answer is None:
                    break
                print(answer)
                continue
            if not buffer and not line.strip():
                continue
            buffer.append(line)
            sql = "\n".join(buffer)
            if not statement_complete(sql):
                continue
            buffer.clear()
            if readline is not None:
                # One history entry per statement, so arrow-up recalls it whole.
                readline.add_history(" ".join(part.strip() for part in buffer_lines(sql)))
            try:
                print_results(execute(warehouse, sql), style, sys.stdout)
            except ShellError as error:
                print(f"error: {error}", file=sys.stderr)
    finally:
        if readline is not None:
            with contextlib.suppress(OSError):
                readline.write_history_file(history)
    return 0


def buffer_lines(sql: str) -> list[str]:
    return [line for line in sql.splitlines() if line.strip()]
