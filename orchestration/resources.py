"""Where a Dagster run reads and writes: the same two paths the CLI takes, from the same
environment variables that dbt reads."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from dagster import ConfigurableResource

from circularity.pipeline import DEFAULT_DATA_DIR, DEFAULT_WAREHOUSE, BuildConfig
from circularity.validation import DEFAULT_MAX_REJECTED_SHARE


class CircularityResource(ConfigurableResource):
    """The data directory, the published warehouse file and the build's options."""

    data_dir: str
    warehouse: str
    as_of: str | None = None
    max_rejected_share: float = DEFAULT_MAX_REJECTED_SHARE

    @classmethod
    def from_environment(cls) -> CircularityResource:
        return cls(
            data_dir=os.environ.get("CIRCULARITY_DATA_DIR") or str(DEFAULT_DATA_DIR),
            warehouse=os.environ.get("CIRCULARITY_WAREHOUSE") or str(DEFAULT_WAREHOUSE),
            as_of=os.environ.get("CIRCULARITY_AS_OF") or None,
        )

    def build_config(self) -> BuildConfig:
        return BuildConfig(
            data_dir=Path(self.data_dir),
            warehouse=Path(self.warehouse),
            as_of=date.fromisoformat(self.as_of) if self.as_of else None,
            max_rejected_share=self.max_rejected_share,
        ).resolved()
