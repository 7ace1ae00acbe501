# Broadside: `make run` serves the site, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app wsgi

.PHONY: run test lint format bench bench-pages bench-instructions bench-import scale-test soak install install-dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	$(FLASK) db upgrade
	$(FLASK) demo-content --if-empty
	@echo ""
	@echo "Broadside is starting on http://127.0.0.1:$(PORT)"
	@echo "Create the first admin account with:"
	@echo "  $(FLASK) create-user --email you@example.org --name 'Your Name' --role admin"
	@echo "Start a clean site by removing the demo posts, pages and authors (not yours) with:"
	@echo "  $(FLASK) demo-content --remove"
	@echo ""
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

test: install-dev
	$(BIN)/python -m pytest

lint: install-dev
	$(BIN)/ruff check app tests bench deploy
	$(BIN)/ruff format --check app tests bench deploy

format: install-dev
	$(BIN)/ruff format app tests bench deploy
	$(BIN)/ruff check --fix app tests bench deploy

# HTTP benchmark: gunicorn + wrk beside a bare Flask app (see bench/bench_http.py for settings).
bench: install
	$(BIN)/python bench/bench_http.py
	$(BIN)/python bench/bench_sanitizer.py

# Two gunicorn servers + nginx on loopback sharing PostgreSQL and Redis (deploy/scale_test.py).
scale-test: install
	$(BIN)/python deploy/scale_test.py

bench-pages: install
	$(BIN)/python bench/bench_pages.py
	$(BIN)/python bench/bench_sanitizer.py

# Load and outage drill against gunicorn on PostgreSQL (see bench/soak.py); empties that database.
soak: install
	$(BIN)/python bench/soak.py

# WordPress import speed and memory: a generated 10,000-post export on SQLite, and on PostgreSQL
# when BENCH_DATABASE_URL (or TEST_DATABASE_URL) is set; BENCH_IMPORT_POSTS changes the size.
bench-import: install
	$(BIN)/python bench/bench_import.py

# Instructions a request (valgrind): the same count on every run, for comparing code.
bench-instructions: install
	$(BIN)/python bench/instructions.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
