# Một cửa: two commands for a newcomer (`make run`, `make test`), more for the team.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install migrate seed serve lint format worker beat bench bench-notify bench-dossiers messages clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

## make run: install, migrate, load the demo data and serve http://127.0.0.1:8000
run: seed
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py runserver $(HOST):$(PORT)

## make test: the whole suite (SQLite unless DATABASE_URL is set)
test: install
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

worker: install
	$(VENV)/bin/celery -A portal worker --loglevel=INFO

beat: install
	$(VENV)/bin/celery -A portal beat --loglevel=INFO

## make messages: refresh and compile the translations (needs GNU gettext)
messages: install
	$(PY) manage.py makemessages -l vi -l en --ignore=.venv --ignore=staticfiles
	$(PY) manage.py compilemessages --ignore=.venv

## make bench: procedure page vs bare view (bench/run.sh), then search (bench/search_bench.py),
## then dossier worklists and tracking at 100,000 dossiers (bench-dossiers); fails if any misses
## its target. Needs PostgreSQL, Redis and wrk. See docs/benchmarks.md.
bench: install
	rc=0; bash bench/run.sh || rc=$$?; \
	if [ -f bench/search_bench.py ]; then $(PY) bench/search_bench.py || rc=$$?; fi; \
	$(MAKE) --no-print-directory bench-dossiers || rc=$$?; \
	exit $$rc

## make bench-notify: 10,000 status changes, each enqueuing an SMS, through a real Celery worker
## to a local fake gateway (bench/notify_bench.py); fails on any lost or duplicate message.
## Needs PostgreSQL and Redis. BENCH_NOTIFY_ARGS="--count 2000 --concurrency 2" to vary.
bench-notify: install
	$(PY) bench/notify_bench.py $(BENCH_NOTIFY_ARGS)

## make bench-dossiers [N=1000000]: worklists and the tracking lookup, p95 < 100 ms, on N dossiers
## made by seed_bench (default 100,000; 1,000,000 takes ~15 min to seed once, then is reused).
## BENCH_DOSSIERS_ARGS="--explain" adds the query plans. Needs PostgreSQL and Redis.
N ?= 100000
bench-dossiers: install
	$(PY) bench/dossier_bench.py --dossiers $(N) $(BENCH_DOSSIERS_ARGS)

clean:
	rm -rf $(VENV) staticfiles db.sqlite3
