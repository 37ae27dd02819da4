# rrmm developer commands. Every target sets up .venv first, so each works on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
EXAMPLE ?= examples/05-penta-refractory-after-car-t.yaml
COHORT ?= 2000

.PHONY: setup demo test lint typecheck unit bench load fhir-examples clean

$(STAMP): pyproject.toml constraints.txt scripts/system-deps.sh
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "rrmm needs Python 3.11 or newer")'
	bash scripts/system-deps.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev,service,fhir,report,cohort,trials,postgres,spark]'
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
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
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest

test: lint typecheck unit

bench: $(STAMP)
	$(BIN)/python -m bench.run

load: $(STAMP)
	$(BIN)/python -m bench.load_service

fhir-examples: $(STAMP)
	for f in examples/*.yaml; do $(BIN)/rrmm convert $$f --to fhir -o examples/fhir/$$(basename $$f .yaml).json; done

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .hypothesis
