"""The project's reference values, defined once as dbt vars in `dbt_project.yml`: the
contract's enumerations, the input files and the public marts. The models, their tests,
the Great Expectations suites (as suite parameters), Dagster and the synthetic data all
read them from there."""

from __future__ import annotations

from functools import cache
from typing import Any

import yaml

from circularity.dbt_runner import PROJECT_DIR

ENUMERATIONS = ("amount_qualifiers", "instruments", "categories", "company_kinds")


@cache
def project_vars() -> dict[str, Any]:
    with (PROJECT_DIR / "dbt_project.yml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)["vars"]


def enumeration(name: str) -> tuple[str, ...]:
    """One of ENUMERATIONS: the values the contract allows, in the contract's order."""
    if name not in ENUMERATIONS:
        raise KeyError(name)
    return tuple(project_vars()[name])


def enumerations() -> dict[str, list[str]]:
    return {name: list(enumeration(name)) for name in ENUMERATIONS}


def public_marts() -> tuple[str, ...]:
    """The contract's tables in schema marts, in the contract's order."""
    return tuple(project_vars()["public_marts"])
