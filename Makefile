# rrmm developer commands. Every target sets up .venv first, so each works on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
EXAMPLE ?= examples/05-penta-refractory-after-car-t.yaml
COHORT ?= 2000
COMPILED := build/compiled/manifest.json
COMPILED_SOURCES := $(wildcard src/rrmm/core/*.py src/rrmm/adapters/omop/*.py) \
	src/rrmm/adapters/problems.py src/rrmm/cohort/concepts.py src/rrmm/compiled.py \
	scripts/compile_core.py

.PHONY: setup demo test lint typecheck unit bench load fhir-examples clean

$(STAMP): pyproject.toml constraints.txt scripts/system-deps.sh
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "rrmm needs Python 3.11 or newer")'
	bash scripts/system-deps.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev,service,fhir,report,cohort,trials,postgres,spark]'
	touch $(STAMP)

# The core compiled with mypyc (rrmm.compiled): used only while it matches the sources.
$(COMPILED): $(STAMP) $(COMPILED_SOURCES)
	$(BIN)/python scripts/compile_core.py

setup: $(STAMP) $(COMPILED)

demo: setup
	$(BIN)/rrmm validate $(EXAMPLE)
	$(BIN)/rrmm assess $(EXAMPLE)
	$(BIN)/rrmm options $(EXAMPLE)
	mkdir -p out
	$(BIN)/rrmm report $(EXAMPLE) --audience clinician -o out/clinician-report.pdf
	$(BIN)/rrmm report $(EXAMPLE) --audience patient -o out/patient-report.html
	$(BIN)/rrmm report $(EXAMPLE) --audience patient -o out/patient-report.pdf
	$(BIN)/rrmm synth --patients $(COHORT) --seed 0 --out out/omop --format parquet
	$(BIN)/rrmm cohort run --source out/omop --out out/cohort-$(COHORT) --workers 2 --as-of 2026-01-01
	$(BIN)/rrmm cohort summary out/cohort-$(COHORT) --charts out/cohort-summary

lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts

typecheck: $(STAMP)
	$(BIN)/mypy

unit: setup
	$(BIN)/pytest
	RRMM_PURE=1 $(BIN)/pytest -q tests/core tests/cohort/test_run.py tests/test_compiled.py

test: lint typecheck unit

bench: setup
	$(BIN)/python -m bench.run

load: setup
	$(BIN)/python -m bench.load_service

fhir-examples: $(STAMP)
	for f in examples/*.yaml; do $(BIN)/rrmm convert $$f --to fhir -o examples/fhir/$$(basename $$f .yaml).json; done

clean:
	rm -rf $(VENV) build/compiled build/compiled-work .mypy_cache .ruff_cache .hypothesis
