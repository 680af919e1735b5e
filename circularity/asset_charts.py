"""The report's charts as Markdown for the marts' pages in Dagster.

Dagster has no image metadata, but its UI renders Markdown metadata with `data:` images
(its Markdown sanitizer allows the `data` protocol for `src`, and its content security
policy does not restrict images). So each chart goes in as an SVG `data:image/svg+xml`
URI, drawn by the same function as in the HTML report (`circularity.report`), from the same
read of the warehouse (`report.collect`), with the numbers it draws in a table beside it.
The size is bounded like the report's (the loops and edges the report models list, MAX_PAIRS).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from circularity import report
from circularity.summary import markdown_table

# The page's CSS does not reach inside an image: what the charts need of it, for the image.
IMAGE_STYLE = (
    "<style>svg{font:12px system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;"
    "background:#fff}text{fill:#1d2230}.graph text{font-size:13px;font-weight:600}"
    ".node{fill:#1d2230}</style>"
)

# Which chart goes on which mart: the one drawn from the figures of that table.
MART_CHARTS: dict[str, Callable[[report.ReportData], report.Chart]] = {
    "investment_totals": report.graph_chart,
    "reciprocal_spend": report.reciprocal_chart,
    "circular_loops": report.loops_chart,
    "fct_investments": lambda data: report.years_chart(data, ("investment",)),
    "fct_pledges": lambda data: report.years_chart(data, ("pledge",)),
    "rejected_rows": report.rejected_chart,
}


def image_uri(svg: str) -> str:
    """A chart as a self-contained `data:` URI: its styles moved inside the SVG."""
    opening = svg.index(">") + 1
    document = svg[:opening] + IMAGE_STYLE + svg[opening:]
    return "data:image/svg+xml;base64," + base64.b64encode(document.encode("utf-8")).decode()


def _number(value: Any) -> Any:
    if isinstance(value, Decimal | float):
        return f"{value:,.2f}"
    return value


def chart_markdown(chart: report.Chart) -> str:
    """The chart as an image, its numbers as a table below; the reason when it is empty."""
    heading = f"**{chart.title}** (amounts in USD millions)"
    if not chart.svg:
        return f"{heading}\n\n{chart.empty}"
    table = markdown_table(chart.columns, [tuple(map(_number, row)) for row in chart.rows])
    return f"{heading}\n\n![{chart.title}]({image_uri(chart.svg)})\n\n{table}"


def mart_charts(connection: duckdb.DuckDBPyConnection, database: Path) -> dict[str, str]:
    """Markdown with the chart of each mart that has one, read from a build's database.
    Empty when the report models are missing (a dbt build that stopped before them): the
    marts still get their other metadata."""
    try:
        data = report.collect(connection, database)
    except duckdb.CatalogException:
        return {}
    return {mart: chart_markdown(chart(data)) for mart, chart in MART_CHARTS.items()}
