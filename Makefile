# Kinerja: `make run` starts the embedded stack, `make test` runs lint, types and every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck pytest test-fast bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

run: $(STAMP)  ## Temporal dev server + worker + API with demo data (Ctrl-C stops all)
	$(BIN)/kinerja up

lint: $(STAMP)  ## ruff (lint + format check) and mypy strict
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

pytest: $(STAMP)
	KINERJA_REQUIRE_PG=$${KINERJA_REQUIRE_PG-1} $(BIN)/pytest -q $(PYTEST_ARGS)

test: lint pytest  ## everything CI runs

test-fast: $(STAMP)  ## domain and workflow unit tests only
	$(BIN)/pytest -q tests/domain tests/workflows

N ?= 200
bench: $(STAMP)  ## fresh stack + synthetic city of N employees: make bench N=15000 [BENCH_ARGS=--pg]
	$(BIN)/python -m bench.run --n $(N) $(BENCH_ARGS)

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
