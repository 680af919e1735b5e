"""Safe with any path, any neighbour and any fault: hostile warehouse paths are never read as
SQL, files the build did not write are never replaced or removed, and faults of the
surroundings end in one plain line with the published file unchanged."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from circularity import data_docs, locking
from circularity.dbt_runner import PROJECT_DIR
from circularity.pipeline import BuildConfig, build
from circularity.workspace import MARK, Workspace, build_prefix, lock_file, remove_left_behind
from tests.conftest import query, run_dbt, write_data_dir

CLI = str(Path(sys.executable).with_name("circularity"))
DEALS = "d1,2024-01-01,amazon,anthropic,100,USD,exact,equity,,https://example.com/d1,\n"
MORE_DEALS = DEALS + "d2,2024-02-01,google,anthropic,50,USD,exact,equity,,https://example.com/d2,\n"
# Every kind of character a path may hold, and an attempt to run SQL of its own.
HOSTILE_NAME = "o'b\"r $HOME %s {x} ; -- Zürich 東京 x'); copy (select 1) to 'pwned.csv'; --"


def run_cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CLI, *args], capture_output=True, text=True, timeout=timeout)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _one_plain_error(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert "Traceback" not in stderr, stderr
    assert len(lines) == 1, stderr
    return lines[0]


def _leftovers(folder: Path, warehouse: Path) -> list[str]:
    prefix = build_prefix(warehouse)
    return [p.name for p in folder.iterdir() if p.name.startswith(prefix)]


@pytest.fixture(scope="module")
def published_once(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(data dir, a published warehouse) built once for the module; copy before changing."""
    root = tmp_path_factory.mktemp("published")
    data = write_data_dir(root / "data", deals=DEALS)
    warehouse = root / "wh" / "circularity.duckdb"
    result = build(BuildConfig(data, warehouse))
    assert result.published, result.failures
    return data, warehouse


def _copy_published(published: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(published, target)
    return target


@pytest.mark.parametrize("kind", ["duckdb", "text", "folder"])
def test_refuses_to_replace_what_is_not_a_circularity_warehouse(
    tmp_path: Path, published_once: tuple[Path, Path], kind: str
) -> None:
    data, _ = published_once
    users = tmp_path / "deals.duckdb"
    if kind == "duckdb":
        connection = duckdb.connect(str(users))
        connection.execute("create table my_deals as select 42 as answer")
        connection.close()
    elif kind == "text":
        users.write_text("my notes, not a database\n")
    else:
        users.mkdir()
        (users / "keep.txt").write_text("mine")
    before = {p.name: (_digest(p) if p.is_file() else None) for p in users.parent.rglob("*")}
    completed = run_cli("build", "--data-dir", str(data), "--warehouse", str(users))
    assert completed.returncode == 2
    line = _one_plain_error(completed.stderr)
    assert "refusing to replace" in line and str(users) in line
    after = {p.name: (_digest(p) if p.is_file() else None) for p in users.parent.rglob("*")}
    assert {name: value for name, value in after.items() if not name.endswith(".lock")} == before
    assert not _leftovers(tmp_path, users)


@pytest.mark.parametrize("name", ["side.report.html", "side.data_docs"])
def test_refuses_to_replace_a_users_file_where_the_build_writes_beside_the_warehouse(
    tmp_path: Path, published_once: tuple[Path, Path], name: str
) -> None:
    """The build writes `<stem>.report.html` and the folder `<stem>.data_docs` beside the
    warehouse: a file of either name that no build wrote is the user's, and the build stops
    before it touches anything."""
    data, published = published_once
    warehouse = _copy_published(published, tmp_path / "side.duckdb")
    (tmp_path / name).write_text("<html>my own page</html>")
    before = {p: _digest(p) for p in tmp_path.rglob("*") if p.is_file()}
    completed = run_cli("build", "--data-dir", str(data), "--warehouse", str(warehouse))
    assert completed.returncode == 2
    line = _one_plain_error(completed.stderr)
    assert line.startswith("error: refusing to ") and "Circularity did not write" in line
    after = {p: _digest(p) for p in tmp_path.rglob("*") if p.is_file()}
    assert {p: d for p, d in after.items() if not p.name.endswith(".lock")} == before


def test_a_users_file_inside_the_data_docs_folder_is_left_as_it_is(tmp_path: Path) -> None:
    """A file the user put in the build's data docs folder is never replaced or removed,
    even where the new site has a file of that name."""
    built = tmp_path / "built"
    (built / "validations").mkdir(parents=True)
    (built / "index.html").write_text("site 1")
    (built / "validations" / "a.html").write_text("a 1")
    site = tmp_path / "site"
    data_docs.publish_site(built, site)
    (site / "notes.txt").write_text("mine")
    (site / "validations" / "b.html").write_text("mine too")
    (built / "index.html").write_text("site 2")
    (built / "validations" / "a.html").unlink()
    (built / "validations" / "b.html").write_text("b 2")
    data_docs.publish_site(built, site)
    assert (site / "index.html").read_text() == "site 2"
    assert not (site / "validations" / "a.html").exists()
    assert (site / "notes.txt").read_text() == "mine"
    assert (site / "validations" / "b.html").read_text() == "mine too"


def test_a_site_copy_cut_short_names_the_page_and_lists_what_it_wrote(tmp_path: Path) -> None:
    """A copy that fails half way (here a user's file where the site needs a folder; a full
    disk alike) names the page it was writing, not the scratch copy it read, and every page
    it wrote is listed, so the next build removes them rather than keep them as a user's."""
    built = tmp_path / "built"
    (built / "validations").mkdir(parents=True)
    (built / "index.html").write_text("site")
    (built / "validations" / "a.html").write_text("a")
    site = tmp_path / "site"
    site.mkdir()
    (site / "validations").write_text("a user's file where the site needs a folder")
    with pytest.raises(OSError) as raised:
        data_docs.publish_site(built, site)
    assert raised.value.filename == str(site / "validations" / "a.html")
    assert (site / "index.html").read_text() == "site"
    (site / "validations").unlink()
    (built / "index.html").unlink()
    data_docs.publish_site(built, site)
    assert not (site / "index.html").exists()  # listed before the failure, so removed now
    assert (site / "validations" / "a.html").read_text() == "a"


def test_a_site_listed_by_an_earlier_version_is_still_replaced(tmp_path: Path) -> None:
    """Earlier builds listed their pages as a bare list, without the warehouse's name."""
    built = tmp_path / "built"
    built.mkdir()
    (built / "index.html").write_text("new")
    site = tmp_path / "site"
    site.mkdir()
    (site / "old.html").write_text("an earlier build's page")
    (site / data_docs.MANIFEST).write_text('["old.html"]')
    assert data_docs.site_owner(site) is None
    data_docs.publish_site(built, site, owner="w.duckdb")
    assert sorted(p.name for p in site.iterdir()) == [data_docs.MANIFEST, "index.html"]
    assert data_docs.site_owner(site) == "w.duckdb"


def test_two_warehouses_named_alike_never_share_a_report_or_data_docs(
    tmp_path: Path, published_once: tuple[Path, Path]
) -> None:
    """The report page and the data docs are named after the warehouse without its
    extension: a second warehouse of that name in the folder (w.db beside w.duckdb) is
    refused before it builds, and the first one's pages stay its own."""
    data, published = published_once
    first = _copy_published(published, tmp_path / "w.duckdb")
    built = run_cli("build", "--data-dir", str(data), "--warehouse", str(first))
    assert built.returncode == 0, built.stderr
    page, docs = tmp_path / "w.report.html", tmp_path / "w.data_docs"
    pages_before = _digest(page), (docs / data_docs.MANIFEST).read_text()
    assert data_docs.site_owner(docs) == "w.duckdb"

    second = tmp_path / "w.db"
    refused = run_cli("build", "--data-dir", str(data), "--warehouse", str(second))
    assert refused.returncode == 2
    line = _one_plain_error(refused.stderr)
    assert f"refusing to replace {page}: it belongs to the warehouse {first}" in line
    assert "give this warehouse another name with --warehouse" in line
    assert not second.exists()
    assert (_digest(page), (docs / data_docs.MANIFEST).read_text()) == pages_before

    first.unlink()  # once the first is gone, its pages are the next one's to replace
    taken = run_cli("build", "--data-dir", str(data), "--warehouse", str(second))
    assert taken.returncode == 0, taken.stderr
    assert data_docs.site_owner(docs) == "w.db"
    assert "<title>Circularity report: w.db</title>" in page.read_text()


def test_backslash_in_the_warehouse_path_is_refused(tmp_path: Path) -> None:
    completed = run_cli("build", "--warehouse", str(tmp_path / "a\\b.duckdb"))
    assert completed.returncode == 2
    assert "backslash" in _one_plain_error(completed.stderr)


def test_hostile_warehouse_path_builds_and_keeps_history(
    tmp_path: Path, published_once: tuple[Path, Path]
) -> None:
    data, published = published_once
    folder = tmp_path / HOSTILE_NAME
    warehouse = _copy_published(published, folder / f"{HOSTILE_NAME}.duckdb")
    completed = run_cli("build", "--data-dir", str(data), "--warehouse", str(warehouse))
    assert completed.returncode == 0, completed.stderr
    # The new build carried the history over (ATTACH of this very path) and is readable
    # under its own name.
    assert query(warehouse, "select count(*) from audit.build_runs") == [(2,)]
    assert query(warehouse, "select count(*) from marts.fct_investments") == [(1,)]
    assert not _leftovers(folder, warehouse)
    assert not list(tmp_path.rglob("pwned.csv")) and not Path("pwned.csv").exists()


def test_symlinked_warehouse_replaces_the_real_file_and_keeps_the_link(
    tmp_path: Path, published_once: tuple[Path, Path]
) -> None:
    data, published = published_once
    real = _copy_published(published, tmp_path / "real" / "w.duckdb")
    link = tmp_path / "links" / "mine.duckdb"
    link.parent.mkdir()
    link.symlink_to(real)
    result = build(BuildConfig(data, link))
    assert result.published, result.failures
    assert link.is_symlink() and link.resolve() == real
    assert query(real, "select count(*) from audit.build_runs") == [(2,)]
    assert sorted(p.name for p in link.parent.iterdir()) == ["mine.duckdb"]


def test_no_wait_fails_fast_while_another_build_holds_the_warehouse(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    descriptor = locking.acquire(lock_file(warehouse))
    try:
        completed = run_cli("build", "--warehouse", str(warehouse), "--no-wait", timeout=60)
    finally:
        locking.release(descriptor)
    assert completed.returncode == 2
    line = _one_plain_error(completed.stderr)
    assert "another build of" in line and str(warehouse) in line
    assert not warehouse.exists()


WRITER = textwrap.dedent(
    """
    import sys, duckdb
    connection = duckdb.connect(sys.argv[1])  # a writer, as a careless session would be
    print("ready", flush=True)
    sys.stdin.readline()
    """
)


def test_warehouse_held_by_another_writer_fails_cleanly(
    tmp_path: Path, published_once: tuple[Path, Path]
) -> None:
    data, published = published_once
    warehouse = _copy_published(published, tmp_path / "w.duckdb")
    before = _digest(warehouse)
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(warehouse)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
        completed = run_cli("build", "--data-dir", str(data), "--warehouse", str(warehouse))
    finally:
        writer.kill()
        writer.wait()
    assert completed.returncode == 2
    line = _one_plain_error(completed.stderr)
    assert "open for writing in another process" in line and f"PID {writer.pid}" in line
    assert _digest(warehouse) == before
    assert not _leftovers(tmp_path, warehouse)


def test_a_file_at_the_warehouses_log_name_is_refused_before_the_build(
    tmp_path: Path, published_once: tuple[Path, Path]
) -> None:
    """`circularity sql` is read-only, but a query may `copy ... to` any path: a file at
    `<warehouse>.wal`, which DuckDB would take for the warehouse's write-ahead log, stops the
    next build before it starts, with the fix, and the warehouse stays as it was."""
    data, published = published_once
    warehouse = _copy_published(published, tmp_path / "w.duckdb")
    wal = tmp_path / "w.duckdb.wal"
    copied = run_cli("sql", "--warehouse", str(warehouse), f"copy (select 42 as answer) to '{wal}'")
    assert copied.returncode == 0, copied.stderr
    assert wal.is_file()
    before = _digest(warehouse)
    completed = run_cli("build", "--data-dir", str(data), "--warehouse", str(warehouse))
    assert completed.returncode == 2
    line = _one_plain_error(completed.stderr)
    assert str(wal) in line and "move the file away, and build again" in line
    assert "running dbt build" not in completed.stdout  # refused before any work
    assert _digest(warehouse) == before
    assert wal.read_text().strip().splitlines() == ["answer", "42"]  # the user's file, kept
    assert not _leftovers(tmp_path, warehouse)
    wal.unlink()
    again = run_cli("build", "--data-dir", str(data), "--warehouse", str(warehouse))
    assert again.returncode == 0, again.stderr
    assert query(warehouse, "select count(*) from audit.build_runs") == [(2,)]


HOLDER = textwrap.dedent(
    """
    import fcntl, os, sys
    descriptor = os.open(sys.argv[1], os.O_RDWR)
    fcntl.flock(descriptor, fcntl.LOCK_EX)
    print("held", flush=True)
    sys.stdin.readline()
    """
)


def test_next_build_removes_only_folders_of_dead_builds(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"

    def folder(run_id: str, mark: str | None) -> Path:
        path = Workspace(warehouse, run_id).folder
        path.mkdir()
        (path / "inputs.json").write_text("{}")
        if mark is not None:
            (path / MARK).write_text(mark)
        return path

    dead = folder("cli-dead", "123 cli-dead\n")
    live = folder("cli-live", "456 cli-live\n")
    between_steps = folder("dagster-run", "789 dagster-run\n")  # a Dagster run between steps
    not_ours = folder("cli-foreign", None)  # no mark: not made by a build
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(live / MARK)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert remove_left_behind(warehouse) == [dead]
    finally:
        holder.kill()
        holder.wait()
    assert not dead.exists()
    assert live.exists() and between_steps.exists() and not_ours.exists()
    # Once its process is gone, the live build's folder is left behind too.
    assert remove_left_behind(warehouse) == [live]


SCRATCH_HOLDER = """
import sys
from circularity import data_docs
with data_docs.scratch_site() as site:
    site.mkdir()
    (site / "index.html").write_text("a page")
    print(site.parent, flush=True)
    sys.stdin.read()
"""


def test_the_next_build_removes_only_scratch_sites_of_killed_builds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GX draws the data docs in a scratch folder in the temporary folder; a build killed
    meanwhile cannot remove it, so the next build does, and nothing else."""
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))

    def holder() -> tuple[subprocess.Popen[str], Path]:
        process = subprocess.Popen(
            [sys.executable, "-c", SCRATCH_HOLDER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "TMPDIR": str(temporary)},
        )
        assert process.stdout is not None
        return process, Path(process.stdout.readline().strip())

    live, live_scratch = holder()
    killed, killed_scratch = holder()
    killed.kill()
    killed.wait()
    parent = killed_scratch.parent
    assert parent == temporary / f"circularity-{os.getuid()}"
    unmarked = parent / "data-docs-unmarked"  # not made by a build: no mark
    unmarked.mkdir()
    (unmarked / "notes.txt").write_text("a user's file")
    unmarked_empty = parent / "data-docs-empty"  # a build killed before it marked it
    unmarked_empty.mkdir()
    users_file = parent / "data-docs-file"
    users_file.write_text("a user's file")
    try:
        assert killed_scratch.is_dir()
        with data_docs.scratch_site() as site:
            assert not killed_scratch.exists() and not unmarked_empty.exists()
            assert live_scratch.is_dir() and (unmarked / "notes.txt").exists()
            assert users_file.read_text() == "a user's file"
            site.mkdir()
            assert site.parent.parent == parent
        assert not site.parent.exists()  # the block removes its own
    finally:
        live.kill()
        live.wait()
    assert sorted(p.name for p in parent.iterdir()) == sorted(
        ["data-docs-unmarked", "data-docs-file", live_scratch.name]
    )
    data_docs.remove_abandoned_scratch(parent)  # the live build is gone now too
    assert not live_scratch.exists() and unmarked.exists()


def _mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True, capture_output=True)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 24 MB tmpfs: a disk that can really be full or read-only, even for root."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    try:
        _mount("-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mount_point))
    except (OSError, subprocess.CalledProcessError) as error:
        pytest.skip(f"cannot mount a tmpfs here ({error}); chmod does not stop root")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def test_full_disk_fails_cleanly_and_leaves_the_published_file(
    small_disk: Path, published_once: tuple[Path, Path]
) -> None:
    data, published = published_once
    warehouse = _copy_published(published, small_disk / "w.duckdb")
    before = _digest(warehouse)
    filler = small_disk / "filler"
    with filler.open("wb") as handle:  # fill the disk up to its last 256 KB
        free = shutil.disk_usage(small_disk).free - 256 * 1024
        handle.write(b"\0" * free)
    completed = run_cli("build", "--data-dir", str(data), "--warehouse", str(warehouse))
    assert completed.returncode != 0
    assert "Traceback" not in completed.stderr
    assert "No space left on device" in completed.stderr, completed.stderr
    assert _digest(warehouse) == before
    assert not _leftovers(small_disk, warehouse)


def test_read_only_warehouse_folder_fails_cleanly(
    small_disk: Path, published_once: tuple[Path, Path]
) -> None:
    data, published = published_once
    warehouse = _copy_published(published, small_disk / "w.duckdb")
    before = _digest(warehouse)
    _mount("-o", "remount,ro", str(small_disk))
    completed = run_cli("build", "--data-dir", str(data), "--warehouse", str(warehouse))
    assert completed.returncode == 2
    line = _one_plain_error(completed.stderr)
    assert "Read-only file system" in line and str(warehouse) in line
    assert _digest(warehouse) == before


def test_read_only_checkout_builds_without_writing_into_the_project(
    tmp_path: Path, published_once: tuple[Path, Path]
) -> None:
    data, _ = published_once
    warehouse = tmp_path / "w.duckdb"
    project = str(PROJECT_DIR)
    script = (
        'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" && '
        'touch "$1/probe" 2>/dev/null && exit 99; exec "$2" build --data-dir "$3" '
        '--warehouse "$4"'
    )
    try:
        completed = subprocess.run(
            [
                "unshare",
                "-m",
                "--propagation",
                "private",
                "sh",
                "-c",
                script,
                "sh",
                project,
                CLI,
                str(data),
                str(warehouse),
            ],
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ},
        )
    except FileNotFoundError:
        pytest.skip("unshare is not installed")
    if completed.returncode != 0 and "mount" in completed.stderr:
        pytest.skip(f"cannot make a read-only bind mount here: {completed.stderr.strip()}")
    assert completed.returncode != 99, "the bind mount was not read-only"
    assert completed.returncode == 0, completed.stderr
    assert query(warehouse, "select count(*) from audit.build_runs") == [(1,)]


def test_missing_data_dir_fails_cleanly_and_leaves_the_published_file(
    tmp_path: Path, published_once: tuple[Path, Path]
) -> None:
    _, published = published_once
    warehouse = _copy_published(published, tmp_path / "w.duckdb")
    before = _digest(warehouse)
    completed = run_cli(
        "build", "--data-dir", str(tmp_path / "gone"), "--warehouse", str(warehouse)
    )
    assert completed.returncode == 2
    assert "does not exist" in _one_plain_error(completed.stderr)
    assert _digest(warehouse) == before
    assert not _leftovers(tmp_path, warehouse)


def test_stopped_build_removes_its_work_folder(
    tmp_path: Path, published_once: tuple[Path, Path]
) -> None:
    data, published = published_once
    warehouse = _copy_published(published, tmp_path / "w.duckdb")
    before = _digest(warehouse)
    process = subprocess.Popen(
        [CLI, "build", "--data-dir", str(data), "--warehouse", str(warehouse)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    for line in process.stdout:
        if "running dbt build" in line:
            break
    time.sleep(1.0)
    process.terminate()
    _, stderr = process.communicate(timeout=60)
    assert process.returncode != 0
    assert "the build was stopped" in _one_plain_error(stderr)
    assert _digest(warehouse) == before
    assert not _leftovers(tmp_path, warehouse)


def test_dagster_run_with_hostile_paths_publishes_and_refuses_a_users_file(
    tmp_path: Path, published_once: tuple[Path, Path]
) -> None:
    from tests.test_dagster import run_dagster  # loads Dagster and dbt-dagster: seconds

    data, published = published_once
    folder = tmp_path / HOSTILE_NAME
    data = Path(shutil.copytree(data, folder / "data"))
    warehouse = _copy_published(published, folder / f"{HOSTILE_NAME}.duckdb")
    assert run_dagster(data, warehouse).success
    assert query(warehouse, "select count(*) from audit.build_runs") == [(2,)]
    assert not _leftovers(folder, warehouse)

    users = folder / "notes.duckdb"
    users.write_text("not a database")
    result = run_dagster(data, users)
    assert not result.success
    assert users.read_text() == "not a database"
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert "refusing to replace" in str(failure.event_specific_data.error)


def test_hostile_data_dir_builds_through_the_cli_and_plain_dbt(tmp_path: Path) -> None:
    """A data directory whose name holds quotes, `$`, `%`, `{}`, `;`, `--`, non-ASCII and an
    injection attempt is read as a path, never as SQL; so is a warehouse folder named so,
    and the Data Docs land in that folder, not where `$HOME` would expand."""
    folder = tmp_path / HOSTILE_NAME
    data = write_data_dir(folder / "data", deals=MORE_DEALS)
    warehouse = folder / "wh" / "circularity.duckdb"
    completed = run_cli("build", "--data-dir", str(data), "--warehouse", str(warehouse))
    assert completed.returncode == 0, completed.stderr
    assert query(warehouse, "select count(*) from marts.fct_investments") == [(2,)]
    assert (folder / "wh" / "circularity.data_docs" / "index.html").exists()
    assert not [p for p in tmp_path.rglob("*") if "/root" in p.name or p.name == "pwned.csv"]

    dbt = run_dbt(
        "build",
        env={"CIRCULARITY_DATA_DIR": str(data), "CIRCULARITY_WAREHOUSE": str(warehouse)},
        timeout=300,
    )
    assert dbt.returncode == 0, dbt.stdout[-3000:]
    development = warehouse.with_name("circularity.dev.duckdb")
    assert query(development, "select count(*) from marts.fct_investments") == [(2,)]
    assert not list(tmp_path.rglob("pwned.csv")) and not Path("pwned.csv").exists()
