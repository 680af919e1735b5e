"""`circularity report`: one self-contained HTML page that shows the money go round.

The page has no network dependency at all (inline CSS and SVG, no script), so it opens from
a file, an e-mail attachment or an air-gapped machine. Every figure sits beside the chart
that draws it, and every edge and loop unfolds (`<details>`) into the deals and pledges
behind it, with their dates, qualifiers and source links: a reader checks any number in
two clicks. Every value from the warehouse is HTML-escaped.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from html import escape, unescape
from pathlib import Path
from typing import Any

import duckdb

from circularity.shell import warehouse_missing
from circularity.whole_file import write_whole

INVESTMENT_COLOR = "#2f6db5"
PLEDGE_COLOR = "#d9822b"
KIND_COLORS = {"investment": INVESTMENT_COLOR, "pledge": PLEDGE_COLOR}
# Every chart is a complete SVG document (namespace and size), so the same markup draws inline
# in the page and as an image file or data: URI on its own.
SVG_NS = 'xmlns="http://www.w3.org/2000/svg"'


@dataclass(frozen=True)
class Flow:
    """One counted deal or pledge, as a reader checks it."""

    kind: str
    flow_id: str
    announced_date: Any
    from_group: str
    to_group: str
    from_company: str
    to_company: str
    amount_usd_m: Decimal | None
    qualifier: str
    detail: str  # instrument of a deal, category (and period) of a pledge
    source_url: str


@dataclass
class Edge:
    """The counted flows of one kind from one group to another: their totals, and the
    largest of them (model report_flows keeps at most var report_examples_per_edge) as the
    rows a reader checks."""

    kind: str
    from_group: str
    to_group: str
    amount: Decimal
    rows: int
    undisclosed: int
    flows: list[Flow] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return anchor("edge", self.kind, self.from_group, self.to_group)


@dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: list[tuple[Any, ...]]


@dataclass(frozen=True)
class Chart:
    """One chart of the report and the numbers it draws. The HTML page and Dagster's asset
    pages (`circularity.asset_charts`) both show these, so each chart is drawn by one
    function wherever it appears."""

    title: str
    svg: str  # empty when there is nothing to draw
    empty: str  # what a reader sees instead of an empty chart
    columns: list[str]
    rows: list[tuple[Any, ...]]

    def html(self) -> str:
        return self.svg or f'<p class="muted">{escape(self.empty)}</p>'


@dataclass
class ReportData:
    warehouse: Path
    edge_list: list[Edge]
    years: list[tuple[str, str, Decimal, int]]  # (year, kind, amount, rows)
    reciprocal: Table
    loops: list[tuple[str, str, int, Decimal]]
    rejected: list[tuple[str, str, int]]
    rejected_examples: dict[tuple[str, str], list[tuple[int, str, str]]]
    last_build: dict[str, Any] | None

    def edges(self) -> list[Edge]:
        return sorted(self.edge_list, key=lambda e: (-e.amount, e.kind, e.from_group, e.to_group))

    def groups(self) -> list[str]:
        names = {e.from_group for e in self.edges()} | {e.to_group for e in self.edges()}
        return sorted(names)


def anchor(*parts: str) -> str:
    """A stable, HTML-safe id for an element named by warehouse values."""
    digest = hashlib.md5("\x1f".join(parts).encode("utf-8")).hexdigest()[:12]
    return f"{parts[0]}-{digest}"


def add_parser(commands: Any, default_warehouse: Path) -> None:
    command = commands.add_parser(
        "report",
        help="write a self-contained HTML report of the money flows",
        description="Write one HTML page (no network needed) with the flow graph, the "
        "reciprocal spend, the loops, totals by year and the rejected rows.",
    )
    command.add_argument(
        "--warehouse",
        type=Path,
        default=default_warehouse,
        help="DuckDB file (default: warehouse/circularity.duckdb)",
    )
    command.add_argument(
        "--out",
        type=Path,
        default=None,
        help="HTML file (default: <warehouse stem>.report.html beside it)",
    )
    command.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    warehouse: Path = args.warehouse.expanduser()
    if warehouse_missing(warehouse):
        return 2
    out = args.out or default_path(warehouse)
    if not may_replace(out):
        print(
            f"error: refusing to replace {out}: Circularity did not write it; "
            "choose another file with --out",
            file=sys.stderr,
        )
        return 2
    try:
        path = write_report(warehouse, out)
    except (duckdb.Error, OSError) as error:
        print(f"error: cannot write the report: {' '.join(str(error).split())}", file=sys.stderr)
        return 1
    print(f"report: {path}")
    return 0


def default_path(warehouse: Path) -> Path:
    return warehouse.with_name(f"{warehouse.stem}.report.html")


_TITLE = "<title>Circularity report: "


def may_replace(path: Path) -> bool:
    """Whether a report may be written to `path`: nothing is there, or a page this module
    wrote (its title says so). Any other file there is the user's."""
    if not (path.exists() or path.is_symlink()):
        return True
    return page_owner(path) is not None


def page_owner(path: Path) -> str | None:
    """The file name of the warehouse a report page at `path` shows (its title names it),
    or None when no page of this module is there."""
    if not path.is_file():
        return None
    try:
        with path.open("rb") as page:
            start = page.read(8192).decode("utf-8", errors="replace")
    except OSError:
        return None
    begin = start.find(_TITLE)
    end = start.find("</title>", begin)
    if begin < 0 or end < 0:
        return None
    return unescape(start[begin + len(_TITLE) : end])


def write_report(warehouse: Path, out: Path | None = None) -> Path:
    """Render the report of `warehouse` and replace `out` atomically (a browser reloading
    it never reads half a page)."""
    out = out or default_path(warehouse)
    connection = duckdb.connect(str(warehouse), read_only=True)
    try:
        data = collect(connection, warehouse)
    finally:
        connection.close()
    page = render(data)
    write_whole(out, page)
    return out


def _table(connection: duckdb.DuckDBPyConnection, sql: str) -> Table:
    cursor = connection.execute(sql)
    return Table([d[0] for d in cursor.description], cursor.fetchall())


def _has_table(connection: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    return bool(
        connection.execute(
            "select count(*) from duckdb_tables() where database_name = current_database() "
            "and schema_name = ? and table_name = ?",
            [schema, name],
        ).fetchone()[0]
    )


# However large the warehouse, the page stays readable and its size bounded: the largest
# pairs here; the loops the report models list (report_loops) and the edges they mark shown
# (report_edges), bounded by the dbt vars report_loops_shown and report_edges_shown.
MAX_PAIRS = 100


def collect(connection: duckdb.DuckDBPyConnection, warehouse: Path) -> ReportData:
    """Read what the page shows from the report models; nothing else touches the
    warehouse, and nothing read grows with the number of rows."""
    loops = connection.execute(
        "select loop_id, path, hop_count, bottleneck_usd_m from report.report_loops "
        "order by list_rank"
    ).fetchall()
    edge_rows = connection.execute(
        "select kind, from_group, to_group, amount_usd_m, flow_rows, undisclosed_rows "
        "from report.report_edges where is_shown"
    ).fetchall()
    edges = {
        (kind, a, b): Edge(kind, a, b, amount, rows, n) for kind, a, b, amount, rows, n in edge_rows
    }
    # report_flows holds the rows behind the edges shown, and only those.
    for row in connection.execute(
        "select kind, flow_id, announced_date, from_group, to_group, from_company, to_company,"
        " amount_usd_m, qualifier, detail, source_url from report.report_flows "
        "order by kind, from_group, to_group, rank_in_edge"
    ).fetchall():
        flow = Flow(*row)
        edges[(flow.kind, flow.from_group, flow.to_group)].flows.append(flow)
    years = connection.execute(
        "select announced_year, kind, amount_usd_m, flow_rows from report.report_totals_by_year "
        "order by announced_year, kind"
    ).fetchall()
    reciprocal = _table(
        connection,
        "select * from marts.reciprocal_spend "
        "order by pledged_back_usd_m desc, invested_usd_m desc, "
        f"investor_group_id, investee_group_id limit {MAX_PAIRS}",
    )
    rejected, examples = [], {}
    for source_file, kind, count, line, reason, record in connection.execute(
        "select source_file, reason_kind, rejected_rows, source_line, reason, record "
        "from report.report_rejected_examples "
        "order by source_file, rejected_rows desc, reason_kind, example_rank"
    ).fetchall():
        if (source_file, kind) not in examples:
            rejected.append((source_file, kind, count))
            examples[(source_file, kind)] = []
        examples[(source_file, kind)].append((line, reason, record))
    last_build = None
    if _has_table(connection, "audit", "build_runs"):
        cursor = connection.execute(
            "select * from audit.build_runs order by finished_at desc limit 1"
        )
        row = cursor.fetchone()
        if row:
            last_build = dict(zip([d[0] for d in cursor.description], row, strict=True))
    return ReportData(
        warehouse, list(edges.values()), years, reciprocal, loops, rejected, examples, last_build
    )


# ---------------------------------------------------------------------------- rendering


def money(value: Decimal | float | int | None) -> str:
    if value is None:
        return "undisclosed"
    return f"{Decimal(value):,.2f}"


def cell(value: Any) -> str:
    if value is None:
        return '<span class="muted">–</span>'
    if isinstance(value, Decimal):
        return escape(f"{value:,.2f}")
    if isinstance(value, float):
        return escape(f"{value:,.2f}")
    return escape(str(value))


def source_link(url: str) -> str:
    if url.startswith(("https://", "http://")):
        return f'<a href="{escape(url)}" rel="noreferrer">{escape(url)}</a>'
    return escape(url) or '<span class="muted">no source</span>'


def flows_table(flows: Sequence[Flow]) -> str:
    rows = "".join(
        f"<tr><td>{escape(str(f.announced_date))}</td><td>{escape(f.kind)}</td>"
        f"<td><code>{escape(f.flow_id)}</code></td>"
        f"<td>{escape(f.from_company)} → {escape(f.to_company)}</td>"
        f'<td class="num">{escape(money(f.amount_usd_m))}</td>'
        f"<td>{escape(f.qualifier)}</td><td>{escape(f.detail)}</td>"
        f"<td>{source_link(f.source_url)}</td></tr>"
        for f in flows
    )
    return (
        '<table class="flows"><thead><tr><th>announced</th><th>kind</th><th>id</th>'
        "<th>companies</th><th>USD m</th><th>qualifier</th><th>instrument / category</th>"
        f"<th>source</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def flow_graph_svg(edges: Sequence[Edge], groups: Sequence[str]) -> str:
    """Groups on a circle; each edge a curve bent to its left, so A→B and B→A, and the
    investment and pledge of one pair, never overlap. Width grows with the square root of
    the amount; an edge of undisclosed amounts only is a thin dashed line."""
    size, radius = 640, 240
    centre = size / 2
    if not groups:
        return ""
    position = {
        group: (
            centre + radius * math.cos(2 * math.pi * i / len(groups) - math.pi / 2),
            centre + radius * math.sin(2 * math.pi * i / len(groups) - math.pi / 2),
        )
        for i, group in enumerate(groups)
    }
    largest = max((float(e.amount) for e in edges), default=0.0) or 1.0
    parts = []
    for edge in sorted(edges, key=lambda e: -e.amount):
        (x1, y1), (x2, y2) = position[edge.from_group], position[edge.to_group]
        dx, dy = x2 - x1, y2 - y1
        length = math.hypot(dx, dy) or 1.0
        bend = 0.12 if edge.kind == "investment" else 0.24
        cx = (x1 + x2) / 2 + dy / length * length * bend
        cy = (y1 + y2) / 2 - dx / length * length * bend
        # Stop short of the target's dot, so the arrowhead stays visible.
        tx, ty = x2 - cx, y2 - cy
        shorten = 10 / (math.hypot(tx, ty) or 1.0)
        x2, y2 = x2 - tx * shorten, y2 - ty * shorten
        amount = float(edge.amount)
        width = 1.0 + 14.0 * math.sqrt(amount / largest) if amount > 0 else 1.0
        dash = ' stroke-dasharray="5 4"' if amount == 0 else ""
        color = KIND_COLORS[edge.kind]
        title = (
            f"{edge.kind}: {edge.from_group} → {edge.to_group}: USD {money(edge.amount)} m "
            f"({edge.rows} rows, {edge.undisclosed} undisclosed)"
        )
        parts.append(
            f'<a href="#{edge.anchor}"><path class="edge" d="M{x1:.1f},{y1:.1f} '
            f'Q{cx:.1f},{cy:.1f} {x2:.1f},{y2:.1f}" stroke="{color}" '
            f'stroke-width="{width:.1f}" fill="none" stroke-opacity="0.7"{dash} '
            f'marker-end="url(#arrow-{edge.kind})"><title>{escape(title)}</title></path></a>'
        )
    for group, (x, y) in position.items():
        anchor_x = "start" if x > centre + 1 else "end" if x < centre - 1 else "middle"
        offset = 10 if anchor_x == "start" else -10 if anchor_x == "end" else 0
        dy = 22 if y > centre else -12
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="7" class="node"/>'
            f'<text x="{x + offset:.1f}" y="{y + (dy if anchor_x == "middle" else 4):.1f}" '
            f'text-anchor="{anchor_x}">{escape(group)}</text>'
        )
    markers = "".join(
        f'<marker id="arrow-{kind}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="12" '
        f'markerHeight="12" markerUnits="userSpaceOnUse" orient="auto-start-reverse">'
        f'<path d="M0,0 L10,5 L0,10 z" '
        f'fill="{color}"/></marker>'
        for kind, color in KIND_COLORS.items()
    )
    return (
        f'<svg {SVG_NS} class="graph" width="{size + 240}" height="{size + 40}" '
        f'viewBox="-120 -20 {size + 240} {size + 40}" role="img" '
        f'aria-label="flow graph of groups"><defs>{markers}</defs>{"".join(parts)}</svg>'
    )


def bar_chart_svg(
    labels: Sequence[str], series: Sequence[tuple[str, str, Sequence[float]]], label: str
) -> str:
    """Horizontal bars, one row per label and one bar per series (name, color, values)."""
    bar, gap, left, width = 12, 10, 190, 360
    largest = max((v for _, _, values in series for v in values), default=0.0) or 1.0
    row_height = bar * len(series) + gap
    height = row_height * len(labels) + gap
    parts = []
    for i, name in enumerate(labels):
        top = gap + i * row_height
        parts.append(
            f'<text x="{left - 6}" y="{top + bar * len(series) / 2 + 4:.1f}" '
            f'text-anchor="end">{escape(name)}</text>'
        )
        for j, (series_name, color, values) in enumerate(series):
            value = values[i]
            parts.append(
                f'<rect x="{left}" y="{top + j * bar}" height="{bar - 2}" '
                f'width="{max(width * value / largest, 0.5):.1f}" fill="{color}">'
                f"<title>{escape(series_name)}: {escape(f'{value:,.2f}')}</title></rect>"
            )
    return (
        f'<svg {SVG_NS} class="bars" width="{left + width + 10}" height="{height}" '
        f'viewBox="0 0 {left + width + 10} {height}" role="img" '
        f'aria-label="{escape(label)}">{"".join(parts)}</svg>'
    )


def html_table(columns: Iterable[str], rows: Iterable[Iterable[Any]], numeric: set[int]) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{cell(v)}</td>' if i in numeric else f"<td>{cell(v)}</td>"
            for i, v in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


# The charts: each from the collected data alone, with the numbers it draws.

KIND_TOTAL_COLUMNS = {
    "investment": ("invested USD m", "deals"),
    "pledge": ("pledged USD m", "pledges"),
}


def graph_chart(data: ReportData, edges: Sequence[Edge] | None = None) -> Chart:
    edges = data.edges() if edges is None else edges
    return Chart(
        "Who funds whom, and what comes back",
        flow_graph_svg(edges, data.groups()),
        "No counted flows between groups.",
        ["edge", "kind", "USD m", "rows", "undisclosed"],
        [
            (f"{e.from_group} → {e.to_group}", e.kind, e.amount, e.rows, e.undisclosed)
            for e in edges
        ],
    )


def reciprocal_chart(data: ReportData) -> Chart:
    """The pairs whose investee group pledged spend back: invested beside pledged back."""
    table = data.reciprocal
    index = {name: i for i, name in enumerate(table.columns)}
    backed = [r for r in table.rows if (r[index["pledged_back_usd_m"]] or 0) > 0]
    pairs = [f"{r[index['investor_group_id']]} ⇄ {r[index['investee_group_id']]}" for r in backed]
    invested = [r[index["invested_usd_m"]] or Decimal(0) for r in backed]
    pledged = [r[index["pledged_back_usd_m"]] or Decimal(0) for r in backed]
    svg = (
        bar_chart_svg(
            pairs,
            [
                ("invested", INVESTMENT_COLOR, [float(v) for v in invested]),
                ("pledged back", PLEDGE_COLOR, [float(v) for v in pledged]),
            ],
            "invested and pledged back per pair",
        )
        if backed
        else ""
    )
    return Chart(
        "Invested and pledged back per pair",
        svg,
        "No pair has pledged spend back.",
        ["pair", "invested USD m", "pledged back USD m"],
        list(zip(pairs, invested, pledged, strict=True)),
    )


def loops_chart(data: ReportData) -> Chart:
    svg = (
        bar_chart_svg(
            [loop[1] for loop in data.loops],
            [("bottleneck", "#6a4c93", [float(loop[3]) for loop in data.loops])],
            "bottleneck per loop",
        )
        if data.loops
        else ""
    )
    return Chart(
        "Bottleneck per closed loop",
        svg,
        "No closed loops.",
        ["path", "hops", "bottleneck USD m"],
        [(path, hops, bottleneck) for _, path, hops, bottleneck in data.loops],
    )


def years_chart(data: ReportData, kinds: Sequence[str] = tuple(KIND_COLORS)) -> Chart:
    """Counted amounts and rows per year announced, for the kinds asked (both by default)."""
    totals: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for year, kind, amount, rows in data.years:
        if kind in kinds:
            totals[year][kind] += amount or Decimal(0)
            counts[year][kind] += rows
    years = sorted(totals)
    svg = (
        bar_chart_svg(
            years,
            [(kind, KIND_COLORS[kind], [float(totals[y][kind]) for y in years]) for kind in kinds],
            "totals by year",
        )
        if years
        else ""
    )
    return Chart(
        "Totals by year announced",
        svg,
        "No counted flows.",
        ["year", *(column for kind in kinds for column in KIND_TOTAL_COLUMNS[kind])],
        [
            (y, *(value for kind in kinds for value in (totals[y][kind], counts[y][kind])))
            for y in years
        ],
    )


def rejected_chart(data: ReportData) -> Chart:
    svg = (
        bar_chart_svg(
            [f"{f}: {k}"[:60] for f, k, _ in data.rejected],
            [("rows", "#b23a48", [float(n) for _, _, n in data.rejected])],
            "rejected rows by reason",
        )
        if data.rejected
        else ""
    )
    return Chart(
        "Rejected rows by reason",
        svg,
        "No input row was rejected.",
        ["file", "reason", "rows"],
        list(data.rejected),
    )


def _shown(edge: Edge) -> str:
    if len(edge.flows) < edge.rows:
        return f", the largest {len(edge.flows)} shown"
    return ""


def section_graph(data: ReportData, edges: list[Edge]) -> str:
    rows = "".join(
        f'<tr><td><a href="#{e.anchor}">{escape(e.from_group)} → {escape(e.to_group)}</a></td>'
        f'<td><span class="key {escape(e.kind)}"></span>{escape(e.kind)}</td>'
        f'<td class="num">{escape(money(e.amount))}</td><td class="num">{e.rows}</td>'
        f'<td class="num">{e.undisclosed}</td></tr>'
        for e in edges
    )
    details = "".join(
        f'<details id="{e.anchor}"><summary>{escape(e.kind)} {escape(e.from_group)} → '
        f"{escape(e.to_group)}: USD {escape(money(e.amount))} m from {e.rows} "
        f"row(s){_shown(e)}</summary>{flows_table(e.flows)}</details>"
        for e in edges
    )
    return f"""
<section id="graph"><h2>Who funds whom, and what comes back</h2>
<p>Each arrow is the counted money from one group to another (superseded rows left out,
undisclosed amounts count 0). <span class="key investment"></span>investments,
<span class="key pledge"></span>pledged spend; width grows with the amount; a dashed arrow
has undisclosed amounts only. Click an arrow or a row for the deals and pledges behind it.</p>
<div class="pair"><div class="chart">{graph_chart(data, edges).html()}</div>
<div class="numbers"><table><thead><tr><th>edge</th><th>kind</th><th>USD m</th><th>rows</th>
<th>undisclosed</th></tr></thead><tbody>{rows}</tbody></table></div></div>
<h3>The rows behind each edge</h3>{details}</section>"""


def section_reciprocal(data: ReportData, edges: list[Edge]) -> str:
    table = data.reciprocal
    columns = table.columns
    index = {name: i for i, name in enumerate(columns)}
    numeric = {i for i, name in enumerate(columns) if name.endswith(("_usd_m", "_ratio"))}
    anchors = {(e.kind, e.from_group, e.to_group): e.anchor for e in edges}
    rows = []
    for row in table.rows:
        investor, investee = row[index["investor_group_id"]], row[index["investee_group_id"]]
        links = []
        for kind, a, b in (("investment", investor, investee), ("pledge", investee, investor)):
            if (kind, a, b) in anchors:
                links.append(f'<a href="#{anchors[(kind, a, b)]}">{kind}s</a>')
        cells = "".join(
            f'<td class="num">{cell(v)}</td>' if i in numeric else f"<td>{cell(v)}</td>"
            for i, v in enumerate(row)
        )
        rows.append(f"<tr>{cells}<td>{' · '.join(links)}</td></tr>")
    head = "".join(f"<th>{escape(c)}</th>" for c in columns) + "<th>rows behind</th>"
    firm = (
        "headline figures count every disclosed amount; <code>*_firm_usd_m</code> leave "
        "out <code>up_to</code> amounts"
    )
    return f"""
<section id="reciprocal"><h2>Reciprocal spend</h2>
<p>For each pair with a counted investment: how much the investee group pledged back to the
investor group ({firm}). The ratio is pledged back over invested.</p>
<div class="pair"><div class="chart">{reciprocal_chart(data).html()}</div>
<div class="numbers wide"><table><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}
</tbody></table></div></div></section>"""


def section_loops(data: ReportData, edges: list[Edge]) -> str:
    combined: dict[tuple[str, str], list[Edge]] = defaultdict(list)
    for edge in edges:
        combined[(edge.from_group, edge.to_group)].append(edge)
    rows, details = [], []
    zero_by_undisclosed = 0
    for loop_id, path, hops, bottleneck in data.loops:
        groups = path.split(" > ")
        hop_parts, undisclosed_hops = [], []
        for a, b in zip(groups, groups[1:], strict=False):
            hop_edges = combined.get((a, b), [])
            amount = sum((e.amount for e in hop_edges), Decimal(0))
            if amount == 0 and any(e.undisclosed for e in hop_edges):
                undisclosed_hops.append(f"{a} → {b}")
            links = " + ".join(
                f'<a href="#{e.anchor}">{escape(e.kind)} {escape(money(e.amount))}</a>'
                for e in hop_edges
            )
            hop_parts.append(
                f"<li>{escape(a)} → {escape(b)}: USD {escape(money(amount))} m ({links})"
                f"{flows_table([f for e in hop_edges for f in e.flows])}</li>"
            )
        note = ""
        if bottleneck == 0 and undisclosed_hops:
            zero_by_undisclosed += 1
            note = (
                "0 because the amount of "
                + ", ".join(undisclosed_hops)
                + " is undisclosed: the loop exists, its size is unknown"
            )
        loop_anchor = anchor("loop", loop_id)
        rows.append(
            f'<tr><td><a href="#{loop_anchor}">{escape(path)}</a></td><td class="num">{hops}'
            f'</td><td class="num">{escape(money(bottleneck))}</td><td>{escape(note)}</td></tr>'
        )
        details.append(
            f'<details id="{loop_anchor}"><summary>{escape(path)}: bottleneck USD '
            f"{escape(money(bottleneck))} m</summary><ol>{''.join(hop_parts)}</ol></details>"
        )
    summary = (
        f"<p>{len(data.loops)} loops; {zero_by_undisclosed} show a bottleneck of 0 because "
        "one of their edges has undisclosed amounts only (the money goes round, but how much "
        "is not public).</p>"
    )
    return f"""
<section id="loops"><h2>Closed loops</h2>
<p>A loop is a chain of groups where money leaves one and comes back to it (2 to 4 hops).
Its bottleneck is its thinnest edge: at most that much can have gone all the way round.</p>
{summary}
<div class="pair"><div class="chart">{loops_chart(data).html()}</div>
<div class="numbers"><table><thead><tr><th>path</th><th>hops</th><th>bottleneck USD m</th>
<th>note</th></tr></thead><tbody>{"".join(rows)}</tbody></table></div></div>
<h3>The rows behind each loop</h3>{"".join(details)}</section>"""


def section_years(data: ReportData) -> str:
    chart = years_chart(data)
    table = html_table(chart.columns, chart.rows, set(range(1, len(chart.columns))))
    return f"""
<section id="years"><h2>Totals by year announced</h2>
<p>Counted rows only (superseded left out), intra-group flows included.</p>
<div class="pair"><div class="chart">{chart.html()}</div><div class="numbers">{table}</div></div>
</section>"""


def section_rejected(data: ReportData) -> str:
    total = sum(n for _, _, n in data.rejected)
    if not total:
        return (
            '<section id="rejected"><h2>Rejected rows</h2><p>No input row was rejected.'
            "</p></section>"
        )
    rows = "".join(
        f"<tr><td>{escape(f)}</td><td>{escape(k)}</td><td class='num'>{n}</td></tr>"
        for f, k, n in data.rejected
    )
    details = "".join(
        f"<details><summary>{escape(f)}: {escape(k)} ({n})</summary>"
        + html_table(["line", "reason", "record"], data.rejected_examples[(f, k)], {0})
        + "</details>"
        for f, k, n in data.rejected
    )
    return f"""
<section id="rejected"><h2>Rejected rows by reason</h2>
<p>{total} input rows were rejected; each is in <code>marts.rejected_rows</code> with its
line and what to fix (the first 20 of each reason below).</p>
<div class="pair"><div class="chart">{rejected_chart(data).html()}</div>
<div class="numbers"><table><thead><tr><th>file</th><th>reason</th><th>rows</th></tr>
</thead><tbody>{rows}</tbody></table></div></div>{details}</section>"""


STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;
color:#1d2230;background:#fafafa}
header{background:#1d2230;color:#fff;padding:18px 32px}header h1{margin:0 0 4px;font-size:22px}
header p{margin:0;color:#c8cbd6}nav a{color:#fff;margin-right:16px}
main{padding:8px 32px 48px;max-width:1500px}
section{background:#fff;border:1px solid #e2e4ea;border-radius:6px;padding:8px 20px 16px;
margin:18px 0}
h2{font-size:18px;margin:12px 0 6px}h3{font-size:15px;margin:18px 0 6px}
.pair{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}
.chart{flex:1 1 460px;min-width:320px}.numbers{flex:1 1 420px;overflow-x:auto}
.numbers.wide{flex:2 1 600px}
svg{width:100%;height:auto;font-size:12px}svg.graph text{font-size:13px;font-weight:600}
.node{fill:#1d2230}.edge:hover{stroke-opacity:1}
table{border-collapse:collapse;font-size:13px;margin:4px 0}
th,td{border-bottom:1px solid #e8e9ee;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f1f2f6;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}
details{margin:4px 0;border-left:3px solid #e2e4ea;padding-left:8px}
details:target{border-left-color:#d9822b}summary{cursor:pointer}
table.flows td{font-size:12px}.muted{color:#8a8f9c}
.key{display:inline-block;width:14px;height:4px;margin:0 4px 3px 0;vertical-align:middle}
.key.investment{background:#2f6db5}.key.pledge{background:#d9822b}
code{font-size:12px}
"""


def render(data: ReportData) -> str:
    edges = data.edges()
    build = data.last_build or {}
    built = (
        f"build {escape(str(build.get('run_id')))} finished {escape(str(build.get('finished_at')))}"
        if build
        else "no audit record"
    )
    as_of = f", as of {escape(str(build['as_of']))}" if build.get("as_of") else ""
    made = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
{_TITLE}{escape(data.warehouse.name)}</title>
<style>{STYLE}</style></head>
<body><header><h1>Circularity: the money going round</h1>
<p>{escape(str(data.warehouse))} · {built}{as_of} · page written {made} · amounts in USD
millions</p>
<nav><a href="#graph">flow graph</a><a href="#reciprocal">reciprocal spend</a>
<a href="#loops">loops</a><a href="#years">by year</a><a href="#rejected">rejected rows</a>
</nav></header><main>
{section_graph(data, edges)}
{section_reciprocal(data, edges)}
{section_loops(data, edges)}
{section_years(data)}
{section_rejected(data)}
</main></body></html>
"""
