"""`circularity bench`: the full build against plain DuckDB doing the same work.

For each size, synthetic data is generated once; then, in the same run, (a) the full
`circularity build` (input checks, dbt with its tests, Great Expectations, publish) and (b)
the reference, `bench/reference.sql` run by one DuckDB child process. Both are timed with
the peak memory of their whole process tree.

A shared machine drifts by tens of percent from minute to minute, so one pair of runs says
little: each size runs `--repeat` pairs (3 by default), the build first in one pair and the
reference first in the next, and the figures are those of the pair with the median ratio
(of an even number, the higher of the two middle ones). Every pair is printed and saved;
the peak memory is the highest of all the build's runs.

The reference is written by hand from the contract, in plain DuckDB SQL, with nothing taken
from the dbt models or macros: so it is an independent yardstick, and its marts must equal
the build's on every column the contract defines. When they differ the bench says where,
prints the first differing rows and exits non-zero: a ratio between two programs that do
not do the same work means nothing."""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from circularity.dbt_runner import PROJECT_DIR
from circularity.synth import parse_count, synthesize

REFERENCE_SQL = PROJECT_DIR / "bench" / "reference.sql"
OUT_DIR = PROJECT_DIR / "bench" / "out"  # ignored by git: figures are not source
REFERENCE_DATABASE = "reference.duckdb"

# The contract's columns of each mart, as compared: amounts at DECIMAL(38, 2), ratios to 6
# decimals. `circular_loops.loop_id` is left out (the contract names the column but not its
# value), and so is the wording of a rejection reason: only that there is one.
_AMOUNT = "cast({} as decimal(38, 2))"
_RATIO = "round(cast({} as double), 6)"
CONTRACT_COLUMNS: dict[str, dict[str, str]] = {
    "dim_companies": {
        "company_id": "{}",
        "name": "{}",
        "parent_id": "{}",
        "group_id": "{}",
        "kind": "{}",
        "country": "{}",
    },
    "fct_investments": {
        "deal_id": "{}",
        "announced_date": "{}",
        "investor_id": "{}",
        "investee_id": "{}",
        "investor_group_id": "{}",
        "investee_group_id": "{}",
        "amount_usd_m": _AMOUNT,
        "amount_qualifier": "{}",
        "instrument": "{}",
        "is_superseded": "{}",
        "source_url": "{}",
    },
    "fct_pledges": {
        "pledge_id": "{}",
        "announced_date": "{}",
        "pledger_id": "{}",
        "recipient_id": "{}",
        "pledger_group_id": "{}",
        "recipient_group_id": "{}",
        "amount_usd_m": _AMOUNT,
        "amount_qualifier": "{}",
        "period_years": "cast({} as decimal(38, 10))",
        "annualized_usd_m": _AMOUNT,
        "category": "{}",
        "is_superseded": "{}",
        "source_url": "{}",
    },
    "investment_totals": {
        "investor_group_id": "{}",
        "investee_group_id": "{}",
        "invested_usd_m": _AMOUNT,
        "invested_firm_usd_m": _AMOUNT,
        "tranche_count": "cast({} as bigint)",
        "undisclosed_count": "cast({} as bigint)",
        "first_announced": "{}",
        "last_announced": "{}",
    },
    "reciprocal_spend": {
        "investor_group_id": "{}",
        "investee_group_id": "{}",
        "invested_usd_m": _AMOUNT,
        "pledged_back_usd_m": _AMOUNT,
        "pledged_back_firm_usd_m": _AMOUNT,
        "reciprocal_ratio": _RATIO,
        "invested_firm_usd_m": _AMOUNT,
        "reciprocal_ratio_firm": _RATIO,
    },
    "circular_loops": {
        "path": "{}",
        "hop_count": "cast({} as bigint)",
        "bottleneck_usd_m": _AMOUNT,
    },
    "rejected_rows": {
        "source_file": "{}",
        "source_line": "cast({} as bigint)",
        "record": "{}",
        "reason": "{} is not null",
    },
}
MARTS = tuple(CONTRACT_COLUMNS)
SHOWN_ROWS = 5


@dataclass
class Measurement:
    seconds: float
    peak_rss_mb: float
    steps: dict[str, float] = field(default_factory=dict)


@dataclass
class Pair:
    """One run of the build and one of the reference, one right after the other."""

    build: Measurement
    reference: Measurement

    @property
    def ratio(self) -> float:
        return self.build.seconds / self.reference.seconds


@dataclass
class BenchResult:
    flows: int
    pairs: list[Pair]
    differences: list[str]
    mart_rows: dict[str, int]

    @property
    def marts_equal(self) -> bool:
        return not self.differences

    @property
    def median(self) -> Pair:
        """The pair with the median ratio; of an even number, the higher middle one."""
        return sorted(self.pairs, key=lambda pair: pair.ratio)[len(self.pairs) // 2]

    @property
    def ratio(self) -> float:
        return self.median.ratio

    @property
    def peak_rss_mb(self) -> float:
        return max(pair.build.peak_rss_mb for pair in self.pairs)

    def last_line(self) -> str:
        median = self.median
        return (
            f"flows={self.flows} build_s={median.build.seconds:.2f} "
            f"reference_s={median.reference.seconds:.2f} ratio={self.ratio:.2f} "
            f"peak_rss_mb={self.peak_rss_mb:.0f} "
            f"ratios={','.join(f'{pair.ratio:.2f}' for pair in self.pairs)}"
        )


def run_reference(data_dir: Path, database: Path) -> None:
    """Run the reference script into a new database file (the bench starts this as a child
    process, so its time and memory are measured apart from the bench's own)."""
    database.parent.mkdir(parents=True, exist_ok=True)
    database.unlink(missing_ok=True)
    connection = duckdb.connect(str(database))
    try:
        connection.execute("set enable_progress_bar = false")
        connection.execute("set variable data_dir = ?", [str(data_dir)])
        connection.execute(REFERENCE_SQL.read_text())
        connection.execute("checkpoint")
    finally:
        connection.close()


def _tree_rss_kb(root: int) -> int:
    """Resident memory of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                stat = handle.read()
            with open(f"/proc/{entry}/status") as handle:
                status = handle.read()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry))
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                rss[int(entry)] = int(line.split()[1])
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def measure(command: list[str]) -> tuple[Measurement, str]:
    """Run a command; wall time and the peak resident memory of its process tree."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=PROJECT_DIR
    )
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss_kb(process.pid))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = process.communicate()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{output[-4000:]}")
    return Measurement(seconds, peak / 1024), output


def _columns(connection: duckdb.DuckDBPyConnection, database: str, table: str) -> set[str]:
    rows = connection.execute(
        "select column_name from information_schema.columns "
        "where table_catalog = ? and table_schema = 'marts' and table_name = ?",
        [database, table],
    ).fetchall()
    return {name for (name,) in rows}


def compare_marts(build_db: Path, reference_db: Path) -> tuple[list[str], dict[str, int]]:
    """Compare the two warehouses' marts on the contract's columns, as multisets of rows.
    Returns one message per problem (a missing column, or rows found on one side only, with
    the first of them) and the build's row count per mart."""
    connection = duckdb.connect()
    connection.execute("attach ? as build (read_only)", [str(build_db)])
    connection.execute("attach ? as reference (read_only)", [str(reference_db)])
    problems: list[str] = []
    rows: dict[str, int] = {}
    try:
        for table, columns in CONTRACT_COLUMNS.items():
            rows[table] = connection.execute(
                f"select count(*) from build.marts.{table}"
            ).fetchone()[0]
            missing = [
                f"{side} lacks {table}.{column}"
                for side in ("build", "reference")
                for column in columns
                if column not in _columns(connection, side, table)
            ]
            if missing:
                problems.extend(missing)
                continue
            select = ", ".join(
                f"{shape.format(column)} as {column}" for column, shape in columns.items()
            )
            for side, other in (("build", "reference"), ("reference", "build")):
                only = (
                    f"select {select} from {side}.marts.{table} except all "
                    f"select {select} from {other}.marts.{table}"
                )
                count = connection.execute(f"select count(*) from ({only})").fetchone()[0]
                if count:
                    shown = connection.execute(
                        f"select * from ({only}) order by all limit {SHOWN_ROWS}"
                    ).fetchall()
                    problems.append(
                        f"{table}: {count:,} row(s) only in the {side}, first ones "
                        f"({', '.join(columns)}):\n" + "\n".join(f"    {row}" for row in shown)
                    )
    finally:
        connection.close()
    return problems, rows


def bench_one(
    flows: int, work: Path, seed: int = 0, engine: str = "duckdb", repeat: int = 3
) -> BenchResult:
    data = work / f"data-{flows}"
    if not (data / "pledges.csv").exists():
        synthesize(data, flows, seed=seed)
    build_dir = work / f"build-{flows}"
    warehouse = build_dir / "circularity.duckdb"
    timings = build_dir / "timings.json"
    reference_db = work / f"reference-{flows}" / REFERENCE_DATABASE
    cli = str(Path(sys.executable).with_name("circularity"))

    def run_build() -> Measurement:
        shutil.rmtree(build_dir, ignore_errors=True)
        measured, _ = measure(
            [
                cli,
                "build",
                "--data-dir",
                str(data),
                "--warehouse",
                str(warehouse),
                "--timings-json",
                str(timings),
                "--engine",
                engine,
            ]
        )
        measured.steps = json.loads(timings.read_text())
        return measured

    def run_reference() -> Measurement:
        command = [sys.executable, "-m", "circularity.bench", "--run-reference"]
        measured, _ = measure([*command, str(data), str(reference_db)])
        return measured

    pairs = []
    for index in range(repeat):
        if index % 2 == 0:
            build = run_build()
            reference = run_reference()
        else:
            reference = run_reference()
            build = run_build()
        pairs.append(Pair(build, reference))
        print(f"  pair {index + 1} of {repeat}: ratio {pairs[-1].ratio:.2f}", flush=True)
    differences, rows = compare_marts(warehouse, reference_db)
    return BenchResult(flows, pairs, differences, rows)


def report(results: list[BenchResult]) -> list[str]:
    lines = [
        f"{'flows':>10} {'build s':>9} {'reference s':>12} {'ratio':>6} {'build MB':>9} "
        f"{'ref MB':>7} {'marts':>6}  build steps (s)",
    ]
    for result in results:
        for pair in result.pairs:
            steps = ", ".join(
                f"{name} {seconds:.1f}"
                for name, seconds in pair.build.steps.items()
                if name != "total"
            )
            marker = "*" if pair is result.median else " "
            lines.append(
                f"{result.flows:>10,} {pair.build.seconds:>9.2f} "
                f"{pair.reference.seconds:>12.2f} {pair.ratio:>5.2f}{marker} "
                f"{pair.build.peak_rss_mb:>9.0f} {pair.reference.peak_rss_mb:>7.0f} "
                f"{'equal' if result.marts_equal else 'DIFFER':>6}  {steps}"
            )
    lines.append("(* the pair with the median ratio, whose figures the last lines give)")
    return lines


def run(args: argparse.Namespace) -> int:
    sizes = [parse_count(size) for size in args.flows.split(",")]
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="circularity-bench-"))
    results = []
    for flows in sizes:
        print(f"bench: {flows:,} flows ...", flush=True)
        result = bench_one(flows, work, args.seed, args.engine, args.repeat)
        for difference in result.differences:
            print(f"MARTS DIFFER at {flows:,} flows: {difference}", file=sys.stderr, flush=True)
        results.append(result)
    for line in report(results):
        print(line)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    record = {
        "when": stamp,
        "engine": args.engine,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "duckdb": duckdb.__version__,
        },
        "results": [
            asdict(result)
            | {
                "ratio": result.ratio,
                "peak_rss_mb": result.peak_rss_mb,
                "median_pair": result.pairs.index(result.median),
                "marts_equal": result.marts_equal,
            }
            for result in results
        ],
    }
    path = out / f"bench-{stamp}.json"
    path.write_text(json.dumps(record, indent=1))
    print(f"figures written to {path}")
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    for result in results:
        print(result.last_line())
    if not all(result.marts_equal for result in results):
        print(
            "bench FAILED: the build's marts differ from the reference's (see above)",
            file=sys.stderr,
        )
        return 1
    return 0


def _positive(text: str) -> int:
    number = int(text)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {number}")
    return number


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    command = subparsers.add_parser(
        "bench",
        help="time the full build against plain DuckDB doing the same work",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    command.add_argument(
        "--flows", default="100k,1M,10M", help="comma-separated sizes (default: 100k,1M,10M)"
    )
    command.add_argument(
        "--work",
        default=None,
        help="folder for data and builds (kept; default: a temporary folder)",
    )
    command.add_argument(
        "--out",
        default=str(OUT_DIR),
        help="folder for the JSON figures (default: bench/out, not tracked)",
    )
    command.add_argument("--seed", type=int, default=0)
    command.add_argument(
        "--repeat",
        type=_positive,
        default=3,
        help="pairs of runs per size, alternating which runs first; the figures are those "
        "of the pair with the median ratio (default: 3)",
    )
    command.add_argument(
        "--engine",
        choices=("duckdb", "spark"),
        default="duckdb",
        help="where the build's dbt models run (default: duckdb; see docs/scale-out.md)",
    )
    command.set_defaults(handler=run)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--run-reference":
        run_reference(Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        sys.exit("usage: python -m circularity.bench --run-reference DATA_DIR DATABASE")
