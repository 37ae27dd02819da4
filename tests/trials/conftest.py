from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from rrmm.adapters.patient_input import read_patient_path
from rrmm.core.assess import last_record_date
from rrmm.core.drugs import DrugCatalog
from rrmm.core.model import PatientRecord
from rrmm.kb import load_criteria
from rrmm.trials.model import CriterionKind, ParsedTrial
from rrmm.trials.parser import parse_statement, parse_trial
from rrmm.trials.patient_context import MatchOptions, PatientContext, build_context
from rrmm.trials.rules import Rule
from rrmm.trials.sources import read_trials
from rrmm.trials.vocabulary import Vocabulary, build_vocabulary
from tests.conftest import AS_OF, EXAMPLES, ROOT

FIXTURES = Path(__file__).parent / "fixtures"
CSV = FIXTURES / "hint_myeloma_trials_criteria.csv"
LABELLED_TRIALS = ROOT / "src" / "rrmm" / "trials" / "data" / "labelled" / "trials"


@pytest.fixture(scope="session")
def vocabulary(catalog: DrugCatalog) -> Vocabulary:
    return build_vocabulary(catalog)


@pytest.fixture(scope="session")
def csv_trials(vocabulary: Vocabulary) -> list[ParsedTrial]:
    return [parse_trial(trial, vocabulary) for trial in read_trials(CSV)]


@pytest.fixture(scope="session")
def synthetic_trials(vocabulary: Vocabulary) -> dict[str, ParsedTrial]:
    return {t.nct_id: parse_trial(t, vocabulary) for t in read_trials(LABELLED_TRIALS)}


def example(name: str, catalog: DrugCatalog) -> PatientRecord:
    path = next(EXAMPLES.glob(f"{name}*.yaml"))
    record = read_patient_path(path, catalog=catalog, as_of=AS_OF).record
    assert record is not None
    return record


def context_for(
    record: PatientRecord,
    catalog: DrugCatalog,
    as_of: date | None = None,
    options: MatchOptions | None = None,
) -> PatientContext:
    from rrmm.core.assess import assess

    when = as_of or last_record_date(record) or AS_OF
    evaluation = assess(record, catalog, load_criteria(), when)
    return build_context(record, evaluation, catalog, when, options)


def rule_of(
    text: str, vocabulary: Vocabulary, kind: CriterionKind = CriterionKind.INCLUSION
) -> Rule | None:
    return parse_statement(text, kind, vocabulary).rule
