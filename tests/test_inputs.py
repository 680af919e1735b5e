"""The independent line count, the header check and the record reader of input files."""

from __future__ import annotations

import csv
import itertools
import os
import re
from pathlib import Path

import duckdb
import pytest

from circularity.csv_records import read_header, split_fields, unquoted_parts, write_records
from circularity.ingest import load_input
from circularity.inputs import InputError, check_data_dir, count_physical_lines
from tests.conftest import write_data_dir


def refusal(data: Path) -> str:
    """The message with which the build refuses the data directory before it starts."""
    with pytest.raises(InputError) as caught:
        check_data_dir(data)
    return str(caught.value)


@pytest.mark.parametrize(
    ("content", "lines"),
    [
        (b'a,b\r\n1,2\r\n\r\n   \n3,"x"\n4,5', 6),
        (b"a,b\r1,2\r3,4\r", 3),
        (b'a,b\n1,"two\nlines"\n', 3),
        (b"", 0),
        (b"a,b", 1),
    ],
)
def test_physical_lines_are_counted_from_the_bytes(tmp_path: Path, content, lines) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    assert count_physical_lines(path) == lines


def test_a_crlf_split_across_chunks_is_one_line_end(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("circularity.inputs._CHUNK", 4)
    path = tmp_path / "x.csv"
    path.write_bytes(b"a,b\r\n1,2\r\n")  # the first CRLF straddles bytes 4 and 5
    assert count_physical_lines(path) == 2


def test_every_mix_of_line_ends_is_counted_as_python_splits_lines(
    tmp_path: Path, monkeypatch
) -> None:
    """Every text of up to 6 bytes of a letter, CR and LF, read in chunks of 1 to 3 bytes (so
    that every CR, LF and CRLF falls at every place of a chunk, and chunks without a CR go
    the short way), has as many physical lines as bytes.splitlines finds."""
    path = tmp_path / "x.csv"
    for size in range(1, 4):
        monkeypatch.setattr("circularity.inputs._CHUNK", size)
        for length in range(7):
            for letters in itertools.product(b"a\r\n", repeat=length):
                content = bytes(letters)
                path.write_bytes(content)
                assert count_physical_lines(path) == len(content.splitlines()), (size, content)


def test_header_is_trimmed_lowercased_and_bom_free(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(b'\xef\xbb\xbf Deal_ID ,"notes", \tsource_url\xc2\xa0\n')
    # Spaces are U+0020: a tab or a no-break space stays part of the name.
    assert read_header(path).names == ("deal_id", "notes", "\tsource_url\u00a0")


@pytest.mark.parametrize(
    ("text", "fields"),
    [
        ("a,b,,c", ["a", "b", "", "c"]),
        ('"a,1","b""q""",', ["a,1", 'b"q"', ""]),
        ('"two\r\nlines",x', ["two\r\nlines", "x"]),
        ('a,b"c', None),
        ('"a"b,c', None),
    ],
)
def test_fields_follow_rfc_4180(text, fields) -> None:
    assert split_fields(text) == fields


def test_records_lines_and_reasons(tmp_path: Path) -> None:
    source = tmp_path / "x.csv"
    source.write_bytes(b'a,b\n1,2\n\n"x\ny",3\n4\n"open,5\n6,7\n')
    out = tmp_path / "out.csv"
    stats = write_records(source, out, read_header(source))
    rows = out.read_text().splitlines()
    assert rows[0] == "source_line,line_count,is_blank,read_error,record,field_1,field_2"
    assert rows[1] == "2,1,,,,1,2"
    assert rows[2] == "3,1,true,,,,"
    assert rows[3:6] == ['4,2,,,"""x', 'y"",3","x', 'y","3"']
    assert rows[6].startswith('6,1,,"wrong number of fields: expected 2 as in the header')
    assert rows[7].startswith('7,1,,"unterminated quote')
    assert rows[8] == "8,1,,,,6,7"
    assert (stats.records, stats.blank_lines, stats.physical_lines) == (5, 1, 8)


def test_wrong_field_counts_say_which_fix_fits(tmp_path: Path) -> None:
    source = tmp_path / "x.csv"
    source.write_bytes(b"a,b,c\n1,2,3,4\n1,2\n")
    out = tmp_path / "out.csv"
    write_records(source, out, read_header(source))
    too_many, too_few = out.read_text().splitlines()[1:3]
    assert "found 4; a comma inside a value needs the value in double quotes" in too_many
    assert "found 2; an empty field still needs its comma, and a value that holds a line " in (
        too_few
    )


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    data = write_data_dir(tmp_path / "d")
    (data / "pledges.csv").unlink()
    (data / "fx_rates.csv").write_text("currency,date,usd_per_unit\n")
    message = refusal(data)
    assert "pledges.csv: missing input file" in message
    assert "fx_rates.csv, line 1: missing column 'rate_date'" in message


@pytest.mark.parametrize(
    ("separator", "said"), [(";", "semicolons"), ("\t", "tabs"), ("|", "vertical bars")]
)
def test_a_file_separated_by_another_character_says_so_in_one_line(
    tmp_path: Path, separator: str, said: str
) -> None:
    """A spreadsheet where the comma is the decimal mark saves CSV with semicolons."""
    data = write_data_dir(tmp_path / "d")
    deals = data / "deals.csv"
    deals.write_text(deals.read_text().replace(",", separator))
    assert refusal(data).splitlines() == [
        f"{deals}, line 1: the columns are separated by {said}, not commas; save the file as "
        "comma-separated CSV (in a spreadsheet: CSV, comma-delimited)"
    ]


@pytest.mark.parametrize(
    ("header", "said"),
    [
        ('"currency";"rate_date";"usd_per_unit"', "semicolons"),  # R's write.csv2, quote all
        ('"currency"\t"rate_date"\t"usd_per_unit"', "tabs"),
        ('\ufeffcurrency;rate_date;"usd per unit"', "semicolons"),  # one name quoted
    ],
)
def test_a_file_separated_by_another_character_with_quoted_names_says_so(
    tmp_path: Path, header: str, said: str
) -> None:
    """Quoted names do not make another separator a quoting problem."""
    data = write_data_dir(tmp_path / "d")
    fx_rates = data / "fx_rates.csv"
    fx_rates.write_text(header + '\n"EUR";"2024-02-19";1,0776\n', encoding="utf-8")
    assert refusal(data).splitlines() == [
        f"{fx_rates}, line 1: the columns are separated by {said}, not commas; save the file "
        "as comma-separated CSV (in a spreadsheet: CSV, comma-delimited)"
    ]


@pytest.mark.parametrize("content", ["", "\n\ncurrency,rate_date,usd_per_unit\n"])
def test_a_file_without_a_header_line_says_which_columns_it_needs(
    tmp_path: Path, content: str
) -> None:
    data = write_data_dir(tmp_path / "d")
    (data / "fx_rates.csv").write_text(content)
    assert refusal(data) == (
        f"{data / 'fx_rates.csv'}, line 1: no header; the first line must name the columns "
        "(currency, rate_date, usd_per_unit)"
    )


def test_missing_columns_are_named_together_in_one_line(tmp_path: Path) -> None:
    data = write_data_dir(tmp_path / "d")
    (data / "fx_rates.csv").write_text("currency,day,rate\nEUR,2025-01-01,1.1\n")
    assert refusal(data) == (
        f"{data / 'fx_rates.csv'}, line 1: missing columns 'rate_date', 'usd_per_unit' in the "
        "header (found: currency, day, rate); add them, or fix the spelling"
    )


def test_a_name_padded_with_characters_that_do_not_show_is_named_with_their_codes(
    tmp_path: Path,
) -> None:
    data = write_data_dir(tmp_path / "d")
    (data / "fx_rates.csv").write_bytes(
        b"\xef\xbb\xbf\xef\xbb\xbfcurrency,rate_date\xc2\xa0,\tusd_per_unit\nEUR,2025-01-01,1.1\n"
    )
    assert refusal(data) == (
        f"{data / 'fx_rates.csv'}, line 1: missing columns 'currency', 'rate_date', "
        "'usd_per_unit' in the header (found: <U+FEFF>currency, rate_date<U+00A0>, "
        "<U+0009>usd_per_unit); add them, or fix the spelling"
    )


def test_an_input_that_is_no_regular_file_is_named_as_such_without_being_opened(
    tmp_path: Path,
) -> None:
    data = write_data_dir(tmp_path / "d")
    (data / "deals.csv").unlink()
    os.mkfifo(data / "deals.csv")  # opening it would wait for a writer forever
    (data / "fx_rates.csv").unlink()
    (data / "fx_rates.csv").mkdir()
    assert refusal(data) == (
        f"{data / 'deals.csv'}: not a regular file (a folder, a device or a pipe); deals.csv "
        f"must be a CSV file\n{data / 'fx_rates.csv'}: not a regular file (a folder, a device "
        "or a pipe); fx_rates.csv must be a CSV file"
    )


def test_a_line_of_tabs_is_a_record_not_a_blank_line(tmp_path: Path) -> None:
    """Spaces are the space character, here as in the trimming of fields: a line of spaces
    is no record, a line holding a tab is one (and has too few fields)."""
    source = tmp_path / "rows.csv"
    source.write_bytes(b"a,b\n   \n\t\n \t \n1,2\n")
    out = tmp_path / "out.csv"
    stats = write_records(source, out, read_header(source))
    errors = duckdb.execute(
        "select source_line::int, read_error from read_csv(?, all_varchar = true) "
        "where read_error is not null order by 1",
        [str(out)],
    ).fetchall()
    assert [(line, error.split(";")[0]) for line, error in errors] == [
        (3, "wrong number of fields: expected 2 as in the header, found 1"),
        (4, "wrong number of fields: expected 2 as in the header, found 1"),
    ]
    assert (stats.records, stats.blank_lines) == (3, 1)


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("header", ["a,b,c", "c,b,a"])
def test_a_row_of_blank_fields_is_an_empty_row(tmp_path: Path, ending: str, header: str) -> None:
    """A spreadsheet saves formatted empty rows as commas; quoted blanks are blank too, and
    one field that is not blank makes a record."""
    lines = ["1,2,3", ",,", " , ,", '"",""," "', ",x,", "  ", ",,,", "4,5,6"]
    source = tmp_path / "rows.csv"
    source.write_bytes((ending.join([header, *lines]) + ending).encode())
    out = tmp_path / "out.csv"
    stats = write_records(source, out, read_header(source))
    errors = dict(
        duckdb.execute(
            "select source_line::int, read_error from read_csv(?, all_varchar = true) "
            "where read_error is not null",
            [str(out)],
        ).fetchall()
    )
    assert {line: error.split(":")[0] for line, error in errors.items()} == {
        3: "an empty row",
        4: "an empty row",
        5: "an empty row",
        8: "wrong number of fields",
    }
    assert (stats.records, stats.blank_lines, stats.unreadable) == (7, 1, 4)


# RFC 4180 as a grammar, written here apart from the reader's string methods: fields are
# quoted (quotes inside doubled) or plain (no comma, quote or line break).
_FIELD = r'"((?:[^"]|"")*)"|([^,"\r\n]*)'
_RFC_4180_RECORD = re.compile(rf"(?:{_FIELD})(?:,(?:{_FIELD}))*", re.S)
_RFC_4180_FIELD = re.compile(rf"(?:^|,)(?:{_FIELD})", re.S)


def rfc_4180_fields(text: str) -> list[str] | None:
    if not _RFC_4180_RECORD.fullmatch(text):
        return None
    return [
        quoted.replace('""', '"') if quoted else plain
        for quoted, plain in _RFC_4180_FIELD.findall(text)
    ]


def test_records_split_as_the_rfc_4180_grammar_says_on_every_short_text() -> None:
    """Every text of up to 7 characters of quote, comma, line break and one other character
    (the grammar treats all others alike) that can be a record (a line break ends the record
    unless a quote is open): the reader's split (string methods, for speed) finds the same
    malformed quoting and the same fields as the grammar, and so does its quick count of
    fields."""
    for size in range(8):
        for characters in itertools.product('"x,\n', repeat=size):
            text = "".join(characters)
            if "\n" in text and '"' not in text:
                continue
            expected = rfc_4180_fields(text)
            assert split_fields(text) == expected, repr(text)
            parts = unquoted_parts(text)
            assert (parts is None) == (expected is None), repr(text)
            if parts is not None:
                assert "".join(parts).count(",") + 1 == len(expected), repr(text)


QUOTED_EVERYWHERE = {  # header -> readable lines, and lines that cannot be read with why
    '"currency","rate_date","usd_per_unit"': (
        [
            '"EUR","2025-01-01","1.1"',
            '"E,UR","2025-01-02","say ""1"""',
            'EUR,"2025-01-03",1.2',
            '" EUR ","",""',
            '"""","2025-01-04",""""',
            "EUR,2025-01-05,1.3",
        ],
        {
            '"",""," "': "an empty row",
            '"EUR"x,"2025-01-05",1': "malformed quoting",
            '"EUR","2025-01-06"': "wrong number of fields",
            '"EUR","2025-01-07","1,5",""': "wrong number of fields",
        },
    ),
    # R's write.csv: every text quoted, and the row names first, in a column with no name.
    '"","usd_per_unit","currency","rate_date"': (
        [
            '"1","1.1","EUR","2025-01-01"',
            '"2","say ""1""","E,UR","2025-01-02"',
            "3,1.2,EUR,2025-01-03",
            '"4",,"EUR",',
        ],
        {
            '"5","1","EUR"': "wrong number of fields",
            '"6"x,"1","EUR","2025-01-06"': "malformed quoting",
            ' ,"","  ",': "an empty row",
        },
    ),
}


@pytest.mark.parametrize("header", QUOTED_EVERYWHERE)
def test_a_file_that_quotes_every_field_reads_as_the_csv_module_reads_it(
    tmp_path: Path, header: str
) -> None:
    """R and database exports quote every field: such records are handed to DuckDB as they
    are, and must give the contract's columns as Python's own CSV reader reads them, from
    wherever the header puts them, with their raw text; the ones that cannot be read are
    rejected as in any other file."""
    readable, unreadable = QUOTED_EVERYWHERE[header]
    lines = [header, *readable, *unreadable]
    (tmp_path / "fx_rates.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode())
    rows = load_input(duckdb.connect(), tmp_path, "fx_rates.csv").fetchall()
    assert [row[0] for row in rows] == list(range(2, len(lines) + 1))
    # A line read as it is, in the contract's order, has its raw text rebuilt in staging.
    assert [row[4] or ",".join(value or "" for value in row[5:]) for row in rows] == lines[1:]
    names = next(csv.reader([header]))
    places = [names.index(column) for column in ("currency", "rate_date", "usd_per_unit")]
    assert [[value or "" for value in row[5:]] for row in rows if row[3] is None] == [
        [fields[place] for place in places] for fields in csv.reader(readable)
    ]
    rejected = {row[4]: row[3].split(":")[0] for row in rows if row[3] is not None}
    assert rejected == unreadable


def _read_errors(out: Path) -> dict[int, str]:
    """Each rejected record's start line and the first words of its reason."""
    rows = duckdb.execute(
        "select source_line::int, read_error from read_csv(?, all_varchar = true) "
        "where read_error is not null",
        [str(out)],
    ).fetchall()
    return {line: error.split(":")[0] for line, error in rows}


def test_a_record_full_of_nul_bytes_is_rejected_and_the_file_read(tmp_path: Path) -> None:
    """NUL bytes in a record (2,000 on one line, or a crash's padding after the last line)
    reject that record; only a header with NUL bytes (UTF-16, binary) refuses the file."""
    source = tmp_path / "x.csv"
    source.write_bytes(b"a,b\n1,2\n3," + b"\x00" * 2000 + b"\n5,6\n" + b"\x00" * 4096)
    out = tmp_path / "out.csv"
    stats = write_records(source, out, read_header(source))
    control = "a control character (such as NUL or U+0001) in the record"
    assert _read_errors(out) == {3: control, 5: control}
    assert (stats.records, stats.unreadable) == (4, 2)


def test_a_quote_typo_in_a_multi_line_record_rejects_the_record_whole(tmp_path: Path) -> None:
    """A quoted note over three lines with text after its closing quote is one malformed
    record: the lines of the note are not read as records of their own. A quote that never
    closes rejects its own line only, and the lines after it are read again, whether the
    quote that evens the count opens a field of its own or is a stray one that would not
    give the record its number of fields."""
    source = tmp_path / "x.csv"
    source.write_bytes(
        b'a,b,c\n1,"note\n7,8,9\nend of note" ,3\n2,ok,3\n5,"never closed,6\n7,8,9\n'
        b'10,"two\nlines",11\n20,"never closed either\n21,22,23\n24,25,27" tv\n'
    )
    out = tmp_path / "out.csv"
    stats = write_records(source, out, read_header(source))
    assert _read_errors(out) == {
        2: "malformed quoting",
        6: "unterminated quote",
        10: "unterminated quote",
        12: "malformed quoting",
    }
    read = duckdb.execute(
        "select source_line::int, line_count, field_1 from read_csv(?, all_varchar = true) "
        "where read_error is null order by 1",
        [str(out)],
    ).fetchall()
    assert read == [(5, "1", "2"), (7, "1", "7"), (8, "2", "10"), (11, "1", "21")]
    assert (stats.records, stats.physical_lines) == (8, 12)


@pytest.mark.parametrize("ending", [b"\n", b"\r\n", b"\r"])
def test_valid_records_between_an_unterminated_quote_and_a_stray_one_are_read(
    tmp_path: Path, ending: bytes
) -> None:
    """A note whose quote never closes, then whole rows, then a row with an inch mark in the
    same column: the inch mark closes the quote into a record of the header's number of
    fields, but its line is a whole row by itself, as a note's last line seldom is. So the
    first quote never closed: the rows between are records, and the row with the stray
    quote is rejected on its own."""
    row = "E{0},2024-01-0{0},Amazon,Anthropic,{0},USD,exact,equity,,https://x,{1}"
    lines = [
        "deal_id,announced_date,investor,investee,amount_millions,currency,"
        "amount_qualifier,instrument,supersedes_deal_id,source_url,notes",
        row.format(1, '"Unclosed note'),
        row.format(2, "plain"),
        row.format(3, "plain"),
        row.format(4, 'a 27" screen'),
        row.format(5, "plain"),
    ]
    source = tmp_path / "x.csv"
    source.write_bytes(ending.join(line.encode() for line in lines) + ending)
    out = tmp_path / "out.csv"
    stats = write_records(source, out, read_header(source))
    assert _read_errors(out) == {2: "unterminated quote", 5: "malformed quoting"}
    read = duckdb.execute(
        "select source_line::int, field_1 from read_csv(?, all_varchar = true) "
        "where read_error is null order by 1",
        [str(out)],
    ).fetchall()
    assert read == [(3, "E2"), (4, "E3"), (6, "E5")]
    assert (stats.records, stats.physical_lines) == (5, 6)


def test_a_valid_record_after_an_unterminated_quote_is_read_whatever_its_quotes(
    tmp_path: Path,
) -> None:
    """The record after an unterminated quote is read again even when its own quoted field
    starts with a doubled quote (a comma, then three quotes) and the two lines together
    would have the header's number of fields: a run of quotes after a comma opens a field
    of its own, it does not close the one left open."""
    source = tmp_path / "x.csv"
    source.write_bytes(
        b'a,b,c\n1,"never closed,3\n4,"""quoted"" note, part one\nand part two",5\n6,7,8\n'
    )
    out = tmp_path / "out.csv"
    stats = write_records(source, out, read_header(source))
    assert _read_errors(out) == {2: "unterminated quote"}
    read = duckdb.execute(
        "select source_line::int, line_count, field_1, field_2, field_3 "
        "from read_csv(?, all_varchar = true) where read_error is null order by 1",
        [str(out)],
    ).fetchall()
    assert read == [
        (3, "2", "4", '"quoted" note, part one\nand part two', "5"),
        (5, "1", "6", "7", "8"),
    ]
    assert (stats.records, stats.physical_lines) == (3, 5)


@pytest.mark.parametrize(
    ("content", "rejected", "read"),
    [
        # The quote closes into 3 fields against the header's 4: it never closed, and the
        # valid record on the next line is read.
        (
            b'id,name,note,amount\n1,"Acme, Inc.","note\n2,b,c,4\nend" \n',
            {2: "unterminated quote", 4: "malformed quoting"},
            [(3, "1", "2")],
        ),
        # 3 fields as in the header: one malformed record over three lines, whose lines are
        # never records of their own.
        (
            b'id,name,note\n1,"Acme, Inc.","note\n2,x,y\nend of note" \n',
            {2: "malformed quoting"},
            [],
        ),
    ],
)
def test_a_comma_inside_a_quoted_field_is_no_field_of_the_typo_rule(
    tmp_path: Path, content: bytes, rejected: dict[int, str], read: list[tuple]
) -> None:
    """The fields before the quote left open are counted as fields, whatever commas their
    quotes hold, when the reader tells a typo after a closing quote from a quote that
    never closed."""
    source = tmp_path / "x.csv"
    source.write_bytes(content)
    out = tmp_path / "out.csv"
    stats = write_records(source, out, read_header(source))
    assert _read_errors(out) == rejected
    accepted = duckdb.execute(
        "select source_line::int, line_count, field_1 from read_csv(?, all_varchar = true) "
        "where read_error is null order by 1",
        [str(out)],
    ).fetchall()
    assert accepted == read
    # Every physical line after the header is in exactly one record.
    [(lines,)] = duckdb.execute(
        "select sum(line_count::int) from read_csv(?, all_varchar = true)", [str(out)]
    ).fetchall()
    assert lines + 1 == stats.physical_lines == content.count(b"\n")


@pytest.mark.parametrize(
    ("header", "said"),
    [
        ('currency,rate_date,usd_per_unit,"my\n', "a quote in the header never closes"),
        ('currency,rate_date,usd_per_unit,"my" note\n', "malformed quoting in the header"),
    ],
)
def test_a_header_whose_quoting_cannot_be_read_says_what_to_fix(
    tmp_path: Path, header: str, said: str
) -> None:
    """The file is UTF-8 text: the message is about the header, not the encoding."""
    data = write_data_dir(tmp_path / "d")
    (data / "fx_rates.csv").write_text(header)
    message = refusal(data)
    assert message.startswith(f"{data / 'fx_rates.csv'}, line 1: {said}")
    assert "UTF-8" not in message


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"])
def test_a_header_with_a_line_break_in_a_quoted_name_is_read(tmp_path: Path, ending: str) -> None:
    """RFC 4180 allows a line break in any quoted field, a column name's too: the header
    runs on until its quote closes, its lines are accounted for, and records start after."""
    lines = ['Currency,"my', 'own note",rate_date,usd_per_unit', "EUR,x,2025-01-01,1.1"]
    (tmp_path / "fx_rates.csv").write_bytes((ending.join(lines) + ending).encode())
    assert read_header(tmp_path / "fx_rates.csv").names == (
        "currency",
        f"my{ending}own note",
        "rate_date",
        "usd_per_unit",
    )
    rows = load_input(duckdb.connect(), tmp_path, "fx_rates.csv").fetchall()
    assert [(row[0], row[2], row[5:]) for row in rows] == [
        (2, True, (None, None, None)),
        (3, None, ("EUR", "2025-01-01", "1.1")),
    ]
