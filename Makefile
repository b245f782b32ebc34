# Pulse — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed-local
export DJANGO_SETTINGS_MODULE ?= config.settings.local

.PHONY: screenshots run test install migrate seed serve worker beat lint format bench bench-ingest bench-import bench-load bench-freshness bench-scale bench-sync bench-dashboard check clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(STAMP): requirements/base.txt requirements/local.txt requirements/production.txt | $(PY)
	$(PIP) install --quiet -r requirements/local.txt -r requirements/production.txt
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

# Seed the demo only when the database has no users; then compute what can be computed.
seed: migrate
	$(PY) manage.py seed_demo --if-empty
	$(PY) manage.py compute_kpis --dirty

serve:
	@$(PY) manage.py demo_logins
	$(PY) manage.py runserver 127.0.0.1:8000

run: seed serve

test: install
	$(VENV)/bin/pytest

# The README's pictures, from the demo a newcomer sees (needs Debian's Chromium). Tests never write them.
screenshots: install
	$(PY) docs/screenshots.py

# Consumes every queue (refresh, import, sync, export, celery); one kind only: `make worker QUEUES=refresh`.
worker: install
	$(VENV)/bin/celery -A config.celery_app worker --loglevel=info --concurrency=2 $(if $(QUEUES),-Q $(QUEUES))

beat: install
	$(VENV)/bin/celery -A config.celery_app beat --loglevel=info

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

check: install
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

# Benchmarks run on PostgreSQL (DATABASE_URL, default: a local database of their own) and print JSON.
bench: install
	cd bench && DJANGO_SETTINGS_MODULE=config.settings.test ../$(PY) recompute.py

bench-ingest: install
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/pulse_bench_ingest} \
	  DJANGO_SETTINGS_MODULE=config.settings.test $(PY) bench/ingest_api.py

# 50 users for 60 s on gunicorn, a worker, PostgreSQL and Redis; e.g. LOAD_ARGS="--users 20 --seconds 30".
bench-load: install
	cd bench && DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/pulse_bench_load} \
	  REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/6} ../$(PY) load.py $(LOAD_ARGS)

# Seconds from an API write to the scorecard's figures, with a real worker (PostgreSQL and Redis).
bench-freshness: install
	cd bench && DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/pulse_bench_freshness} \
	  REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/7} ../$(PY) freshness.py

# 100 → 1,000 agents × 365 days (≈ 7 M tickets, generated in PostgreSQL): which costs stay flat. Takes a while.
bench-scale: install
	cd bench && DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/pulse_bench_scale} \
	  DJANGO_SETTINGS_MODULE=config.settings.test ../$(PY) scale.py

# Zendesk sync from a fake Zendesk on loopback through to the snapshots (PostgreSQL; goal >= 2,000 tickets/s).
bench-sync: install
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/pulse_bench_sync} \
	  DJANGO_SETTINGS_MODULE=config.settings.test $(PY) bench/sync.py

# The team dashboard and a scorecard (teams of 10 and 100, 30 and 365 days) against their one-query floor.
bench-dashboard: install
	cd bench && DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/pulse_bench_dashboard} \
	  DJANGO_SETTINGS_MODULE=config.settings.test ../$(PY) dashboard.py

bench-import: install
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/pulse_import_bench} \
	  DJANGO_SETTINGS_MODULE=config.settings.test $(PY) bench/import_tickets.py

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
