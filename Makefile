# smtool: `make run` and `make test` set everything up on a fresh machine (Python 3.11 and make).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DEMO_CONFIG ?= demo/config.toml

.PHONY: run test lint typecheck pytest bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Stamps re-install only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@ $(VENV)/.installed

## run: the main job on the embedded database and the sandbox platform: the TUI in a terminal
## (as RUN_AS), else (stdin or stdout not a terminal, e.g. in scripts) the demo walk-through
RUN_AS ?= liga
run: $(VENV)/.installed
	@if [ -t 0 ] && [ -t 1 ]; then \
		$(BIN)/smtool --config $(DEMO_CONFIG) tui --sandbox --as $(RUN_AS); \
	else \
		$(BIN)/smtool --config $(DEMO_CONFIG) demo; \
	fi

## test: lint, import contracts, types and the whole test suite
test: lint typecheck pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check smtool connectors tests benchmarks
	$(BIN)/ruff format --check smtool connectors tests benchmarks
	$(BIN)/lint-imports --no-cache  # a stale cache once hid a broken contract

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy smtool connectors

pytest: $(VENV)/.installed-dev
	$(BIN)/pytest -q -n auto

## bench: reproducible benchmarks; they print figures and ratios
bench: $(VENV)/.installed-dev
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) demo .mypy_cache .ruff_cache .pytest_cache
