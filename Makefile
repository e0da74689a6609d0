# Two commands a council's IT team needs: `make demo` and `make test`. Each (re)creates .venv when
# any pyproject.toml changed, with the core and the three plugins installed in editable mode.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PLUGINS := plugins/mosaic plugins/liquidlogic plugins/raise
STAMP := $(VENV)/.installed
DEMO_OUT := out/demo

.PHONY: install demo test lint format bench clean

$(STAMP): pyproject.toml $(addsuffix /pyproject.toml,$(PLUGINS))
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]" $(foreach p,$(PLUGINS),-e "$(p)[test]")
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/permanence plugins

test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache
