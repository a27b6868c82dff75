# Two commands for a new machine with Python 3.11+: `make run` (the bot, SQLite) and `make test` (the tests).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install run serve test crash lint migrate doctor mutants screens

$(BIN)/lunchlearn: pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("lunchlearn needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $@

install: $(BIN)/lunchlearn

# Socket Mode: no public URL needed (reads .env; see .env.example).
run: install
	$(BIN)/lunchlearn socket

# HTTP mode on $$PORT (default 3000), as in production.
serve: install
	$(BIN)/lunchlearn serve

test: install
	$(BIN)/pytest -q -n 4 --reruns 2

# The crash-point matrix alone, in one process, ending with its table (point -> duplicates, losses, recovery).
crash: install
	$(BIN)/pytest -q -p no:xdist tests/crash

# Deliberate breakages of bot/ (tests/mutations.toml) that the tests must catch; prints the kill ratio.
mutants: install
	$(BIN)/python scripts/mutants.py

lint: install
	$(BIN)/ruff check bot tests migrations bench scripts
	$(BIN)/ruff format --check bot tests migrations bench scripts
	$(BIN)/mypy bot
	$(BIN)/hadolint Dockerfile

migrate: install
	$(BIN)/lunchlearn db upgrade

doctor: install
	$(BIN)/lunchlearn doctor

# Every surface in English and Japanese on one page (docs/screens/index.html), from a whole talk run through the bot.
screens: install
	$(BIN)/python scripts/screens.py
