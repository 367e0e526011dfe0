# The two commands (see README):  make run  ·  make test
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN     = $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test setup setup-test lint openapi hooks bench clean

$(BIN)/xunjian: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	@touch $@

## Install and start the service with demo data (SQLite + bundled SeaweedFS).
run: $(BIN)/xunjian
	$(BIN)/xunjian serve --demo --host $(HOST) --port $(PORT)

## Install everything the tests need, then run them all (SQLite and PostgreSQL, lint, PWA).
test:
	./scripts/test.sh

lint: $(BIN)/xunjian
	$(BIN)/ruff check server tests bench infra
	$(BIN)/ruff format --check server tests bench infra
	$(BIN)/mypy

## Install the git pre-commit hooks (ruff, ruff format, mypy, OpenAPI freshness) into this clone.
hooks:
	@[ -x $(BIN)/pre-commit ] || $(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/pre-commit install

openapi: $(BIN)/xunjian
	$(BIN)/xunjian openapi

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
