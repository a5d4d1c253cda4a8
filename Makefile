# Marketing Campaigns: the commands a newcomer needs (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
MANAGE := $(PY) manage.py
# Development commands run in debug mode unless DJANGO_DEBUG is set; `serve` never does.
DEV := DJANGO_DEBUG=$${DJANGO_DEBUG:-1}
HOST ?= 127.0.0.1
PORT ?= 8000
# Test processes (pytest-xdist); `auto` is one per core.
WORKERS ?= auto
# The tests `make test` runs (bad_input with 10 examples each; `make bad-input` runs 200).
TEST_MARKERS ?= not e2e and not bench

.PHONY: install run test lint format messages compile-messages serve backup e2e bad-input api-fuzz bench bench-tests clean

$(PY):
	$(PYTHON) -m venv $(VENV)

# Re-install only when the dependencies change.
$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

compile-messages: install
	$(DEV) $(MANAGE) compile_translations

# One background worker (manage.py db_worker) runs next to the development server
# and stops with it (Ctrl+C).
run: compile-messages
	$(DEV) $(MANAGE) migrate --no-input
	$(DEV) $(MANAGE) demo --if-empty
	@echo "Open http://$(HOST):$(PORT)/ and log in with the demo login printed above."
	@$(DEV) $(MANAGE) db_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(DEV) $(MANAGE) runserver $(HOST):$(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint compile-messages
	$(BIN)/pytest -m "$(TEST_MARKERS)" -n $(WORKERS)

e2e: compile-messages
	$(BIN)/pytest -m e2e -n $(WORKERS)

# Generated data posted to every form and action, 200 examples each (about ten minutes;
# `make test` runs 10 each): tests/core/test_bad_input.py.
bad-input: compile-messages
	$(BIN)/pytest -m bad_input -n $(WORKERS)

# The API fuzzed from its own OpenAPI document by Schemathesis against a live gunicorn on a
# fresh PostgreSQL database with the demo data (docs/api.md, Fuzzed from its own schema);
# API_FUZZ_EXAMPLES, API_FUZZ_SEED, API_FUZZ_DATABASE_URL: .ci/api-fuzz.
api-fuzz: compile-messages
	.ci/api-fuzz

# Benchmark suite (README "Performance"): every workload on each database in BENCH_DB,
# then the slow scale tests (`make bench-tests`). The data set is made once per size and
# kept (benchmarks/data/, PostgreSQL bench_<N>).
BENCH_DB ?= sqlite postgres
BENCH_CONTACTS ?= 1000000
BENCH_ARGS ?=
BENCH_PG ?= postgres://postgres@127.0.0.1:5432
bench: compile-messages
	@command -v wrk >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk
	@status=0; for db in $(BENCH_DB); do \
	  $(PY) -m benchmarks.run --db $$db --contacts $(BENCH_CONTACTS) $(BENCH_ARGS) || status=1; \
	done; $(MAKE) --no-print-directory bench-tests || status=1; exit $$status

# The tests marked `bench` (a 10,000-row import, logging and activating 10,000 lines,
# the bulk demo's query count at 2,000 contacts) on each database in BENCH_DB; `make test`
# leaves them out.
bench-tests: compile-messages
	@status=0; for db in $(BENCH_DB); do \
	  url=; [ $$db = postgres ] && url="DATABASE_URL=$(BENCH_PG)/marketing_bench_tests"; \
	  echo "pytest -m bench on $$db"; \
	  env $$url $(BIN)/pytest -m bench -n $(WORKERS) --create-db -p no:cacheprovider || status=1; \
	done; exit $$status

# makemessages needs GNU gettext (apt-get install gettext); compiling does not.
messages: install
	$(DEV) $(MANAGE) makemessages --locale nl --no-obsolete --ignore '.venv/*' --ignore 'static/*' --ignore 'tests/*'
	$(DEV) $(MANAGE) compile_translations

# Production pair on one host: gunicorn and one job worker (more workers, on this or
# other hosts: run `manage.py db_worker --no-reload` against the same DATABASE_URL; under
# systemd: deploy/). A worker that exits is started again after 1 s, doubling up to
# 30 s while it keeps exiting within a minute of its start; it stops with gunicorn.
serve: install
	$(MANAGE) collectstatic --no-input
	$(MANAGE) migrate --no-input
	@( stopping=; trap 'stopping=1; kill $$pid 2>/dev/null' TERM; delay=1; \
	  while [ -z "$$stopping" ]; do \
	    started=$$(date +%s); \
	    $(MANAGE) db_worker --no-reload & pid=$$!; \
	    wait $$pid; status=$$?; \
	    while kill -0 $$pid 2>/dev/null; do wait $$pid; done; \
	    [ -n "$$stopping" ] && break; \
	    [ $$(( $$(date +%s) - started )) -ge 60 ] && delay=1; \
	    echo "db_worker exited (status $$status); starting it again in $$delay s" >&2; \
	    sleep $$delay & wait $$!; \
	    delay=$$(( delay * 2 > 30 ? 30 : delay * 2 )); \
	  done ) & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/gunicorn config.wsgi --bind $(HOST):$(PORT) --workers $${WEB_CONCURRENCY:-2} --access-logfile -

# A backup of the whole database into BACKUP_DIR (var/backups by default), safe while the
# application runs; restoring it: docs/backups.md.
backup: install
	$(DEV) $(MANAGE) backup_database

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
