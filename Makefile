# Set-up and everyday commands. `make run` and `make test` work on a fresh machine with Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export PUBLIC_BASE_URL ?= http://127.0.0.1:$(PORT)
export FLASK_APP := wsgi
TEST_PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/portal_test

.PHONY: run serve test test-pg test-browser bench bench-quick lint mutation clean translations translations-update
CATALOGS := $(patsubst %.po,%.mo,$(wildcard translations/*/LC_MESSAGES/messages.po))

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

# compiled message catalogues (Vietnamese); built on install, never committed
translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel compile -d translations -l $*

translations: $(CATALOGS)

# after changing texts: re-extract them and merge into the catalogues, then translate what is empty
translations-update: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k N_ --no-location --omit-header --sort-output -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --ignore-obsolete --width 120

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

run: $(VENV)/.installed translations
	mkdir -p instance
	$(BIN)/flask --app wsgi db upgrade
	$(BIN)/flask --app wsgi demo load
	$(BIN)/flask --app wsgi demo info
	@echo "Serving on http://127.0.0.1:$(PORT) with the SLA scheduler (Ctrl-C stops both)"
	@trap 'trap - INT TERM EXIT; kill 0' INT TERM EXIT; \
	  $(BIN)/flask --app wsgi sla scheduler & \
	  $(BIN)/flask --app wsgi run --host 127.0.0.1 --port $(PORT)

serve: $(VENV)/.installed translations
	@test -n "$$SECRET_KEY" || { echo "SECRET_KEY is missing: set it to a long random value, e.g." \
	  "SECRET_KEY=\$$(python3 -c 'import secrets; print(secrets.token_hex(32))') make serve" >&2; exit 1; }
	$(BIN)/flask --app wsgi db upgrade
	@trap 'trap - INT TERM EXIT; kill 0' INT TERM EXIT; \
	  $(BIN)/flask --app wsgi sla scheduler & \
	  $(BIN)/gunicorn -c gunicorn.conf.py -b 127.0.0.1:$(PORT) wsgi:app

# The suite runs in TEST_WORKERS processes (one test file per process at a time, each on a
# database of its own); the timed tests (marker `serial`: load runs, racing schedulers) run
# afterwards on a quiet machine. TEST_WORKERS=0 runs everything in one process.
TEST_WORKERS ?= auto
PYTEST_PARALLEL = $(BIN)/python -m pytest -q -p no:cacheprovider $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadfile)

# axe-core for the browser tests' accessibility checks (tests/browser/axe_check.py)
AXE := tests/browser/axe/node_modules/axe-core/axe.min.js
$(AXE): tests/browser/axe/package.json
	cd tests/browser/axe && npm install --no-audit --no-fund --silent
	touch $@

test: $(VENV)/.installed-dev translations $(AXE)
	$(PYTEST_PARALLEL) -m "not serial"
	$(BIN)/python -m pytest -q -p no:cacheprovider -m serial

test-pg: $(VENV)/.installed-dev translations
	TEST_DATABASE_URL=$(TEST_PG_URL) $(PYTEST_PARALLEL) -m "not browser and not load and not serial"
	TEST_DATABASE_URL=$(TEST_PG_URL) $(BIN)/python -m pytest -q -p no:cacheprovider -m "serial and not browser and not load"

# the speed floor of issue 18, every figure beside it (bench/README.md); needs wrk and a PostgreSQL
bench: $(VENV)/.installed-dev translations
	$(BIN)/python bench/run.py $(BENCH_ARGS)

bench-quick: $(VENV)/.installed-dev translations
	$(BIN)/python bench/run.py --quick $(BENCH_ARGS)

# mutation testing of the pure cores (routing/, sla/) against tests/unit; not part of `make test` or CI.
# Results are kept in mutants/ and reused; `rm -rf mutants` for a fresh run (docs/testing.md).
MUTATION_JOBS ?= 2
mutation: $(VENV)/.installed-dev
	$(BIN)/mutmut run --max-children $(MUTATION_JOBS)
	$(BIN)/python tests/mutation_scores.py

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check portal forms routing sla vocabulary normalize tests bench wsgi.py

clean:
	rm -rf $(VENV) instance/.ready .pytest_cache
