"""One request's work: read the patient, assess, list options; the same code as the CLI."""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
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

__all__ = ["Analysis", "AnalysisCache", "analyse", "problems_as_errors"]


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


class AnalysisCache:
    """A small in-memory LRU cache of analyses, keyed by a digest of the input and settings.

    An EHR fires patient-view each time a chart opens, with the same data; the analysis is a
    pure function of its input, so it is computed once and reused for ``ttl_seconds``. The
    cache lives in the worker's memory only (never on disk) and holds at most ``size`` entries.
    """

    def __init__(self, size: int = 256, ttl_seconds: float = 300.0) -> None:
        self._size = size
        self._ttl = ttl_seconds
        self._items: OrderedDict[str, tuple[float, Analysis]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(content: bytes, *parameters: object) -> str:
        """A digest of the input bytes and the parameters that change the answer."""
        digest = hashlib.sha256(content)
        digest.update(repr(parameters).encode())
        return digest.hexdigest()

    def get(self, key: str) -> Analysis | None:
        """The cached analysis, if present and fresh."""
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return None
            stamp, analysis = found
            if time.monotonic() - stamp > self._ttl:
                del self._items[key]
                return None
            self._items.move_to_end(key)
            return analysis

    def put(self, key: str, analysis: Analysis) -> None:
        """Remember an analysis, evicting the least recently used past the size."""
        with self._lock:
            self._items[key] = (time.monotonic(), analysis)
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)
