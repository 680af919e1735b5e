"""Every Great Expectations suite passes on the project's own data (see test_seeds) and
every one of its expectations fails on data made to break it: no expectation that cannot
fail."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import duckdb
import pytest

from circularity import validation
from circularity.dbt_runner import PROJECT_DIR, dbt_executable

# Per suite: tables of a fake build whose rows break every expectation of the suite.
BROKEN = {
    "dim_companies": """
        create table marts.dim_companies as select * from (values
            ('a', 'A', null, 'a', 'bogus', 'usa'),
            ('a', 'A2', 'x', 'zz', 'other', 'US'),
            (null, 'N', null, null, 'other', null)
        ) t(company_id, name, parent_id, group_id, kind, country)
    """,
    "fct_investments": """
        create table marts.dim_companies as select 'a' as company_id;
        create table marts.fct_investments as select * from (values
            ('d1', 'a', 'ghost', 'g1', 'g1', -5.0::decimal(38, 2), 'bogus', 'bogus',
             null::boolean, null),
            ('d1', 'a', 'a', 'g1', 'g2', null::decimal(38, 2), 'exact', 'equity', false,
             'https://x'),
            (null, 'a', 'a', 'g1', 'g2', 1.0::decimal(38, 2), 'exact', 'equity', false,
             'https://x')
        ) t(deal_id, investor_id, investee_id, investor_group_id, investee_group_id,
            amount_usd_m, amount_qualifier, instrument, is_superseded, source_url)
    """,
    "fct_pledges": """
        create table marts.dim_companies as select 'a' as company_id;
        create table marts.fct_pledges as select * from (values
            ('p1', 'ghost', 'a', 'g1', 'g1', -5.0::decimal(38, 2), 2.0, -1.0::decimal(38, 2),
             'bogus', 'bogus', null::boolean, null),
            ('p1', 'a', 'a', 'g1', 'g2', null::decimal(38, 2), null, null::decimal(38, 2),
             'exact', 'chips', false, 'https://x'),
            (null, 'a', 'a', 'g1', 'g2', 10.0::decimal(38, 2), 2.0, 7.0::decimal(38, 2),
             'exact', 'chips', false, 'https://x')
        ) t(pledge_id, pledger_id, recipient_id, pledger_group_id, recipient_group_id,
            amount_usd_m, period_years, annualized_usd_m, amount_qualifier, category,
            is_superseded, source_url)
    """,
    "investment_totals": """
        create table marts.investment_totals as select * from (values
            ('a', 'b', -1.0::decimal(38, 2), 5.0::decimal(38, 2), 0, 2),
            ('a', 'b', 1.0::decimal(38, 2), -2.0::decimal(38, 2), 1, 0),
            (null, null, 1.0::decimal(38, 2), 1.0::decimal(38, 2), 1, 0)
        ) t(investor_group_id, investee_group_id, invested_usd_m, invested_firm_usd_m,
            tranche_count, undisclosed_count)
    """,
    "reciprocal_spend": """
        create table marts.reciprocal_spend as select * from (values
            ('a', 'b', -1.0::decimal(38, 2), 1.0::decimal(38, 2), -1.0::decimal(38, 2),
             5.0::decimal(38, 2), 9.0, 9.0),
            ('a', 'b', 2.0::decimal(38, 2), 1.0::decimal(38, 2), null::decimal(38, 2),
             -3.0::decimal(38, 2), null, null)
        ) t(investor_group_id, investee_group_id, invested_usd_m, invested_firm_usd_m,
            pledged_back_usd_m, pledged_back_firm_usd_m, reciprocal_ratio, reciprocal_ratio_firm)
    """,
    "circular_loops": """
        create table marts.circular_loops as select * from (values
            ('l1', 'b > a > b', 2, -1.0::decimal(38, 2)),
            ('l1', 'b > a > b', 5, 1.0::decimal(38, 2)),
            (null, 'a > b > c', 3, 1.0::decimal(38, 2)),
            ('l3', 'a > a > a', 2, 1.0::decimal(38, 2))
        ) t(loop_id, path, hop_count, bottleneck_usd_m)
    """,
    "rejected_rows": """
        create table marts.rejected_rows as select * from (values
            ('deals.csv', 2, null),
            ('deals.csv', 2, 'x'),
            ('other.csv', 1, 'x')
        ) t(source_file, source_line, reason)
    """,
}

# The input accounting reads where every file's rows went.
# The gates model of the inputs suite, broken every way: deals lines that do not add up to
# the file's own count, a line read twice, records not all accounted for and one counted
# twice, 75% rejected, and a repeated id among accepted companies.
BROKEN_INPUT_TABLES = """
    create table gates.gate_inputs as select * from (values
        ('deals.csv', 5, 1, 4, 1, 3, 0, 5, 1, 0.75, 0),
        ('companies.csv', 3, 0, 2, 2, 0, 0, 2, 0, 0.0, 1)
    ) t(source_file, physical_lines_read, lines_read_twice, records, accepted_rows,
        rejected_rows, after_as_of_rows, records_accounted, records_counted_twice,
        rejected_share, duplicate_accepted_ids)
"""

# Physical lines per file as counted from the bytes, to go with BROKEN_INPUT_TABLES.
BROKEN_INPUT_LINES = {"companies.csv": 3, "deals.csv": 4}


def _gate(database: Path, suite: str) -> None:
    """Compute gates.gate_<suite> from the fake marts with the real dbt model."""
    subprocess.run(
        [
            dbt_executable(),
            "run",
            "--quiet",
            "--select",
            f"gate_{suite}",
            "--project-dir",
            str(PROJECT_DIR),
            "--profiles-dir",
            str(PROJECT_DIR),
            "--target-path",
            str(database.parent / "target"),
            "--log-path",
            str(database.parent / "target"),
        ],
        env={**os.environ, "CIRCULARITY_DBT_DATABASE": str(database)},
        cwd=database.parent,
        check=True,
    )


def _fake_build(path: Path, sql: str) -> Path:
    connection = duckdb.connect(str(path))
    connection.execute(
        "create schema marts; create schema intermediate; create schema staging;"
        " create schema gates"
    )
    connection.execute(sql)
    connection.close()
    return path


@pytest.mark.parametrize("suite", sorted(BROKEN))
def test_every_expectation_of_a_mart_suite_can_fail(suite: str, tmp_path: Path) -> None:
    database = _fake_build(tmp_path / "broken.duckdb", BROKEN[suite])
    _gate(database, suite)
    report = validation.validate(
        database,
        "broken",
        physical_lines={},
        data_docs_dir=tmp_path / "docs",
        suites=[suite],
    )
    expected = len(validation.load_suite(suite)["expectations"])
    assert len(report.outcomes) == expected
    passed = [f"{o.expectation} {o.column_name}" for o in report.outcomes if o.success]
    assert passed == [], f"expectations of {suite} that broken data did not fail: {passed}"
    assert (tmp_path / "docs" / "index.html").exists()


def test_every_expectation_of_the_inputs_suite_can_fail(tmp_path: Path) -> None:
    database = _fake_build(tmp_path / "broken.duckdb", BROKEN_INPUT_TABLES)
    report = validation.validate(
        database,
        "broken",
        physical_lines=BROKEN_INPUT_LINES,
        data_docs_dir=tmp_path / "docs",
        suites=["inputs"],
    )
    assert len(report.outcomes) == len(validation.load_suite("inputs")["expectations"])
    passed = [f"{o.expectation} {o.column_name}" for o in report.outcomes if o.success]
    assert passed == []
    share = next(o for o in report.outcomes if o.column_name == "rejected_share")
    assert '"source_file": "deals.csv"' in share.observed


def test_rejected_share_limit_is_a_parameter(tmp_path: Path) -> None:
    database = _fake_build(tmp_path / "broken.duckdb", BROKEN_INPUT_TABLES)
    report = validation.validate(
        database,
        "lenient",
        physical_lines=BROKEN_INPUT_LINES,
        data_docs_dir=tmp_path / "docs",
        max_rejected_share=0.8,
        suites=["inputs"],
    )
    share = next(o for o in report.outcomes if o.column_name == "rejected_share")
    assert share.success


def test_validation_writes_nothing_outside_its_data_docs_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GX's ephemeral context brings a docs site of its own in a new temporary folder: the
    build must neither draw it nor leave it behind. Only Jinja's per-user cache of compiled
    templates may stay in the temporary folder."""
    database = _fake_build(tmp_path / "broken.duckdb", BROKEN_INPUT_TABLES)
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    validation.validate(
        database,
        "tidy",
        physical_lines=BROKEN_INPUT_LINES,
        data_docs_dir=tmp_path / "docs",
        suites=["inputs"],
    )
    left = [p.name for p in temporary.iterdir() if not p.name.startswith("_jinja2-cache-")]
    # The user's private folder, where GX drew the site, stays (empty) for the next build.
    assert left == [f"circularity-{os.getuid()}"]
    assert list((temporary / left[0]).iterdir()) == []
    assert (tmp_path / "docs" / "index.html").exists()
