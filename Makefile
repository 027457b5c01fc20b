# The two quick-start commands:  make drill   and   make test
# Both first make this machine ready (a venv with drills, then `drill setup`:
# Docker engine, Compose v2, images; idempotent, a few seconds when done before).
# `make test` is everything CI runs: `make lint` (ruff + mypy --strict, configured in
# pyproject.toml), then the unit and integration tests. `make unit` skips both lint and Docker.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SCENARIO ?= scenarios/site-a-power-cut.yaml
PYTEST_ARGS ?=

.PHONY: drill test lint setup install unit bench clean

$(BIN)/drill: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

install: $(BIN)/drill

setup: install
	$(BIN)/drill setup

drill: setup
	$(BIN)/drill run $(SCENARIO)

LINT_PATHS := drills tests bench

# Runs both checkers even when the first fails, so one run shows every finding.
lint: install
	@status=0; \
	$(BIN)/ruff check $(LINT_PATHS) || status=1; \
	$(BIN)/mypy || status=1; \
	exit $$status

test: lint setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

unit: install
	$(BIN)/python -m pytest tests/unit $(PYTEST_ARGS)

bench: setup
	$(BIN)/python bench/report_bench.py
	$(BIN)/python bench/replica.py
	$(BIN)/python bench/drill_bench.py

clean:
	-$(BIN)/drill sweep
	rm -rf $(VENV) reports .pytest_cache .mypy_cache .ruff_cache
