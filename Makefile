# The course's commands. `make lab` sets up and opens the course; `make test` runs every test.
# Both are idempotent: the environment in .venv is (re)built only when pyproject.toml changes.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.srlib-installed
EXTRAS ?= dev

.PHONY: setup lab test test-fast course browser clean-notebooks help

help:
	@echo "make lab     set up .venv (first time) and open the course in JupyterLab"
	@echo "make test    set up if needed and run the whole test suite (unit, notebooks, browser)"
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

test: setup browser
	$(BIN)/python -m pytest

test-fast: setup
	$(BIN)/python -m pytest -m "not slow and not browser"

course: setup
	$(BIN)/python -m tools.notebooks build

clean-notebooks: setup
	$(BIN)/python -m tools.notebooks clean
