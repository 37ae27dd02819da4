from __future__ import annotations

from dataclasses import dataclass

import pytest

from rrmm.adapters.examples import BundledExample, bundled_examples
from rrmm.adapters.patient_input import read_patient_text
from rrmm.core.assess import Evaluation, assess
from rrmm.core.knowledge import KnowledgeBase
from rrmm.core.model import PatientRecord
from rrmm.core.options import OptionsResult, treatment_options
from rrmm.kb import load_criteria, load_knowledge_base
from tests.conftest import AS_OF


@dataclass(frozen=True)
class Analysed:
    example: BundledExample
    record: PatientRecord
    evaluation: Evaluation
    options: OptionsResult
    kb: KnowledgeBase


def analysed(example: BundledExample) -> Analysed:
    kb = load_knowledge_base()
    result = read_patient_text(example.text(), syntax="yaml", catalog=kb.catalog, as_of=AS_OF)
    assert result.record is not None, result.problems
    evaluation = assess(result.record, kb.catalog, load_criteria("IMWG2016"), AS_OF)
    options = treatment_options(evaluation, result.record, kb, "FDA", AS_OF)
    return Analysed(example, result.record, evaluation, options, kb)


@pytest.fixture(params=bundled_examples(), ids=lambda e: e.id)
def example(request: pytest.FixtureRequest) -> Analysed:
    return analysed(request.param)
