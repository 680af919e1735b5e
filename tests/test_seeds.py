"""The project's own curated data: it builds clean through the CLI, every row is sourced and
none comes from an unverified claim, and it tells the story it is meant to."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

from circularity.pipeline import DEFAULT_DATA_DIR
from tests.conftest import query

CLI = str(Path(sys.executable).with_name("circularity"))
DATA_DOC = Path(__file__).resolve().parents[1] / "docs" / "data.md"
FLOW_FILES = {"deals.csv": "deal_id", "pledges.csv": "pledge_id"}


def _rows(name: str) -> list[dict[str, str]]:
    with (DEFAULT_DATA_DIR / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _doc_section(heading: str) -> str:
    """The text of one section of docs/data.md, from its heading to the next heading."""
    text = DATA_DOC.read_text(encoding="utf-8")
    match = re.search(rf"^#+ {re.escape(heading)}\n(.*?)(?=^#)", text, re.S | re.M)
    assert match, f"docs/data.md has no section {heading!r}"
    return match.group(1)


@pytest.fixture(scope="module")
def seeds_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The real build of seeds/ as a user runs it: the CLI into a fresh warehouse."""
    warehouse = tmp_path_factory.mktemp("seeds") / "w.duckdb"
    completed = subprocess.run(
        [CLI, "build", "--data-dir", str(DEFAULT_DATA_DIR), "--warehouse", str(warehouse)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return warehouse, completed.stdout


def test_seeds_pass_every_gate_and_the_audit_records_it(seeds_build: tuple[Path, str]) -> None:
    warehouse, _ = seeds_build
    [(evaluated, suites, failed, runs)] = query(
        warehouse,
        """
        select count(*), count(distinct suite), count(*) filter (where not success),
               (select count(*) from audit.build_runs)
        from audit.validation_results
        """,
    )
    assert evaluated >= 20 and suites >= 3 and failed == 0 and runs == 1


def test_a_build_of_the_seeds_rejects_nothing(seeds_build: tuple[Path, str]) -> None:
    warehouse, out = seeds_build
    assert query(warehouse, "select * from marts.rejected_rows") == []
    # The summary's per-file line: "<file>   <loaded> / <rejected>".
    for name in ("companies.csv", "company_aliases.csv", "fx_rates.csv", *FLOW_FILES):
        assert re.search(rf"^  {re.escape(name)} +[\d,]+ / 0$", out, re.M), name
    # Every flow row of the files is in its fact table.
    [(deals, pledges)] = query(
        warehouse,
        "select (select count(*) from marts.fct_investments),"
        " (select count(*) from marts.fct_pledges)",
    )
    assert (deals, pledges) == (len(_rows("deals.csv")), len(_rows("pledges.csv")))


def test_seeds_are_big_enough(seeds_build: tuple[Path, str]) -> None:
    warehouse, _ = seeds_build
    [(deals, pledges, groups)] = query(
        warehouse,
        """
        select (select count(*) from marts.fct_investments),
               (select count(*) from marts.fct_pledges),
               (select count(distinct group_id) from marts.dim_companies)
        """,
    )
    assert deals >= 50 and pledges >= 50 and groups >= 30


def test_amazon_anthropic_headline_and_firm(seeds_build: tuple[Path, str]) -> None:
    warehouse, out = seeds_build
    [(invested, firm, back, back_firm, ratio, ratio_firm)] = query(
        warehouse,
        """
        select invested_usd_m::double, invested_firm_usd_m::double, pledged_back_usd_m::double,
               pledged_back_firm_usd_m::double, reciprocal_ratio, reciprocal_ratio_firm
        from marts.reciprocal_spend
        where investor_group_id = 'amazon' and investee_group_id = 'anthropic'
        """,
    )
    # 1,250 + 2,750 + 4,000 + 5,000 firm, plus up to 20,000 contingent; more than 100,000
    # pledged back on AWS, a lower bound, so firm.
    assert (invested, firm, back, back_firm) == (33_000, 13_000, 100_000, 100_000)
    assert round(ratio, 2) == 3.03 and round(ratio_firm, 2) == 7.69
    assert (
        "amazon -> anthropic: 33,000.00 -> 100,000.00 (ratio 3.03);"
        " firm 13,000.00 -> 100,000.00 (ratio 7.69)"
    ) in out


def test_microsoft_openai_counts_every_dated_tranche(seeds_build: tuple[Path, str]) -> None:
    warehouse, _ = seeds_build
    rows = query(
        warehouse,
        "select deal_id, announced_date::varchar, amount_usd_m::double from marts.fct_investments"
        " where investor_group_id = 'microsoft' and investee_group_id = 'openai' order by 1",
    )
    # 2019, 2023 and the October 2024 round; the 2021 tranche has no day (docs/data.md).
    assert rows == [
        ("E023", "2019-07-22", 1000.0),
        ("E025", "2023-01-23", 10000.0),
        ("E102", "2024-10-02", 750.0),
    ]


@pytest.mark.parametrize(
    ("flow_id", "table", "from_group", "to_group"),
    [
        ("E102", "fct_investments", "microsoft", "openai"),  # OpenAI's USD 6.6B round
        ("E103", "fct_investments", "nvidia", "openai"),
        ("E104", "fct_investments", "softbank", "openai"),
        ("E105", "fct_investments", "nvidia", "spacex"),  # xAI Series C (xAI is SpaceX's)
        ("E106", "fct_investments", "amd", "spacex"),
        ("E108", "fct_investments", "meta", "scale_ai"),
        ("E110", "fct_investments", "nvidia", "nokia"),
        ("E112", "fct_investments", "nvidia", "synopsys"),
        ("E117", "fct_investments", "nvidia", "reflection_ai"),
        ("E118", "fct_investments", "microsoft", "inflection"),  # Inflection's USD 1.3B
        ("E119", "fct_investments", "nvidia", "inflection"),
        ("E122", "fct_pledges", "google", "cipher_mining"),  # backstop
        ("E123", "fct_investments", "cipher_mining", "google"),  # warrants
        ("E127", "fct_pledges", "anthropic", "broadcom"),
        ("E129", "fct_pledges", "oracle", "nvidia"),  # chips for Abilene
    ],
)
def test_the_widely_reported_deals_are_in(
    seeds_build: tuple[Path, str], flow_id: str, table: str, from_group: str, to_group: str
) -> None:
    warehouse, _ = seeds_build
    key, start, end = (
        ("deal_id", "investor_group_id", "investee_group_id")
        if table == "fct_investments"
        else ("pledge_id", "pledger_group_id", "recipient_group_id")
    )
    assert query(
        warehouse, f"select {start}, {end} from marts.{table} where {key} = ?", [flow_id]
    ) == [(from_group, to_group)]


def test_a_loop_of_three_or_more_groups(seeds_build: tuple[Path, str]) -> None:
    warehouse, _ = seeds_build
    loops = query(warehouse, "select path from marts.circular_loops where hop_count >= 3")
    assert loops


def test_nvidia_openai_letter_of_intent_is_superseded(seeds_build: tuple[Path, str]) -> None:
    warehouse, _ = seeds_build
    assert query(
        warehouse,
        "select is_superseded from marts.fct_investments where deal_id in ('E032', 'E034') "
        "order by deal_id",
    ) == [(True,), (False,)]


@pytest.mark.parametrize("name", sorted(FLOW_FILES))
def test_every_seed_flow_cites_an_http_page(name: str) -> None:
    rows = _rows(name)
    assert rows
    for row in rows:
        url = urlparse(row["source_url"].strip())
        assert url.scheme in ("http", "https") and "." in url.netloc, row[FLOW_FILES[name]]
        assert " " not in row["source_url"].strip(), row[FLOW_FILES[name]]


@pytest.mark.parametrize("name", sorted(FLOW_FILES))
def test_no_seed_flow_comes_from_an_unverified_claim(name: str) -> None:
    unverified = _doc_section("Marked unverified")
    unverified_ids = set(re.findall(r"\bE\d{3}\b", unverified))
    unverified_hosts = {
        urlparse(url).netloc.removeprefix("www.")
        for url in re.findall(r"https?://[^\s|]+", unverified)
    }
    avoided_hosts = set(re.findall(r"^\| `([^`]+)` \|", _doc_section("Pages to avoid"), re.M))
    # The lists are really there: the three claims kept as negative cases, and their hosts.
    assert {"E099", "E100", "E101"} <= unverified_ids
    assert {"trylattice.io", "gettidyflow.com", "rallies.ai"} <= avoided_hosts
    for row in _rows(name):
        flow_id = row[FLOW_FILES[name]]
        host = urlparse(row["source_url"].strip()).netloc.removeprefix("www.")
        assert row["confidence"] in ("verified", "partial"), flow_id
        assert flow_id not in unverified_ids, flow_id
        assert host not in unverified_hosts | avoided_hosts, (flow_id, host)


def test_warrants_follow_one_convention() -> None:
    """A warrant row is a granted warrant: undisclosed, counted in shares. A warrant bought
    for cash (pre-funded) is a share purchase and is recorded as equity (docs/data.md)."""
    warrants = [row for row in _rows("deals.csv") if row["instrument"] == "warrant"]
    assert {row["deal_id"] for row in warrants} >= {"E045", "E081", "E084", "E123"}
    for row in warrants:
        assert row["amount_qualifier"] == "undisclosed" and not row["amount_millions"], row
    [prefunded] = [row for row in _rows("deals.csv") if row["deal_id"] == "E066"]
    assert (prefunded["investor"], prefunded["instrument"]) == ("Nvidia", "equity")
