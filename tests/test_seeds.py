"""The project's own curated data: it builds clean and tells the story it is meant to."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from circularity.pipeline import DEFAULT_DATA_DIR, BuildConfig, build
from tests.conftest import query


@pytest.fixture(scope="module")
def seeds_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    warehouse = tmp_path_factory.mktemp("seeds") / "circularity.duckdb"
    result = build(BuildConfig(DEFAULT_DATA_DIR, warehouse))
    assert result.published, result.failures
    return warehouse


def test_seeds_pass_every_gate_and_the_audit_records_it(seeds_warehouse: Path) -> None:
    [(evaluated, suites, failed, runs)] = query(
        seeds_warehouse,
        """
        select count(*), count(distinct suite), count(*) filter (where not success),
               (select count(*) from audit.build_runs)
        from audit.validation_results
        """,
    )
    assert evaluated >= 20 and suites >= 3 and failed == 0 and runs == 1


def test_seeds_build_with_zero_rejects(seeds_warehouse: Path) -> None:
    assert query(seeds_warehouse, "select * from marts.rejected_rows") == []


def test_seeds_are_big_enough(seeds_warehouse: Path) -> None:
    [(deals, pledges, groups)] = query(
        seeds_warehouse,
        """
        select (select count(*) from marts.fct_investments),
               (select count(*) from marts.fct_pledges),
               (select count(distinct group_id) from marts.dim_companies)
        """,
    )
    assert deals >= 35 and pledges >= 30 and groups >= 15


def test_amazon_anthropic_goes_around(seeds_warehouse: Path) -> None:
    [(invested, firm, pledged_back)] = query(
        seeds_warehouse,
        """
        select invested_usd_m::double, invested_firm_usd_m::double, pledged_back_usd_m::double
        from marts.reciprocal_spend
        where investor_group_id = 'amazon' and investee_group_id = 'anthropic'
        """,
    )
    # 1,250 + 2,750 + 4,000 + 5,000 firm, plus up to 20,000 contingent; >100,000 back on AWS.
    assert firm == 13_000 and invested == 33_000
    assert pledged_back >= 100_000


def test_a_loop_of_three_or_more_groups(seeds_warehouse: Path) -> None:
    loops = query(seeds_warehouse, "select path from marts.circular_loops where hop_count >= 3")
    assert loops


def test_nvidia_openai_letter_of_intent_is_superseded(seeds_warehouse: Path) -> None:
    assert query(
        seeds_warehouse,
        "select is_superseded from marts.fct_investments where deal_id in ('E032', 'E034') "
        "order by deal_id",
    ) == [(True,), (False,)]


@pytest.mark.parametrize("name", ["deals.csv", "pledges.csv"])
def test_every_seed_flow_has_a_source_url(name: str) -> None:
    with (DEFAULT_DATA_DIR / name).open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows
    assert all(row["source_url"].startswith(("https://", "http://")) for row in rows)
