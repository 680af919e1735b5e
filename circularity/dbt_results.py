"""dbt's query results typed without building a date parser's locale tables each time: in
the CLI's dbt child only.

dbt turns the result of every statement it runs into an agate table (a statement that
returns nothing into an empty one), and every agate table makes its column types anew.
Among them are a date and a date-time type, and each builds parsedatetime's tables of a
locale (month and day names, units, the patterns made of them: `parsedatetime.Constants`)
for the parser it keeps. That was about 3% of dbt's process on the seeds, building the same
tables again and again: once built, parsedatetime only reads them.

`share_date_locales` has agate's date types share one set of tables per locale. Each type
still gets a parser (`parsedatetime.Calendar`) of its own. Dagster and `dbt build` by hand
run dbt's own command line, untouched."""

from __future__ import annotations

import functools
from typing import Any

import agate.data_types.date
import agate.data_types.date_time
import parsedatetime


class _SharedLocales:
    """parsedatetime as agate's date types see it: the module itself, but one `Constants`
    per locale."""

    skips_rebuilding = True

    def __init__(self) -> None:
        self.Constants = functools.cache(parsedatetime.Constants)

    def __getattr__(self, name: str) -> Any:
        return getattr(parsedatetime, name)


def share_date_locales() -> None:
    """Have agate's date and date-time types share a locale's tables (see the module)."""
    modules = (agate.data_types.date, agate.data_types.date_time)
    if any(getattr(module.parsedatetime, "skips_rebuilding", False) for module in modules):
        return
    shared = _SharedLocales()
    for module in modules:
        module.parsedatetime = shared  # type: ignore[assignment]
