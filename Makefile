# Akademi KIM: `make run` serves a demo on SQLite, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app lms

.PHONY: run test setup setup-dev system-deps translations extract-messages lint clean base-url

# Debian tools the tests use: zbarimg reads QR codes on rendered certificates, Chromium runs
# the browser tests (tests/browser), Java runs the Nu HTML checker; pdfsig (poppler) checks
# signed certificates independently of pyHanko.
SYSTEM_TOOLS := zbarimg:zbar-tools pdftoppm:poppler-utils pdfsig:poppler-utils chromium:chromium java:default-jre-headless

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

# Links printed on posters, certificates and in emails use this address: the one being
# served, unless LMS_BASE_URL says otherwise. `make run` is the demo (LMS_DEMO=1).
BASE_URL := $(or $(LMS_BASE_URL),http://127.0.0.1:$(PORT))

run: export LMS_BASE_URL = $(BASE_URL)
run: export LMS_DEMO ?= 1
run: setup
	$(FLASK) db upgrade
	$(FLASK) courses import
	$(FLASK) demo-accounts
	@echo "Akademi KIM: $(BASE_URL)"
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

base-url:
	@echo $(BASE_URL)

system-deps:
	@missing=""; for pair in $(SYSTEM_TOOLS); do \
		command -v $${pair%%:*} >/dev/null || missing="$$missing $${pair#*:}"; done; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get install -y -q $$missing >/dev/null 2>&1 || \
		{ $$SUDO apt-get update -q >/dev/null 2>&1 && $$SUDO apt-get install -y -q $$missing >/dev/null 2>&1; } || \
		echo "WARNING: could not install$$missing; the tests that need them will be skipped."; \
	fi

test: setup-dev system-deps
	$(BIN)/python -m pytest -q

lint: setup-dev
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache

# HTTP benchmark (issue 8; not part of the test suite): tests/bench/bench_http.py on SQLite, then
# on PostgreSQL (BENCH_DATABASE_URL, created when missing; it is emptied), BENCH_DURATION seconds
# of wrk per page. Installs Debian's wrk when missing (gunicorn and pyinstrument come with
# requirements*.txt).
BENCH_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/bench_http
BENCH_DURATION ?= 10

.PHONY: bench bench-deps

bench-deps: setup-dev
	@command -v wrk >/dev/null || { echo "Installing Debian package: wrk"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get install -y -q wrk >/dev/null 2>&1 || \
		{ $$SUDO apt-get update -q >/dev/null 2>&1 && $$SUDO apt-get install -y -q wrk >/dev/null 2>&1; } || \
		{ echo "ERROR: could not install wrk (apt-get install wrk)"; exit 1; }; }

bench: bench-deps
	BENCH_DURATION=$(BENCH_DURATION) LMS_BENCH_DATABASE_URL= $(BIN)/python -m tests.bench.bench_http
	BENCH_DURATION=$(BENCH_DURATION) LMS_BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) \
		$(BIN)/python -m tests.bench.bench_http
