"""The input data directory: which files and columns the contract requires, and an
independent count of every file's data lines.

The count is taken here, in Python, apart from DuckDB's reader, so that the build can prove
that every data line reached either a fact table or `rejected_rows` (DuckDB's parallel CSV
reader has had bugs that dropped or duplicated rows without an error).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "companies.csv": ("company_id", "name", "parent_id", "kind", "country"),
    "company_aliases.csv": ("alias", "company_id"),
    "deals.csv": (
        "deal_id", "announced_date", "investor", "investee", "amount_millions", "currency",
        "amount_qualifier", "instrument", "supersedes_deal_id", "source_url", "notes",
    ),
    "pledges.csv": (
        "pledge_id", "announced_date", "pledger", "recipient", "amount_millions", "currency",
        "amount_qualifier", "period_years", "category", "supersedes_pledge_id", "source_url",
        "notes",
    ),
    "fx_rates.csv": ("currency", "rate_date", "usd_per_unit"),
}

# The header line of each file as the contract writes it.
HEADERS = {name: ",".join(columns) for name, columns in REQUIRED_COLUMNS.items()}

_CHUNK = 1 << 24


class InputError(Exception):
    """An input problem the user must fix before any build can run (the message says how)."""


@dataclass(frozen=True)
class InputFile:
    name: str
    path: Path
    columns: tuple[str, ...]
    data_lines: int


def check_data_dir(data_dir: Path) -> list[InputFile]:
    """Check that every input file exists and its header names every required column, and
    count its data lines. Raises InputError naming every problem found."""
    if not data_dir.is_dir():
        raise InputError(f"data directory {data_dir} does not exist or is not a directory")
    problems: list[str] = []
    files: list[InputFile] = []
    for name, required in REQUIRED_COLUMNS.items():
        path = data_dir / name
        if not path.is_file():
            problems.append(f"{path}: missing input file; every data directory needs {name}")
            continue
        try:
            columns = read_header(path)
        except (OSError, UnicodeDecodeError, csv.Error) as error:
            problems.append(f"{path}, line 1: cannot read the header ({error})")
            continue
        missing = [column for column in required if column not in columns]
        problems.extend(
            f"{path}, line 1: missing column '{column}' in the header "
            f"(found: {', '.join(columns) or 'nothing'}); add it, or fix its spelling"
            for column in missing
        )
        if not missing:
            files.append(InputFile(name, path, columns, count_data_lines(path)))
    if problems:
        raise InputError("\n".join(problems))
    return files


def read_header(path: Path) -> tuple[str, ...]:
    """The header's column names, trimmed and lower-cased as the staging models read them."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        first_line = handle.readline()
    fields = next(csv.reader(io.StringIO(first_line)), [])
    return tuple(field.strip().lower() for field in fields)


def count_data_lines(path: Path) -> int:
    """Lines after the header that hold anything but spaces, as the sources see them."""
    count = 0
    with path.open("rb", buffering=_CHUNK) as handle:
        handle.readline()
        for line in handle:
            if line.rstrip(b"\r\n").strip(b" "):
                count += 1
    return count
