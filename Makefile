# Two entry points for a fresh machine (see README.md): `make demo` and `make check`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo check install-dev gate bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Set up and run the demo on an embedded SQLite file.
demo: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/branchline demo --db branchline.db

install-dev: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,postgres]'

# Every gate, in the order a reviewer would look: format, lint, types, tests.
gate:
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest -q -n auto --maxprocesses 4

# Set up and run the whole test suite with every gate.
check: install-dev gate

bench: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python -m bench
