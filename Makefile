# Kavshiri: the usual commands. `make run` serves the app; `make test` runs the whole suite.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint format migrations-check messages install clean-var bench bench-quick load backup restore

$(PY):
	"$$(bin/find-python)" -m venv $(VENV)

$(STAMP): $(PY) requirements.txt requirements-dev.txt
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	bin/run

PYTEST_ARGS ?= -n 2

test: $(STAMP)
	DJANGO_SECRET_KEY=$${DJANGO_SECRET_KEY:-test-only-not-a-secret} $(PY) -m pytest $(PYTEST_ARGS)

# Benchmarks against PostgreSQL (BENCH_DATABASE_SERVER, default the local server); see bench/README.md.
# `make bench ARGS="--scale 20000 --only revenue"` passes options through.
bench: $(STAMP)
	$(PY) -m bench $(ARGS)

bench-quick: $(STAMP)
	$(PY) -m bench --quick $(ARGS)

# 50 people, staff and partners, for 2 minutes against gunicorn (bench/load.py; its own database).
load: $(STAMP)
	DATABASE_URL=$${BENCH_DATABASE_SERVER:-postgres://postgres@127.0.0.1:5432}/kavshiri_bench_load $(PY) -m bench.load $(ARGS)

# Backups of DATABASE_URL's database and media (crm/backups.py). Restore only into an empty
# database: `make restore BACKUP=var/backups/<time> [ARGS=--database-url=postgres://…/new]`.
backup: $(STAMP)
	$(PY) manage.py backup $(ARGS)

restore: $(STAMP)
	$(PY) manage.py restore "$(BACKUP)" $(ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

migrations-check: $(STAMP)
	DJANGO_DEBUG=true $(PY) manage.py makemigrations --check --dry-run

# Needs GNU gettext. The compiled .mo is committed so that running Kavshiri does not.
messages: $(STAMP)
	DJANGO_DEBUG=true $(PY) manage.py makemessages -l ka --no-obsolete --ignore=.venv --ignore=var
	DJANGO_DEBUG=true $(PY) manage.py compilemessages -l ka --ignore=.venv

clean-var:
	rm -rf var
