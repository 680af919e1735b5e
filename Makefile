# Two commands from a fresh clone: `make build` then `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export GX_ANALYTICS_ENABLED := false
export DAGSTER_DISABLE_TELEMETRY := 1

.PHONY: install build test lint clean

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
	$(BIN)/ruff check circularity tests
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check circularity tests

clean:
	rm -rf target logs warehouse/*.duckdb warehouse/.circularity.*
