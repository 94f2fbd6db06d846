# formsvc — `make run` for a demo server, `make test` for the whole suite on both databases.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
# The address printed in QR codes; set it to the server's public https address in production.
BASE_URL ?= http://$(HOST):$(PORT)
export BASE_URL
TEST_PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/formsvc_test
export FLASK_APP := app
QUALITY := tests/quality

.PHONY: run test test-sqlite test-postgres lint format translations system-packages bench clean quality-deps screenshots

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

# Lighthouse, axe-core and the Nu HTML Checker for tests/quality, exactly as its lock file says
# (--ignore-scripts: vnu-jar's install script would fetch a Java; the machine's is used).
$(QUALITY)/node_modules/.installed: $(QUALITY)/package.json $(QUALITY)/package-lock.json
	@if command -v npm >/dev/null; then \
	  npm ci --prefix $(QUALITY) --ignore-scripts --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm is missing: the page checks in $(QUALITY) will skip (bash .ci/install-system-packages --test)"; fi

quality-deps: $(QUALITY)/node_modules/.installed

# Retake the README's phone screenshots into docs/screenshots/.
screenshots: $(BIN)/.installed translations
	UPDATE_SCREENSHOTS=1 $(BIN)/pytest -q $(QUALITY)/test_screenshots.py

system-packages:
	@bash .ci/install-system-packages

translations: $(BIN)/.installed
	@$(BIN)/pybabel compile -d formsvc/translations >/dev/null

run: system-packages $(BIN)/.installed translations
	@mkdir -p instance
	@$(BIN)/flask db upgrade
	@$(BIN)/flask first-start
	@echo "Serving on http://$(HOST):$(PORT)  (Ctrl-C stops)"
	@$(BIN)/gunicorn --workers 2 --threads 4 --bind $(HOST):$(PORT) --access-logfile - app:app

test: $(BIN)/.installed translations
	@bash .ci/install-system-packages --test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

# pytest-xdist workers (tests/conftest.py gives each its own database); 0 runs in one process.
PYTEST_WORKERS ?= 2

test-sqlite: $(BIN)/.installed translations quality-deps
	$(BIN)/pytest -n $(PYTEST_WORKERS)

test-postgres: $(BIN)/.installed translations quality-deps
	TEST_DATABASE_URL=$(TEST_PG_URL) $(BIN)/pytest -n $(PYTEST_WORKERS)

# Benchmarks (bench/, not part of `make test`): start-up, documents, tallies, ledger import and sign-in
# throughput on SQLite and PostgreSQL, then one summary table. BENCH_SCALE=city adds the
# ~10 M-row city year on PostgreSQL (many minutes). Needs wrk (apt-get install -y wrk).
BENCH_SCALE ?= district
bench: $(BIN)/.installed translations
	@command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk"; exit 2; }
	$(BIN)/python bench/summary.py --scale $(BENCH_SCALE)

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(BIN)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache tests/artifacts
