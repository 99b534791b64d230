# eschool — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CONFIG ?= regions/demo.toml
PORT ?= 5000
STAMP := $(VENV)/.installed

.PHONY: run test lint venv clean bench messages

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq --upgrade pip
	$(BIN)/python -m pip install -qq -e '.[test]' -e ./examples/eschool-auth-demo
	touch $(STAMP)

venv: $(STAMP)

## Run the demo region on SQLite at http://127.0.0.1:$(PORT) with the ESIA emulator on :5001; prints the logins
STUDENTS ?= 600
run: $(STAMP)
	BIN=$(BIN) CONFIG=$(CONFIG) PORT=$(PORT) STUDENTS=$(STUDENTS) sh tools/run-demo.sh

## Run the whole test suite (SQLite; set ESCHOOL_TEST_PG for PostgreSQL — .ci/run does both): the import
## contracts, the repo's tests, and the example package's own tests through the shipped pytest plugin
test: $(STAMP)
	$(BIN)/lint-imports
	$(BIN)/python -m pytest $(PYTEST_ARGS)
	cd examples/eschool-auth-demo && $(abspath $(BIN))/python -m pytest -q

lint: $(STAMP)
	$(BIN)/python -m ruff check core plugins tests tools examples

clean:
	rm -rf $(VENV) instance .pytest_cache

## Extract every user-facing string into messages.pot (for a region's translation); compile the core's catalogue
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o messages.pot .
	$(BIN)/pybabel compile -d core/translations
