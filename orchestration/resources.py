"""Where a Dagster run reads and writes, and the run's own settings: the same paths the CLI
takes, from the same environment variables that dbt reads."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import dagster as dg

from circularity.engines import DEFAULT_ENGINE, check_engine
from circularity.pipeline import DEFAULT_DATA_DIR, DEFAULT_WAREHOUSE, BuildConfig
from circularity.validation import DEFAULT_MAX_REJECTED_SHARE


class CircularityResource(dg.ConfigurableResource):
    """The data directory, the published warehouse file and the gate's rejected share."""

    data_dir: str
    warehouse: str
    max_rejected_share: float = DEFAULT_MAX_REJECTED_SHARE
    engine: str = DEFAULT_ENGINE  # where dbt runs: duckdb or spark (CIRCULARITY_ENGINE)

    @classmethod
    def from_environment(cls) -> CircularityResource:
        return cls(
            data_dir=os.environ.get("CIRCULARITY_DATA_DIR") or str(DEFAULT_DATA_DIR),
            warehouse=os.environ.get("CIRCULARITY_WAREHOUSE") or str(DEFAULT_WAREHOUSE),
            engine=os.environ.get("CIRCULARITY_ENGINE") or DEFAULT_ENGINE,
        )

    def build_config(self, as_of: str | None = None, engine: str | None = None) -> BuildConfig:
        as_of = as_of or os.environ.get("CIRCULARITY_AS_OF") or None
        return BuildConfig(
            data_dir=Path(self.data_dir),
            warehouse=Path(self.warehouse),
            as_of=date.fromisoformat(as_of) if as_of else None,
            max_rejected_share=self.max_rejected_share,
            engine=check_engine(engine or self.engine),
        ).resolved()


class BuildSettings(dg.Config):
    """Settings of one run, given in the launchpad or `--config`."""

    as_of: str | None = None  # YYYY-MM-DD: build as of that date (default: everything)
    engine: str | None = None  # duckdb or spark (default: the resource's, CIRCULARITY_ENGINE)


def run_key(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext) -> str:
    """The id of a run's work folder: the root run's id, so that a re-execution from
    failure finds the folder its first run made."""
    return context.run.root_run_id or context.run.run_id
