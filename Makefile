# The course's commands. `make lab` sets up and opens the course; `make test` runs every test.
# Both are idempotent: the environment in .venv is (re)built only when pyproject.toml changes.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.srlib-installed
EXTRAS ?= dev
# What `make lint` checks (the pre-commit hooks run the same): ruff over the whole repository.
LINT_PATHS := .
# Extra pytest options for `make test` and `make test-fast`, e.g. PYTEST_ARGS="-x -k exercises".
PYTEST_ARGS ?=

.PHONY: setup lab test test-fast lint course browser clean-notebooks help

help:
	@echo "make lab     set up .venv (first time) and open the course in JupyterLab"
	@echo "make test    set up if needed, lint, and run the whole test suite (unit, notebooks, browser)"
	@echo "make test-fast  the quick loop: no notebooks, no training, no browser (under 3 minutes)"
	@echo "make lint    ruff check and ruff format --check (the pre-commit hooks run the same)"
	@echo "make course  execute every chapter (workshop profile) into build/ and render HTML"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]"
	@touch $(STAMP)

setup: $(STAMP)

# Jupyter refuses to run as root unless told; containers and lab machines often are root.
lab: setup
	$(BIN)/jupyter lab --ServerApp.root_dir=notebooks $$([ "$$(id -u)" = 0 ] && echo --allow-root)

# Debian's Chromium for the real-browser test (no browser download); installed when we are root.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
		|| echo "note: Debian's chromium is not installed; the browser test will be skipped"; }

# The slowest tests are listed at the end, so a test that creeps into test-fast's budget shows.
test: setup browser lint
	$(BIN)/python -m pytest --durations=15 $(PYTEST_ARGS)

test-fast: setup
	$(BIN)/python -m pytest -m "not slow and not browser" --durations=10 $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)

course: setup
	$(BIN)/python -m tools.notebooks build

clean-notebooks: setup
	$(BIN)/python -m tools.notebooks clean
