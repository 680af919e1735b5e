"""A build's private folder beside the published warehouse: the new DuckDB file, dbt's
artifacts, and what each step records for the next (input counts, validation results).

Both front doors use it: the CLI with a fresh id, Dagster with the run id, so that the
steps of one Dagster run (each in its own process) find the same folder."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Workspace:
    warehouse: Path
    run_id: str

    @property
    def folder(self) -> Path:
        # Same file system as the published file (atomic rename) and the same file name
        # (DuckDB names the catalog after the file, so views stay valid once published).
        return self.warehouse.parent / f".{self.warehouse.stem}.build-{self.run_id}"

    @property
    def database(self) -> Path:
        return self.folder / self.warehouse.name

    @property
    def dbt_target(self) -> Path:
        return self.folder / "dbt-target"

    @property
    def data_docs(self) -> Path:
        # Named after the warehouse: the build owns it (and only removes what it wrote).
        return self.warehouse.parent / f"{self.warehouse.stem}.data_docs"

    @property
    def failed_folder(self) -> Path:
        return self.warehouse.parent / f".{self.warehouse.stem}.failed"

    def write(self, name: str, record: dict[str, Any]) -> None:
        (self.folder / f"{name}.json").write_text(json.dumps(record, indent=1, default=str))

    def read(self, name: str) -> dict[str, Any]:
        return json.loads((self.folder / f"{name}.json").read_text())

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
