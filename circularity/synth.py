"""Synthetic input data for load tests: a data directory in the contract's CSV format with
N flows (about half deals, half pledges) between companies in G groups, and a known share
of bad rows spread over every rejection reason of the contract.

Everything is drawn from one `random.Random(seed)`, so the same arguments give the same
bytes. Rows are built column by column in chunks of 100,000: each column is one call for
random bytes, read as indexes into a precomputed pool (dates weighted by year, company names
repeated by their Zipf weight, "amount,currency,qualifier,instrument" runs), so the per-row
work runs in C. No value contains a comma, quote or newline, so lines are plain comma joins,
written in large batches. All companies, names and URLs are
invented (every URL is https://example.com/synthetic/...).
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from array import array
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate, repeat
from operator import and_
from pathlib import Path

from circularity import project
from circularity.inputs import HEADERS

FIRST_DAY = date(2015, 1, 1)
LAST_DAY = date(2026, 11, 1)
CHUNK = 100_000  # rows built and written at a time; ids are "<chunk><5 digits>"
POOL = 1 << 16  # size of every pool of precomputed values (draws use 16 random bits)


# Every rejection kind of the contract, as the report names them. The eighth kind is
# `unknown_instrument` in deals.csv and `unknown_category` in pledges.csv.
BAD_KINDS_DEALS = (
    "missing_field",
    "bad_date",
    "amount_not_number",
    "negative_amount",
    "amount_with_undisclosed",
    "amount_missing",
    "unknown_qualifier",
    "unknown_instrument",
    "unknown_company",
    "self_group",
    "no_fx_rate",
    "duplicate_id",
    "unknown_supersedes",
    "wrong_field_count",
)
BAD_KINDS_PLEDGES = tuple(
    "unknown_category" if kind == "unknown_instrument" else kind for kind in BAD_KINDS_DEALS
)

SUPERSEDING_SHARE = 0.02
ZIPF_EXPONENT = 1.1

# (value, weight) lists: shares of the good rows.
CURRENCIES = (("USD", 95.0), ("EUR", 2.5), ("GBP", 1.5), ("JPY", 1.0))
# The values are the project's enumerations (dbt vars, circularity.project); the shares
# are synth's own. A value without a share here is a KeyError, never a silent gap.
_QUALIFIER_SHARES = {
    "exact": 75.0,
    "approx": 10.0,
    "up_to": 5.0,
    "at_least": 5.0,
    "undisclosed": 5.0,
}
_INSTRUMENT_SHARES = {
    "equity": 50.0,
    "convertible_note": 8.0,
    "warrant": 5.0,
    "credits": 15.0,
    "debt": 17.0,
    "other": 5.0,
}
_CATEGORY_SHARES = {
    "cloud_compute": 45.0,
    "chips": 25.0,
    "datacenter": 15.0,
    "power": 10.0,
    "other": 5.0,
}


def _shares(enumeration: str, shares: dict[str, float]) -> tuple[tuple[str, float], ...]:
    return tuple((value, shares[value]) for value in project.enumeration(enumeration))


PERIODS = (
    ("", 40.0),
    ("1", 5.0),
    ("2", 6.0),
    ("3", 10.0),
    ("4", 6.0),
    ("5", 12.0),
    ("6", 4.0),
    ("7", 6.0),
    ("2.5", 1.0),
    ("8", 2.0),
    ("10", 6.0),
    ("15", 2.0),
)
# Units of one currency per US dollar, about: sizes JPY amounts like the press does.
UNITS_PER_USD = {"USD": 1.0, "EUR": 0.9, "GBP": 0.78, "JPY": 145.0}
FX_START = {"EUR": 1.12, "GBP": 1.50, "JPY": 0.0083}
# More flows in recent years, as in the AI boom.
YEAR_WEIGHTS = {
    2015: 1,
    2016: 1,
    2017: 1,
    2018: 2,
    2019: 2,
    2020: 3,
    2021: 4,
    2022: 5,
    2023: 8,
    2024: 12,
    2025: 16,
    2026: 20,
}

NOTES = (
    "synthetic row for load tests",
    "synthetic: not a real deal",
    "synthetic press report",
    "synthetic tranche (invented)",
    "synthetic: figure as reported",
    "",
)
REVISION_NOTE = "synthetic revision of an earlier row"

SYLLABLES = (
    "ka",
    "lo",
    "ve",
    "ri",
    "zen",
    "tra",
    "mo",
    "nex",
    "qua",
    "lu",
    "vi",
    "sol",
    "ar",
    "on",
    "tek",
    "syn",
    "or",
    "del",
    "mi",
    "ra",
    "no",
    "ta",
    "cy",
    "ber",
    "xa",
    "pho",
    "gen",
    "io",
    "ul",
    "fin",
    "bo",
    "sta",
)
# Child names are "<Base> <unit>", grandchildren "<child name> <region>". Alias suffixes are
# disjoint from both, so an alias can never spell another company's name.
CHILD_UNITS = (
    ("Labs", None),
    ("Capital", "investor"),
    ("Chips", "chipmaker"),
    ("Research", None),
    ("Ventures", "investor"),
    ("Compute", "neocloud"),
    ("Energy", "other"),
    ("Networks", None),
    ("Robotics", None),
    ("Systems", None),
    ("Data", None),
    ("Devices", None),
)
REGIONS = ("Europe", "Asia", "Japan", "UK", "Germany", "India", "Brazil", "Canada", "Korea")
ALIAS_SUFFIX = {
    "hyperscaler": "Cloud",
    "neocloud": "Cloud",
    "ai_lab": "AI",
    "chipmaker": "Semiconductor",
    "investor": "Partners",
    "other": "Group",
}
COUNTRIES = (
    "US",
    "US",
    "US",
    "US",
    "CN",
    "GB",
    "FR",
    "DE",
    "JP",
    "KR",
    "CA",
    "IL",
    "IN",
    "AE",
    "SA",
    "",
)
TOP_KINDS = (
    ("ai_lab", 40.0),
    ("neocloud", 20.0),
    ("investor", 15.0),
    ("other", 10.0),
    ("chipmaker", 8.0),
    ("hyperscaler", 7.0),
)

# Values for bad rows: none of them is valid where it is put.
BAD_DATES = ("%Y/%m/%d", "%d.%m.%Y", "%m/%d/%Y", "%Y%m%d", "%d %B %Y", "%Y-%m-%dT00:00")
IMPOSSIBLE_DATES = ("2024-02-30", "2023-13-01", "2025-00-10", "2022-04-31", "24-05-01")
NOT_NUMBERS = ("n/a", "TBD", "1.5bn", "~500", "5e3", "12 000", "about 40", "USD 300")
BAD_QUALIFIERS = ("roughly", "estimated", "about", "unknown", "min")
BAD_INSTRUMENTS = ("grant", "loan", "stock_swap", "royalty", "shares")
BAD_CATEGORIES = ("software", "talent", "real_estate", "services", "compute")
NO_RATE_CURRENCIES = ("CHF", "CAD", "AUD", "INR", "KRW", "SGD")


@dataclass
class SynthReport:
    """What `synthesize` wrote: data rows per file (header excluded), bad rows per file and
    per rejection kind, and the seconds it took."""

    out: Path
    rows: dict[str, int]
    bad_rows: dict[str, int]
    bad_by_kind: dict[str, dict[str, int]]
    seconds: float
    groups: int = 0
    superseding_rows: dict[str, int] = field(default_factory=dict)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def total_bad_rows(self) -> int:
        return sum(self.bad_rows.values())

    def summary(self) -> str:
        files = ", ".join(
            f"{name} {rows:,}" + (f" ({self.bad_rows[name]:,} bad)" if self.bad_rows[name] else "")
            for name, rows in self.rows.items()
        )
        return (
            f"synth: wrote {len(self.rows)} files to {self.out}: {files} rows "
            f"in {self.seconds:.1f} s"
        )


@dataclass
class _World:
    """Companies, aliases, and the names flows use for them with their Zipf weights."""

    companies: list[tuple[str, str, str, str, str]]  # id, name, parent_id, kind, country
    aliases: list[tuple[str, str]]  # alias, company_id
    group_refs: list[list[list[str]]]  # per group, per company: the names a flow may use
    ref_names: list[str]  # every such name, flat
    ref_groups: list[int]  # its group index
    ref_weights: list[float]  # Zipf over groups (sum 1), shared within a group
    taken_keys: set[str]  # lower-cased ids, names and aliases
    partners: list[list[str]]  # per group: names of its counterparties in other groups


def _weighted(rng: random.Random, pairs: tuple[tuple[str, float], ...]) -> str:
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def _base_names(rng: random.Random, count: int) -> list[str]:
    """`count` distinct one-word company names (no digits: bad rows' unknown names have)."""
    names: list[str] = []
    seen: set[str] = set()
    misses = 0
    while len(names) < count:
        # Longer names as short ones run out (a million groups or more).
        syllables = rng.choice((2, 3, 3, 3, 4, 4)) + misses // 1000
        name = "".join(rng.choice(SYLLABLES) for _ in range(syllables)).capitalize()
        if name.lower() in seen:
            misses += 1
        else:
            seen.add(name.lower())
            names.append(name)
    return names


def _build_world(rng: random.Random, groups: int) -> _World:
    bases = _base_names(rng, groups)
    companies: list[tuple[str, str, str, str, str]] = []
    group_members: list[list[tuple[str, str, str]]] = []  # per group: (id, name, kind)
    giants = max(3, groups // 50)
    for rank, base in enumerate(bases):
        if rank < giants:
            kind = rng.choice(("hyperscaler", "hyperscaler", "chipmaker", "ai_lab"))
            children = rng.randint(2, 4)
        else:
            kind = _weighted(rng, TOP_KINDS)
            children = rng.choices((0, 1, 2, 3), weights=(50, 30, 15, 5))[0]
        country = rng.choice(COUNTRIES)
        top_id = _slug(base)
        members = [(top_id, base, kind)]
        companies.append((top_id, base, "", kind, country))
        for unit, unit_kind in rng.sample(CHILD_UNITS, children):
            child_name = f"{base} {unit}"
            child_id = _slug(child_name)
            child_kind = unit_kind or kind
            members.append((child_id, child_name, child_kind))
            companies.append((child_id, child_name, top_id, child_kind, country))
            grandchildren = rng.choices((0, 1, 2), weights=(60, 30, 10))[0]
            for region in rng.sample(REGIONS, grandchildren):
                grand_name = f"{child_name} {region}"
                grand_id = _slug(grand_name)
                grand_country = rng.choice(COUNTRIES)
                members.append((grand_id, grand_name, child_kind))
                companies.append((grand_id, grand_name, child_id, child_kind, grand_country))
        group_members.append(members)

    owners: dict[str, str] = {}  # lower-cased id or name -> its company
    for company_id, name, *_ in companies:
        for key in (company_id.lower(), name.lower()):
            if owners.setdefault(key, company_id) != company_id:
                raise AssertionError(f"synthetic company key {key} names two companies")
    taken = set(owners)

    aliases: list[tuple[str, str]] = []
    group_refs: list[list[list[str]]] = []
    for members in group_members:
        company_refs: list[list[str]] = []
        for company_id, name, kind in members:
            # Most flows name a company as the press does: its name, sometimes in capitals.
            refs = [name, name, name, company_id, name.upper()]
            candidates = []
            if rng.random() < 0.7:
                press = f"{name} {ALIAS_SUFFIX[kind]}"
                candidates.append(press.upper() if rng.random() < 0.3 else press)
            if rng.random() < 0.3:
                candidates.append(f"{name} Inc.")
            for alias in candidates:
                if alias.lower() not in taken:
                    taken.add(alias.lower())
                    aliases.append((alias, company_id))
                    refs.append(alias)
            company_refs.append(refs)
        group_refs.append(company_refs)

    weights = [1.0 / rank**ZIPF_EXPONENT for rank in range(1, groups + 1)]
    total = sum(weights)
    weights = [weight / total for weight in weights]
    ref_names: list[str] = []
    ref_groups: list[int] = []
    ref_weights: list[float] = []
    for group, company_refs in enumerate(group_refs):
        refs = [ref for one_company in company_refs for ref in one_company]
        ref_names += refs
        ref_groups += [group] * len(refs)
        ref_weights += [weights[group] / len(refs)] * len(refs)
    partners = _partners(rng, group_refs, weights)
    return _World(
        companies, aliases, group_refs, ref_names, ref_groups, ref_weights, taken, partners
    )


def _partners(
    rng: random.Random, group_refs: list[list[list[str]]], weights: list[float]
) -> list[list[str]]:
    """Each group deals with a few counterparties, chosen by the same Zipf weights (so the
    giants are everybody's partners): 3 for the smallest groups, up to 14 for the largest.
    Real deal books are sparse like this; drawing both ends of every flow independently
    would connect every giant to every group and make the number of loops explode."""
    cumulative = list(accumulate(weights))
    groups = range(len(weights))
    partners = []
    for group in groups:
        wanted = min(len(weights) - 1, 2 + round(12 * (weights[group] / weights[0]) ** 0.25))
        chosen: list[int] = []
        while len(chosen) < wanted:
            other = rng.choices(groups, cum_weights=cumulative)[0]
            if other != group and other not in chosen:
                chosen.append(other)
        partners.append([rng.choice(rng.choice(group_refs[other])) for other in chosen])
    return partners


def _days() -> list[str]:
    return [
        (FIRST_DAY + timedelta(days=i)).isoformat() for i in range((LAST_DAY - FIRST_DAY).days + 1)
    ]


def _amount(rng: random.Random, currency: str) -> str:
    """Millions of `currency`: log-uniform from 1 to 100,000 USD millions, often round."""
    usd = 10.0 ** (rng.random() * 5.0)
    value = usd * UNITS_PER_USD.get(currency, 1.0)
    if rng.random() < 0.6:
        digits = max(0, len(str(int(value))) - 2)
        return str(int(round(value, -digits)) or 1)
    return f"{value:.2f}"


def _amount_pool(rng: random.Random, tails: list[str]) -> list[str]:
    """POOL "amount,currency,qualifier,<tail>" runs of fields in the good rows' proportions;
    `tails` are the instrument (deals) or period and category (pledges)."""
    currencies = _draw(rng, CURRENCIES, POOL)
    qualifiers = _draw(rng, _shares("amount_qualifiers", _QUALIFIER_SHARES), POOL)
    return [
        f"{'' if qualifier == 'undisclosed' else _amount(rng, currency)},{currency},"
        f"{qualifier},{tail}"
        for currency, qualifier, tail in zip(currencies, qualifiers, tails, strict=True)
    ]


def _draw(rng: random.Random, pairs: tuple[tuple[str, float], ...], k: int) -> list[str]:
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights, k=k)


def _slots(weights: list[float], size: int) -> list[int]:
    """Split `size` slots in proportion to `weights` (largest remainder), at least one
    each; `size` must be at least len(weights)."""
    total = sum(weights)
    exact = [weight * size / total for weight in weights]
    slots = [max(1, int(share)) for share in exact]
    rest = size - sum(slots)
    if rest > 0:
        by_remainder = sorted(range(len(exact)), key=lambda i: int(exact[i]) - exact[i])
        for i in by_remainder[:rest]:
            slots[i] += 1
    while rest < 0:
        largest = max(range(len(slots)), key=slots.__getitem__)
        taken = min(-rest, slots[largest] - 1)
        slots[largest] -= taken
        rest += taken
    return slots


def _uints(rng: random.Random, n: int, typecode: str) -> array:
    """`n` uniform unsigned ints of 16 ("H") or 32 ("I") bits, drawn in one call: the same
    values on every platform."""
    values = array(typecode)
    values.frombytes(rng.randbytes(n * values.itemsize))
    if sys.byteorder == "big":
        values.byteswap()
    return values


def _pick(rng: random.Random, pool: list[str], n: int) -> list[str]:
    """`n` uniform draws from a pool of exactly POOL values, at C speed."""
    return list(map(pool.__getitem__, _uints(rng, n, "H")))


def _ref_table(world: _World) -> tuple[list[str], list[int], int]:
    """Company names repeated in proportion to their Zipf weight (each at least once), with
    their group, in a table of 2**bits slots: a uniform draw from it is a Zipf draw over
    groups. Returns (names, groups, bits)."""
    bits = max(16, (8 * len(world.ref_names) - 1).bit_length())
    names: list[str] = []
    groups: list[int] = []
    for name, group, slots in zip(
        world.ref_names, world.ref_groups, _slots(world.ref_weights, 1 << bits), strict=True
    ):
        names += [name] * slots
        groups += [group] * slots
    return names, groups, bits


def _write_fx_rates(path: Path, rng: random.Random) -> int:
    lines = [HEADERS["fx_rates.csv"] + "\n"]
    for currency, start in FX_START.items():
        rate = start
        month = FIRST_DAY
        while month <= LAST_DAY:
            lines.append(f"{currency},{month.isoformat()},{rate:.6f}\n")
            rate *= 1.0 + rng.gauss(0.0, 0.02)
            month = (month + timedelta(days=32)).replace(day=1)
    _write_lines(path, lines)
    return len(lines) - 1


def _write_lines(path: Path, lines: list[str]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.writelines(lines)


@dataclass(frozen=True)
class _FlowFile:
    name: str
    prefix: str
    kinds: tuple[str, ...]
    tail_index: int  # field index of instrument (deals) or category (pledges)
    required: tuple[int, ...]  # field indexes of required fields


DEALS = _FlowFile("deals.csv", "D", BAD_KINDS_DEALS, 7, (0, 1, 2, 3, 5, 6, 7, 9))
PLEDGES = _FlowFile("pledges.csv", "P", BAD_KINDS_PLEDGES, 8, (0, 1, 2, 3, 5, 6, 8, 10))


def _write_flows(
    path: Path,
    spec: _FlowFile,
    count: int,
    bad_share: float,
    world: _World,
    rng: random.Random,
) -> tuple[int, dict[str, int], int]:
    """Write `count` rows; returns (rows, bad rows per kind, superseding rows)."""
    days = _days()
    day_index = {day: i for i, day in enumerate(days)}
    date_pool = [
        day
        for day, slots in zip(
            days, _slots([YEAR_WEIGHTS[int(day[:4])] for day in days], POOL), strict=True
        )
        for _ in range(slots)
    ]
    if spec is DEALS:
        tails = _draw(rng, _shares("instruments", _INSTRUMENT_SHARES), POOL)
    else:
        tails = [
            f"{period},{category}"
            for period, category in zip(
                _draw(rng, PERIODS, POOL),
                _draw(rng, _shares("categories", _CATEGORY_SHARES), POOL),
                strict=True,
            )
        ]
    middles = _amount_pool(rng, tails)
    notes_pool = rng.choices(NOTES, k=POOL)
    url = f"https://example.com/synthetic/{spec.name.removesuffix('.csv')}/"
    ref_names, ref_groups, bits = _ref_table(world)
    partners = world.partners
    mask = repeat((1 << bits) - 1)
    id_tails = [f"{number:05d}" for number in range(CHUNK)]
    kinds = list(spec.kinds)
    rng.shuffle(kinds)
    bad_counts = dict.fromkeys(spec.kinds, 0)
    total_bad = round(count * bad_share)
    bad_done = 0
    superseding = 0

    with path.open("w", encoding="utf-8", newline="", buffering=1 << 20) as handle:
        handle.write(HEADERS[spec.name] + "\n")
        for start in range(0, count, CHUNK):
            n = min(CHUNK, count - start)
            head = f"{spec.prefix}{start // CHUNK:04d}"
            ids = [head + tail for tail in id_tails[:n]]
            dates = _pick(rng, date_pool, n)
            froms = list(map(and_, _uints(rng, n, "I"), mask))
            tos = [
                partners[group][pick % len(partners[group])]
                for group, pick in zip(
                    map(ref_groups.__getitem__, froms), _uints(rng, n, "H"), strict=True
                )
            ]
            froms = list(map(ref_names.__getitem__, froms))
            middles_drawn = _pick(rng, middles, n)
            notes = _pick(rng, notes_pool, n)
            supersedes = [""] * n

            # Row 0 of a chunk is always good, so every later row has a good row before it.
            k_bad = min(total_bad * (start + n) // count - bad_done, n - 1)
            k_sup = min(round(n * SUPERSEDING_SHARE), n - 1 - k_bad)
            picks = rng.sample(range(1, n), k_bad + k_sup)
            bad = picks[:k_bad]
            bad_set = set(bad)
            for i in sorted(picks[k_bad:]):
                j = rng.randrange(i)
                while j in bad_set:
                    j = rng.randrange(i)
                supersedes[i] = ids[j]
                froms[i], tos[i] = froms[j], tos[j]
                first = day_index[dates[j]]
                dates[i] = days[rng.randint(first, min(first + 365, len(days) - 1))]
                notes[i] = REVISION_NOTE
            superseding += k_sup

            lines = [
                f"{i},{d},{a},{b},{m},{s},{url}{i},{note}\n"
                for i, d, a, b, m, s, note in zip(
                    ids, dates, froms, tos, middles_drawn, supersedes, notes, strict=True
                )
            ]
            for i in bad:
                kind = kinds[bad_done % len(kinds)]
                fields = lines[i].rstrip("\n").split(",")
                good_before = rng.randrange(i)
                while good_before in bad_set:
                    good_before = rng.randrange(i)
                lines[i] = (
                    ",".join(_spoil(kind, fields, spec, world, rng, ids[good_before], start + i))
                    + "\n"
                )
                bad_counts[kind] += 1
                bad_done += 1
            handle.writelines(lines)
    return count, bad_counts, superseding


def _spoil(
    kind: str,
    fields: list[str],
    spec: _FlowFile,
    world: _World,
    rng: random.Random,
    earlier_id: str,
    row: int,
) -> list[str]:
    """Make a good row's fields bad in exactly one way: the rejection `kind`."""

    def disclosed() -> None:
        if fields[6] == "undisclosed" or not fields[4]:
            fields[6] = "exact"
            fields[4] = _amount(rng, fields[5])

    if kind == "missing_field":
        fields[rng.choice(spec.required)] = ""
    elif kind == "bad_date":
        if rng.random() < 0.3:
            fields[1] = rng.choice(IMPOSSIBLE_DATES)
        else:
            fields[1] = date.fromisoformat(fields[1]).strftime(rng.choice(BAD_DATES))
    elif kind == "amount_not_number":
        disclosed()
        fields[4] = rng.choice(NOT_NUMBERS)
    elif kind == "negative_amount":
        disclosed()
        fields[4] = "-" + fields[4]
    elif kind == "amount_with_undisclosed":
        disclosed()
        fields[6] = "undisclosed"
    elif kind == "amount_missing":
        disclosed()
        fields[4] = ""
    elif kind == "unknown_qualifier":
        disclosed()
        fields[6] = rng.choice(BAD_QUALIFIERS)
    elif kind == "unknown_instrument":
        fields[spec.tail_index] = rng.choice(BAD_INSTRUMENTS)
    elif kind == "unknown_category":
        fields[spec.tail_index] = rng.choice(BAD_CATEGORIES)
    elif kind == "unknown_company":
        name = f"Unlisted Startup {rng.randrange(1, 100_000)}"
        assert name.lower() not in world.taken_keys
        fields[rng.choice((2, 3))] = name
    elif kind == "self_group":
        # Two companies of one group (a parent and its child, say) when the group has two.
        company_refs = world.group_refs[rng.randrange(len(world.group_refs))]
        if len(company_refs) == 1:
            company_refs = world.group_refs[0]  # the largest giant: at least three companies
        first, second = rng.sample(company_refs, 2)
        fields[2], fields[3] = rng.choice(first), rng.choice(second)
    elif kind == "no_fx_rate":
        fields[5] = rng.choice(NO_RATE_CURRENCIES)
        disclosed()
    elif kind == "duplicate_id":
        fields[0] = earlier_id
    elif kind == "unknown_supersedes":
        fields[-3] = f"{spec.prefix}X{rng.randrange(row + 1):08d}"
    elif kind == "wrong_field_count":
        return fields[:-1] if rng.random() < 0.5 else [*fields, "extra"]
    else:  # pragma: no cover
        raise ValueError(f"unknown rejection kind {kind}")
    return fields


def synthesize(
    out: Path,
    flows: int,
    groups: int | None = None,
    bad_share: float = 0.01,
    seed: int = 0,
) -> SynthReport:
    """Write the five input files of a synthetic data directory into `out` (created if
    needed): `flows` deal and pledge rows (deals get the odd one) between companies of
    `groups` groups (default: flows / 1000, at least 20), of which a share `bad_share`
    is bad, spread evenly over every rejection kind. Same arguments, same bytes."""
    started = time.perf_counter()
    if flows < 0:
        raise ValueError("flows must be >= 0")
    if not 0.0 <= bad_share <= 0.9:
        raise ValueError("bad_share must be between 0 and 0.9")
    groups = default_groups(flows) if groups is None else groups
    if groups < 2:
        raise ValueError("groups must be >= 2: a flow needs two groups")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    # One generator per file, seeded from the main one, so files do not depend on each other.
    world_rng, fx_rng, deals_rng, pledges_rng = (
        random.Random(rng.getrandbits(64)) for _ in range(4)
    )
    world = _build_world(world_rng, groups)
    rows: dict[str, int] = {}
    _write_lines(
        out / "companies.csv",
        [HEADERS["companies.csv"] + "\n"] + [",".join(c) + "\n" for c in world.companies],
    )
    rows["companies.csv"] = len(world.companies)
    _write_lines(
        out / "company_aliases.csv",
        [HEADERS["company_aliases.csv"] + "\n"] + [f"{a},{c}\n" for a, c in world.aliases],
    )
    rows["company_aliases.csv"] = len(world.aliases)
    rows["fx_rates.csv"] = _write_fx_rates(out / "fx_rates.csv", fx_rng)
    bad_by_kind: dict[str, dict[str, int]] = {}
    superseding: dict[str, int] = {}
    for spec, count, file_rng in (
        (DEALS, (flows + 1) // 2, deals_rng),
        (PLEDGES, flows // 2, pledges_rng),
    ):
        rows[spec.name], bad_by_kind[spec.name], superseding[spec.name] = _write_flows(
            out / spec.name, spec, count, bad_share, world, file_rng
        )
    bad_rows = {name: sum(bad_by_kind.get(name, {}).values()) for name in rows}
    return SynthReport(
        out, rows, bad_rows, bad_by_kind, time.perf_counter() - started, groups, superseding
    )


def default_groups(flows: int) -> int:
    return max(20, round(flows / 1000))


_SUFFIXES = {"k": 1_000, "m": 1_000_000, "g": 1_000_000_000, "b": 1_000_000_000}


def parse_count(text: str) -> int:
    """A non-negative whole count: 10000, 1e6, 1_000_000, 10M, 100k, 2.5M."""
    cleaned = text.strip().lower().replace("_", "").replace(",", "")
    factor = 1
    if cleaned[-1:] in _SUFFIXES:
        factor = _SUFFIXES[cleaned[-1]]
        cleaned = cleaned[:-1]
    try:
        value = float(cleaned) * factor
    except ValueError:
        value = -1.0
    if not 0 <= value <= 10**10 or value != int(value):
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a count: write e.g. 10000, 1e6, 1_000_000, 100k or 10M"
        )
    return int(value)


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 0.9:
        raise argparse.ArgumentTypeError(f"'{text}' is not a share between 0 and 0.9")
    return value


def run(args: argparse.Namespace) -> int:
    """The `synth` handler: write the directory, print a one-line summary, return 0 (2 on
    an error the user must fix, printed to stderr)."""
    try:
        report = synthesize(args.out, args.flows, args.groups, args.bad_share, args.seed)
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(report.summary())
    return 0


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register `synth`: write a synthetic data directory for load tests."""
    command = subparsers.add_parser(
        "synth",
        help="write a synthetic data directory (deals, pledges, companies) for load tests",
        description="Write the five input CSV files with N synthetic flows, a few giant "
        "groups taking most of them, and a known share of bad rows over every rejection "
        "reason. Same arguments, same bytes.",
    )
    command.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="DIR",
        help="folder to write the CSV files into (created if needed)",
    )
    command.add_argument(
        "--flows",
        type=parse_count,
        required=True,
        metavar="N",
        help="deal and pledge rows in all: 10000, 1e6, 1_000_000, 100k, 10M",
    )
    command.add_argument(
        "--groups",
        type=parse_count,
        default=None,
        metavar="G",
        help="company groups (default: flows / 1000, at least 20)",
    )
    command.add_argument(
        "--bad-share",
        type=_share,
        default=0.01,
        metavar="F",
        help="share of deal and pledge rows that are bad (default: 0.01)",
    )
    command.add_argument(
        "--seed", type=int, default=0, metavar="S", help="random seed (default: 0)"
    )
    command.set_defaults(handler=run)
