"""Contract tests: one test (or parametrized group) per rule of /work/shared/CONTRACT.md.

Every expected number below is computed by hand from the contract text and written out
literally; nothing is derived from the implementation's output. Each fixture builds one
small data directory for real (dbt on DuckDB) and is shared by the tests of its module
scope, so a few related rows live in one build while each row's outcome is asserted on
its own.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from circularity.pipeline import BuildConfig, build
from tests.conftest import BASE_COMPANIES, query, write_data_dir

URL = "https://example.com/a"


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------


def _build(tmp_path_factory, name: str, as_of: date | None = None, **files: str) -> Path:
    root = tmp_path_factory.mktemp(name)
    data_dir = write_data_dir(root / "data", **files)
    warehouse = root / "warehouse" / "circularity.duckdb"
    result = build(BuildConfig(data_dir, warehouse, as_of))
    assert result.published, result.failures
    return warehouse


def _lines(rows: list[str]) -> str:
    return "".join(row + "\n" for row in rows)


def money(value) -> float | None:
    return None if value is None else round(float(value), 2)


def deals_of(wh: Path) -> dict[str, tuple]:
    """deal_id -> (investor_id, investee_id, investor_group_id, investee_group_id,
    amount_usd_m, is_superseded)"""
    rows = query(
        wh,
        "select deal_id, investor_id, investee_id, investor_group_id, investee_group_id,"
        " amount_usd_m, is_superseded from marts.fct_investments",
    )
    return {r[0]: (r[1], r[2], r[3], r[4], money(r[5]), bool(r[6])) for r in rows}


def pledges_of(wh: Path) -> dict[str, tuple]:
    """pledge_id -> (pledger_id, recipient_id, pledger_group_id, recipient_group_id,
    amount_usd_m, is_superseded)"""
    rows = query(
        wh,
        "select pledge_id, pledger_id, recipient_id, pledger_group_id, recipient_group_id,"
        " amount_usd_m, is_superseded from marts.fct_pledges",
    )
    return {r[0]: (r[1], r[2], r[3], r[4], money(r[5]), bool(r[6])) for r in rows}


def totals_of(wh: Path) -> dict[tuple[str, str], tuple]:
    """(investor group, investee group) -> (invested, firm, tranche_count, undisclosed_count,
    first_announced, last_announced)"""
    rows = query(
        wh,
        "select investor_group_id, investee_group_id, invested_usd_m, invested_firm_usd_m,"
        " tranche_count, undisclosed_count, first_announced, last_announced"
        " from marts.investment_totals",
    )
    return {
        (r[0], r[1]): (money(r[2]), money(r[3]), r[4], r[5], _day(r[6]), _day(r[7])) for r in rows
    }


def _day(value) -> str | None:
    return None if value is None else str(value)[:10]


def reciprocal_of(wh: Path) -> dict[tuple[str, str], tuple]:
    """(investor group, investee group) -> (invested, pledged_back, pledged_back_firm, ratio)"""
    rows = query(
        wh,
        "select investor_group_id, investee_group_id, invested_usd_m, pledged_back_usd_m,"
        " pledged_back_firm_usd_m, reciprocal_ratio from marts.reciprocal_spend",
    )
    return {
        (r[0], r[1]): (
            money(r[2]),
            money(r[3]),
            money(r[4]),
            None if r[5] is None else round(float(r[5]), 9),
        )
        for r in rows
    }


def loops_of(wh: Path) -> list[tuple[str, int, float]]:
    rows = query(wh, "select path, hop_count, bottleneck_usd_m from marts.circular_loops")
    return sorted((r[0], r[1], money(r[2])) for r in rows)


def rejected_of(wh: Path) -> dict[tuple[str, int], tuple[str, str]]:
    """(source_file, source_line) -> (record, reason); asserts no (file, line) twice."""
    rows = query(wh, "select source_file, source_line, record, reason from marts.rejected_rows")
    keys = [(r[0], int(r[1])) for r in rows]
    assert len(keys) == len(set(keys)), f"a (file, line) is rejected twice: {sorted(keys)}"
    return {(r[0], int(r[1])): (r[2], r[3]) for r in rows}


def deal(
    deal_id: str,
    day: str,
    investor: str,
    investee: str,
    amount: str,
    currency: str = "USD",
    qualifier: str = "exact",
    instrument: str = "equity",
    supersedes: str = "",
    notes: str = "",
) -> str:
    return ",".join(
        [
            deal_id,
            day,
            investor,
            investee,
            amount,
            currency,
            qualifier,
            instrument,
            supersedes,
            URL,
            notes,
        ]
    )


def pledge(
    pledge_id: str,
    day: str,
    pledger: str,
    recipient: str,
    amount: str,
    currency: str = "USD",
    qualifier: str = "exact",
    period: str = "",
    category: str = "cloud_compute",
    supersedes: str = "",
    notes: str = "",
) -> str:
    return ",".join(
        [
            pledge_id,
            day,
            pledger,
            recipient,
            amount,
            currency,
            qualifier,
            period,
            category,
            supersedes,
            URL,
            notes,
        ]
    )


# --------------------------------------------------------------------------------------
# 1. names: company_id, name, alias; case-insensitive after trimming spaces
# --------------------------------------------------------------------------------------

NAMES_DEALS = [
    deal("n1", "2024-01-01", "amazon", "Anthropic", "10"),  # line 2: id, name
    deal("n2", "2024-01-02", "  GOOGLE  ", "anthropic", "20"),  # line 3: upper name + spaces
    deal("n3", "2024-01-03", "big river", " ant labs ", "30"),  # line 4: aliases, case, spaces
    deal("n4", "2024-01-04", "Unknown Corp", "anthropic", "40"),  # line 5: unknown -> reject
    deal("n5", "2024-01-05", "AMAZON WEB SERVICES", " OpenAI ", "50"),  # line 6: child name
    deal("n6", "2024-01-06", "Google Cloud", "ANTHROPIC", "5"),  # line 7
]
NAMES_PLEDGES = [
    pledge("p1", "2024-01-01", "ANTHROPIC", "Amazon Web Services", "100"),  # line 2
    pledge("p2", "2024-01-02", " Ant Labs ", " BIG RIVER ", "50"),  # line 3
    pledge("p3", "2024-01-03", "anthropic", "Nobody Inc", "5"),  # line 4: unknown -> reject
    pledge("p4", "2024-01-04", "OpenAI", "nvidia", "1"),  # line 5
]


@pytest.fixture(scope="module")
def names_wh(tmp_path_factory):
    return _build(
        tmp_path_factory,
        "names",
        company_aliases="Big River,amazon\nANT Labs,anthropic\n",
        deals=_lines(NAMES_DEALS),
        pledges=_lines(NAMES_PLEDGES),
    )


@pytest.mark.parametrize(
    ("deal_id", "investor_id", "investee_id"),
    [
        ("n1", "amazon", "anthropic"),
        ("n2", "google", "anthropic"),
        ("n3", "amazon", "anthropic"),
        ("n5", "aws", "openai"),
        ("n6", "google_cloud", "anthropic"),
    ],
)
def test_names_resolve_in_deals(names_wh, deal_id, investor_id, investee_id):
    assert deals_of(names_wh)[deal_id][:2] == (investor_id, investee_id)


@pytest.mark.parametrize(
    ("pledge_id", "pledger_id", "recipient_id"),
    [("p1", "anthropic", "aws"), ("p2", "anthropic", "amazon"), ("p4", "openai", "nvidia")],
)
def test_names_resolve_in_pledges(names_wh, pledge_id, pledger_id, recipient_id):
    assert pledges_of(names_wh)[pledge_id][:2] == (pledger_id, recipient_id)


def test_unknown_names_are_rejected(names_wh):
    assert set(deals_of(names_wh)) == {"n1", "n2", "n3", "n5", "n6"}
    assert set(pledges_of(names_wh)) == {"p1", "p2", "p4"}
    assert set(rejected_of(names_wh)) == {("deals.csv", 5), ("pledges.csv", 4)}


def test_names_totals(names_wh):
    totals = {k: v[0] for k, v in totals_of(names_wh).items()}
    # amazon: n1 10 + n3 30; google: n2 20 + n6 (google_cloud) 5; amazon->openai: n5 50
    assert totals == {
        ("amazon", "anthropic"): 40.0,
        ("google", "anthropic"): 25.0,
        ("amazon", "openai"): 50.0,
    }


# --------------------------------------------------------------------------------------
# 2. groups: roll up to the ultimate parent
# --------------------------------------------------------------------------------------

GROUP_COMPANIES = BASE_COMPANIES + (
    "tinyco,TinyCo,subco,investor,US\n"  # three parent links: subco -> midco -> holdco
    "subco,SubCo,midco,investor,GB\n"  # two parent links
    "midco,MidCo,holdco,investor,\n"
    "holdco,HoldCo,,investor,US\n"
)
GROUP_DEALS = [
    deal("g1", "2024-01-01", "subco", "anthropic", "100"),
    deal("g2", "2024-01-02", "tinyco", "anthropic", "50"),
    deal("g3", "2024-01-03", "midco", "aws", "20"),
    deal("g4", "2024-01-04", "holdco", "anthropic", "10"),
]
GROUP_PLEDGES = [pledge("p1", "2024-01-05", "anthropic", "tinyco", "40")]


@pytest.fixture(scope="module")
def groups_wh(tmp_path_factory):
    return _build(
        tmp_path_factory,
        "groups",
        companies=GROUP_COMPANIES,
        deals=_lines(GROUP_DEALS),
        pledges=_lines(GROUP_PLEDGES),
    )


def test_groups_in_dim_companies(groups_wh):
    rows = query(
        groups_wh,
        "select company_id, name, parent_id, group_id, kind, country from marts.dim_companies",
    )
    got = {r[0]: r[1:] for r in rows}
    assert {k: v[2] for k, v in got.items()} == {
        "amazon": "amazon",
        "aws": "amazon",
        "anthropic": "anthropic",
        "google": "google",
        "google_cloud": "google",
        "nvidia": "nvidia",
        "openai": "openai",
        "tinyco": "holdco",
        "subco": "holdco",
        "midco": "holdco",
        "holdco": "holdco",
    }
    assert got["tinyco"][:2] == ("TinyCo", "subco")
    assert got["subco"][3:] == ("investor", "GB")
    assert got["holdco"][1] in (None, "")


def test_groups_in_fact_tables(groups_wh):
    deals = deals_of(groups_wh)
    assert deals["g1"][:4] == ("subco", "anthropic", "holdco", "anthropic")
    assert deals["g2"][:4] == ("tinyco", "anthropic", "holdco", "anthropic")
    assert deals["g3"][:4] == ("midco", "aws", "holdco", "amazon")
    assert deals["g4"][:4] == ("holdco", "anthropic", "holdco", "anthropic")
    assert pledges_of(groups_wh)["p1"][:4] == ("anthropic", "tinyco", "anthropic", "holdco")


def test_groups_in_totals(groups_wh):
    totals = totals_of(groups_wh)
    assert {k: (v[0], v[2]) for k, v in totals.items()} == {
        ("holdco", "anthropic"): (160.0, 3),
        ("holdco", "amazon"): (20.0, 1),
    }
    assert reciprocal_of(groups_wh) == {
        ("holdco", "anthropic"): (160.0, 40.0, 40.0, 0.25),
        ("holdco", "amazon"): (20.0, 0.0, 0.0, 0.0),
    }
    assert loops_of(groups_wh) == [("anthropic > holdco > anthropic", 2, 40.0)]


# --------------------------------------------------------------------------------------
# 3. supersession
# --------------------------------------------------------------------------------------

SUPERSESSION_DEALS = [
    deal("s1", "2024-01-01", "amazon", "anthropic", "100"),  # line 2, superseded by s2
    deal("s2", "2024-02-01", "amazon", "anthropic", "150", supersedes="s1"),  # line 3
    deal("s3", "2024-01-05", "google", "anthropic", "40"),  # line 4
    # line 5: rejected (amount not a number), so it supersedes nothing: s3 still counts
    deal("s4", "2024-02-05", "google", "anthropic", "abc", supersedes="s3"),
    # line 6: names no row of deals.csv -> rejected
    deal("s5", "2024-03-01", "google", "anthropic", "10", supersedes="zz"),
    deal("x1", "2024-01-10", "nvidia", "openai", "70"),  # line 7, superseded by x2
    # line 8: a correction of the investee; the superseded x1 makes no nvidia -> openai edge
    deal("x2", "2024-01-20", "nvidia", "anthropic", "70", supersedes="x1"),
]
SUPERSESSION_PLEDGES = [
    pledge("q1", "2024-01-02", "anthropic", "aws", "500"),
    pledge("q2", "2024-02-02", "anthropic", "aws", "300", supersedes="q1"),
    pledge("q3", "2024-01-03", "openai", "nvidia", "20"),
]


def _supersession_build(tmp_path_factory, name, as_of=None):
    return _build(
        tmp_path_factory,
        name,
        as_of=as_of,
        deals=_lines(SUPERSESSION_DEALS),
        pledges=_lines(SUPERSESSION_PLEDGES),
    )


@pytest.fixture(scope="module")
def supersession_wh(tmp_path_factory):
    return _supersession_build(tmp_path_factory, "supersession")


@pytest.fixture(scope="module")
def supersession_asof_wh(tmp_path_factory):
    return _supersession_build(tmp_path_factory, "supersession_asof", date(2024, 1, 15))


def test_superseded_rows_stay_flagged_in_fact_tables(supersession_wh):
    deals = deals_of(supersession_wh)
    assert {k: v[5] for k, v in deals.items()} == {
        "s1": True,
        "s2": False,
        "s3": False,  # its superseder s4 is rejected
        "x1": True,
        "x2": False,
    }
    assert {k: v[5] for k, v in pledges_of(supersession_wh).items()} == {
        "q1": True,
        "q2": False,
        "q3": False,
    }


def test_supersedes_unknown_id_and_rejected_superseder(supersession_wh):
    assert set(rejected_of(supersession_wh)) == {("deals.csv", 5), ("deals.csv", 6)}


def test_superseded_rows_left_out_of_totals_and_loops(supersession_wh):
    assert totals_of(supersession_wh) == {
        ("amazon", "anthropic"): (150.0, 150.0, 1, 0, "2024-02-01", "2024-02-01"),
        ("google", "anthropic"): (40.0, 40.0, 1, 0, "2024-01-05", "2024-01-05"),
        ("nvidia", "anthropic"): (70.0, 70.0, 1, 0, "2024-01-20", "2024-01-20"),
    }
    assert reciprocal_of(supersession_wh) == {
        ("amazon", "anthropic"): (150.0, 300.0, 300.0, 2.0),
        ("google", "anthropic"): (40.0, 0.0, 0.0, 0.0),
        ("nvidia", "anthropic"): (70.0, 0.0, 0.0, 0.0),
    }
    # no nvidia <-> openai loop: x1 is superseded, q3 alone is one direction only
    assert loops_of(supersession_wh) == [("amazon > anthropic > amazon", 2, 150.0)]


def test_as_of_before_superseding_row_old_row_counts_again(supersession_asof_wh):
    wh = supersession_asof_wh
    # s2, s4, s5, x2 (deals) and q2 (pledge) are announced after 2024-01-15
    assert {k: v[5] for k, v in deals_of(wh).items()} == {"s1": False, "s3": False, "x1": False}
    assert {k: v[5] for k, v in pledges_of(wh).items()} == {"q1": False, "q3": False}
    assert rejected_of(wh) == {}
    assert {k: v[0] for k, v in totals_of(wh).items()} == {
        ("amazon", "anthropic"): 100.0,
        ("google", "anthropic"): 40.0,
        ("nvidia", "openai"): 70.0,
    }
    assert loops_of(wh) == [
        ("amazon > anthropic > amazon", 2, 100.0),
        ("nvidia > openai > nvidia", 2, 20.0),
    ]


# --------------------------------------------------------------------------------------
# 4. qualifiers, 8. reciprocal_spend, 10. loop through an undisclosed-only edge
# --------------------------------------------------------------------------------------

QUALIFIER_DEALS = [
    deal("e", "2024-01-01", "amazon", "anthropic", "100", qualifier="exact"),
    deal("a", "2024-01-02", "amazon", "anthropic", "50", qualifier="approx"),
    deal("u", "2024-01-03", "amazon", "anthropic", "30", qualifier="up_to"),
    deal("l", "2024-01-04", "amazon", "anthropic", "20", qualifier="at_least"),
    deal("n", "2024-01-05", "amazon", "anthropic", "", qualifier="undisclosed"),
    deal("gn", "2024-02-01", "google", "anthropic", "", qualifier="undisclosed"),
    deal("nv", "2024-02-02", "nvidia", "openai", "25"),
]
QUALIFIER_PLEDGES = [
    pledge("pe", "2024-01-10", "anthropic", "aws", "1000", qualifier="exact"),
    pledge("pu", "2024-01-11", "anthropic", "aws", "400", qualifier="up_to"),
    pledge("pl", "2024-01-12", "anthropic", "aws", "100", qualifier="at_least"),
    pledge("pn", "2024-01-13", "anthropic", "aws", "", qualifier="undisclosed"),
    pledge("pa", "2024-01-14", "anthropic", "amazon", "10", qualifier="approx"),
    pledge("pg", "2024-02-10", "anthropic", "google_cloud", "60", qualifier="up_to"),
    # a pledge pair with no deal: nvidia has no deal in anthropic
    pledge("px", "2024-02-11", "anthropic", "nvidia", "5"),
]


@pytest.fixture(scope="module")
def qualifiers_wh(tmp_path_factory):
    return _build(
        tmp_path_factory,
        "qualifiers",
        deals=_lines(QUALIFIER_DEALS),
        pledges=_lines(QUALIFIER_PLEDGES),
    )


def test_qualifiers_in_fact_tables(qualifiers_wh):
    deals = deals_of(qualifiers_wh)
    assert {k: v[4] for k, v in deals.items()} == {
        "e": 100.0,
        "a": 50.0,
        "u": 30.0,
        "l": 20.0,
        "n": None,
        "gn": None,
        "nv": 25.0,
    }
    rows = query(qualifiers_wh, "select deal_id, amount_qualifier from marts.fct_investments")
    assert dict(rows) == {
        "e": "exact",
        "a": "approx",
        "u": "up_to",
        "l": "at_least",
        "n": "undisclosed",
        "gn": "undisclosed",
        "nv": "exact",
    }
    assert pledges_of(qualifiers_wh)["pn"][4] is None
    assert rejected_of(qualifiers_wh) == {}


def test_qualifiers_in_investment_totals(qualifiers_wh):
    assert totals_of(qualifiers_wh) == {
        # usd: 100 + 50 + 30 + 20 = 200; firm leaves up_to out: 170; 5 tranches, 1 undisclosed
        ("amazon", "anthropic"): (200.0, 170.0, 5, 1, "2024-01-01", "2024-01-05"),
        ("google", "anthropic"): (0.0, 0.0, 1, 1, "2024-02-01", "2024-02-01"),
        ("nvidia", "openai"): (25.0, 25.0, 1, 0, "2024-02-02", "2024-02-02"),
    }


def test_reciprocal_spend(qualifiers_wh):
    assert reciprocal_of(qualifiers_wh) == {
        # pledged back to amazon group: 1000 + 400 (up_to) + 100 + 10 = 1510, undisclosed adds 0;
        # firm leaves the up_to 400 out: 1110; ratio 1510 / 200
        ("amazon", "anthropic"): (200.0, 1510.0, 1110.0, 7.55),
        # invested 0 (all undisclosed) -> ratio null; the only pledge back is up_to
        ("google", "anthropic"): (0.0, 60.0, 0.0, None),
        # no pledge back -> 0, ratio 0
        ("nvidia", "openai"): (25.0, 0.0, 0.0, 0.0),
    }


def test_loop_through_undisclosed_only_edge_has_bottleneck_zero(qualifiers_wh):
    assert loops_of(qualifiers_wh) == [
        ("amazon > anthropic > amazon", 2, 200.0),
        ("anthropic > google > anthropic", 2, 0.0),
    ]


# --------------------------------------------------------------------------------------
# 5. FX, 9. annualized
# --------------------------------------------------------------------------------------

FX_RATES = _lines(
    [
        "EUR,2023-06-01,1.05",
        "EUR,2024-01-01,1.0837",
        "EUR,2024-03-01,1.2",
        "GBP,2024-02-01,1.25",
    ]
)
FX_DEALS = [
    # 250.5 * 1.0837 (rate of 2024-01-01, the later 2024-03-01 rate is not yet known)
    # = 271.46685 -> 271.47
    deal("f1", "2024-02-15", "amazon", "anthropic", "250.5", currency="EUR"),
    deal("f2", "2024-03-01", "amazon", "anthropic", "100", currency="EUR"),  # 1.2 -> 120.00
    deal("f3", "2024-01-15", "google", "anthropic", "100", currency="GBP"),  # line 4: no rate yet
    deal("f4", "2024-02-01", "google", "anthropic", "100", currency="JPY"),  # line 5: no rate
    deal("f5", "2024-02-01", "google", "anthropic", "12.3456"),  # USD -> 12.35
    deal("f6", "2023-12-31", "nvidia", "openai", "10", currency="EUR"),  # 1.05 -> 10.50
    deal("f7", "2024-02-01", "nvidia", "openai", "3", currency="GBP"),  # 1.25 -> 3.75
]
FX_PLEDGES = [
    pledge("a1", "2024-02-20", "anthropic", "aws", "1000", period="4"),  # 250
    pledge("a2", "2024-02-20", "anthropic", "aws", "300", period="3"),  # 100
    pledge("a3", "2024-02-20", "anthropic", "aws", "500", period=""),  # null
    pledge("a4", "2024-02-20", "anthropic", "aws", "", qualifier="undisclosed", period="5"),
    # 200 * 1.0837 = 216.74; / 2 = 108.37
    pledge("a5", "2024-02-20", "openai", "nvidia", "200", currency="EUR", period="2"),
    # exact to the cent however large: 12345678901234567.89 / 1.5 = 8230452600823045.26
    # (through a DOUBLE it came out as 8230452600823045.12)
    pledge("a6", "2024-02-20", "openai", "nvidia", "12345678901234567.89", period="1.5"),
]


@pytest.fixture(scope="module")
def fx_wh(tmp_path_factory):
    return _build(
        tmp_path_factory,
        "fx",
        fx_rates=FX_RATES,
        deals=_lines(FX_DEALS),
        pledges=_lines(FX_PLEDGES),
    )


@pytest.mark.parametrize(
    ("deal_id", "usd"),
    [("f1", 271.47), ("f2", 120.0), ("f5", 12.35), ("f6", 10.5), ("f7", 3.75)],
)
def test_fx_conversion(fx_wh, deal_id, usd):
    assert deals_of(fx_wh)[deal_id][4] == usd


def test_fx_no_rate_on_or_before_date_is_rejected(fx_wh):
    assert set(deals_of(fx_wh)) == {"f1", "f2", "f5", "f6", "f7"}
    assert set(rejected_of(fx_wh)) == {("deals.csv", 4), ("deals.csv", 5)}
    assert {k: v[0] for k, v in totals_of(fx_wh).items()} == {
        ("amazon", "anthropic"): 391.47,
        ("google", "anthropic"): 12.35,
        ("nvidia", "openai"): 14.25,
    }


def test_annualized(fx_wh):
    rows = query(
        fx_wh,
        "select pledge_id, amount_usd_m, period_years, annualized_usd_m from marts.fct_pledges",
    )
    huge = {r[0]: r[3] for r in rows}["a6"]
    assert huge == Decimal("8230452600823045.26")
    got = {
        r[0]: (money(r[1]), None if r[2] is None else float(r[2]), money(r[3]))
        for r in rows
        if r[0] != "a6"
    }
    assert got == {
        "a1": (1000.0, 4.0, 250.0),
        "a2": (300.0, 3.0, 100.0),
        "a3": (500.0, None, None),
        "a4": (None, 5.0, None),
        "a5": (216.74, 2.0, 108.37),
    }


# --------------------------------------------------------------------------------------
# 6. as-of
# --------------------------------------------------------------------------------------

ASOF_DEALS = [
    deal("a1", "2024-01-01", "amazon", "anthropic", "10"),  # line 2
    deal("a2", "2024-12-01", "amazon", "anthropic", "20"),  # line 3: after as-of
    deal("a3", "2025-01-01", "amazon", "Nobody Inc", "5"),  # line 4: after; reject in full
    deal("a4", "2024-13-01", "amazon", "anthropic", "5"),  # line 5: bad date, always rejected
    deal("a5", "2024-01-02", "amazon", "anthropic", "5") + ",extra",  # line 6: too many fields
    "a6,2025-01-01,amazon,anthropic",  # line 7: too few fields, always rejected
    deal("a7", "2024-03-01", "amazon", "anthropic", "30"),  # line 8
    deal("a8", "2024-04-01", "google", "anthropic", "40"),  # line 9
    deal("a9", "2024-05-01", "amazon", "anthropic", "50"),  # line 10
    deal("a10", "01/02/2024", "amazon", "anthropic", "5"),  # line 11: bad date
    deal("a11", "2024-06-30", "amazon", "anthropic", "60"),  # line 12: on the as-of date
    deal("a12", "2024-07-01", "amazon", "anthropic", "70"),  # line 13: one day after
]
ASOF_PLEDGES = [
    pledge("p1", "2024-02-01", "anthropic", "aws", "100"),  # line 2
    pledge("p2", "2024-08-01", "anthropic", "aws", "200"),  # line 3: after as-of
    pledge("p3", "2024-13-40", "anthropic", "aws", "300"),  # line 4: bad date
    pledge("p4", "2024-03-01", "anthropic", "aws", "10"),  # line 5
    pledge("p5", "2024-03-02", "anthropic", "aws", "10"),  # line 6
]
ASOF_ALWAYS_REJECTED = {
    ("deals.csv", 5),
    ("deals.csv", 6),
    ("deals.csv", 7),
    ("deals.csv", 11),
    ("pledges.csv", 4),
}


def _asof_build(tmp_path_factory, name, as_of):
    return _build(
        tmp_path_factory,
        name,
        as_of=as_of,
        deals=_lines(ASOF_DEALS),
        pledges=_lines(ASOF_PLEDGES),
    )


@pytest.fixture(scope="module")
def asof_wh(tmp_path_factory):
    return _asof_build(tmp_path_factory, "asof", date(2024, 6, 30))


@pytest.fixture(scope="module")
def asof_full_wh(tmp_path_factory):
    return _asof_build(tmp_path_factory, "asof_full", None)


def test_as_of_leaves_later_rows_out_of_every_table(asof_wh):
    assert set(deals_of(asof_wh)) == {"a1", "a7", "a8", "a9", "a11"}
    assert set(pledges_of(asof_wh)) == {"p1", "p4", "p5"}
    # a3 (unknown company, after as-of) is neither fact nor reject
    assert set(rejected_of(asof_wh)) == ASOF_ALWAYS_REJECTED
    assert totals_of(asof_wh) == {
        ("amazon", "anthropic"): (150.0, 150.0, 4, 0, "2024-01-01", "2024-06-30"),
        ("google", "anthropic"): (40.0, 40.0, 1, 0, "2024-04-01", "2024-04-01"),
    }
    assert reciprocal_of(asof_wh)[("amazon", "anthropic")] == (150.0, 120.0, 120.0, 0.8)


def test_full_build_of_the_as_of_data(asof_full_wh):
    assert set(deals_of(asof_full_wh)) == {"a1", "a2", "a7", "a8", "a9", "a11", "a12"}
    assert set(pledges_of(asof_full_wh)) == {"p1", "p2", "p4", "p5"}
    assert set(rejected_of(asof_full_wh)) == ASOF_ALWAYS_REJECTED | {("deals.csv", 4)}
    assert totals_of(asof_full_wh)[("amazon", "anthropic")] == (
        240.0,
        240.0,
        6,
        0,
        "2024-01-01",
        "2024-12-01",
    )
    assert reciprocal_of(asof_full_wh)[("amazon", "anthropic")] == (
        240.0,
        320.0,
        320.0,
        round(320 / 240, 9),
    )


# --------------------------------------------------------------------------------------
# 7. every rejection reason, by file + line
# --------------------------------------------------------------------------------------

MISSING = ("missing", "required", "blank", "empty")
DATE = ("date",)
FIELDS = ("field", "column")

GOOD_DEALS = [
    deal(f"g{i:02d}", f"2024-01-{i:02d}", "amazon", "anthropic", "1") for i in range(1, 21)
] + [
    deal("dup", "2024-02-01", "amazon", "anthropic", "7", notes="first"),  # line 22: stays
    deal("qc", "2024-02-02", "amazon", "anthropic", "3", notes='"a, b"'),  # line 23: quoted
]
D = "2024-02-03"
BAD_DEALS = [  # (case, line text, keywords one of which the reason contains)
    ("missing investee", deal("r01", D, "amazon", "", "5"), MISSING),
    ("missing deal_id", deal("", D, "amazon", "anthropic", "5"), MISSING),
    ("missing date", deal("r03", "", "amazon", "anthropic", "5"), MISSING + DATE),
    ("date month 13", deal("r04", "2024-13-01", "amazon", "anthropic", "5"), DATE),
    ("date with slashes", deal("r05", "01/02/2024", "amazon", "anthropic", "5"), DATE),
    ("date feb 30", deal("r06", "2024-02-30", "amazon", "anthropic", "5"), DATE),
    ("amount not a number", deal("r07", D, "amazon", "anthropic", "abc"), ("amount", "number")),
    ("negative amount", deal("r08", D, "amazon", "anthropic", "-5"), ("negative",)),
    (
        "amount with undisclosed",
        deal("r09", D, "amazon", "anthropic", "5", qualifier="undisclosed"),
        ("undisclosed",),
    ),
    (
        "amount missing without undisclosed",
        deal("r10", D, "amazon", "anthropic", ""),
        ("amount", "undisclosed"),
    ),
    (
        "unknown qualifier",
        deal("r11", D, "amazon", "anthropic", "5", qualifier="roughly"),
        ("qualifier",),
    ),
    (
        "unknown instrument",
        deal("r12", D, "amazon", "anthropic", "5", instrument="stock"),
        ("instrument",),
    ),
    ("unknown company", deal("r13", D, "amazon", "Nobody Inc", "5"), ("compan", "investee")),
    ("flow to own group", deal("r14", D, "aws", "amazon", "5"), ("group", "itself", "self")),
    (
        "currency with no rate",
        deal("r15", D, "amazon", "anthropic", "5", currency="CHF"),
        ("rate", "currency"),
    ),
    ("duplicate id, 2nd", deal("dup", "2024-02-04", "amazon", "anthropic", "8"), ("duplicate",)),
    ("duplicate id, 3rd", deal("dup", "2024-02-05", "amazon", "anthropic", "9"), ("duplicate",)),
    (
        "supersedes unknown id",
        deal("r18", D, "amazon", "anthropic", "5", supersedes="nope"),
        ("supersed",),
    ),
    ("too many fields", deal("r19", D, "amazon", "anthropic", "5") + ",extra", FIELDS),
    ("too few fields", "r20,2024-02-03,amazon,anthropic,5", FIELDS),
    # a quoted comma keeps the field count right, but "1,000" is not a number
    ("quoted amount 1,000", deal("r21", D, "amazon", "anthropic", '"1,000"'), ("number",)),
]
GOOD_PLEDGES = [
    pledge(f"pg{i}", f"2024-03-0{i}", "anthropic", "aws", "10") for i in range(1, 9)
] + [pledge("pdup", "2024-03-09", "anthropic", "aws", "10", notes="first")]  # line 10
BAD_PLEDGES = [
    (
        "unknown category",
        pledge("r1", D, "anthropic", "aws", "10", category="gpus"),
        ("category",),
    ),
    (
        "flow to own group",
        pledge("r2", D, "google_cloud", "google", "10"),
        ("group", "itself", "self"),
    ),
    ("unknown company", pledge("r3", D, "Nobody Inc", "aws", "10"), ("compan", "pledger")),
    ("duplicate id", pledge("pdup", D, "anthropic", "aws", "10"), ("duplicate",)),
    (
        "supersedes unknown id",
        pledge("r5", D, "anthropic", "aws", "10", supersedes="nope"),
        ("supersed",),
    ),
    ("negative amount", pledge("r6", D, "anthropic", "aws", "-10"), ("negative",)),
    ("too few fields", "r7,2024-02-03,anthropic,aws", FIELDS),
]
REJECTION_CASES = [
    ("deals.csv", len(GOOD_DEALS) + 2 + i, case, text, keywords)
    for i, (case, text, keywords) in enumerate(BAD_DEALS)
] + [
    ("pledges.csv", len(GOOD_PLEDGES) + 2 + i, case, text, keywords)
    for i, (case, text, keywords) in enumerate(BAD_PLEDGES)
]


@pytest.fixture(scope="module")
def rejections_wh(tmp_path_factory):
    return _build(
        tmp_path_factory,
        "rejections",
        fx_rates="EUR,2024-01-01,1.1\n",
        deals=_lines(GOOD_DEALS + [text for _, text, _ in BAD_DEALS]),
        pledges=_lines(GOOD_PLEDGES + [text for _, text, _ in BAD_PLEDGES]),
    )


@pytest.mark.parametrize(
    ("source_file", "line", "text", "keywords"),
    [(f, line, text, kw) for f, line, _, text, kw in REJECTION_CASES],
    ids=[f"{f}:{line} {case}" for f, line, case, _, _ in REJECTION_CASES],
)
def test_rejection_reason(rejections_wh, source_file, line, text, keywords):
    rejected = rejected_of(rejections_wh)
    assert (source_file, line) in rejected, f"{source_file} line {line} not rejected: {text}"
    record, reason = rejected[(source_file, line)]
    assert record == text
    assert reason and any(k in reason.lower() for k in keywords), (reason, keywords)


def test_rejections_are_exactly_the_bad_rows(rejections_wh):
    assert set(rejected_of(rejections_wh)) == {(f, line) for f, line, *_ in REJECTION_CASES}


def test_first_duplicate_and_quoted_comma_are_accepted(rejections_wh):
    deals = deals_of(rejections_wh)
    assert set(deals) == {f"g{i:02d}" for i in range(1, 21)} | {"dup", "qc"}
    assert deals["dup"][4] == 7.0
    assert deals["qc"][4] == 3.0
    assert set(pledges_of(rejections_wh)) == {f"pg{i}" for i in range(1, 9)} | {"pdup"}
    # 20 * 1 + 7 + 3 = 30 over 22 tranches; pledged back 9 * 10 = 90
    assert totals_of(rejections_wh) == {
        ("amazon", "anthropic"): (30.0, 30.0, 22, 0, "2024-01-01", "2024-02-02"),
    }
    assert reciprocal_of(rejections_wh) == {("amazon", "anthropic"): (30.0, 90.0, 90.0, 3.0)}


# --------------------------------------------------------------------------------------
# 10. loops
# --------------------------------------------------------------------------------------

LOOP_COMPANIES = BASE_COMPANIES + "".join(
    f"{c},{c.title()},,other,US\n"
    for c in [
        "oracle",
        "microsoft",
        "coreweave",
        "softbank",
        "meta",
        "xai",
        "x_ai",
        "cohere",
        "databricks",
        "groq",
        "mistral",
    ]
)
LOOP_DEALS = [
    deal("l01", "2024-01-01", "amazon", "anthropic", "40"),
    deal("l02", "2024-01-01", "xai", "x_ai", "12.5"),
    deal("l03", "2024-01-01", "nvidia", "oracle", "100"),
    deal("l04", "2024-01-01", "oracle", "openai", "300"),
    deal("l05", "2024-01-01", "coreweave", "meta", "25"),
    deal("l06", "2024-01-01", "meta", "softbank", "33"),
    deal("l07", "2024-01-01", "softbank", "microsoft", "70"),
    # a 5-group cycle google > cohere > databricks > groq > mistral > google: not reported
    deal("l08", "2024-01-01", "google", "cohere", "10"),
    deal("l09", "2024-01-01", "cohere", "databricks", "10"),
    deal("l10", "2024-01-01", "databricks", "groq", "10"),
    deal("l11", "2024-01-01", "groq", "mistral", "10"),
    deal("l12", "2024-01-01", "mistral", "google", "10"),
    # superseded nvidia -> openai makes no edge (else nvidia > openai > nvidia would exist)
    deal("l13", "2024-01-01", "nvidia", "openai", "5"),
    deal("l14", "2024-02-01", "nvidia", "oracle", "5", supersedes="l13"),
]
LOOP_PLEDGES = [
    pledge("m1", "2024-01-01", "amazon", "anthropic", "30"),  # edge amazon->anthropic 40+30
    pledge("m2", "2024-01-01", "anthropic", "aws", "80"),
    pledge("m3", "2024-01-01", "x_ai", "xai", "9.25"),
    pledge("m4", "2024-01-01", "openai", "nvidia", "40"),
    pledge("m5", "2024-01-01", "microsoft", "coreweave", "60"),
]


@pytest.fixture(scope="module")
def loops_wh(tmp_path_factory):
    return _build(
        tmp_path_factory,
        "loops",
        companies=LOOP_COMPANIES,
        deals=_lines(LOOP_DEALS),
        pledges=_lines(LOOP_PLEDGES),
    )


def test_loops(loops_wh):
    assert loops_of(loops_wh) == [
        # 2 groups; edge amazon->anthropic = deal 40 + pledge 30 = 70 < 80
        ("amazon > anthropic > amazon", 2, 70.0),
        # 4 groups, smallest id coreweave first; min(25, 33, 70, 60)
        ("coreweave > meta > softbank > microsoft > coreweave", 4, 25.0),
        # 3 groups; nvidia->oracle 100 + 5 = 105, oracle->openai 300, openai->nvidia 40
        ("nvidia > oracle > openai > nvidia", 3, 40.0),
        # plain string order: '_' sorts before 'a', so x_ai < xai
        ("x_ai > xai > x_ai", 2, 9.25),
    ]
    ids = query(loops_wh, "select loop_id from marts.circular_loops")
    assert len({r[0] for r in ids}) == len(ids) == 4


# --------------------------------------------------------------------------------------
# 3. supersession (continued): a chain of revisions, and an id from another file
# --------------------------------------------------------------------------------------

CHAIN_DEALS = [
    deal("c1", "2024-01-01", "amazon", "anthropic", "100"),  # line 2
    deal("c2", "2024-02-01", "amazon", "anthropic", "120", supersedes="c1"),  # line 3
    deal("c3", "2024-03-01", "amazon", "anthropic", "130", supersedes="c2"),  # line 4
    deal("c4", "2024-01-05", "google", "anthropic", "10"),  # line 5
    # line 6: pz1 is a pledge id, not a row of deals.csv -> rejected
    deal("c5", "2024-01-06", "google", "anthropic", "11", supersedes="pz1"),
    deal("c6", "2024-01-07", "google", "anthropic", "12"),  # line 7
]
CHAIN_PLEDGES = [
    pledge("pz1", "2024-01-01", "anthropic", "aws", "40"),
    pledge("pz2", "2024-02-10", "anthropic", "aws", "50", supersedes="pz1"),
]


def _chain_build(tmp_path_factory, name, as_of):
    return _build(
        tmp_path_factory,
        name,
        as_of=as_of,
        deals=_lines(CHAIN_DEALS),
        pledges=_lines(CHAIN_PLEDGES),
    )


@pytest.fixture(scope="module")
def chain_wh(tmp_path_factory):
    return _chain_build(tmp_path_factory, "chain", None)


@pytest.fixture(scope="module")
def chain_asof_wh(tmp_path_factory):
    return _chain_build(tmp_path_factory, "chain_asof", date(2024, 2, 15))


def test_supersession_chain(chain_wh):
    assert {k: v[5] for k, v in deals_of(chain_wh).items()} == {
        "c1": True,
        "c2": True,
        "c3": False,
        "c4": False,
        "c6": False,
    }
    assert set(rejected_of(chain_wh)) == {("deals.csv", 6)}
    assert totals_of(chain_wh) == {
        ("amazon", "anthropic"): (130.0, 130.0, 1, 0, "2024-03-01", "2024-03-01"),
        ("google", "anthropic"): (22.0, 22.0, 2, 0, "2024-01-05", "2024-01-07"),
    }
    assert reciprocal_of(chain_wh)[("amazon", "anthropic")] == (
        130.0,
        50.0,
        50.0,
        round(50 / 130, 9),
    )


def test_supersession_chain_as_of_between_revisions(chain_asof_wh):
    # c3 (2024-03-01) is not in the build, so c2 counts again and supersedes c1
    assert {k: v[5] for k, v in deals_of(chain_asof_wh).items()} == {
        "c1": True,
        "c2": False,
        "c4": False,
        "c6": False,
    }
    assert {k: v[5] for k, v in pledges_of(chain_asof_wh).items()} == {
        "pz1": True,
        "pz2": False,
    }
    assert set(rejected_of(chain_asof_wh)) == {("deals.csv", 6)}
    assert totals_of(chain_asof_wh)[("amazon", "anthropic")] == (
        120.0,
        120.0,
        1,
        0,
        "2024-02-01",
        "2024-02-01",
    )
    assert loops_of(chain_asof_wh) == [("amazon > anthropic > amazon", 2, 50.0)]


# --------------------------------------------------------------------------------------
# 10. loops (continued): each simple cycle reported exactly once
# --------------------------------------------------------------------------------------

# every simple cycle of a complete 3-group graph, plus a 4-cycle with a chord
DENSE_COMPANIES = BASE_COMPANIES + "oracle,Oracle,,other,US\nxai,xAI,,ai_lab,US\n"
DENSE_DEALS = [
    deal("k1", "2024-01-01", "amazon", "anthropic", "10"),
    deal("k2", "2024-01-01", "anthropic", "amazon", "20"),
    deal("k3", "2024-01-01", "anthropic", "openai", "30"),
    deal("k4", "2024-01-01", "openai", "anthropic", "40"),
    deal("k5", "2024-01-01", "amazon", "openai", "20"),  # + pledge aws -> openai 30 = 50
    deal("k6", "2024-01-01", "openai", "aws", "60"),
    deal("h1", "2024-01-01", "google_cloud", "nvidia", "5"),
    deal("h2", "2024-01-01", "nvidia", "oracle", "6"),
    deal("h3", "2024-01-01", "oracle", "xai", "7"),
    deal("h4", "2024-01-01", "xai", "google", "8"),
    deal("h5", "2024-01-01", "oracle", "google_cloud", "3"),  # chord
]
DENSE_PLEDGES = [pledge("kp", "2024-01-01", "aws", "openai", "30")]


@pytest.fixture(scope="module")
def dense_wh(tmp_path_factory):
    return _build(
        tmp_path_factory,
        "dense",
        companies=DENSE_COMPANIES,
        deals=_lines(DENSE_DEALS),
        pledges=_lines(DENSE_PLEDGES),
    )


def test_loops_each_reported_once_in_dense_graph(dense_wh):
    assert loops_of(dense_wh) == [
        ("amazon > anthropic > amazon", 2, 10.0),  # min(10, 20)
        ("amazon > anthropic > openai > amazon", 3, 10.0),  # min(10, 30, 60)
        ("amazon > openai > amazon", 2, 50.0),  # min(20 + 30, 60)
        ("amazon > openai > anthropic > amazon", 3, 20.0),  # min(50, 40, 20)
        ("anthropic > openai > anthropic", 2, 30.0),  # min(30, 40)
        ("google > nvidia > oracle > google", 3, 3.0),  # min(5, 6, 3)
        ("google > nvidia > oracle > xai > google", 4, 5.0),  # min(5, 6, 7, 8)
    ]


def test_as_of_does_not_apply_to_fx_rates(build_data) -> None:
    """FX rates are not announced: a bad rate dated after the as-of date is rejected in an
    as-of build too, and good rates after it change nothing (docs/decisions.md)."""
    result, warehouse = build_data(
        as_of=date(2024, 6, 30),
        deals="d1,2024-03-01,amazon,anthropic,100,EUR,exact,equity,,https://example.com/d1,\n",
        fx_rates="EUR,2024-01-01,1.10\nEUR,2024-12-01,1.20\nEUR,2024-12-02,-1\n",
    )
    assert result.published, result.failures
    assert query(warehouse, "select amount_usd_m::double from marts.fct_investments") == [(110.0,)]
    assert query(warehouse, "select source_file, source_line from marts.rejected_rows") == [
        ("fx_rates.csv", 4)
    ]
