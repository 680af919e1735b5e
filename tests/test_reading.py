"""The settled rules of reading CSV files and judging values, each on a fixture written for
it: line endings, quoted line breaks, bytes that are not UTF-8, control characters, long
records, headers, huge amounts, duplicates, ambiguous names, deep parent chains and cycles.

One hostile data directory is built for real (dbt on DuckDB, Great Expectations, publish);
each physical line's fate is written out by hand below and asserted on its own."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from circularity.inputs import HEADERS, InputError, check_data_dir, count_physical_lines
from circularity.pipeline import BuildConfig, build
from tests.conftest import BASE_COMPANIES, query, write_data_dir

URL = "https://example.com/a"
LONG_NOTE = "x" * 10_000_000


def deal(deal_id: str, **fields: str) -> str:
    values = {
        "announced_date": "2025-01-02",
        "investor": "amazon",
        "investee": "anthropic",
        "amount_millions": "100",
        "currency": "USD",
        "amount_qualifier": "exact",
        "instrument": "equity",
        "supersedes_deal_id": "",
        "source_url": URL,
        "notes": "",
        **fields,
    }
    return ",".join([deal_id, *values.values()])


# (physical line, bytes). A multi-line record is one entry that starts on its line.
DEALS: list[tuple[int, bytes]] = [
    (
        1,
        b"\xef\xbb\xbf Deal_ID ,ANNOUNCED_DATE,investor, investee,amount_millions,currency,"
        b"amount_qualifier,instrument,supersedes_deal_id,source_url,Notes\r\n",
    ),
    (2, deal("d01").encode() + b"\r\n"),
    (3, deal("d02", notes='"two\r\nlines"').encode() + b"\n"),
    (5, deal("d03", notes="caf\xe9").encode("latin-1") + b"\r"),
    (6, b"   \n"),
    (7, deal("d04", notes="a\x00b").encode() + b"\n"),
    (8, deal("d05", notes="a\x01b").encode() + b"\n"),
    (9, deal("d06", notes='"three\nline\nnote, with ""quotes"""').encode() + b"\n"),
    (12, deal("d07").encode() + b",extra\n"),
    (13, deal("d08", notes='"never closed').encode() + b"\n"),
    (14, deal("d09").encode() + b"\n"),
    (15, deal("d10", notes=LONG_NOTE).encode() + b"\n"),
    (16, deal("d11", amount_millions="1e22").encode() + b"\n"),
    (17, deal("d12", amount_millions="1000000000000000000000000").encode() + b"\n"),
    (18, deal("d13", amount_millions="999999999999999999999999.99").encode() + b"\n"),
    (19, deal("d14", announced_date="2025/01/02").encode() + b"\n"),
    (20, deal("d14").encode() + b"\n"),
    (21, deal("d15", supersedes_deal_id="d15").encode() + b"\n"),
    (22, deal("d16", amount_millions="+5").encode() + b"\n"),
    (23, deal("d17", amount_millions=".5").encode() + b"\n"),
    (24, deal("d18", amount_millions="5.").encode() + b"\n"),
    (25, deal("d19", amount_millions="-0").encode() + b"\n"),
    (26, deal("d20", amount_millions='"1,000"').encode() + b"\n"),
    (27, deal("d21", announced_date="2025-02-29").encode() + b"\n"),
    (28, deal("d22", announced_date="0000-01-01").encode() + b"\n"),
    (29, deal("d23", instrument="Equity").encode() + b"\n"),
    (30, deal("d24", currency="usd").encode() + b"\n"),
    (31, deal("d25", amount_millions="2.125").encode() + b"\n"),
    (32, deal("d26", investor="meta").encode() + b"\n"),
    (33, deal("d27", investor="c1999").encode() + b"\n"),
    (34, deal("d28", investor="x3").encode() + b"\n"),
    (35, deal("d29", amount_millions=" 7 ", currency=" USD ").encode() + b"\n"),
    (36, deal("d30", amount_millions="2e3").encode() + b"\n"),
    (37, b" , ,,,,,,,,,\r\n"),  # a spreadsheet's formatted empty row
    # Spaces are U+0020: a no-break space or U+3000 around a value is part of it.
    (38, deal("d32", announced_date="\u00a02025-01-02").encode() + b"\n"),
    (39, deal("d33", currency="USD\u3000").encode() + b"\n"),
    (40, deal("d31", amount_millions="1.0049999999").encode()),  # no line break at the end
]

ACCEPTED = {  # deal_id -> (source_line, amount_usd_m)
    "d01": (2, 100.0),
    "d02": (3, 100.0),
    "d06": (9, 100.0),
    "d09": (14, 100.0),
    "d10": (15, 100.0),
    "d13": (18, 999999999999999999999999.99),
    "d16": (22, 5.0),
    "d17": (23, 0.5),
    "d18": (24, 5.0),
    "d19": (25, 0.0),
    "d25": (31, 2.13),
    "d27": (33, 100.0),
    "d29": (35, 7.0),
    "d31": (40, 1.0),
}
REJECTED = {  # source_line -> the start of the reason
    5: "bytes that are not UTF-8",
    7: "a control character",
    8: "a control character",
    12: "wrong number of fields: expected 11",
    13: "unterminated quote",
    16: "amount_millions '1e22' is not a number",
    17: "amount too large",
    19: "announced_date '2025/01/02' is not a date",
    20: "duplicate deal_id 'd14' (first on line 19)",
    21: "supersedes_deal_id 'd15' names the row itself",
    26: "amount_millions '1,000' is not a number",
    27: "announced_date '2025-02-29' is not a date",
    28: "announced_date '0000-01-01' is not a date",
    29: "unknown instrument 'Equity'",
    30: "currency 'usd' is not an ISO 4217 code",
    32: "ambiguous company name 'meta' in investor: it matches meta_a, meta_b",
    34: "company 'x3' in investor is rejected in companies.csv: fix its row there",
    36: "amount_millions '2e3' is not a number",
    37: "an empty row: every field is blank",
    38: "announced_date '<U+00A0>2025-01-02' is not a date",
    39: "currency 'USD<U+3000>' is not an ISO 4217 code",
}

CHAIN = "".join(
    f"c{i:04d},Chain {i},{f'c{i - 1:04d}' if i else ''},other,US\n" for i in range(2000)
)
COMPANIES = (
    BASE_COMPANIES
    + "meta_a,Meta,,other,US\nmeta_b,META,,other,US\n"
    + CHAIN
    + "x1,X1,x2,other,US\nx2,X2,x1,other,US\nx3,X3,x1,other,US\n"
    + "y1,Y1,nobody,other,US\ny2,Y2,y1,other,US\n"
)
# fx_rates with its columns in another order, spaces and case in the header, and an extra
# column, which is ignored, whose quoted name holds a line break (the header is 2 lines).
FX_RATES = 'Rate_Date , usd_per_unit,"com\nment",CURRENCY\n2025-01-01,1.1,ecb,EUR\n'


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("hostile")
    data_dir = write_data_dir(root / "data", companies=COMPANIES)
    (data_dir / "fx_rates.csv").write_text(FX_RATES)
    (data_dir / "deals.csv").write_bytes(b"".join(content for _, content in DEALS))
    warehouse = root / "warehouse" / "circularity.duckdb"
    result = build(BuildConfig(data_dir, warehouse, max_rejected_share=0.9))
    assert result.published, result.failures
    return data_dir, warehouse


def test_every_physical_line_is_counted_from_the_bytes(hostile):
    data_dir, _ = hostile
    # 40 lines; the last has no line break, and the CRLF, LF and CR endings each end one.
    assert count_physical_lines(data_dir / "deals.csv") == 40


@pytest.mark.parametrize("deal_id", sorted(ACCEPTED))
def test_readable_records_are_facts_at_their_start_line(hostile, deal_id):
    _, warehouse = hostile
    line, amount = ACCEPTED[deal_id]
    rows = query(
        warehouse,
        "select source_line, amount_usd_m from marts.fct_investments where deal_id = ?",
        [deal_id],
    )
    assert len(rows) == 1
    assert rows[0][0] == line
    assert float(rows[0][1]) == pytest.approx(amount, rel=0, abs=0.001)


@pytest.mark.parametrize("line", sorted(REJECTED))
def test_bad_records_are_rejected_at_their_start_line_with_a_reason(hostile, line):
    _, warehouse = hostile
    rows = query(
        warehouse,
        "select reason from marts.rejected_rows where source_file = 'deals.csv' "
        "and source_line = ?",
        [line],
    )
    assert len(rows) == 1, rows
    assert rows[0][0].startswith(REJECTED[line]), rows[0][0]


def test_every_record_is_a_fact_or_rejected_exactly_once(hostile):
    _, warehouse = hostile
    facts = query(warehouse, "select source_line from marts.fct_investments")
    rejected = query(
        warehouse, "select source_line from marts.rejected_rows where source_file = 'deals.csv'"
    )
    lines = sorted(line for (line,) in facts + rejected)
    assert lines == sorted([line for line, _ in ACCEPTED.values()] + list(REJECTED))
    assert len(set(lines)) == len(lines)


def test_multi_line_notes_are_one_field(hostile):
    _, warehouse = hostile
    notes = dict(query(warehouse, "select deal_id, notes from marts.fct_investments"))
    assert notes["d02"] == "two\r\nlines"
    assert notes["d06"] == 'three\nline\nnote, with "quotes"'
    assert len(notes["d10"]) == 10_000_000


def test_rejected_records_keep_their_raw_text(hostile):
    _, warehouse = hostile
    records = dict(
        query(
            warehouse,
            "select source_line, record from marts.rejected_rows where source_file = 'deals.csv'",
        )
    )
    assert records[12] == deal("d07") + ",extra"
    assert records[13] == deal("d08", notes='"never closed')
    assert records[5] == deal("d03", notes="caf\ufffd")  # the byte shown as U+FFFD
    assert records[26] == deal("d20", amount_millions='"1,000"')
    assert records[8] == deal("d05", notes="a\x01b")
    assert records[7] == deal("d04", notes="a\x00b")  # NUL kept as it is


def test_fields_are_trimmed_before_they_are_judged(hostile):
    _, warehouse = hostile
    rows = query(
        warehouse,
        "select currency, amount_millions from marts.fct_investments where deal_id = 'd29'",
    )
    assert rows == [("USD", 7)]


def test_header_in_any_order_case_and_spacing_with_extra_columns(hostile):
    _, warehouse = hostile
    rows = query(
        warehouse,
        "select currency, rate_date::varchar, usd_per_unit::double "
        "from intermediate.int_fx_rates_validated where rejection_reason is null",
    )
    assert rows == [("EUR", "2025-01-01", 1.1)]


def test_parent_chains_of_any_depth_roll_up(hostile):
    _, warehouse = hostile
    assert query(
        warehouse, "select investor_group_id from marts.fct_investments where deal_id = 'd27'"
    ) == [("c0000",)]
    assert query(
        warehouse, "select count(*) from marts.dim_companies where group_id = 'c0000'"
    ) == [(2000,)]


def test_parent_cycles_and_unknown_parents_are_rejected_with_those_below(hostile):
    _, warehouse = hostile
    reasons = dict(
        query(
            warehouse,
            "select split_part(record, ',', 1), reason from marts.rejected_rows "
            "where source_file = 'companies.csv'",
        )
    )
    assert set(reasons) == {"x1", "x2", "x3", "y1", "y2"}
    assert "names no company" in reasons["y1"]
    assert "does not lead to a top-level company" in reasons["y2"]
    assert all("does not lead to a top-level company" in reasons[c] for c in ("x1", "x2", "x3"))


# --- whole files that cannot be read --------------------------------------------------


def _data_dir_with(tmp_path: Path, name: str, content: bytes) -> Path:
    data_dir = write_data_dir(tmp_path / "data")
    (data_dir / name).write_bytes(content)
    return data_dir


@pytest.mark.parametrize(
    "content",
    [
        HEADERS["deals.csv"].encode("utf-16") + b"\n",
        HEADERS["deals.csv"].encode("utf-16-le") + b"\x00\n\x00",
        bytes(range(256)) * 64,
    ],
    ids=["utf-16", "utf-16 without a mark", "binary"],
)
def test_a_file_that_is_not_utf8_text_fails_naming_the_file(tmp_path, content):
    data_dir = _data_dir_with(tmp_path, "deals.csv", content)
    with pytest.raises(InputError, match=r"deals\.csv: not a UTF-8 CSV file"):
        check_data_dir(data_dir)


def test_a_required_column_named_twice_fails_naming_the_column(tmp_path):
    header = HEADERS["pledges.csv"] + ",Category"
    data_dir = _data_dir_with(tmp_path, "pledges.csv", (header + "\n").encode())
    with pytest.raises(InputError, match=r"pledges\.csv, line 1: column 'category' is named 2"):
        check_data_dir(data_dir)


def test_the_cli_says_so_in_one_line_without_a_traceback(tmp_path):
    data_dir = _data_dir_with(tmp_path, "deals.csv", HEADERS["deals.csv"].encode("utf-16"))
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "circularity.cli",
            "build",
            "--data-dir",
            str(data_dir),
            "--warehouse",
            str(tmp_path / "w" / "c.duckdb"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode != 0
    assert "Traceback" not in completed.stderr + completed.stdout
    assert "deals.csv: not a UTF-8 CSV file: it is saved as UTF-16" in completed.stderr
