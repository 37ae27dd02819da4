"""One request's work: read the patient, assess, list options; the same code as the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from rrmm.adapters.patient_input import read_patient_data
from rrmm.adapters.problems import Problem, Severity
from rrmm.core.assess import Evaluation, assess
from rrmm.core.model import PatientRecord
from rrmm.core.options import OptionsResult, treatment_options
from rrmm.kb import load_criteria, load_knowledge_base
from rrmm.service.problems import ProblemError

__all__ = ["Analysis", "analyse", "problems_as_errors"]


@dataclass(frozen=True, slots=True)
class Analysis:
    """A patient read, assessed and (optionally) with options."""

    record: PatientRecord
    evaluation: Evaluation
    options: OptionsResult | None
    problems: tuple[Problem, ...]


def problems_as_errors(problems: tuple[Problem, ...]) -> list[dict[str, Any]]:
    """Problems in the ``errors`` member of a problem document."""
    return [
        {"pointer": p.pointer, "message": p.message, "severity": str(p.severity), "value": p.value}
        for p in problems
    ]


def analyse(data: Any, *, as_of: date, criteria_id: str, regulator: str | None) -> Analysis:
    """Read ``data`` (native JSON or FHIR Bundle), assess it, and list options if asked."""
    kb = load_knowledge_base()
    result = read_patient_data(data, catalog=kb.catalog, as_of=as_of)
    errors = tuple(p for p in result.problems if p.severity is Severity.ERROR)
    if result.record is None or errors:
        raise ProblemError(
            422,
            "Invalid patient record",
            "the patient record has errors",
            problems_as_errors(errors or result.problems),
        )
    try:
        criteria = load_criteria(criteria_id)
    except Exception as error:
        raise ProblemError(422, "Unknown criteria set", str(error)) from None
    evaluation = assess(result.record, kb.catalog, criteria, as_of)
    options = (
        treatment_options(evaluation, result.record, kb, regulator, as_of)
        if regulator is not None
        else None
    )
    return Analysis(result.record, evaluation, options, result.problems)
