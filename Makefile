# smtool: `make run` and `make test` set everything up on a fresh machine (Python 3.11 and make).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DEMO_CONFIG ?= demo/config.toml

.PHONY: run test lint typecheck pytest bench clean messages catalogs

# The interface's gettext catalogs (smtool.i18n): translators edit the .po files; the .mo files are
# built from them (here and by the wheel's build hook) and never committed.
LOCALES := smtool/locale
LANGS := lv
CATALOGS := $(wildcard $(LOCALES)/*/LC_MESSAGES/smtool.po)
COMPILED := $(CATALOGS:.po=.mo)
# counted(n, "post", "posts"), noun(...) and forms(...) carry a noun's singular and plural.
KEYWORDS := -k counted:2,3 -k noun:2,3 -k forms:1,2

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
run: $(VENV)/.installed $(COMPILED)
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

pytest: $(VENV)/.installed-dev $(COMPILED)
	$(BIN)/pytest -q -n auto

## messages: extract the marked messages into smtool.pot and update every language's .po from it
messages: $(VENV)/.installed-dev
	$(BIN)/pybabel extract -F $(LOCALES)/babel.cfg $(KEYWORDS) --no-location --sort-output \
		--add-comments=TRANSLATORS: --project smtool -o $(LOCALES)/smtool.pot .
	@for lang in $(LANGS); do \
		$(BIN)/pybabel update -i $(LOCALES)/smtool.pot -d $(LOCALES) -D smtool -l $$lang \
			--init-missing --ignore-obsolete --no-fuzzy-matching || exit 1; \
	done

## catalogs: compile the .po files into the .mo files smtool reads
catalogs: $(COMPILED)

$(LOCALES)/%/LC_MESSAGES/smtool.mo: $(LOCALES)/%/LC_MESSAGES/smtool.po | $(VENV)/.installed
	$(BIN)/pybabel compile -D smtool -d $(LOCALES) -l $* --statistics

## bench: reproducible benchmarks; they print figures and ratios
bench: $(VENV)/.installed-dev
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) demo .mypy_cache .ruff_cache .pytest_cache
