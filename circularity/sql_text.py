"""Quoting for the few places where DuckDB cannot take a bind parameter (ATTACH paths,
identifiers). Every outside value (a path, a name) that must appear in SQL text goes through
these two functions, so that it is always read as one value and never as SQL."""

from __future__ import annotations


def _checked(text: str) -> str:
    if not isinstance(text, str):
        raise TypeError(f"expected text, got {type(text).__name__}")
    if "\x00" in text:
        # DuckDB ends a string at NUL; refuse rather than quote a shortened value.
        raise ValueError("a NUL character cannot be quoted into SQL")
    return text


def quote_literal(text: str) -> str:
    """A SQL string literal holding exactly `text`: single quotes doubled. DuckDB reads
    backslashes, `$`, `%`, `{}` and `--` inside a plain literal as themselves."""
    return "'" + _checked(text).replace("'", "''") + "'"


def quote_identifier(name: str) -> str:
    """A SQL identifier naming exactly `name`: double quotes doubled."""
    if not _checked(name):
        raise ValueError("an identifier cannot be empty")
    return '"' + name.replace('"', '""') + '"'
