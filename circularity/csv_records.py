"""Reading one input CSV file into records, the way the contract's settled rules read it.

Why this exists: DuckDB's CSV reader is fast, but it stops on files users really have (LF
mixed with CRLF, an unterminated quote), gives no line numbers for the rows it accepts, and
counts records instead of physical lines in its rejects. The rules need the physical line
each record starts on, its raw text, and a bad record set aside with a reason while the rest
of the file is read. So Python does the one thing it must do here (find the records and
their lines), and writes them to a regular CSV that DuckDB then reads at full speed: a
record that reads plainly is written as it is, with its fields in the file's order, for
DuckDB to split and unquote.

A record is one physical line, unless a double-quoted field holds line breaks, when it runs
on until the quote closes (RFC 4180). Lines may end in LF, CRLF or CR, mixed. Lines of
spaces alone are not records. A record that cannot be read is kept with its reason:
bytes that are not UTF-8, a control character, malformed or unterminated quoting, the
wrong number of fields, or no field that is not blank (a spreadsheet's row of commas).
After an unterminated quote, reading resumes on the next line.
"""

from __future__ import annotations

import json
import re
import sys
from bisect import bisect_right
from dataclasses import asdict, dataclass
from itertools import compress, repeat
from operator import contains, itemgetter, ne
from pathlib import Path

# Every output row: where the record starts, how many physical lines it spans, whether it is
# a blank line (kept so that every physical line is accounted for), why it cannot be read
# (empty when it can), its raw text (empty when it is exactly the fields joined by commas),
# then one column per column of the file's header, in the file's order (all empty for a
# blank line or a record that cannot be read).
META_COLUMNS = ("source_line", "line_count", "is_blank", "read_error", "record")

_QUOTED = r'"(?:[^"]|"")*"'
_PLAIN = r'[^,"\r\n]*'
_FIELD = rf"(?:{_QUOTED}|{_PLAIN})"
# In the text outside quotes: text touching a quote, or a line break (see unquoted_parts).
_MALFORMED_OUTSIDE_QUOTES = re.compile(r'[^,"]"|"[^,"]|[\r\n]')
# Stands for the commas between fields while a record is split (see split_fields).
_FIELD_END = "\x00"
# A line that ends inside a quoted field it opened: the start of a multi-line record.
_OPENS_QUOTE = re.compile(rf"(?:{_FIELD},)*\"(?:[^\"]|\"\")*", re.S)
# The complete fields before the quote that opens a multi-line record.
_FIELDS_BEFORE_OPEN = re.compile(rf"(?:{_FIELD},)*", re.S)
# How many physical lines a header may span before its open quote is judged unterminated.
_HEADER_LINES = 100
# Control characters other than tab, CR and LF, and the stand-ins for undecodable bytes.
_UNREADABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\udc80-\udcff]")
_NOT_UTF8 = re.compile(r"[\udc80-\udcff]")
# What _UNREADABLE lets through of ASCII.
_READABLE_ASCII = bytes(range(32, 127)) + b"\t\r\n"
_FIRST = itemgetter(0)  # a line's first character (readlines gives no empty line)
# The first characters of a row of blank fields (a valid row seldom starts with one): the
# fast paths leave such a line to the writer, which rejects it when every field is blank.
_EMPTY_ROW_STARTS = ", "

NOT_UTF8 = (
    "bytes that are not UTF-8 text on this line (was the file saved in another encoding?): "
    "save the file as UTF-8"
)
CONTROL_CHARACTER = (
    "a control character (such as NUL or U+0001) in the record: remove it; only tab is allowed"
)
UNTERMINATED_QUOTE = (
    "unterminated quote: a double-quoted field starts on this line and never closes; "
    'close it, or double a quote that is part of the text ("")'
)
EMPTY_ROW = (
    "an empty row: every field is blank; delete the row "
    "(spreadsheets save formatted empty rows like this)"
)
MALFORMED_QUOTING = (
    "malformed quoting: a double quote inside an unquoted field, or text after a closing "
    "quote; enclose the field in double quotes and double every quote inside it"
)


class FileNotText(Exception):
    """The file as a whole is not UTF-8 CSV text (UTF-16, binary): no record can be read."""


class HeaderNotReadable(Exception):
    """The header is UTF-8 text but cannot be split into column names (`text`: the header
    as read, for a caller that can tell why, such as another separator than commas)."""

    def __init__(self, message: str, text: str = "") -> None:
        super().__init__(message)
        self.text = text


@dataclass(frozen=True)
class Header:
    names: tuple[str, ...]  # trimmed and lower-cased, in file order
    lines: int = 1  # physical lines: more when a quoted name holds a line break


@dataclass
class ReadStats:
    records: int = 0
    blank_lines: int = 0
    physical_lines: int = 0
    unreadable: int = 0
    longest_line: int = 0


def sniff_text(path: Path) -> None:
    """Refuse a file that is not UTF-8 text as a whole, before reading any record: a UTF-16 or
    UTF-32 byte order mark, or NUL bytes in its first line (UTF-16 without a mark, or a
    binary file). NUL bytes further on are a record's problem: that record is rejected."""
    with path.open("rb") as handle:
        start = handle.read(1 << 16)
    if start.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileNotText("it is saved as UTF-16 (or UTF-32), not UTF-8")
    # UTF-16 holds a NUL beside every ASCII character, the header's included.
    if b"\x00" in start.split(b"\n", 1)[0].split(b"\r", 1)[0]:
        raise FileNotText("it holds NUL bytes in its header (UTF-16 without a mark, or binary)")


def _quote_pieces(text: str) -> list[str] | None:
    """One record's text split on every quote, or None when its quoting is malformed
    (RFC 4180, line breaks only inside quotes). Judged with string methods, not a regular
    expression per field, so that files that quote every field read fast.

    The even-numbered pieces are outside quotes; an empty one between two others is a
    doubled quote inside a field. Quoting is well formed when the number of quotes is even
    and, wherever a piece outside meets a quote, it meets it with a comma: the quote opens
    or closes a whole field."""
    pieces = text.split('"')
    if len(pieces) % 2 == 0:  # an odd number of quotes: one never closes
        return None
    if _MALFORMED_OUTSIDE_QUOTES.search('"'.join(pieces[::2])):
        return None
    return pieces


def unquoted_parts(text: str) -> list[str] | None:
    """The parts of one record's text outside its double-quoted fields, or None when its
    quoting is malformed (see _quote_pieces)."""
    pieces = _quote_pieces(text)
    return None if pieces is None else pieces[::2]


def field_names(header: Header) -> list[str]:
    """The record file's names for the file's columns, in the file's order: the file's own
    names may be blank, repeated or anything else."""
    return [f"field_{number}" for number in range(1, len(header.names) + 1)]


def split_fields(text: str) -> list[str] | None:
    """The fields of one record's text (no final line break), unquoted; None when the
    quoting is malformed. The text holds no NUL: records with control characters are
    rejected before they are split."""
    if '"' not in text:
        return text.split(",")
    pieces = _quote_pieces(text)
    if pieces is None:
        return None
    if _FIELD_END in text:
        raise ValueError("a record holding a NUL byte cannot be split into fields")
    # Outside quotes, commas end fields and an empty part between two others is a doubled
    # quote; inside, everything is data. The quotes themselves go.
    last = len(pieces) - 1
    pieces[::2] = [
        part.replace(",", _FIELD_END) if part else '"' if 0 < index < last else ""
        for index, part in zip(range(0, last + 1, 2), pieces[::2], strict=True)
    ]
    return "".join(pieces).split(_FIELD_END)


def read_header(path: Path) -> Header:
    """The header's names, trimmed and lower-cased. Raises FileNotText for a file that is not
    UTF-8 text, and HeaderNotReadable for a header line whose quoting cannot be read."""
    sniff_text(path)
    with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
        lines = [handle.readline()]
        # A quoted column name may hold line breaks (RFC 4180): the header runs on until
        # its quotes close, within reason.
        while "".join(lines).count('"') % 2 and len(lines) < _HEADER_LINES and lines[-1]:
            lines.append(handle.readline())
    lines = [line for line in lines if line]  # not the empty read at the end of the file
    text = "".join(lines).rstrip("\r\n")
    if _UNREADABLE.search(text):
        raise FileNotText("its header line is not UTF-8 text (undecodable or control bytes)")
    if text.count('"') % 2:
        raise HeaderNotReadable(
            "a quote in the header never closes; close it, or double a quote that is part of "
            "a column name",
            text,
        )
    fields = split_fields(text)
    if fields is None:
        raise HeaderNotReadable(
            "malformed quoting in the header; enclose each quoted column name in double "
            "quotes, with nothing after the closing quote",
            text,
        )
    # Spaces are U+0020 here as in the fields: a name padded with a tab or a no-break space
    # is not the column's name, and the message on a missing column shows what pads it.
    return Header(tuple(name.strip(" ").lower() for name in fields), len(lines))


def _commas_outside_quotes(text: str) -> int:
    """The commas that separate fields in a text of whole fields: not those inside quotes
    (`"Acme, Inc."` is one field)."""
    return "".join(text.split('"')[::2]).count(",")


def _quote(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def _shown(text: str) -> str:
    """Raw text as it can be stored: undecodable bytes become U+FFFD."""
    if _NOT_UTF8.search(text):
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return text


class _Writer:
    """Turns physical lines into records and writes one output row per record."""

    def __init__(self, out, header: Header, stats: ReadStats):
        self.out = out
        self.stats = stats
        self.expected = len(header.names)
        self.empty_fields = "," * (self.expected - 1)
        self.line_number = 1  # the header
        self.pending: list[str] = []  # lines of a record still inside a quoted field
        self.pending_start = 0
        self.pending_quotes = 0

    def feed(self, line: str) -> None:
        self.line_number += 1
        if self.pending:
            self.pending.append(line)
            self.pending_quotes += line.count('"')
            if self.pending_quotes % 2 == 0:
                self._close_pending()
            return
        text = line.rstrip("\r\n")
        if '"' in text:
            quotes = text.count('"')
            if quotes % 2 and _OPENS_QUOTE.fullmatch(text):
                self.pending = [line]
                self.pending_start = self.line_number
                self.pending_quotes = quotes
                return
            if quotes % 2 == 0 and self._quoted_as_is(text):
                return
            self._record(self.line_number, 1, text)
            return
        if not text.strip(" "):
            self.stats.blank_lines += 1
            self.out.write(f"{self.line_number},1,true,,,{self.empty_fields}\n")
            return
        if _UNREADABLE.search(text):
            self._unreadable(self.line_number, 1, text)
            return
        if text.count(",") + 1 != self.expected:
            self._wrong_count(self.line_number, 1, text, text.count(",") + 1)
            return
        if not text.strip(" ,"):
            self._reject(self.line_number, 1, EMPTY_ROW, text)
            return
        self.stats.records += 1
        self.out.write(f"{self.line_number},1,,,,{text}\n")

    def _quoted_as_is(self, text: str) -> bool:
        """Write a one-line record with quoted fields as it is, for DuckDB to unquote, when
        it is plainly readable: well-formed quoting, the header's number of fields, a field
        that is not blank and nothing unreadable. Files that quote every field (R, database
        exports) are read this way at a few times the speed of splitting each record in
        Python. Anything else is left to _record, which says what is wrong."""
        outside = unquoted_parts(text)
        if (
            outside is None
            or "".join(outside).count(",") + 1 != self.expected
            or not text.strip(' ,"')
            or _UNREADABLE.search(text)
        ):
            return False
        self.stats.records += 1
        self.out.write(f"{self.line_number},1,,,{_quote(text)},{text}\n")
        return True

    def finish(self) -> None:
        """At the end of the file a quote still open is unterminated."""
        while self.pending:
            self._recover()

    def _close_pending(self) -> None:
        text = "".join(self.pending).rstrip("\r\n")
        if unquoted_parts(text) is None and not self._field_closes_in_text():
            self._recover()
            return
        lines = len(self.pending)
        start = self.pending_start
        self.pending = []
        self._record(start, lines, text)

    def _field_closes_in_text(self) -> bool:
        """Whether the quoted field opened on the first pending line closes within the text
        of the lines after it, with a typo after the close (`note" ,3` or `note"x,3`): then
        the lines are one malformed record, rejected whole. Otherwise the first quote never
        closed, and the lines after it are read again.

        The first quote after it that is not doubled is taken as the close when it follows
        text (a quote after a comma or at the start of a line opens a field of its own), the
        record then has the header's number of fields, and the line of the close does not
        have them by itself: a stray quote in a later record (`...,4,a 27" screen` a few
        rows down, a whole row) gives the first two, but a note's last line seldom holds
        every field of a row."""
        rest = "".join(self.pending[1:]).rstrip("\r\n")

        def opens_a_field(at: int) -> bool:  # also when there is no quote (-1)
            return at <= 0 or rest[at - 1] in ",\r\n"

        position = rest.find('"')
        # The quotes of a run that starts a line or follows a comma open a field (`,"""x`
        # is a field that starts with a quote), not a doubled quote inside the open one.
        if opens_a_field(position):
            return False
        while position != -1 and rest.startswith('""', position):
            position = rest.find('"', position + 2)
        if opens_a_field(position):
            return False
        before = _commas_outside_quotes(_FIELDS_BEFORE_OPEN.match(self.pending[0]).group())
        after = _commas_outside_quotes(rest[position + 1 :])
        return before + 1 + after == self.expected and not self._row_by_itself(position)

    def _row_by_itself(self, position: int) -> bool:
        """Whether the line of the pending text's character `position` (the text of the
        lines after the first), a quote, has the header's number of fields by itself, the
        quote taken for a stray one: the commas before it and those outside quotes after
        it."""
        start = 0
        for line in self.pending[1:]:
            if position < start + len(line):
                text = line.rstrip("\r\n")
                at = position - start
                fields = text[:at].count(",") + _commas_outside_quotes(text[at + 1 :]) + 1
                return fields == self.expected
            start += len(line)
        return False

    def _recover(self) -> None:
        """The quote opened on the first pending line does not close into a readable record:
        reject that line alone and read the lines after it again."""
        first, rest = self.pending[0], self.pending[1:]
        start = self.pending_start
        self.pending = []
        self._reject(start, 1, UNTERMINATED_QUOTE, first.rstrip("\r\n"))
        self.line_number = start
        for line in rest:
            self.feed(line)

    def _record(self, start: int, lines: int, text: str) -> None:
        if lines > 1:
            self.stats.longest_line = max(self.stats.longest_line, len(text))
        if _UNREADABLE.search(text):
            self._unreadable(start, lines, text)
            return
        fields = split_fields(text)
        if fields is None:
            self._reject(start, lines, MALFORMED_QUOTING, text)
            return
        if len(fields) != self.expected:
            self._wrong_count(start, lines, text, len(fields))
            return
        if not "".join(fields).strip(" "):
            self._reject(start, lines, EMPTY_ROW, text)
            return
        self.stats.records += 1
        # Every field quoted, with its quotes doubled: NUL (never in a record read) stands
        # for the separators while the quotes are doubled in one pass.
        quoted = _FIELD_END.join(fields).replace('"', '""').replace(_FIELD_END, '","')
        self.out.write(f'{start},{lines},,,{_quote(text)},"{quoted}"\n')

    def _unreadable(self, start: int, lines: int, text: str) -> None:
        reason = NOT_UTF8 if _NOT_UTF8.search(text) else CONTROL_CHARACTER
        self._reject(start, lines, reason, text)

    def _wrong_count(self, start: int, lines: int, text: str, found: int) -> None:
        fix = (
            "a comma inside a value needs the value in double quotes"
            if found > self.expected
            else "an empty field still needs its comma, and a value that holds a line break "
            "needs double quotes"
        )
        reason = (
            f"wrong number of fields: expected {self.expected} as in the header, found "
            f"{found}; {fix}"
        )
        self._reject(start, lines, reason, text)

    def _reject(self, start: int, lines: int, reason: str, text: str) -> None:
        """Write a record that cannot be read, with its reason, and count it."""
        self.stats.records += 1
        self.stats.unreadable += 1
        self.out.write(
            f"{start},{lines},,{_quote(reason)},{_quote(_shown(text))},{self.empty_fields}\n"
        )


def _read_lines(lines, writer: _Writer) -> None:
    """Feed every line to the writer, with a fast path for the lines of most files: no
    quote, the right number of commas, nothing unreadable, written as they are. Lines are
    taken in batches so that one regular expression search clears a whole batch of
    control characters and undecodable bytes."""
    commas = writer.expected - 1
    longest = 0
    while batch := lines.readlines(1 << 22):
        longest = max(longest, max(map(len, batch)))
        text = "".join(batch)
        if _has_unreadable(text):
            for line in batch:
                writer.feed(line)
        elif "\r" in text:
            _read_lines_one_by_one(batch, writer, commas)
        else:
            _read_lf_lines(batch, writer, commas)
    writer.stats.longest_line = max(writer.stats.longest_line, longest)


def _has_unreadable(text: str) -> bool:
    """_UNREADABLE.search, three times as fast on ASCII text (most files): the bytes left
    once the printable ones, tab, CR and LF are deleted."""
    if text.isascii():
        return bool(text.encode("ascii").translate(None, _READABLE_ASCII))
    return _UNREADABLE.search(text) is not None


def _read_lines_one_by_one(batch: list[str], writer: _Writer, commas: int) -> None:
    """A batch with CR line ends: each line checked on its own."""
    write = writer.out.write
    number = writer.line_number
    for line in batch:
        if writer.pending or '"' in line:
            writer.line_number = number
            writer.feed(line)
            number = writer.line_number
            continue
        text = line.rstrip("\r\n")
        number += 1
        if text.count(",") == commas and _FIRST(line) not in _EMPTY_ROW_STARTS:
            writer.stats.records += 1
            write(f"{number},1,,,,{text}\n")
        else:
            writer.line_number = number - 1
            writer.feed(line)
    writer.line_number = number


def _read_lf_lines(batch: list[str], writer: _Writer, commas: int) -> None:
    """A batch whose lines all end in LF (the last line of a file may have no end): the
    lines that need a closer look (a quote, the wrong number of commas, a comma or space
    first, no line end, or inside a quoted field still open) are found with C-speed maps,
    and each run of plain lines between them is written in one go, with its line
    numbers."""
    size = len(batch)
    careful = set(
        compress(range(size), map(ne, map(str.count, batch, repeat(",")), repeat(commas)))
    )
    careful.update(compress(range(size), map(contains, batch, repeat('"'))))
    careful.update(
        compress(range(size), map(contains, repeat(_EMPTY_ROW_STARTS), map(_FIRST, batch)))
    )
    if not batch[-1].endswith("\n"):
        careful.add(size - 1)
    stops = sorted(careful)
    position = 0
    while position < size:
        if writer.pending or position in careful:
            writer.feed(batch[position])
            position += 1
            continue
        end = stops[bisect_right(stops, position)] if stops and stops[-1] > position else size
        first = writer.line_number + 1
        # A record read as it is: its line number, one physical line, then the line itself
        # (an f-string in a list: a third less CPU than str.format mapped over the lines).
        numbered = enumerate(batch[position:end], start=first)
        writer.out.write("".join([f"{number},1,,,,{line}" for number, line in numbered]))
        writer.stats.records += end - position
        writer.line_number += end - position
        position = end


def write_records(source: Path, destination: Path, header: Header) -> ReadStats:
    """Read `source` and write every record to `destination` as a plain CSV of
    META_COLUMNS and one column per column of `header`, the file's header (all text)."""
    stats = ReadStats()
    with (
        source.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as lines,
        destination.open("w", encoding="utf-8", newline="\n") as out,
    ):
        out.write(",".join((*META_COLUMNS, *field_names(header))) + "\n")
        writer = _Writer(out, header, stats)
        for number in range(1, header.lines + 1):
            next(lines, None)
            if number > 1:  # a line of the header: no record, but a line to account for
                out.write(f"{number},1,true,,,{writer.empty_fields}\n")
        writer.line_number = header.lines
        _read_lines(lines, writer)
        writer.finish()
        stats.physical_lines = writer.line_number
    return stats


def main(argv: list[str]) -> int:
    """`python -m circularity.csv_records SOURCE DESTINATION`: write_records in a process of
    its own, so that files are read in parallel on every core (a Python loop holds the
    interpreter's lock); prints the stats as JSON."""
    source, destination = argv
    header = read_header(Path(source))
    stats = write_records(Path(source), Path(destination), header)
    print(json.dumps(asdict(stats)))
    return 0


if __name__ == "__main__":
    from circularity.fast_exit import die_with_parent

    die_with_parent()  # the reader's work is dbt's: it ends with the dbt process
    sys.exit(main(sys.argv[1:]))
