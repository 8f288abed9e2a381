# famibot developer commands. `make run` and `make test` are all you need; see README.md.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
.NOTPARALLEL:
.PHONY: help setup setup-app model redis migrate user run test lint bench nlu-report clean distclean

VENV := .venv
PY := $(VENV)/bin/python
# Extra pytest arguments: make test PYTEST_ARGS='-k status -x'
PYTEST_ARGS ?=
# Development settings for run/migrate (also passed to honcho). dev.local.env, if present, overrides.
comma := ,
ENV_FILES := dev.env$(if $(wildcard dev.local.env),$(comma)dev.local.env)
LOAD_DEV_ENV := set -a; . ./dev.env; if [[ -f dev.local.env ]]; then . ./dev.local.env; fi; set +a
STEP := @printf '\n==> %s\n'

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

setup:  ## create/refresh both venvs (.venv app, .venv-rasa Rasa 3.6) when their pins changed
	$(STEP) "Virtualenvs (scripts/setup.sh)"
	@scripts/setup.sh all

setup-app:
	$(STEP) "App virtualenv (scripts/setup.sh app)"
	@scripts/setup.sh app

model: setup  ## train the Rasa model if its inputs changed -> models/famibot.tar.gz
	$(STEP) "Rasa model (scripts/train.sh)"
	@scripts/train.sh

redis:  ## make sure Redis answers at REDIS_URL (starts a local one under var/redis if needed)
	$(STEP) "Redis (scripts/ensure_redis.sh)"
	@scripts/ensure_redis.sh

migrate: setup-app  ## upgrade the dev database (dev.env's DATABASE_URL) to the latest schema
	$(STEP) "Database migrations"
	@$(LOAD_DEV_ENV); $(PY) -m bot.cli migrate

user: migrate  ## create a console account in the dev database: make user ARGS='--username ana --name "Ana" --role supervisor'
	@$(LOAD_DEV_ENV); $(PY) -m bot.cli create-user $(ARGS)

run: setup model  ## start web, worker, rasa, actions with honcho; Ctrl-C stops everything
	$(STEP) "Redis (scripts/ensure_redis.sh with dev.env)"
	@$(LOAD_DEV_ENV); scripts/ensure_redis.sh
	$(STEP) "Database migrations"
	@$(LOAD_DEV_ENV); $(PY) -m bot.cli migrate
	$(STEP) "Sample loans (data/sample_loans.csv, dates moved around today; docs/LOANS.md)"
	@$(LOAD_DEV_ENV); $(PY) -m bot.cli import-loans data/sample_loans.csv --shift-to-today
	$(STEP) "Starting web, worker, rasa, actions (honcho; Rasa takes up to a minute to load)"
	@$(LOAD_DEV_ENV); metrics="$${PROMETHEUS_MULTIPROC_DIR:?is not set in dev.env}"; \
	  mkdir -p "$$metrics" "$$MEDIA_DIR"; find "$$metrics" -maxdepth 1 -type f -name '*.db' -delete
	@echo "    the simulator URL is printed when /readyz is green"
	@exec $(VENV)/bin/honcho -f Procfile -e $(ENV_FILES) start

test: setup model  ## the whole test suite against real Redis, PostgreSQL and a trained model
	$(STEP) "Redis for tests (scripts/ensure_redis.sh)"
	@REDIS_URL="$${FAMIBOT_TEST_REDIS_URL:-$${REDIS_URL:-redis://127.0.0.1:6379/0}}" scripts/ensure_redis.sh
	$(STEP) "Chromium for the browser tests (scripts/ensure_chromium.sh)"
	@scripts/ensure_chromium.sh
	$(STEP) "Tests (pytest)"
	@export FAMIBOT_TEST_POSTGRES_URL="$${FAMIBOT_TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/test}"; \
	  echo "    PostgreSQL for tests: $$FAMIBOT_TEST_POSTGRES_URL"; \
	  $(VENV)/bin/pytest $(PYTEST_ARGS)

lint: setup-app  ## ruff check + mypy
	$(STEP) "Lint (ruff check, mypy bot webhooks actions)"
	@status=0; \
	  $(VENV)/bin/ruff check . || status=1; \
	  $(VENV)/bin/mypy bot webhooks actions || status=1; \
	  exit $$status

bench: setup model redis  ## benchmarks (python -m bench), results in bench/results
	$(STEP) "Benchmarks (python -m bench)"
	@$(PY) -m bench

nlu-report: setup model  ## held-out NLU figures and confusion pairs (rasa test nlu) -> docs/NLU.md
	$(STEP) "NLU report (python -m scripts.nlu_report)"
	@$(PY) -m scripts.nlu_report

clean:  ## stop the local Redis started by make, remove var/ (dev database, media, metrics) and caches
	$(STEP) "Cleaning var/ and caches (venvs, models and the Rasa cache are kept; see distclean)"
	@scripts/ensure_redis.sh stop
	@rm -rf var .pytest_cache .mypy_cache .ruff_cache build
	@find . -path ./.venv -prune -o -path ./.venv-rasa -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean  ## also remove the venvs, models/ and .rasa/
	@rm -rf .venv .venv-rasa models .rasa
