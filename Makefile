# The two promised commands: `make run` and `make test`. Both build .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_DEV := $(VENV)/.installed-dev

.PHONY: run test lint bench-kpi bench-audio bench-ingest clean help

help:
	@echo "make run    - install into .venv, migrate the embedded SQLite database, serve on 127.0.0.1:8080"
	@echo "make test   - install dev extras into .venv and run the whole suite on SQLite and PostgreSQL"
	@echo "make lint   - ruff check"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(STAMP_DEV): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,audio]'
	touch $@ $(STAMP_RUN)

run: $(STAMP_RUN)
	$(BIN)/leadline db upgrade
	$(BIN)/leadline serve

test: $(STAMP_DEV)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP_DEV)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
