"""The CLI's processes (the `circularity` executable and its dbt child) end with their
command's status, after every exit handler has run, without the interpreter's last
garbage collections."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from circularity.dbt_runner import (
    PROJECT_DIR,
    DbtFault,
    dbt_child_command,
    dbt_step,
    read_results,
)
from circularity.engines import contract_types


def run_main(body: str) -> subprocess.CompletedProcess[str]:
    """Run `body` as the main function of a process ended by run_then_exit."""
    script = "\n".join(
        [
            "import atexit",
            "from circularity.fast_exit import run_then_exit",
            "def main():",
            textwrap.indent(textwrap.dedent(body), "    "),
            "run_then_exit(main)",
        ]
    )
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ("return 0", 0),
        ("return None", 0),
        ("return 3", 3),
        ("raise SystemExit(2)", 2),
        ("raise SystemExit(None)", 0),
        ("raise KeyboardInterrupt", 130),
    ],
)
def test_the_process_ends_with_the_status_of_main(body: str, status: int) -> None:
    assert run_main(body).returncode == status


def test_a_message_given_to_exit_is_printed_and_the_status_is_1() -> None:
    completed = run_main("raise SystemExit('cannot go on')")
    assert completed.returncode == 1
    assert "cannot go on" in completed.stderr


def test_an_error_escaping_main_prints_its_traceback_and_the_status_is_1() -> None:
    completed = run_main("raise ValueError('broken')")
    assert completed.returncode == 1
    assert "Traceback" in completed.stderr and "ValueError: broken" in completed.stderr


def test_handlers_registered_by_main_run_and_unflushed_output_is_written(
    tmp_path: Path,
) -> None:
    marker = tmp_path / "closed"
    completed = run_main(
        f"""
        atexit.register(lambda: open({str(marker)!r}, "w").write("closed"))
        print("no newline, never flushed", end="")
        return 0
        """
    )
    assert completed.returncode == 0
    assert marker.read_text() == "closed"  # as dbt-duckdb closes its database at exit
    assert completed.stdout == "no newline, never flushed"


def test_a_reader_that_went_away_does_not_change_the_status() -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # as `circularity build | head -1` once head has its line
    try:
        completed = subprocess.run(
            [
                sys.executable,
                "-c",
                "from circularity.fast_exit import run_then_exit\n"
                "run_then_exit(lambda: print('x' * 100, end='') or 0)",
            ],
            stdout=write_end,
            stderr=subprocess.PIPE,
            # Buffered, so that the write fails when the process flushes at its exit.
            env={name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"},
            text=True,
            timeout=60,
        )
    finally:
        os.close(write_end)
    assert completed.returncode == 0, completed.stderr


def test_garbage_left_in_reference_cycles_is_not_collected_at_exit() -> None:
    body = """
        class Node:
            def __del__(self):
                print("collected")
        node = Node()
        node.itself = node  # a cycle: only the garbage collector frees it
        del node
        return 0
        """
    script = "import gc\ngc.disable()\n" + textwrap.dedent(body).replace("return 0", "")
    plain = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert "collected" in plain.stdout  # a plain exit collects it, and that takes time
    fast = run_main("import gc\ngc.disable()\n" + textwrap.dedent(body))
    assert fast.returncode == 0
    assert "collected" not in fast.stdout


def test_the_dbt_child_exits_with_the_status_dbt_gives() -> None:
    version = subprocess.run(
        [sys.executable, "-m", "circularity.dbt_child", "--version"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert version.returncode == 0 and "installed:" in version.stdout
    unknown = subprocess.run(
        [sys.executable, "-m", "circularity.dbt_child", "no-such-command"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert unknown.returncode == 2  # dbt's own status for a usage error
    assert "No such command" in unknown.stderr


def run_dbt_child(data: Path, tmp_path: Path, *selection: str) -> subprocess.CompletedProcess[str]:
    """`dbt build` of some models and their data tests, as the CLI runs dbt."""
    step = dbt_step(tmp_path / "build.duckdb", data, None, tmp_path / "target")
    return subprocess.run(
        dbt_child_command([*step.args, *(selection or ("--select", "base_csv__fx_rates"))]),
        env={**os.environ, **step.env},
        cwd=step.cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_dbt_child_writes_the_results_the_gate_reads_without_the_manifest(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(PROJECT_DIR / "seeds" / "fx_rates.csv", data)
    built = run_dbt_child(data, tmp_path)
    assert built.returncode == 0, built.stdout
    target = tmp_path / "target"
    assert not (target / "manifest.json").exists()  # the cost this flag saves
    run = read_results(target)
    assert run.failures == []
    assert [(t.name, t.column_name, t.success) for t in run.tests] == [
        ("not_null_base_csv__fx_rates_source_line", "source_line", True)
    ]

    (data / "fx_rates.csv").unlink()  # the model fails: dbt's status 1, and why
    failed = run_dbt_child(data, tmp_path)
    assert failed.returncode == 1
    [failure, skipped] = read_results(target).failures
    assert failure.node == "model.circularity.base_csv__fx_rates"
    assert failure.status == "error" and "missing input file" in failure.message
    assert skipped.status == "skipped"


def test_the_dbt_child_gives_the_spark_copy_the_marts_contracts(tmp_path: Path) -> None:
    built = run_dbt_child(
        # Cautious: not the tests that also need the fact tables.
        PROJECT_DIR / "seeds",
        tmp_path,
        "--select",
        "+dim_companies",
        "--indirect-selection",
        "cautious",
    )
    assert built.returncode == 0, built.stdout
    columns = contract_types(tmp_path / "target")["dim_companies"]
    assert ("company_id", "varchar not null") in columns
    assert ("parent_id", "varchar") in columns  # nullable: no constraint


def test_a_results_file_cut_short_is_a_fault_of_the_surroundings(tmp_path: Path) -> None:
    """dbt's results cut short (a full disk) say so in one line, not with a traceback."""
    (tmp_path / "run_results.json").write_text('{"results": [{"unique_id": ')
    with pytest.raises(DbtFault, match=r"run_results.json is incomplete; is the disk full\?"):
        read_results(tmp_path)
