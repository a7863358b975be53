# The README's two commands: `make demo` and `make test`. Every target is idempotent.
VENV ?= .venv
BIN := $(VENV)/bin
UNSPIN := $(BIN)/unspin

.PHONY: setup data demo test bench lint clean

setup:
	@bash scripts/setup.sh

# `unspin data build` returns at once when the data directory is already current.
data: setup
	@$(UNSPIN) data build

demo: data
	@$(BIN)/python -m unspin.demo

test: data
	@$(BIN)/python -m pytest -q

bench: data
	@$(UNSPIN) bench --suite full

lint: setup
	@$(BIN)/ruff check src tests
	@$(BIN)/ruff format --check src tests

clean:
	rm -rf $(VENV) build src/*.egg-info
