"""The HTML report and the Data Docs as a reader opens them: built from a real build, with
figures read back from the warehouse, and loaded in headless Chromium with every request
recorded: nothing may leave file:// and nothing may fail."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from circularity.report import write_report
from tests.conftest import query, write_data_dir
from tests.test_ui import CHROMIUM, CHROMIUM_ARGS, require_browser

CLI = str(Path(sys.executable).with_name("circularity"))
DEALS = """\
d1,2024-01-01,amazon,anthropic,100,USD,exact,equity,,https://example.com/d1?a=1&b=<x>,
d2,2025-02-01,google,openai,40,USD,up_to,equity,,https://example.com/d2,
d3,2024/03/27,amazon,anthropic,5,USD,exact,equity,,https://example.com/d3,
"""
PLEDGES = """\
p1,2024-02-01,Anthropic,AWS,300,USD,exact,,cloud_compute,,https://example.com/p1,
p2,2025-03-01,OpenAI,Google Cloud,,USD,undisclosed,,cloud_compute,,https://example.com/p2,
"""


def build(data: Path, warehouse: Path) -> subprocess.CompletedProcess[str]:
    completed = subprocess.run(
        [CLI, "build", "--data-dir", str(data), "--warehouse", str(warehouse)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    return completed


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    root = tmp_path_factory.mktemp("report")
    data = write_data_dir(root / "data", deals=DEALS, pledges=PLEDGES)
    warehouse = root / "wh" / "circularity.duckdb"
    # A file of the user's in the docs folder: no build may remove it.
    docs = warehouse.with_name("circularity.data_docs")
    docs.mkdir(parents=True)
    (docs / "my-notes.txt").write_text("mine")
    build(data, warehouse)
    return warehouse, build(data, warehouse).stdout


def test_build_prints_every_rejection_reason(built: tuple[Path, str]) -> None:
    _, out = built
    assert re.search(r"deals\.csv\s+2 / 1", out), out
    assert re.search(r"1 x .*not a date", out), out


def test_publish_writes_the_report_with_the_warehouse_figures(built: tuple[Path, str]) -> None:
    warehouse, _ = built
    report = warehouse.with_name("circularity.report.html")
    assert report.is_file()
    html = report.read_text()
    # Self-contained: no script, no stylesheet or image to fetch.
    assert "<script" not in html and "<link" not in html and " src=" not in html
    # Flow graph: both kinds of edge, drawn and listed with their amounts.
    assert html.count('class="edge"') == 4
    assert "amazon → anthropic" in html and "anthropic → amazon" in html
    assert ">100.00<" in html and ">300.00<" in html
    # The rows behind an edge: date, qualifier, source (escaped), undisclosed amounts.
    assert "2024-01-01" in html and "up_to" in html and "undisclosed" in html
    assert "https://example.com/d1?a=1&amp;b=&lt;x&gt;" in html and "<x>" not in html
    # Reciprocal figures as the warehouse has them.
    ratio = query(
        warehouse,
        "select reciprocal_ratio from marts.reciprocal_spend where investor_group_id = 'amazon'",
    )[0][0]
    assert f">{ratio:,.2f}<" in html
    firm = query(
        warehouse,
        "select invested_firm_usd_m from marts.reciprocal_spend where investor_group_id = 'google'",
    )[0][0]
    assert firm == Decimal("0.00") and "invested_firm_usd_m" in html
    # Loops with their bottlenecks, and why one is 0.
    loops = dict(query(warehouse, "select path, bottleneck_usd_m from marts.circular_loops"))
    assert loops == {
        "amazon > anthropic > amazon": Decimal("100.00"),
        "google > openai > google": Decimal("0.00"),
    }
    assert "0 because the amount of openai → google is undisclosed" in html
    # Totals by year and rejected rows by reason.
    assert re.search(
        r"<td>2024</td><td class=\"num\">100\.00</td><td class=\"num\">1</td>"
        r"<td class=\"num\">300\.00</td>",
        html,
    )
    assert "deals.csv" in html and "not a date" in html and "2024/03/27" in html


def test_report_command_writes_where_asked(built: tuple[Path, str], tmp_path: Path) -> None:
    warehouse, _ = built
    out = tmp_path / "mine.html"
    completed = subprocess.run(
        [CLI, "report", "--warehouse", str(warehouse), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == f"report: {out}"
    assert "amazon &gt; anthropic &gt; amazon" in out.read_text()  # escaped


def test_a_page_that_cannot_be_put_in_place_leaves_no_partial_file(
    built: tuple[Path, str], tmp_path: Path
) -> None:
    warehouse, _ = built
    out = tmp_path / "taken.html"
    out.mkdir()  # the page cannot replace a folder
    with pytest.raises(IsADirectoryError):
        write_report(warehouse, out)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["taken.html"]


def test_report_command_replaces_its_own_page_but_no_other_file(
    built: tuple[Path, str], tmp_path: Path
) -> None:
    warehouse, _ = built
    out = tmp_path / "page.html"

    def report() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [CLI, "report", "--warehouse", str(warehouse), "--out", str(out)],
            capture_output=True,
            text=True,
            timeout=120,
        )

    assert report().returncode == 0
    assert report().returncode == 0  # its own page, written again
    out.write_text("<html>my notes</html>")
    refused = report()
    assert refused.returncode == 2
    assert refused.stderr.strip() == (
        f"error: refusing to replace {out}: Circularity did not write it; "
        "choose another file with --out"
    )
    assert out.read_text() == "<html>my notes</html>"


def test_data_docs_folder_is_the_builds_own(built: tuple[Path, str]) -> None:
    warehouse, _ = built
    docs = warehouse.with_name("circularity.data_docs")
    assert (docs / "my-notes.txt").read_text() == "mine"
    assert not (warehouse.parent / "data_docs").exists()
    # Two builds ran: only the second one's validation pages are left.
    runs = {p.parent.parent.name for p in docs.glob("validations/*/*/*/*.html")}
    assert len(runs) == 1, runs
    run_id = query(warehouse, "select max_by(run_id, finished_at) from audit.build_runs")[0][0]
    assert runs == {run_id}
    remote = [
        p
        for p in docs.rglob("*.html")
        if re.search(
            r"(src|href)=\"https?://[^\"]*"
            r"(cdn|unpkg|jquery)",
            p.read_text(),
        )
    ]
    assert remote == []


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


def open_offline(browser: Any, path: Path) -> tuple[Any, list[str], list[str]]:
    """Open a file; return the page, every requested URL and every failure or JS error."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    requests: list[str] = []
    problems: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("requestfailed", lambda request: problems.append(f"failed {request.url}"))
    page.on("pageerror", lambda error: problems.append(f"script error {error}"))
    page.goto(path.as_uri(), wait_until="load")
    return page, requests, problems


def test_report_renders_offline_and_traces_an_edge(built: tuple[Path, str], browser: Any) -> None:
    warehouse, _ = built
    page, requests, problems = open_offline(browser, warehouse.with_name("circularity.report.html"))
    try:
        assert problems == []
        assert all(url.startswith("file://") for url in requests), requests
        assert page.locator("svg.graph path.edge").count() == 4
        assert page.locator("svg.graph path.edge").first.bounding_box()["width"] > 10
        # Two clicks from a figure to its source: the edge's row, then its details.
        page.locator("#graph .numbers a", has_text="anthropic → amazon").click()
        page.locator("details:target > summary").click()
        source = page.locator("details:target a[href='https://example.com/p1']")
        assert source.is_visible()
        # A loop unfolds into its hops and their rows.
        page.locator("#loops summary", has_text="google > openai > google").click()
        assert page.locator("#loops details[open] a[href='https://example.com/p2']").is_visible()
        assert page.locator("#loops details[open]", has_text="undisclosed").is_visible()
    finally:
        page.close()


def test_data_docs_render_offline(built: tuple[Path, str], browser: Any) -> None:
    warehouse, _ = built
    docs = warehouse.with_name("circularity.data_docs")
    page, requests, problems = open_offline(browser, docs / "index.html")
    try:
        assert problems == []
        assert all(url.startswith("file://") for url in requests), requests
        # Both index tables (validations, suites) are drawn from the page's data.
        assert page.locator("table.table tbody tr.clickable-row").count() == 16
        rows = page.locator("#section-1-content-block-2-1-body-table tbody tr")
        assert rows.count() == 8
        assert page.locator("td", has_text="fct_investments").first.is_visible()
        # Styled: the local stylesheet lays out the navbar and GX's own fonts load.
        assert (
            page.locator(".navbar").first.evaluate("el => getComputedStyle(el).display") == "flex"
        )
        # A row opens its validation page, which also works offline.
        rows.filter(has_text="inputs").first.locator("td").nth(2).click()
        page.wait_for_url("**/validations/inputs/**")
        assert page.locator("text=rejected_share >> visible=true").count() > 0
        assert problems == []
        assert all(url.startswith("file://") for url in requests), requests
    finally:
        page.close()


def test_gx_page_templates_compile_once_per_user_and_a_broken_cache_only_costs_time(
    tmp_path: Path,
) -> None:
    from jinja2.bccache import bc_magic

    from circularity.data_docs_views import CachedPageView
    from circularity.template_cache import BestEffortBytecodeCache

    first = CachedPageView()
    cache = first.env.bytecode_cache
    assert isinstance(cache, BestEffortBytecodeCache)
    folder = Path(cache.directory)
    assert folder.stat().st_uid == os.getuid() and folder.stat().st_mode & 0o077 == 0
    first.env.get_template("page.j2")

    def compiles(cache: BestEffortBytecodeCache | None) -> int:
        view = CachedPageView()
        view.env.bytecode_cache = cache
        compile_template = view.env.compile
        calls = []
        view.env.compile = lambda *args, **kwargs: (
            calls.append(1) or compile_template(*args, **kwargs)
        )
        assert view.env.get_template("page.j2").filename.endswith("page.j2")
        return len(calls)

    assert compiles(cache) == 0  # another build: GX's page comes compiled from the cache
    assert compiles(None) == 1  # what every build paid before

    damaged = BestEffortBytecodeCache(str(tmp_path))
    key = damaged.get_cache_key("page.j2", first.env.get_template("page.j2").filename)
    (tmp_path / (damaged.pattern % key)).write_bytes(bc_magic + b"damaged")
    assert compiles(damaged) == 1
    assert compiles(BestEffortBytecodeCache(str(tmp_path / "gone"))) == 1  # cannot write: fine
