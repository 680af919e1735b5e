"""The synthetic data generator: contract headers, determinism, shares, every rejection kind
(judged here by an independent reading of the contract), unambiguous names, parent chains,
the `synth` command line, and one real build of a synthetic directory."""

from __future__ import annotations

import argparse
import csv
import re
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from circularity.synth import (
    BAD_KINDS_DEALS,
    BAD_KINDS_PLEDGES,
    SynthReport,
    add_parser,
    parse_count,
    synthesize,
)
from tests.conftest import HEADERS, query

FILES = tuple(HEADERS)
QUALIFIERS = {"exact", "approx", "up_to", "at_least", "undisclosed"}
INSTRUMENTS = {"equity", "convertible_note", "warrant", "credits", "debt", "other"}
CATEGORIES = {"cloud_compute", "chips", "datacenter", "power", "other"}
AMOUNT = re.compile(r"\d+(\.\d{1,2})?")


def read_rows(path: Path) -> list[list[str]]:
    """Data rows, split on commas: the generator never quotes (checked by the caller)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.split(",") for line in lines[1:]]


@pytest.fixture(scope="module")
def synth_20k(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SynthReport]:
    out = tmp_path_factory.mktemp("synth") / "data"
    return out, synthesize(out, 20_000, bad_share=0.01, seed=7)


class World:
    """Companies, groups and names as the contract defines them, read from the files."""

    def __init__(self, data: Path) -> None:
        self.companies = {row[0]: row for row in read_rows(data / "companies.csv")}
        self.aliases = read_rows(data / "company_aliases.csv")
        self.group = {company_id: self.top(company_id) for company_id in self.companies}
        self.names: dict[str, str] = {}
        for company_id, name, *_ in self.companies.values():
            self.names[company_id.lower()] = company_id
            self.names[name.lower()] = company_id
        for alias, company_id in self.aliases:
            self.names[alias.lower()] = company_id
        self.first_rate: dict[str, str] = {}
        for currency, rate_date, _ in read_rows(data / "fx_rates.csv"):
            self.first_rate[currency] = min(rate_date, self.first_rate.get(currency, rate_date))

    def chain(self, company_id: str) -> list[str]:
        chain = [company_id]
        while self.companies[chain[-1]][2]:
            chain.append(self.companies[chain[-1]][2])
            assert len(chain) <= len(self.companies), f"parent chain of {company_id} loops"
        return chain

    def top(self, company_id: str) -> str:
        return self.chain(company_id)[-1]

    def group_of(self, name: str) -> str | None:
        company_id = self.names.get(name.strip().lower())
        return None if company_id is None else self.group[company_id]


def judge(file: str, rows: list[list[str]], world: World) -> tuple[Counter[str], list[int]]:
    """Classify every row by the first rule of the contract it breaks (None: accepted), and
    check each accepted row is clean. Returns (kind counts, indexes of accepted rows)."""
    deals = file == "deals.csv"
    width = 11 if deals else 12
    tail_index, tail_values = (7, INSTRUMENTS) if deals else (8, CATEGORIES)
    required = (0, 1, 2, 3, 5, 6, tail_index, width - 2)
    all_ids = {row[0] for row in rows if len(row) == width}
    seen: dict[str, str] = {}  # accepted-or-not readable id -> its date
    kinds: Counter[str] = Counter()
    accepted: list[int] = []
    for index, row in enumerate(rows):
        kind = None
        if len(row) != width:
            kind = "wrong_field_count"
        elif row[1] and not _is_date(row[1]):
            kind = "bad_date"
        elif any(not row[i] for i in required):
            kind = "missing_field"
        else:
            amount, currency, qualifier = row[4], row[5], row[6]
            groups = world.group_of(row[2]), world.group_of(row[3])
            if amount and not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)", amount):
                kind = "amount_not_number"
            elif amount.startswith("-"):
                kind = "negative_amount"
            elif qualifier not in QUALIFIERS:
                kind = "unknown_qualifier"
            elif qualifier == "undisclosed" and amount:
                kind = "amount_with_undisclosed"
            elif qualifier != "undisclosed" and not amount:
                kind = "amount_missing"
            elif row[tail_index] not in tail_values:
                kind = "unknown_instrument" if deals else "unknown_category"
            elif row[0] in seen:
                kind = "duplicate_id"
            elif None in groups:
                kind = "unknown_company"
            elif groups[0] == groups[1]:
                kind = "self_group"
            elif currency != "USD" and world.first_rate.get(currency, "9999") > row[1]:
                kind = "no_fx_rate"
            elif row[width - 3] and row[width - 3] not in all_ids:
                kind = "unknown_supersedes"
        if len(row) == width and _is_date(row[1]):
            seen.setdefault(row[0], row[1])
        if kind:
            kinds[kind] += 1
            continue
        accepted.append(index)
        assert "2015-01-01" <= row[1] <= "2026-11-01", row
        assert not row[4] or (AMOUNT.fullmatch(row[4]) and float(row[4]) > 0), row
        assert row[width - 2].startswith("https://example.com/synthetic/"), row
        if row[width - 3]:
            assert seen[row[width - 3]] <= row[1], f"supersedes a later row: {row}"
            assert row[width - 3] < row[0], f"supersedes a later id: {row}"
    return kinds, accepted


def _is_date(text: str) -> bool:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def test_files_have_the_contract_headers_and_no_quotes(tmp_path: Path) -> None:
    report = synthesize(tmp_path, 2000)
    for name, header in HEADERS.items():
        text = (tmp_path / name).read_text(encoding="utf-8")
        assert text.split("\n", 1)[0] == header
        assert text.endswith("\n") and '"' not in text and "\r" not in text
        assert text.count("\n") - 1 == report.rows[name], name
    assert report.rows["deals.csv"] == report.rows["pledges.csv"] == 1000
    assert set(report.rows) == set(FILES)


def test_same_seed_same_bytes_and_another_seed_differs(tmp_path: Path) -> None:
    def contents(out: Path, seed: int) -> dict[str, bytes]:
        synthesize(out, 2000, seed=seed)
        return {name: (out / name).read_bytes() for name in FILES}

    first = contents(tmp_path / "a", 3)
    assert contents(tmp_path / "b", 3) == first
    other = contents(tmp_path / "c", 4)
    assert other["deals.csv"] != first["deals.csv"]
    assert other["companies.csv"] != first["companies.csv"]


def test_row_counts_split_flows_and_bad_rows(tmp_path: Path) -> None:
    report = synthesize(tmp_path, 2001, groups=30, bad_share=0.05)
    assert (report.rows["deals.csv"], report.rows["pledges.csv"]) == (1001, 1000)
    assert report.bad_rows == {
        "companies.csv": 0,
        "company_aliases.csv": 0,
        "fx_rates.csv": 0,
        "deals.csv": 50,
        "pledges.csv": 50,
    }
    assert report.groups == 30
    tops = [row for row in read_rows(tmp_path / "companies.csv") if not row[2]]
    assert len(tops) == 30
    assert synthesize(tmp_path / "none", 1000, bad_share=0).total_bad_rows == 0


def test_shares_of_currencies_qualifiers_and_supersession(synth_20k) -> None:
    data, report = synth_20k
    rows = read_rows(data / "deals.csv") + read_rows(data / "pledges.csv")
    good = [row for row in rows if len(row) in (11, 12)]
    share = Counter(row[5] for row in good)
    assert 0.035 < sum(share[c] for c in ("EUR", "GBP", "JPY")) / len(good) < 0.065
    assert all(share[c] > 0 for c in ("EUR", "GBP", "JPY"))
    superseding = sum(1 for row in good if row[-3])
    assert 0.015 < superseding / len(rows) < 0.025
    assert superseding >= sum(report.superseding_rows.values())
    qualifiers = Counter(row[6] for row in good)
    for qualifier, expected in (
        ("up_to", 0.05),
        ("at_least", 0.05),
        ("approx", 0.10),
        ("undisclosed", 0.05),
    ):
        assert abs(qualifiers[qualifier] / len(good) - expected) < 0.02, qualifier


def test_giants_take_most_flows(synth_20k) -> None:
    data, _ = synth_20k
    world = World(data)
    ends = Counter(
        world.group_of(name)
        for row in read_rows(data / "deals.csv") + read_rows(data / "pledges.csv")
        if len(row) >= 4
        for name in row[2:4]
    )
    top_five = sum(count for _, count in ends.most_common(5))
    assert top_five > 0.5 * sum(ends.values())


def test_every_non_usd_currency_has_a_rate_on_or_before_every_date(synth_20k) -> None:
    data, _ = synth_20k
    world = World(data)
    assert set(world.first_rate) == {"EUR", "GBP", "JPY"}
    assert all(first == "2015-01-01" for first in world.first_rate.values())
    rates = read_rows(data / "fx_rates.csv")
    assert all(float(rate) > 0 for *_, rate in rates)
    assert len({(currency, day) for currency, day, _ in rates}) == len(rates)


def test_every_rejection_kind_appears_and_is_counted_exactly(synth_20k) -> None:
    data, report = synth_20k
    world = World(data)
    for name, kinds in (("deals.csv", BAD_KINDS_DEALS), ("pledges.csv", BAD_KINDS_PLEDGES)):
        rows = read_rows(data / name)
        judged, accepted = judge(name, rows, world)
        assert set(report.bad_by_kind[name]) == set(kinds)
        assert all(report.bad_by_kind[name][kind] >= 1 for kind in kinds), name
        assert dict(judged) == {k: v for k, v in report.bad_by_kind[name].items() if v}, name
        assert report.bad_rows[name] == 100 == len(rows) - len(accepted)


def test_aliases_are_unambiguous(synth_20k) -> None:
    data, _ = synth_20k
    world = World(data)
    owners: dict[str, set[str]] = {}
    for company_id, name, *_ in world.companies.values():
        for key in (company_id.lower(), name.lower()):
            owners.setdefault(key, set()).add(company_id)
    # Ids and names are unambiguous too: a key names one company (a name may be its own id).
    assert all(len(companies) == 1 for companies in owners.values())
    company_keys = set(owners)
    alias_keys = [alias.lower() for alias, _ in world.aliases]
    assert len(alias_keys) == len(set(alias_keys)) > 0
    assert not company_keys & set(alias_keys)
    assert all(company_id in world.companies for _, company_id in world.aliases)
    assert any(alias.isupper() for alias, _ in world.aliases)


def test_parent_chains_are_at_most_three_deep_without_cycles(synth_20k) -> None:
    data, _ = synth_20k
    world = World(data)
    assert all(row[2] in world.companies for row in world.companies.values() if row[2])
    depths = Counter(len(world.chain(company_id)) for company_id in world.companies)
    assert max(depths) == 3 and depths[1] == 20
    for company_id, _, _, kind, country in world.companies.values():
        assert re.fullmatch(r"[a-z0-9_]+", company_id)
        assert kind in {"hyperscaler", "chipmaker", "ai_lab", "neocloud", "investor", "other"}
        assert country == "" or re.fullmatch(r"[A-Z]{2}", country)


def test_values_never_need_quoting(synth_20k) -> None:
    data, _ = synth_20k
    for name in FILES:
        with (data / name).open(encoding="utf-8", newline="") as handle:
            parsed = list(csv.reader(handle))
        assert parsed[1:] == read_rows(data / name)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("10000", 10_000),
        ("1e6", 1_000_000),
        ("1_000_000", 1_000_000),
        ("10M", 10_000_000),
        ("100k", 100_000),
        ("2.5m", 2_500_000),
        ("0", 0),
    ],
)
def test_parse_count(text: str, value: int) -> None:
    assert parse_count(text) == value


@pytest.mark.parametrize("text", ["-5", "ten", "1.5", "", "1e-3", "nan", "inf", "5x"])
def test_parse_count_rejects(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        parse_count(text)


def test_synth_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = argparse.ArgumentParser(prog="circularity")
    add_parser(root.add_subparsers(dest="command", required=True))
    args = root.parse_args(["synth", "--out", str(tmp_path / "d"), "--flows", "2k", "--seed", "5"])
    assert (args.groups, args.bad_share, args.seed) == (None, 0.01, 5)
    assert args.handler(args) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "deals.csv 1,000" in out and " s" in out
    assert (tmp_path / "d" / "pledges.csv").read_text().count("\n") == 1001
    with pytest.raises(SystemExit):
        root.parse_args(["synth", "--out", "x", "--flows", "many"])


def test_build_of_synthetic_data_rejects_exactly_the_bad_rows(tmp_path: Path) -> None:
    from circularity.pipeline import BuildConfig, build

    data = tmp_path / "data"
    report = synthesize(data, 5000)
    warehouse = tmp_path / "warehouse" / "circularity.duckdb"
    result = build(BuildConfig(data, warehouse))
    assert result.published, result.failures
    rejected = dict(
        query(warehouse, "select source_file, count(*) from marts.rejected_rows group by 1")
    )
    assert rejected == {name: count for name, count in report.bad_rows.items() if count}
    facts = query(
        warehouse,
        "select (select count(*) from marts.fct_investments), "
        "(select count(*) from marts.fct_pledges)",
    )[0]
    assert facts == (
        report.rows["deals.csv"] - report.bad_rows["deals.csv"],
        report.rows["pledges.csv"] - report.bad_rows["pledges.csv"],
    )
    # And for the same reasons: each warehouse reason read back as the report's kind.
    for name in ("deals.csv", "pledges.csv"):
        reasons = query(
            warehouse, "select reason from marts.rejected_rows where source_file = ?", [name]
        )
        kinds = Counter(reason_kind(reason) for (reason,) in reasons)
        assert kinds == Counter({k: v for k, v in report.bad_by_kind[name].items() if v}), name


REASON_KINDS = (
    ("missing required field", "missing_field"),
    ("announced_date '.*' is not a date", "bad_date"),
    ("amount_millions '.*' is not a number", "amount_not_number"),
    ("amount_millions '-.*' is negative", "negative_amount"),
    ("amount_millions given with qualifier undisclosed", "amount_with_undisclosed"),
    ("amount_millions is blank", "amount_missing"),
    ("unknown amount_qualifier", "unknown_qualifier"),
    ("unknown instrument", "unknown_instrument"),
    ("unknown category", "unknown_category"),
    ("unknown company", "unknown_company"),
    ("flow from group .* to itself", "self_group"),
    ("no '[A-Z]{3}' rate in fx_rates.csv", "no_fx_rate"),
    ("duplicate (deal|pledge)_id", "duplicate_id"),
    ("supersedes_(deal|pledge)_id '.*' names no row", "unknown_supersedes"),
    ("wrong number of fields", "wrong_field_count"),
)


def reason_kind(reason: str) -> str:
    for pattern, kind in REASON_KINDS:
        if re.match(pattern, reason):
            return kind
    return f"unexpected: {reason}"
