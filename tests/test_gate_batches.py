"""The CLI validates each gate's rows while dbt builds the rest (`circularity.gate_batches`):
with the same rows and the same outcomes as a validation of the finished build, and an
early run that fails is set aside for the full gate."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from circularity import validation
from circularity.gate_batches import BATCHES_FOLDER, EarlyValidation
from circularity.inputs import count_physical_lines
from circularity.pipeline import PROJECT_DIR, BuildConfig, build
from circularity.sql_text import quote_literal
from tests.conftest import run_script, write_data_dir

SEEDS = PROJECT_DIR / "seeds"


def _comparable(report: validation.ValidationReport) -> list[tuple]:
    return [
        (o.suite, o.expectation, o.column_name, o.success, o.observed)
        for o in report.outcomes
        if o.suite != "dbt"
    ]


def test_a_build_validates_its_gates_while_dbt_builds_with_the_outcomes_of_the_finished_build(
    tmp_path: Path,
) -> None:
    warehouse = tmp_path / "warehouse" / "circularity.duckdb"
    said: list[str] = []
    result = build(BuildConfig(SEEDS, warehouse), progress=said.append)
    assert result.published and result.validation is not None

    suites = validation.suite_names()
    assert any(f"in {len(suites)} suites ({len(suites)} while dbt built)" in line for line in said)
    # The published file validated again from scratch, every suite read from the file.
    again = validation.validate(
        warehouse,
        "again",
        physical_lines={p.name: count_physical_lines(p) for p in SEEDS.glob("*.csv")},
        data_docs_dir=tmp_path / "again" / "docs",
    )
    assert _comparable(result.validation) == _comparable(again)
    assert {o.suite for o in again.outcomes} == set(suites)
    assert not list(warehouse.parent.glob(f"**/{BATCHES_FOLDER}"))  # gone with the build folder


def test_a_failed_build_keeps_batches_equal_to_its_gates_and_outcomes_equal_to_a_full_gate(
    tmp_path: Path,
) -> None:
    data_dir = write_data_dir(
        tmp_path / "data",
        deals="""\
        d1,2025-01-01,amazon,anthropic,4000,USD,exact,equity,,https://example.com/1,
        d2,2025-02-01,amazon,nobody,100,USD,exact,equity,,https://example.com/2,
        """,
    )
    warehouse = tmp_path / "warehouse" / "circularity.duckdb"
    said: list[str] = []
    # Any rejected record is too many: the inputs suite fails, the build is kept.
    result = build(BuildConfig(data_dir, warehouse, max_rejected_share=0.0), progress=said.append)
    assert not result.published and result.failed_build is not None
    kept = result.failed_build
    batches = sorted((kept.parent / BATCHES_FOLDER).glob("gate_*.parquet"))
    suites = set(validation.suite_names())
    assert {batch.stem.removeprefix("gate_") for batch in batches} >= suites
    assert any(f"in {len(suites)} suites ({len(suites)} while dbt built)" in line for line in said)

    connection = duckdb.connect(str(kept), read_only=True)
    try:
        for batch in batches:
            from_batch = connection.execute("select * from read_parquet(?)", [str(batch)]).df()
            from_build = connection.table(f"gates.{batch.stem}").df()
            pd.testing.assert_frame_equal(from_batch, from_build, check_exact=True)
    finally:
        connection.close()

    again = validation.validate(
        kept,
        "again",
        physical_lines={p.name: count_physical_lines(p) for p in data_dir.glob("*.csv")},
        data_docs_dir=tmp_path / "again" / "docs",
        max_rejected_share=0.0,
    )
    assert result.validation is not None
    assert _comparable(result.validation) == _comparable(again)
    assert [(o.suite, o.column_name) for o in again.failures()] == [("inputs", "rejected_share")]


@pytest.mark.parametrize(
    ("status", "node"),
    [
        ("ERROR", "gates.gate_dim_companies"),  # not built
        ("OK", "marts.dim_companies"),  # not a gate
        ("OK", "gates.gate_inputs"),  # waits for the line count, which never came
        ("OK", "gates.gate_unknown"),  # no suite of that name
    ],
)
def test_only_gates_built_with_a_suite_are_validated_early(
    tmp_path: Path, status: str, node: str
) -> None:
    with EarlyValidation(tmp_path, "run", 0.5) as early:
        early.node_finished(status, node)
        runner = early.runner()
    assert runner is not None and runner.outcomes == {}
    assert early.validated_early == []


def test_an_early_run_that_fails_is_set_aside_for_the_full_gate(tmp_path: Path) -> None:
    with EarlyValidation(tmp_path, "run", 0.5) as early:
        assert (tmp_path / BATCHES_FOLDER).is_dir()
        early.node_finished("OK", "gates.gate_dim_companies")  # but no batch file was written
        assert early.runner() is None
    assert early.validated_early == []


def test_the_inputs_suite_runs_once_both_its_batch_and_the_line_count_are_in(
    tmp_path: Path,
) -> None:
    batches = tmp_path / BATCHES_FOLDER
    batches.mkdir()
    rows = pd.DataFrame({"source_file": ["deals.csv"], "records": [1]})
    with duckdb.connect() as connection:
        connection.register("gate_rows", rows)
        connection.execute(
            f"copy gate_rows to {quote_literal(str(batches / 'gate_inputs.parquet'))}"
        )
    with EarlyValidation(tmp_path, "run", 0.5) as early:
        early.lines_counted({"deals.csv": 2})
        early.node_finished("OK", "gates.gate_inputs")
        runner = early.runner()
    assert runner is not None and list(runner.outcomes) == ["inputs"]
    assert early.validated_early == ["inputs"]
    assert not runner.data_docs_drawn  # drawn once every suite has run


def test_a_build_keeps_no_duckdb_connection_alive_in_its_process(tmp_path: Path) -> None:
    """Dagster runs builds in its own long-lived process: once a build is over, none of
    its DuckDB connections stays referenced there (the early validation's stayed, held by
    the frame that imported Great Expectations, until GX was imported in a thread of its
    own; DuckDB's bindings then reported it leaked when the process ended)."""
    script = f"""
        import gc, json
        from pathlib import Path
        from circularity.pipeline import PROJECT_DIR, BuildConfig, build

        warehouse = Path({str(tmp_path)!r}) / "circularity.duckdb"
        published = build(BuildConfig(PROJECT_DIR / "seeds", warehouse)).published
        gc.collect()
        alive = sum(type(o).__name__ == "DuckDBPyConnection" for o in gc.get_objects())
        print(json.dumps({{"published": published, "connections": alive}}))
    """
    assert run_script(script) == {"published": True, "connections": 0}
