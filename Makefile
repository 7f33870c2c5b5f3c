# Hard-E — two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check

.PHONY: run test lint format chat db-upgrade lock bench bench-kb bench-crm bench-new-customer bench-audio bench-analytics bench-instances clean

run: $(VENV)/.runtime        ## start the bot (applies migrations first)
	$(BIN)/hard-e run

chat: $(VENV)/.runtime       ## talk to Hard-E in the terminal
	$(BIN)/hard-e chat

db-upgrade: $(VENV)/.runtime
	$(BIN)/hard-e db upgrade

# Tests wait on sockets and timers more than on the CPU: four workers (pytest-xdist) halve the wall time.
TEST_WORKERS ?= 4

test: $(VENV)/.dev           ## install the dev dependencies and run the whole suite
	$(BIN)/python -m pytest -n $(TEST_WORKERS)

lint: $(VENV)/.dev           ## ruff (lint + format check) and mypy (strict) — CI runs this before the tests
	$(BIN)/ruff check hard_e tests benchmarks
	$(BIN)/ruff format --check hard_e
	$(BIN)/mypy

format: $(VENV)/.dev         ## apply ruff's fixes and formatting to hard_e/
	$(BIN)/ruff check --fix hard_e tests benchmarks
	$(BIN)/ruff format hard_e

bench: $(VENV)/.dev          ## streaming latency benchmark
	$(BIN)/python benchmarks/stream_latency.py

bench-kb: $(VENV)/.dev       ## knowledge index benchmark (10,000 chunks, SQLite and PostgreSQL)
	$(BIN)/python benchmarks/kb_search.py

bench-crm: $(VENV)/.dev      ## CRM benchmark (local CRM at 10,000 customers / 20,000 jobs on SQLite and PostgreSQL; Leap request cost)
	$(BIN)/python benchmarks/crm.py

bench-new-customer: $(VENV)/.dev  ## /new-customer benchmark (ack, modal open, refresh via `hard-e run --http`; deterministic reader accuracy)
	$(BIN)/python benchmarks/new_customer.py

bench-audio: $(VENV)/.dev       ## long voice memo benchmark (a 60-minute speech-like clip split into 10-minute Opus chunks: time, peak RSS, output size)
	$(BIN)/python benchmarks/audio.py

bench-instances: $(VENV)/.dev  ## many instances: events/s across two `hard-e run --http` processes (and one) + a clock on PostgreSQL, against the fakes
	$(BIN)/python benchmarks/instances.py

bench-analytics: $(VENV)/.dev  ## analytics benchmark (1,000 turns on SQLite and PostgreSQL: queries, charts, the admin's App Home)
	$(BIN)/python benchmarks/analytics.py --database-url sqlite --database-url $(or $(HARDE_TEST_POSTGRES_URL),postgresql://postgres@127.0.0.1:5432/test)

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

# Runtime only: the locked dependencies, then the project itself (no dependency resolution).
$(VENV)/.runtime: $(VENV)/bin/python requirements.lock pyproject.toml
	$(PIP) install --quiet --require-hashes -r requirements.lock
	$(PIP) install --quiet --no-deps --no-build-isolation -e .
	@touch $@

$(VENV)/.dev: $(VENV)/bin/python requirements-dev.lock pyproject.toml
	$(PIP) install --quiet --require-hashes -r requirements-dev.lock
	$(PIP) install --quiet --no-deps --no-build-isolation -e .
	@touch $@ $(VENV)/.runtime

# Re-resolve the lock files after changing dependencies in pyproject.toml.
lock: $(VENV)/bin/python
	$(PIP) install --quiet pip-tools
	$(BIN)/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links --extra build -o requirements.lock pyproject.toml
	$(BIN)/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links --extra build --extra dev -o requirements-dev.lock pyproject.toml

clean:
	rm -rf $(VENV) .pytest_cache *.egg-info
