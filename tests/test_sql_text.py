"""The quoting helper keeps every hostile value one value: DuckDB reads back exactly what
went in, and an injection attempt neither runs nor escapes."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from circularity.sql_text import quote_identifier, quote_literal

HOSTILE = [
    "plain",
    "with space",
    "single'quote",
    'double"quote',
    "both ' and \" quotes",
    "dollar $1 $$ $tag$ ${HOME}",
    "percent %s %(name)s %%",
    "braces {} {{ var }} {% if %}",
    "semi; colon",
    "dash -- comment",
    "block /* comment */",
    "back\\slash \\' \\n",
    "non-ASCII: Zürich 東京 émoji 🙂",
    "new\nline\ttab",
    "x'); copy (select 42) to '/tmp/circularity-pwned.csv'; --",
    'x"; drop table victims; --',
]


@pytest.mark.parametrize("value", HOSTILE)
def test_literal_reads_back_exactly(value: str) -> None:
    connection = duckdb.connect()
    assert connection.execute(f"select {quote_literal(value)}").fetchone() == (value,)


@pytest.mark.parametrize("value", HOSTILE)
def test_identifier_names_exactly(value: str) -> None:
    connection = duckdb.connect()
    connection.execute("create table victims (x int)")
    connection.execute(f"create table {quote_identifier(value)} (x int)")
    rows = connection.execute("select table_name from duckdb_tables()").fetchall()
    names = {row[0] for row in rows}
    assert names == {"victims", value}


# DuckDB reads a backslash in a file path as a folder separator, so the build refuses such
# warehouse paths (tests/test_safety.py); every other character names the exact file.
@pytest.mark.parametrize("value", [value for value in HOSTILE if "\\" not in value])
def test_attach_path_is_the_exact_file(tmp_path: Path, value: str) -> None:
    path = tmp_path / value.replace("/", "_")
    connection = duckdb.connect()
    connection.execute(f"attach {quote_literal(str(path))} as other")
    connection.execute("create table other.t as select 1 as x")
    connection.execute("detach other")
    # DuckDB also takes the path of ATTACH as a bind parameter: the same file.
    connection.execute("attach ? as other (read_only)", [str(path)])
    assert connection.execute("select x from other.t").fetchall() == [(1,)]
    connection.execute("detach other")
    assert path.is_file()
    assert [p.name for p in tmp_path.iterdir()] == [path.name]
    assert not Path("/tmp/circularity-pwned.csv").exists()


def test_nul_and_empty_are_refused() -> None:
    with pytest.raises(ValueError):
        quote_literal("a\x00b")
    with pytest.raises(ValueError):
        quote_identifier("")
    with pytest.raises(TypeError):
        quote_literal(Path("/x"))  # type: ignore[arg-type]
