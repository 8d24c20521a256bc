# Study Buddy: `make run` to chat, `make test` to run the suite. Both create .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: run install install-test test test-fast lint bench check clean

run: install
	$(BIN)/python -m bot

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "Study Buddy needs Python 3.11 or newer (found: $$($(PYTHON) --version))."; exit 1; }
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { rm -rf $(VENV); \
	  $(PYTHON) -m venv --without-pip $(VENV) && $(PYTHON) -m pip --version >/dev/null 2>&1 || { \
	  echo "Cannot create a virtual environment with pip. On Debian: apt-get install python3-venv"; exit 1; }; }
	@$(BIN)/python -m pip --version >/dev/null 2>&1 || echo "(no pip inside .venv: using $(PYTHON) -m pip --python)"

# PIP runs the venv's pip if it has one, else the outer pip aimed at the venv (Debian without python3-venv).
PIP = $(if $(wildcard $(BIN)/pip),$(BIN)/python -m pip,$(PYTHON) -m pip --python $(BIN)/python)

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PIP) install --quiet --disable-pip-version-check -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(PIP) install --quiet --disable-pip-version-check -e '.[test]'
	@touch $@

# Tests keep their compiled files (__pycache__, git-ignored) even where the environment says not to
# write any (PYTHONDONTWRITEBYTECODE): pytest then rewrites the tests' asserts once, not on every run.
KEEP_PYC := PYTHONDONTWRITEBYTECODE=

test: install-test
	$(KEEP_PYC) $(BIN)/python -m pytest -n 2 --dist worksteal

# The quick lane while you work (under a minute, on two cores): everything but the tests marked `slow`, the
# PostgreSQL runs of the tests that run on both databases, and the runs through the fake Telegram and
# Discord servers (`platform`; pyproject.toml); `make test` before you push runs them all, and CI runs
# `make test`.
test-fast: install-test
	$(KEEP_PYC) $(BIN)/python -m pytest -m "not slow and not postgresql and not platform" -n 2 --dist worksteal

lint: install-test
	$(BIN)/ruff check .

check: install
	$(BIN)/python -m bot content check

bench: install
	$(BIN)/python bench/pipeline.py
	$(BIN)/python bench/faq_eval.py
	$(BIN)/python bench/reminders.py
	$(BIN)/python bench/scale.py
	$(BIN)/python bench/practice.py
	$(BIN)/python bench/momentum.py
	$(BIN)/python bench/community.py

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
