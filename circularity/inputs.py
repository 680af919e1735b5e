"""The input data directory: which files and columns the contract requires, and an
independent count of every file's data lines.

The count is taken here, in Python, apart from DuckDB's reader, so that the build can prove
that every data line reached either a fact table or `rejected_rows` (DuckDB's parallel CSV
reader has had bugs that dropped or duplicated rows without an error).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from circularity.csv_records import FileNotText, Header, HeaderNotReadable, read_header

REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "companies.csv": ("company_id", "name", "parent_id", "kind", "country"),
    "company_aliases.csv": ("alias", "company_id"),
    "deals.csv": (
        "deal_id",
        "announced_date",
        "investor",
        "investee",
        "amount_millions",
        "currency",
        "amount_qualifier",
        "instrument",
        "supersedes_deal_id",
        "source_url",
        "notes",
    ),
    "pledges.csv": (
        "pledge_id",
        "announced_date",
        "pledger",
        "recipient",
        "amount_millions",
        "currency",
        "amount_qualifier",
        "period_years",
        "category",
        "supersedes_pledge_id",
        "source_url",
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


def check_data_dir(data_dir: Path) -> list[InputFile]:
    """Check that every input file exists, is UTF-8 text and its header names every required
    column once. Raises InputError naming every problem."""
    if not data_dir.is_dir():
        raise InputError(f"data directory {data_dir} does not exist or is not a directory")
    problems: list[str] = []
    files: list[InputFile] = []
    for name in REQUIRED_COLUMNS:
        try:
            path, header = checked_header(data_dir, name)
        except InputError as error:
            problems.append(str(error))
            continue
        files.append(InputFile(name, path, header.names))
    if problems:
        raise InputError("\n".join(problems))
    return files


def checked_header(data_dir: Path, file_name: str) -> tuple[Path, Header]:
    """One input file's path and header, for a reader about to read it: InputError names
    the file (missing, not UTF-8 text) or the column (missing, named twice)."""
    path = Path(data_dir) / file_name
    if not path.is_file():
        if path.exists():  # a folder, a device, a named pipe: never opened, which could block
            raise InputError(
                f"{path}: not a regular file (a folder, a device or a pipe); "
                f"{file_name} must be a CSV file"
            )
        raise InputError(f"{path}: missing input file; every data directory needs {file_name}")
    try:
        header = read_header(path)
    except FileNotText as error:
        raise InputError(f"{path}: not a UTF-8 CSV file: {error}; save it as UTF-8") from error
    except HeaderNotReadable as error:
        # `"currency";"rate_date"` is no malformed quoting but another separator.
        separator = other_separator(error.text, REQUIRED_COLUMNS[file_name])
        raise InputError(
            _separated_by(path, separator) if separator else f"{path}, line 1: {error}"
        ) from error
    except OSError as error:
        raise InputError(f"{path}: cannot read the file ({error.strerror or error})") from error
    problems = header_problems(path, header.names, REQUIRED_COLUMNS[file_name])
    if problems:
        raise InputError("\n".join(problems))
    return path, header


# Separators spreadsheets write instead of commas (a semicolon where the comma is the
# decimal mark), with the words a user knows them by.
_OTHER_SEPARATORS = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}


def shown_text(text: str) -> str:
    """A text from a file (a column name, a record) as a message shows it: a character that
    does not show on screen (a tab, a no-break space, a second byte order mark, a line
    break, a terminal's escape) is written as its code, such as <U+00A0>, so that `currency`
    padded with one does not read as `currency`, and a record cannot move the cursor or
    colour the terminal. Python's printable characters are those that show, and the space."""
    return "".join(
        character if character.isprintable() else f"<U+{ord(character):04X}>" for character in text
    )


def other_separator(header: str, required: tuple[str, ...]) -> str | None:
    """The name of the separator (semicolons, tabs, vertical bars) that splits a header
    line into more than one of the required column names, quoted or not; None when none
    does."""
    for separator, name in _OTHER_SEPARATORS.items():
        names = {part.strip(" ").strip('"').strip(" ").lower() for part in header.split(separator)}
        if len(names & set(required)) > 1:
            return name
    return None


def _separated_by(path: Path, separator: str) -> str:
    return (
        f"{path}, line 1: the columns are separated by {separator}, not commas; save the "
        "file as comma-separated CSV (in a spreadsheet: CSV, comma-delimited)"
    )


def header_problems(path: Path, columns: tuple[str, ...], required: tuple[str, ...]) -> list[str]:
    """What is wrong with a header, one line per kind of problem: a file separated by
    something other than commas, required columns missing, or named twice."""
    missing = [column for column in required if column not in columns]
    if not any(columns):
        return [
            f"{path}, line 1: no header; the first line must name the columns "
            f"({', '.join(required)})"
        ]
    if missing and len(columns) == 1:
        separator = other_separator(columns[0], required)
        if separator:
            return [_separated_by(path, separator)]
    problems = []
    if missing:
        listed = ", ".join(f"'{column}'" for column in missing)
        problems.append(
            f"{path}, line 1: missing column{'s' if len(missing) > 1 else ''} {listed} in the "
            f"header (found: {', '.join(map(shown_text, columns))}); add "
            f"{'them' if len(missing) > 1 else 'it'}, or fix the spelling"
        )
    problems.extend(
        f"{path}, line 1: column '{column}' is named {columns.count(column)} times in the "
        "header; keep one"
        for column in required
        if columns.count(column) > 1
    )
    return problems


def count_physical_lines(path: Path) -> int:
    """Physical lines of the file, header included, ending in LF, CRLF or CR: a count taken
    from the bytes alone, apart from the reader, that every record and blank line it reports
    must add up to."""
    lines = 0
    last = b""
    carried_cr = False
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            if carried_cr and chunk.startswith(b"\n"):
                chunk = chunk[1:]  # the LF of a CRLF split across chunks
            # Only a chunk that holds a CR is searched for CRLF, the slowest of the three counts
            # (a two-byte search): a file with LF endings is read twice, not three times
            # (1.2 s against 0.6 s for a file of 5M lines).
            carriage_returns = chunk.count(b"\r")
            lines += chunk.count(b"\n") + carriage_returns
            if carriage_returns:
                lines -= chunk.count(b"\r\n")
            carried_cr = chunk.endswith(b"\r")
            last = chunk[-1:] or last
    if last and last not in (b"\n", b"\r"):
        lines += 1
    return lines


def fingerprint(data_dir: Path, previous: dict[str, list]) -> dict[str, list]:
    """[size, mtime, content hash, ctime] of every CSV; a file is hashed again only when its
    size, mtime or ctime moved, so a steady directory costs a few stat calls per tick. The
    ctime catches a write that kept the size and set the mtime back (`cp -p`, `rsync -t`,
    `touch -r`): no program can set it."""
    state: dict[str, list] = {}
    for path in sorted(data_dir.glob("*.csv")):
        stat = path.stat()
        seen = [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns]
        known = previous.get(path.name)
        if known and len(known) == 4 and [known[0], known[1], known[3]] == seen:
            state[path.name] = known
            continue
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        state[path.name] = [stat.st_size, stat.st_mtime_ns, digest.hexdigest(), stat.st_ctime_ns]
    return state
