# Akademi KIM: `make run` serves a demo on SQLite, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app lms

.PHONY: run test setup setup-dev translations extract-messages lint clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.deps: requirements.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-deps: requirements-dev.txt requirements.txt $(VENV)/.deps
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

setup: $(VENV)/.deps translations

setup-dev: $(VENV)/.dev-deps translations

translations: $(VENV)/.deps
	$(BIN)/pybabel -q compile -d lms/translations

extract-messages: $(VENV)/.deps
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
		-o lms/translations/messages.pot .
	$(BIN)/pybabel -q update -i lms/translations/messages.pot -d lms/translations --no-fuzzy-matching

run: setup
	$(FLASK) db upgrade
	$(FLASK) courses import
	$(FLASK) demo-accounts
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

test: setup-dev
	$(BIN)/python -m pytest -q

lint: setup-dev
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache
