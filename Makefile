# recouvrement — the two commands of the README, and the developers' helpers.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

TEST_DATABASE_URL ?= postgres://postgres:postgres@127.0.0.1:5432/recouvrement
TEST_BROKER_URL ?= redis://127.0.0.1:6379/15
# The application's database role (created by scripts/test-services.sh; docs/journal.md §3).
TEST_APP_ROLE ?= recouvrement_app

.PHONY: demo test lint layers format setup services clean bench load

$(STAMP): pyproject.toml scripts/bootstrap.sh
	./scripts/bootstrap.sh $(PYTHON) $(VENV)
	touch $(STAMP)

setup: $(STAMP)

## make demo: set up, migrate, seed the demo data, serve http://127.0.0.1:8000 (SQLite, tasks in-process)
## (SQLite: no database roles, no append-only triggers, no purge door; the hash chain, the
## purge events and the head files work as on PostgreSQL: docs/journal.md §3)
demo: $(STAMP)
	@# A demo database left by an older schema (migrations rebuilt) is made again.
	$(BIN)/python manage.py migrate --noinput || { echo "Base de démonstration d'un ancien schéma : recréée."; \
		rm -f db.sqlite3; $(BIN)/python manage.py migrate --noinput; }
	$(BIN)/python manage.py seed_demo
	@echo "Application : http://127.0.0.1:8000  (Ctrl+C pour arrêter)"
	$(BIN)/python manage.py runserver 127.0.0.1:8000

## make test: set up, make sure PostgreSQL and Redis run on loopback, run the whole suite on them
services: $(STAMP)
	./scripts/test-services.sh $(BIN)/python

test: services layers
	DATABASE_URL=$(TEST_DATABASE_URL) CELERY_BROKER_URL=$(TEST_BROKER_URL) \
	CELERY_TASK_ALWAYS_EAGER=true FAST_PASSWORD_HASHER=true DATABASE_APP_ROLE=$(TEST_APP_ROLE) \
	$(BIN)/pytest

## make layers: each app imports only the apps below it (pyproject.toml, [tool.importlinter])
layers: $(STAMP)
	PYTHONPATH=. $(BIN)/lint-imports --no-cache

## make lint: ruff (lint and format), the layers, and missing migrations
lint: layers
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DATABASE_URL=sqlite:////tmp/recouvrement-lint.sqlite3 $(BIN)/python manage.py makemigrations --check --dry-run

## make load: 50 users (locust) on loopback against gunicorn and PostgreSQL (database rec_load)
load: services
	BIN=$(BIN) ./scripts/load.sh

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache staticfiles

## make bench [SIZE=10k,100k|1M]: seed PostgreSQL fast, measure against the floors (docs/bench.md)
SIZE ?= 10k,100k
bench: services
	SIZE=$(SIZE) $(BIN)/python -m bench.run
