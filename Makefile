# CareHub: two commands.  `make run` brings up the demo site, `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install system-deps db demo lint serve translations

run: install db demo  ## install, migrate, load the demo district and its next two weeks, queue today's plans, start the job worker and the web app
	$(BIN)/carehub visits generate --days 14
	$(BIN)/carehub schedule queue --day today --publish  # the worker plans and publishes today
	BIN=$(BIN) HOST=$(HOST) PORT=$(PORT) bash scripts/run.sh

test: install system-deps  ## the whole suite, on SQLite then on PostgreSQL
	bash scripts/test.sh

MO := carehub/translations/zh/LC_MESSAGES/messages.mo

install: $(BIN)/.installed $(MO)

$(MO): carehub/translations/zh/LC_MESSAGES/messages.po $(BIN)/.installed  ## compiled, not committed
	$(BIN)/pybabel compile -d carehub/translations

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $@

system-deps:  ## Debian's chromium and CJK fonts for the browser tests (skipped when present)
	@bash scripts/system-deps.sh

db: install
	$(BIN)/carehub db upgrade

demo: install
	$(BIN)/carehub seed-demo

serve: install db  ## production mode: gunicorn, several stateless web processes
	$(BIN)/carehub serve --bind $(HOST):8000 --workers 4

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

translations: install  ## re-extract the strings; then translate the new entries and run it again
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location -w 100 -o carehub/translations/messages.pot .
	$(BIN)/pybabel update -i carehub/translations/messages.pot -d carehub/translations -w 100 --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d carehub/translations
