# Two commands from a fresh clone: `make build` then `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export GX_ANALYTICS_ENABLED := false
export DAGSTER_DISABLE_TELEMETRY := 1

.PHONY: install build test bench lint ui sql report clean

install: $(STAMP)

# The virtual environment is made from the lock file alone (exact versions), then the
# project itself is installed on top without resolving anything else.
$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

build: $(STAMP)
	$(BIN)/circularity build

test: $(STAMP)
	$(BIN)/ruff check circularity orchestration tests
	$(BIN)/pytest

# A SQL prompt on the published warehouse (read-only; never blocks a build).
sql: $(STAMP)
	$(BIN)/circularity sql

# Rewrite warehouse/circularity.report.html (every publish does it too).
report: $(STAMP)
	$(BIN)/circularity report

# The full build against plain DuckDB at 100k, 1M and 10M flows (several minutes).
bench: $(STAMP)
	$(BIN)/circularity bench --flows 100k,1M,10M

# The Dagster UI on http://127.0.0.1:3000 with every asset, check, schedule and sensor.
# Runs, schedules and sensor state persist in .dagster/.
ui: $(STAMP)
	mkdir -p .dagster
	DAGSTER_HOME=$(CURDIR)/.dagster $(BIN)/dagster dev -h 127.0.0.1 -p 3000

lint: $(STAMP)
	$(BIN)/ruff check circularity orchestration tests

clean:
	rm -rf target logs warehouse/*.duckdb warehouse/.circularity.* \
		warehouse/circularity.report.html warehouse/circularity.data_docs
