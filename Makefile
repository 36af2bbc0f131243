# The two set-up commands of the README: `make demo` and `make test`.
# Each installs everything it needs on a machine that has only Python 3.11+.

# Use uv from PATH if present, else a private copy installed from PyPI.
UV := $(shell command -v uv 2>/dev/null)
ifeq ($(UV),)
UV := .uv-bootstrap/bin/uv
endif

export OMNIKPI_DATA_DIR ?= $(CURDIR)/data

.PHONY: demo test test-quick lint setup dev clean

demo: .venv/.synced
	$(UV) run --frozen omnikpi demo

test: .venv/.synced
	$(UV) run --frozen pytest

test-quick: .venv/.synced
	$(UV) run --frozen pytest -m "not slow"

lint: .venv/.synced
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen sqlfluff lint models macros analyses tests/dbt snapshots

# Dagster keeps run history, schedule ticks and sensor cursors in DAGSTER_HOME; its instance
# settings (the duckdb_build pool of size 1) come from ./dagster.yaml.
DAGSTER_HOME_DIR ?= $(OMNIKPI_DATA_DIR)/dagster

dev: .venv/.synced
	mkdir -p "$(DAGSTER_HOME_DIR)"
	cp dagster.yaml "$(DAGSTER_HOME_DIR)/dagster.yaml"
	DAGSTER_HOME="$(DAGSTER_HOME_DIR)" $(UV) run --frozen dagster dev

setup: .venv/.synced

.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen
	touch $@

.uv-bootstrap/bin/uv:
	python3 -m venv .uv-bootstrap
	.uv-bootstrap/bin/python -m pip install --quiet --disable-pip-version-check uv

clean:
	rm -rf .venv .uv-bootstrap target logs
