"""The checks a build must pass before it is published, beyond dbt's own tests: every
input line accounted for exactly once, and no file mostly rejected."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from circularity.inputs import InputFile

DEFAULT_MAX_REJECTED_SHARE = 0.5

# Where each file's accepted rows land, and which of its rows the as-of date leaves out.
_ACCEPTED_LINES = {
    "companies.csv": "select source_line from marts.dim_companies",
    "company_aliases.csv": (
        "select source_line from intermediate.int_company_aliases_validated "
        "where rejection_reason is null"
    ),
    "fx_rates.csv": (
        "select source_line from intermediate.int_fx_rates_validated "
        "where rejection_reason is null"
    ),
    "deals.csv": "select source_line from marts.fct_investments",
    "pledges.csv": "select source_line from marts.fct_pledges",
}
_DATE_COLUMN = {
    "fx_rates.csv": ("staging.stg_csv__fx_rates", "rate_date"),
    "deals.csv": ("staging.stg_csv__deals", "announced_date"),
    "pledges.csv": ("staging.stg_csv__pledges", "announced_date"),
}


@dataclass(frozen=True)
class CheckResult:
    check: str
    file: str
    success: bool
    observed: str


def line_accounting(
    connection: duckdb.DuckDBPyConnection, files: list[InputFile], as_of: date | None
) -> list[CheckResult]:
    """Each data line of each file is in its fact table or in rejected_rows, never both,
    never neither (lines dated after the as-of date are in neither, by design)."""
    results = []
    for input_file in files:
        accepted, rejected, distinct_lines = connection.execute(
            f"""
            with accepted as ({_ACCEPTED_LINES[input_file.name]}),
            rejected as (
                select source_line from marts.rejected_rows where source_file = ?
            )
            select
                (select count(*) from accepted),
                (select count(*) from rejected),
                (select count(*) from (select source_line from accepted
                                       union select source_line from rejected))
            """,
            [input_file.name],
        ).fetchone()
        after_as_of = 0
        if as_of is not None and input_file.name in _DATE_COLUMN:
            table, column = _DATE_COLUMN[input_file.name]
            after_as_of = connection.execute(
                f"select count(*) from {table} where unreadable_reason is null and {column} > ?",
                [as_of],
            ).fetchone()[0]
        accounted = accepted + rejected + after_as_of
        observed = (
            f"{input_file.data_lines} data lines; {accepted} accepted + {rejected} rejected"
            f" + {after_as_of} after the as-of date = {accounted};"
            f" {accepted + rejected - distinct_lines} lines counted twice"
        )
        results.append(
            CheckResult(
                "every input line accounted for exactly once",
                input_file.name,
                accounted == input_file.data_lines and distinct_lines == accepted + rejected,
                observed,
            )
        )
    return results


def rejected_share(
    connection: duckdb.DuckDBPyConnection,
    files: list[InputFile],
    max_share: float = DEFAULT_MAX_REJECTED_SHARE,
) -> list[CheckResult]:
    """A file whose rows are mostly rejected points to a systematic error (a wrong date
    format, a shifted column): publish nothing rather than a nearly empty warehouse."""
    results = []
    for input_file in files:
        accepted_sql = _ACCEPTED_LINES[input_file.name]
        accepted, rejected = connection.execute(
            f"""
            select
                (select count(*) from ({accepted_sql})),
                (select count(*) from marts.rejected_rows where source_file = ?)
            """,
            [input_file.name],
        ).fetchone()
        total = accepted + rejected
        share = rejected / total if total else 0.0
        results.append(
            CheckResult(
                f"at most {max_share:.0%} of rows rejected",
                input_file.name,
                share <= max_share,
                f"{rejected} of {total} rows rejected ({share:.1%})",
            )
        )
    return results
