"""Contract: every input data row appears either in its fact table (dim_companies for
companies.csv) or in rejected_rows, never both, never neither. company_aliases.csv and
fx_rates.csv have no public table: their good lines must not be rejected, their bad
lines must be. Line counts are taken from the text written here, not from the build."""

from __future__ import annotations

from pathlib import Path

import pytest

from circularity.pipeline import BuildConfig, build
from tests.conftest import BASE_COMPANIES, query, write_data_dir

URL = "https://example.com/c"

# each file: (data lines, line numbers (header = 1) that are bad)
COMPANIES = BASE_COMPANIES.splitlines() + [
    "nvidia,Nvidia Again,,chipmaker,US",  # line 9: duplicate id
    "broken,Broken Co",  # line 10: too few fields
    "meta,Meta,,hyperscaler,US",  # line 11
]
ALIASES = [
    "Big River,amazon",  # line 2
    "Azure,microsoft,extra",  # line 3: too many fields
    "Meta Platforms,meta",  # line 4
]
FX_RATES = [
    "EUR,2024-01-01,1.1",  # line 2
    "EUR,2024/02/01,1.2",  # line 3: date does not parse
    "GBP,2024-01-01,1.25",  # line 4
    "JPY,2024-01-01",  # line 5: too few fields
    "CHF,2024-01-01,0.9",  # line 6
]
DEALS = [
    f"d1,2024-01-01,amazon,anthropic,100,USD,exact,equity,,{URL},",  # 2
    f"d2,2024-01-02,amazon,anthropic,100,USD,sort_of,equity,,{URL},",  # 3: bad qualifier
    f"d3,2024-02-01,Big River,anthropic,50,EUR,approx,equity,,{URL},",  # 4
    f"d4,2024-02-31,amazon,anthropic,100,USD,exact,equity,,{URL},",  # 5: bad date
    f'd5,2024-03-01,google,anthropic,,USD,undisclosed,debt,,{URL},"x, y"',  # 6
    f"d1,2024-03-02,amazon,anthropic,1,USD,exact,equity,,{URL},",  # 7: duplicate id
    f"d6,2024-03-03,Meta Platforms,anthropic,20,CHF,exact,equity,,{URL},",  # 8
]
PLEDGES = [
    f"p1,2024-01-05,anthropic,aws,1000,USD,exact,5,cloud_compute,,{URL},",  # 2
    f"p2,2024-01-06,anthropic,aws,1000,USD,exact,5,gpus,,{URL},",  # 3: bad category
    f"p3,2024-01-07,anthropic,Meta Platforms,10,GBP,up_to,,datacenter,,{URL},",  # 4
    f"p4,2024-01-08,anthropic,aws,10,USD,exact,,power,,{URL},,extra",  # 5: too many fields
    f"p5,2024-01-09,openai,nvidia,10,USD,at_least,,chips,,{URL},",  # 6
]

FILES = {
    "companies.csv": (COMPANIES, {9, 10}, "marts.dim_companies"),
    "company_aliases.csv": (ALIASES, {3}, None),
    "fx_rates.csv": (FX_RATES, {3, 5}, None),
    "deals.csv": (DEALS, {3, 5, 7}, "marts.fct_investments"),
    "pledges.csv": (PLEDGES, {3, 5}, "marts.fct_pledges"),
}


@pytest.fixture(scope="module")
def conservation_wh(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("conservation")
    data_dir = write_data_dir(
        root / "data",
        companies="".join(line + "\n" for line in COMPANIES),
        company_aliases="".join(line + "\n" for line in ALIASES),
        fx_rates="".join(line + "\n" for line in FX_RATES),
        deals="".join(line + "\n" for line in DEALS),
        pledges="".join(line + "\n" for line in PLEDGES),
    )
    warehouse = root / "warehouse" / "circularity.duckdb"
    result = build(BuildConfig(data_dir, warehouse))
    assert result.published, result.failures
    return warehouse


def _rejected_lines(wh: Path, source_file: str) -> list[int]:
    rows = query(
        wh, "select source_line from marts.rejected_rows where source_file = ?", [source_file]
    )
    return [int(r[0]) for r in rows]


@pytest.mark.parametrize("source_file", list(FILES))
def test_every_line_accounted_for_once(conservation_wh, source_file):
    lines, bad, table = FILES[source_file]
    data_lines = set(range(2, len(lines) + 2))
    rejected = _rejected_lines(conservation_wh, source_file)
    assert len(rejected) == len(set(rejected)), f"a line rejected twice: {sorted(rejected)}"
    assert set(rejected) == bad
    if table is None:
        assert set(rejected) <= data_lines
        return
    facts = [int(r[0]) for r in query(conservation_wh, f"select source_line from {table}")]
    assert len(facts) == len(set(facts)), f"a line twice in {table}: {sorted(facts)}"
    assert not set(facts) & set(rejected), "a line is both a fact and a reject"
    assert len(facts) + len(rejected) == len(lines)
    assert set(facts) | set(rejected) == data_lines


def test_conserved_rows_carry_the_right_values(conservation_wh):
    # d3: 50 EUR * 1.1 = 55.00 (alias Big River -> amazon); d6: 20 CHF * 0.9 = 18.00
    rows = query(
        conservation_wh,
        "select deal_id, investor_id, amount_usd_m from marts.fct_investments order by deal_id",
    )
    got = [(r[0], r[1], None if r[2] is None else round(float(r[2]), 2)) for r in rows]
    assert got == [
        ("d1", "amazon", 100.0),
        ("d3", "amazon", 55.0),
        ("d5", "google", None),
        ("d6", "meta", 18.0),
    ]
    rows = query(conservation_wh, "select company_id from marts.dim_companies")
    assert sorted(r[0] for r in rows) == sorted(
        ["amazon", "aws", "anthropic", "google", "google_cloud", "nvidia", "openai", "meta"]
    )
