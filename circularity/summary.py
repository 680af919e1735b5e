"""The short report a build ends with: what was loaded and rejected, and what goes around."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from circularity.shell import TABLES_SQL
from circularity.sql_text import quote_identifier


@dataclass(frozen=True)
class FileSummary:
    name: str
    loaded: int
    rejected: int
    reasons: list[tuple[str, int]]  # every reason, most frequent first


@dataclass(frozen=True)
class BuildSummary:
    files: list[FileSummary]
    # (investor, investee, invested, pledged back, ratio, firm invested, firm pledged back,
    # firm ratio): the firm figures leave up_to (contingent) money out on both sides.
    top_pairs: list[tuple[str, str, float, float, float | None, float, float, float | None]]
    top_loops: list[tuple[str, int, float]]

    def lines(self) -> list[str]:
        out = file_lines(self.files)
        out.append("top reciprocal pairs (invested -> pledged back, USD m):")
        out.extend(_pair_line(*pair) for pair in self.top_pairs)
        if not self.top_pairs:
            out.append("  none")
        out.append("top circular loops (bottleneck USD m):")
        out.extend(
            f"  {path}  [{hops} hops, {bottleneck:,.2f}]"
            for path, hops, bottleneck in self.top_loops
        )
        if not self.top_loops:
            out.append("  none")
        return out


def _pair_line(
    investor: str,
    investee: str,
    invested: float,
    pledged: float,
    ratio: float | None,
    firm_invested: float,
    firm_pledged: float,
    firm_ratio: float | None,
) -> str:
    return (
        f"  {investor} -> {investee}: {invested:,.2f} -> {pledged:,.2f}"
        + (f" (ratio {ratio:.2f})" if ratio is not None else "")
        + f"; firm {firm_invested:,.2f} -> {firm_pledged:,.2f}"
        + (f" (ratio {firm_ratio:.2f})" if firm_ratio is not None else "")
    )


def file_lines(files: list[FileSummary]) -> list[str]:
    """Rows loaded and rejected per file, with every rejection reason counted."""
    out = ["rows per file (loaded / rejected):"]
    for item in files:
        out.append(f"  {item.name:<20} {item.loaded:>10,} / {item.rejected:,}")
        out.extend(f"      {count:>6,} x {reason}" for reason, count in item.reasons)
    return out


def rejected_lines(database: Path) -> list[str]:
    """The rows-per-file lines of a build that was not published (kept for inspection);
    empty when the build stopped before its marts existed."""
    connection = duckdb.connect(str(database), read_only=True)
    try:
        return file_lines(summarize_files(connection))
    except duckdb.CatalogException:
        return []
    finally:
        connection.close()


def summarize_files(connection: duckdb.DuckDBPyConnection) -> list[FileSummary]:
    file_summaries = []
    accepted = connection.execute(
        "select source_file, accepted_rows from gates.gate_inputs order by source_file"
    ).fetchall()
    for name, loaded in accepted:
        reasons = connection.execute(
            "select reason_kind, rejected_rows from gates.gate_rejection_reasons"
            " where source_file = ? order by rejected_rows desc, reason_kind",
            [name],
        ).fetchall()
        file_summaries.append(FileSummary(name, loaded, sum(n for _, n in reasons), reasons))
    return file_summaries


def summarize(connection: duckdb.DuckDBPyConnection) -> BuildSummary:
    file_summaries = summarize_files(connection)
    top_pairs = connection.execute(
        """
        select investor_group_id, investee_group_id, invested_usd_m::double,
               pledged_back_usd_m::double, reciprocal_ratio, invested_firm_usd_m::double,
               pledged_back_firm_usd_m::double, reciprocal_ratio_firm
        from marts.reciprocal_spend
        where pledged_back_usd_m > 0
        order by pledged_back_usd_m desc, invested_usd_m desc
        limit 5
        """
    ).fetchall()
    top_loops = connection.execute(
        """
        select path, hop_count, bottleneck_usd_m::double
        from marts.circular_loops
        order by bottleneck_usd_m desc, hop_count desc, path
        limit 5
        """
    ).fetchall()
    return BuildSummary(file_summaries, top_pairs, top_loops)


def relations(connection: duckdb.DuckDBPyConnection) -> set[str]:
    """`schema.name` of every table and view of the database, as the shell's `.tables`
    lists them."""
    return {f"{schema}.{name}" for schema, name, *_ in connection.execute(TABLES_SQL).fetchall()}


def row_count(connection: duckdb.DuckDBPyConnection, relation: str) -> int:
    schema, table = relation.split(".")
    relation = f"{quote_identifier(schema)}.{quote_identifier(table)}"
    return connection.execute(f"select count(*) from {relation}").fetchone()[0]


def markdown_preview(
    connection: duckdb.DuckDBPyConnection,
    relation: str,
    limit: int = 10,
    order_by: str | None = None,
) -> str:
    """The first rows of a table, every column, in the order of its natural key (comma
    separated column names), as a Markdown table for asset pages in the Dagster UI."""
    schema, table = relation.split(".")
    query = f"select * from {quote_identifier(schema)}.{quote_identifier(table)}"
    if order_by:
        query += " order by " + ", ".join(
            quote_identifier(column.strip()) for column in order_by.split(",")
        )
    cursor = connection.execute(f"{query} limit {int(limit)}")
    return markdown_table([description[0] for description in cursor.description], cursor.fetchall())


def markdown_table(columns: list[str], rows: list[tuple[object, ...]]) -> str:
    """A GitHub-flavoured Markdown table; a value's pipes and line breaks cannot break it."""

    def cell(value: object) -> str:
        text = "" if value is None else str(value)
        return text.replace("|", "\\|").replace("\n", " ")

    lines = [
        "| " + " | ".join(cell(column) for column in columns) + " |",
        "| " + " | ".join("---" for _ in columns) + " |",
        *("| " + " | ".join(cell(value) for value in row) + " |" for row in rows),
    ]
    return "\n".join(lines)
