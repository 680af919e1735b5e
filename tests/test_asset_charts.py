"""The report's charts as Dagster shows them on the marts: Markdown with the chart as an SVG
`data:` image and its figures beside it, drawn from a real build by the report's own
functions. The browser side (the image loads on the asset page) is in test_ui."""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from circularity import asset_charts
from circularity.pipeline import DEFAULT_DATA_DIR, BuildConfig, build
from circularity.project import project_vars
from tests.conftest import query

SVG = "{http://www.w3.org/2000/svg}"
IMAGE = re.compile(r"!\[([^\]]*)\]\(data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)\)")


def charts_of(warehouse: Path) -> dict[str, str]:
    connection = duckdb.connect(str(warehouse), read_only=True)
    try:
        return asset_charts.mart_charts(connection, warehouse)
    finally:
        connection.close()


def image(markdown: str) -> tuple[str, ElementTree.Element]:
    """The alt text and the parsed SVG document of the one image in a chart's Markdown."""
    images = IMAGE.findall(markdown)
    assert len(images) == 1, markdown[:300]
    alt, payload = images[0]
    return alt, ElementTree.fromstring(base64.b64decode(payload).decode("utf-8"))


def table_rows(markdown: str) -> list[list[str]]:
    lines = [line for line in markdown.splitlines() if line.startswith("| ")]
    return [[cell.strip() for cell in line.strip("| ").split(" | ")] for line in lines[2:]]


@pytest.fixture(scope="module")
def seeds_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    warehouse = tmp_path_factory.mktemp("charts") / "circularity.duckdb"
    assert build(BuildConfig(DEFAULT_DATA_DIR, warehouse)).published
    return warehouse


def test_every_chart_of_the_seeds_is_a_complete_svg_image_with_its_figures(
    seeds_warehouse: Path,
) -> None:
    charts = charts_of(seeds_warehouse)
    assert set(charts) == set(asset_charts.MART_CHARTS)
    for mart, markdown in charts.items():
        if mart == "rejected_rows":  # the seeds reject nothing
            assert "No input row was rejected." in markdown and "data:" not in markdown
            continue
        alt, svg = image(markdown)
        assert svg.tag == f"{SVG}svg", mart
        assert float(svg.get("width")) > 0 and float(svg.get("height")) > 0, mart
        assert svg.find(f"{SVG}style") is not None, mart  # styled without the page's CSS
        assert alt and markdown.startswith(f"**{alt}**"), mart
        assert table_rows(markdown), mart
        assert len(markdown) < 150_000, (mart, len(markdown))  # bounded like the report


def test_flow_graph_draws_each_edge_of_its_table_and_the_warehouse_amounts(
    seeds_warehouse: Path,
) -> None:
    markdown = charts_of(seeds_warehouse)["investment_totals"]
    _, svg = image(markdown)
    rows = table_rows(markdown)
    edges = svg.findall(f".//{SVG}path[@class='edge']")
    assert len(edges) == len(rows) > 0
    [(kind, a, b, amount)] = query(
        seeds_warehouse,
        "select kind, from_group, to_group, amount_usd_m from report.report_edges "
        "order by amount_usd_m desc, kind, from_group, to_group limit 1",
    )
    assert rows[0][:3] == [f"{a} → {b}", kind, f"{amount:,.2f}"]


def test_loops_and_years_charts_carry_the_marts_figures(seeds_warehouse: Path) -> None:
    charts = charts_of(seeds_warehouse)
    loops = table_rows(charts["circular_loops"])
    # The marts' loops in the order the report lists them (report_loops).
    expected = query(
        seeds_warehouse,
        "select path, hop_count, bottleneck_usd_m from marts.circular_loops "
        "order by bottleneck_usd_m desc, hop_count, path limit ?",
        [project_vars()["report_loops_shown"]],
    )
    assert loops == [[path, str(hops), f"{b:,.2f}"] for path, hops, b in expected]
    _, svg = image(charts["circular_loops"])
    assert len(svg.findall(f".//{SVG}rect")) == len(expected)

    # Each fact table gets the totals of its own kind by year.
    invested = query(
        seeds_warehouse,
        "select announced_year, sum(amount_usd_m), sum(flow_rows) "
        "from report.report_totals_by_year where kind = 'investment' group by all order by 1",
    )
    assert table_rows(charts["fct_investments"]) == [
        [str(year), f"{Decimal(total):,.2f}", str(rows)] for year, total, rows in invested
    ]
    assert "pledged USD m" in charts["fct_pledges"] and "invested" not in charts["fct_pledges"]


def test_rejected_rows_chart_counts_each_reason(build_data: Callable) -> None:
    _, warehouse = build_data(
        deals="d1,2024-01-01,amazon,anthropic,100,USD,exact,equity,,https://example.com/d1,\n"
        "d2,2024-01-02,amazon,anthropic,5,USD,exact,equity,,https://example.com/d2,\n"
        "d3,2024/03/27,amazon,anthropic,5,USD,exact,equity,,https://example.com/d3,\n"
    )
    markdown = charts_of(warehouse)["rejected_rows"]
    alt, svg = image(markdown)
    assert alt == "Rejected rows by reason"
    reasons = query(
        warehouse,
        "select source_file, reason_kind, rejected_rows from gates.gate_rejection_reasons",
    )
    assert table_rows(markdown) == [[f, k, str(n)] for f, k, n in reasons]
    assert len(svg.findall(f".//{SVG}rect")) == len(reasons) == 1


def test_no_charts_when_the_report_models_are_missing(tmp_path: Path) -> None:
    database = tmp_path / "empty.duckdb"
    duckdb.connect(str(database)).close()
    assert charts_of(database) == {}
