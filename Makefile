# Two commands from a fresh clone: `make build` then `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export GX_ANALYTICS_ENABLED := false
export DAGSTER_DISABLE_TELEMETRY := 1

.PHONY: install lock build test bench lint ui sql report clean

install: $(STAMP)

# The virtual environment is made from the lock file alone (exact versions, every file
# checked against its hash), then the project itself is installed on top without resolving
# anything else. pip compiles the bytecode of every package it installs but not of an
# editable project: compiled here, so that no process of a build compiles the project's
# modules again (where PYTHONDONTWRITEBYTECODE is set, Python would at every start; a
# module edited since is compiled from its source as usual).
$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	$(BIN)/python -m compileall -q circularity orchestration
	touch $(STAMP)

# Regenerate requirements.lock from pyproject.toml (runtime, dev and build dependencies) with
# the hash of every file. pip-compile keeps each version already pinned in the lock unless
# pyproject.toml no longer allows it; it runs from a throwaway venv so that pip-tools is no
# dependency of the project. Upgrade one package with
# `make lock LOCK_ARGS="--upgrade-package NAME"`.
PIP_TOOLS_VENV := $(or $(TMPDIR),/tmp)/circularity-pip-tools
LOCK_ARGS ?=
lock:
	$(PYTHON) -m venv $(PIP_TOOLS_VENV)
	$(PIP_TOOLS_VENV)/bin/python -m pip install --quiet --disable-pip-version-check "pip-tools==7.6.2"
	CUSTOM_COMPILE_COMMAND="make lock" $(PIP_TOOLS_VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --extra dev \
		--all-build-deps --no-emit-index-url --no-emit-find-links $(LOCK_ARGS) \
		--output-file requirements.lock pyproject.toml
	rm -rf $(PIP_TOOLS_VENV)

build: $(STAMP)
	$(BIN)/circularity build

test: lint
	$(BIN)/pytest

# A SQL prompt on the published warehouse (read-only; never blocks a build).
sql: $(STAMP)
	$(BIN)/circularity sql

# Rewrite warehouse/circularity.report.html (every publish does it too).
report: $(STAMP)
	$(BIN)/circularity report

# The full build against the hand-written plain DuckDB reference at 1M and 10M flows.
bench: $(STAMP)
	$(BIN)/circularity bench --flows 1M,10M

# The Dagster UI on http://127.0.0.1:3000 with every asset, check, schedule and sensor.
# Runs, schedules and sensor state persist in .dagster/.
ui: $(STAMP)
	mkdir -p .dagster
	DAGSTER_HOME=$(CURDIR)/.dagster $(BIN)/dagster dev -h 127.0.0.1 -p 3000

# Python: ruff's rules and its formatting; SQL: sqlfluff through dbt's own compiler (.sqlfluff),
# offline against the project's profiles.yml, on an in-memory database so that linting never
# creates or opens the warehouse file.
lint: $(STAMP)
	$(BIN)/ruff check circularity orchestration tests
	$(BIN)/ruff format --check circularity orchestration tests
	CIRCULARITY_DBT_DATABASE=:memory: $(BIN)/sqlfluff lint models tests/dbt

clean:
	rm -rf target logs warehouse/*.duckdb warehouse/.circularity.* \
		warehouse/circularity.report.html warehouse/circularity.data_docs
