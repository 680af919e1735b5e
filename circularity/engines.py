"""The engines a build can run its dbt models on: DuckDB (the default, everything in the
build's DuckDB file) or Apache Spark through dbt-spark (`circularity build --engine spark`).

Spark runs the same models; only I/O differs, and it lives here:

- before dbt, each input file is read by `circularity.ingest` (the very reader behind the
  DuckDB base models) and its rows written to a clean CSV, which Spark's base models read,
  so records, physical line numbers and read errors are exactly DuckDB's;
- after dbt, every table Spark built (Parquet in the build's work folder) is copied into
  the build's DuckDB file, the marts cast to the types of their enforced contracts, so the
  gate, the publish and every reader see the same warehouse whichever engine built it."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import duckdb

from circularity.dbt_runner import DbtStep, node_details
from circularity.ingest import load_input
from circularity.inputs import REQUIRED_COLUMNS
from circularity.sql_text import quote_identifier

ENGINES = ("duckdb", "spark")
DEFAULT_ENGINE = "duckdb"

SPARK_INPUTS = "spark-inputs"
SPARK_WAREHOUSE = "spark-warehouse"
# The schemas whose tables are copied into the DuckDB build: every schema a DuckDB build has,
# so the gate, the publish, Dagster's row counts and the readers find the same tables.
COPIED_SCHEMAS = ("staging", "intermediate", "marts", "gates", "report")
_COPIED_MARKER = "spark-copied.json"


def check_engine(engine: str) -> str:
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}: use one of {', '.join(ENGINES)}")
    return engine


def write_spark_inputs(folder: Path, data_dir: Path) -> dict:
    """Write the rows of the DuckDB base model of every input file (circularity.ingest, with
    its header checks) to a clean CSV in `folder/spark-inputs` and return the dbt var
    `spark_inputs` (the folder and each file's contract columns)."""
    inputs = folder / SPARK_INPUTS
    inputs.mkdir(parents=True, exist_ok=True)
    columns: dict[str, list[str]] = {}
    with duckdb.connect() as connection:
        for file_name, required in REQUIRED_COLUMNS.items():
            load_input(connection, data_dir, file_name).write_csv(
                str(inputs / file_name), header=True
            )
            columns[file_name.removesuffix(".csv")] = list(required)
    return {"dir": str(inputs.resolve()), "columns": columns}


def spark_target() -> str:
    """The dbt target of a Spark build: a local session, or a Thrift server when
    CIRCULARITY_SPARK_METHOD=thrift (CIRCULARITY_SPARK_HOST, CIRCULARITY_SPARK_PORT)."""
    method = os.environ.get("CIRCULARITY_SPARK_METHOD", "session")
    if method not in ("session", "thrift"):
        raise ValueError(f"CIRCULARITY_SPARK_METHOD={method!r}: use session or thrift")
    return "spark" if method == "session" else "spark_thrift"


def spark_step(step: DbtStep, folder: Path, spark_inputs: dict) -> DbtStep:
    """The build's `dbt build` on the `spark` target: Spark keeps its tables and metastore in
    the work folder; the base models read the clean files named by `spark_inputs`."""
    warehouse = (folder / SPARK_WAREHOUSE).resolve()
    return replace(
        step,
        args=[
            *step.args,
            "--target",
            spark_target(),
            "--vars",
            json.dumps({"spark_inputs": spark_inputs}),
        ],
        env={
            **step.env,
            "CIRCULARITY_SPARK_WAREHOUSE_DIR": os.environ.get(
                "CIRCULARITY_SPARK_WAREHOUSE_DIR", str(warehouse)
            ),
        },
    )


def contract_types(target_path: Path) -> dict[str, list[tuple[str, str]]]:
    """Each mart's columns and DuckDB types, with NOT NULL where the column has that
    constraint, from the contracts of the dbt run's models: a Spark build is held to the same
    contract as a DuckDB one when its marts are copied in."""
    nodes = node_details(target_path)
    types: dict[str, list[tuple[str, str]]] = {}
    for node in nodes.values():
        if node.get("resource_type") != "model" or node.get("schema") != "marts":
            continue
        columns = [
            (name, column["data_type"] + _not_null(column))
            for name, column in node.get("columns", {}).items()
            if column.get("data_type")
        ]
        if columns:
            types[node["name"]] = columns
    return types


def _not_null(column: dict) -> str:
    constraints = column.get("constraints", [])
    return " not null" if any(c.get("type") == "not_null" for c in constraints) else ""


def spark_tables(warehouse: Path) -> dict[str, list[Path]]:
    """The tables a local Spark build wrote: `schema.table` -> its Parquet files."""
    tables: dict[str, list[Path]] = {}
    for schema in COPIED_SCHEMAS:
        for table in sorted((warehouse / f"{schema}.db").glob("*")):
            if table.is_dir():
                tables[f"{schema}.{table.name}"] = sorted(table.glob("*.parquet"))
    return tables


def copy_spark_build(folder: Path, database: Path, target_path: Path) -> None:
    """Copy the Spark build's tables into the build's DuckDB file (once): marts as their
    contracts type them, the others as Parquet types them."""
    marker = folder / _COPIED_MARKER
    if marker.exists():
        return
    warehouse = Path(os.environ.get("CIRCULARITY_SPARK_WAREHOUSE_DIR", folder / SPARK_WAREHOUSE))
    tables = spark_tables(warehouse)
    contracts = contract_types(target_path)
    connection = duckdb.connect(str(database))
    try:
        for schema in COPIED_SCHEMAS:
            connection.execute(f"create schema if not exists {quote_identifier(schema)}")
        for name, files in tables.items():
            schema, table = name.split(".", 1)
            target = f"{quote_identifier(schema)}.{quote_identifier(table)}"
            if not files:
                raise RuntimeError(f"Spark wrote no Parquet file for {name} in {warehouse}")
            source = "select * from read_parquet($files)"
            if schema == "marts":
                if table not in contracts:
                    # Never copied untyped: the contract is what holds Spark to DuckDB.
                    raise RuntimeError(
                        f"no contract for {name} in the dbt run's results in {target_path}"
                    )
                columns = ", ".join(
                    f"{quote_identifier(column)} {data_type}"
                    for column, data_type in contracts[table]
                )
                connection.execute(f"create or replace table {target} ({columns})")
                connection.execute(
                    f"insert into {target} by name {source}", {"files": [str(f) for f in files]}
                )
            else:
                connection.execute(
                    f"create or replace table {target} as {source}",
                    {"files": [str(f) for f in files]},
                )
    finally:
        connection.close()
    marker.write_text(json.dumps(sorted(tables)))
