"""A build's private folder beside the published warehouse: the new DuckDB file, dbt's
artifacts, and what each step records for the next (input counts, validation results).

Both front doors use it: the CLI with a fresh id, Dagster with the run id, so that the
steps of one Dagster run (each in its own process) find the same folder.

Every folder a build makes is named after the warehouse file and holds a lock file
(`build.lock`, flock'ed by the process that works in it): that file marks the folder as the
build's own, and a folder whose lock can be taken belongs to a build that is gone. Nothing
without that mark is ever removed."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from circularity import locking

MARK = "build.lock"
BUILD_FILE = "circularity.duckdb"
CLI_PREFIX = "cli-"
# A Dagster run's steps work in its folder one process after another, so between steps no
# process holds the lock: its folder counts as left behind only after this long untouched.
RUN_FOLDER_GRACE_SECONDS = 3600.0

# Locks held by this process on the work folders it opened (released when it exits).
_held: dict[Path, int] = {}
# Records written or read by this process, so that no step reads a file its own process
# wrote a moment ago.
_records: dict[Path, dict[str, Any]] = {}


@dataclass(frozen=True)
class Workspace:
    warehouse: Path
    run_id: str

    @property
    def folder(self) -> Path:
        # Same file system as the published file, so that publishing is one atomic rename.
        return self.warehouse.parent / f"{build_prefix(self.warehouse)}{self.run_id}"

    @property
    def database(self) -> Path:
        # One fixed name, whatever the warehouse is called: DuckDB names the catalog after
        # the file and dbt-duckdb pastes that name into its SQL, so a user's file name must
        # never reach dbt. The models are tables, which do not depend on the catalog name.
        return self.folder / BUILD_FILE

    @property
    def dbt_target(self) -> Path:
        return self.folder / "dbt-target"

    @property
    def data_docs(self) -> Path:
        # Named after the warehouse: the build owns it (and only removes what it wrote).
        return self.warehouse.parent / f"{self.warehouse.stem}.data_docs"

    @property
    def failed_folder(self) -> Path:
        return self.warehouse.parent / f".{self.warehouse.name}.failed"

    def create(self) -> None:
        """Make the folder and hold its lock for the life of this process. The mark is
        written only once the lock is held, so a cleaner never mistakes a folder being made
        for one left behind."""
        self.folder.mkdir(parents=True)
        descriptor = locking.acquire(self.folder / MARK)
        os.write(descriptor, f"{os.getpid()} {self.run_id}\n".encode())
        _held[self.folder] = descriptor

    def write(self, name: str, record: dict[str, Any]) -> None:
        path = self.folder / f"{name}.json"
        path.write_text(json.dumps(record, indent=1, default=str))
        _records[path] = record

    def remember(self, name: str, record: dict[str, Any]) -> None:
        """Keep a record for this process only, without writing it (a background step that
        must not touch the disk); `write` makes it visible to other processes."""
        _records[self.folder / f"{name}.json"] = record

    def has(self, name: str) -> bool:
        """Whether a step recorded `name` (in this process or in the folder)."""
        path = self.folder / f"{name}.json"
        return path in _records or path.exists()

    def read(self, name: str) -> dict[str, Any]:
        """What a step recorded: from this process's memory when it wrote it, else from the
        folder (a Dagster step in another process)."""
        path = self.folder / f"{name}.json"
        if path not in _records:
            _records[path] = json.loads(path.read_text())
        return _records[path]

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
        self.let_go()

    def let_go(self) -> None:
        """Release this process's lock on the folder (after it was removed or moved)."""
        descriptor = _held.pop(self.folder, None)
        if descriptor is not None:
            locking.release(descriptor)


def build_prefix(warehouse: Path) -> str:
    return f".{warehouse.name}.build-"


def user_temp_folder() -> Path:
    """This user's folder in the system's temporary folder, for what builds keep outside
    the project and the warehouse's folder (dbt's partial parse state, GX's scratch sites).
    Its callers make it 0700 and never use one that another user owns."""
    return Path(tempfile.gettempdir()) / f"circularity-{os.getuid()}"


def lock_file(warehouse: Path) -> Path:
    """The file whose flock lets one build at a time publish `warehouse`."""
    return warehouse.with_name(warehouse.name + ".lock")


def is_own_folder(folder: Path) -> bool:
    return folder.is_dir() and not folder.is_symlink() and (folder / MARK).is_file()


def remove_left_behind(warehouse: Path) -> list[Path]:
    """Remove the work folders of builds of `warehouse` that were killed: folders with the
    mark whose lock no live process holds. Returns what was removed."""
    removed = []
    prefix = build_prefix(warehouse)
    try:
        candidates = [p for p in warehouse.parent.iterdir() if p.name.startswith(prefix)]
    except OSError:
        return removed
    for folder in candidates:
        if folder in _held or not is_own_folder(folder):
            continue
        descriptor = locking.try_existing(folder / MARK)
        if descriptor is None:
            continue
        try:
            mark = (folder / MARK).read_text()
            run_id = folder.name.removeprefix(prefix)
            idle = time.time() - max(folder.stat().st_mtime, (folder / MARK).stat().st_mtime)
            being_made = not mark and idle < 60
            between_steps = not run_id.startswith(CLI_PREFIX) and idle < RUN_FOLDER_GRACE_SECONDS
            if being_made or between_steps:
                continue
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
        except OSError:
            continue
        finally:
            locking.release(descriptor)
    return removed
