# Two commands a council's IT team needs: `make demo` and `make test`. Each (re)creates .venv when
# any pyproject.toml changed, with the core and the three plugins installed in editable mode.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PLUGINS := plugins/mosaic plugins/liquidlogic plugins/raise
STAMP := $(VENV)/.installed
DEMO_OUT := out/demo

.PHONY: install demo test lint format bench nightly-scale mutation clean

$(STAMP): pyproject.toml $(addsuffix /pyproject.toml,$(PLUGINS))
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]" $(foreach p,$(PLUGINS),-e "$(p)[test]")
	touch $(STAMP)

install: $(STAMP)

# The main job on the bundled 200-child synthetic cohort (as of 2026-11-02, the council of the monthly tracking panel, council document 002):
# alerts, the nightly write-back to an outbox (run twice: the second run sends nothing), a pro-forma, the panel pack
# and the tracker page; then one line per file written.
DEMO_DATA := src/permanence_core/demo_data
DEMO_ARGS := --adapter ssda903 --source $(DEMO_DATA)
DEMO_DATE := 2026-11-02

demo: install
	@mkdir -p $(DEMO_OUT)
	$(BIN)/permanence plugins
	$(BIN)/permanence alerts $(DEMO_ARGS) --profile panel-tor --as-of $(DEMO_DATE)
	$(BIN)/python examples/nightly.py $(DEMO_ARGS) --profile panel-tor --as-of $(DEMO_DATE) --outbox $(DEMO_OUT)/outbox
	$(BIN)/python examples/nightly.py $(DEMO_ARGS) --profile panel-tor --as-of $(DEMO_DATE) --outbox $(DEMO_OUT)/outbox
	$(BIN)/permanence form pro-forma --child 1000040 $(DEMO_ARGS) --as-of $(DEMO_DATE) --out $(DEMO_OUT)/pro-forma-1000040.docx
	rm -f $(DEMO_OUT)/ledger.sqlite
	$(BIN)/permanence ledger sync $(DEMO_ARGS) --profile panel-tor --as-of $(DEMO_DATE) --ledger $(DEMO_OUT)/ledger.sqlite
	$(BIN)/permanence panel schedule 2026-11-05 --profile panel-tor --ledger $(DEMO_OUT)/ledger.sqlite
	$(BIN)/permanence panel pack --panel 2026-11-05 $(DEMO_ARGS) --profile panel-tor --ledger $(DEMO_OUT)/ledger.sqlite --out $(DEMO_OUT)/panel-pack.docx
	$(BIN)/permanence tracker $(DEMO_ARGS) --profile panel-tor --as-of $(DEMO_DATE) --out $(DEMO_OUT)/tracker.html
	@echo
	@echo "The demo wrote, in $(DEMO_OUT)/:"
	@echo "  outbox/                  one JSON file per alert the nightly job raised (a work-tray alert for the team manager)"
	@echo "  permanence-state.sqlite  what write-back has sent, so the second night sent nothing twice"
	@echo "  permanence-audit.jsonl   every attempt to send an alert: when, what, to which child id, and the result"
	@echo "  pro-forma-1000040.docx   child 1000040's permanence pro-forma, filled from the case record (Word)"
	@echo "  ledger.sqlite            the ledger: the children's plans, meetings and actions, and the panel of 5 Nov 2026"
	@echo "  panel-pack.docx          the pack for the panel of 5 Nov 2026: agenda and a page per child (Word)"
	@echo "  tracker.html             the tracker: every child in care, their timelines, drift signals and charts"

test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	$(BIN)/python benchmarks/run.py

# The whole nightly job on the national 85,000-child synthetic cohort, twice, in one process: time and peak memory
# of each stage against 60 s and 1.5 GiB a run (the cohort is generated once into $TMPDIR/permanence-bench, ~3 min),
# and each run as a multiple of pandas reading the same files (the bench extra).
nightly-scale: install
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	$(BIN)/python benchmarks/nightly_scale.py

# Mutation testing (not part of `make test`): mutmut's mutants of calendar.py, rules/, the SSDA903 reader and the
# write-back, each run against those parts' tests ([tool.mutmut] in pyproject.toml); hours on two cores (8,500 mutants).
# Survivors are listed at the end; `$(BIN)/mutmut show NAME` prints one as a diff. docs/mutation-testing.md lists the last run.
MUTMUT := mutmut==3.8.1
MUTATION_JOBS ?= 2
# The fault-injection property tests run 5 examples a mutant, not their full count (tests/faults_helpers.py).

mutation: install
	$(BIN)/python -m pip install --quiet "$(MUTMUT)"
	PERMANENCE_PROPERTY_EXAMPLES=5 nice -n 10 $(BIN)/mutmut run --max-children $(MUTATION_JOBS)
	$(BIN)/mutmut results

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache .mypy_cache mutants
