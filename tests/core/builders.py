"""Builders for the IMWG engine tests: small patient records in the native format.

Records are written as ``rrmm.patient/1`` YAML text (the format users write), read
with the native reader and assessed with the IMWG 2016 criteria set. Helpers build
the lab rows, courses and procedures as dicts and render them as YAML flow
mappings, so a test shows the clinical values it is about and nothing else.

Function-level helpers build the core's own objects (Point, Assessment, Nadirs)
for tests of one rule at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from rrmm.adapters.native.read import read_patient
from rrmm.core.assess import Evaluation, assess
from rrmm.core.criteria import Criteria, Parameters
from rrmm.core.line_course import LineCourse
from rrmm.core.model import PatientRecord
from rrmm.core.progression import Nadirs, _Nadir
from rrmm.core.response import Assessment, Category
from rrmm.core.series import Point
from rrmm.kb import load_criteria, load_drug_catalog

__all__ = [
    "AS_OF",
    "CATALOG",
    "CRITERIA",
    "DIAGNOSIS",
    "NEGATIVE_FISH",
    "PARAMS",
    "START",
    "assessment",
    "course",
    "day",
    "evaluate",
    "first_course",
    "lab",
    "nadirs",
    "patient",
    "point",
    "procedure",
    "read",
    "readings",
    "series",
]

AS_OF = date(2026, 11, 21)
CATALOG = load_drug_catalog()
CRITERIA = load_criteria()
PARAMS: Parameters = CRITERIA.parameters

DIAGNOSIS = date(2020, 1, 1)
START = date(2020, 1, 10)
"""Start of the first line in most tests; the baseline labs are drawn 5 days before."""

NEGATIVE_FISH: dict[str, Any] = {
    "method": "FISH",
    "del17p": False,
    "t4_14": False,
    "t14_16": False,
    "t14_20": False,
    "gain1q": False,
    "amp1q": False,
    "del1p32": False,
    "del1p32_biallelic": False,
    "tp53_mutation": False,
}
"""Every cytogenetic feature the risk rules read, tested and absent."""


def day(offset: int, base: date = START) -> date:
    """``base`` plus ``offset`` days."""
    return base + timedelta(days=offset)


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return _flow(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_scalar(item) for item in value) + "]"
    return str(value)


def _flow(mapping: Mapping[str, object]) -> str:
    parts = [f"{key}: {_scalar(value)}" for key, value in mapping.items() if value is not None]
    return "{" + ", ".join(parts) + "}"


def lab(when: date, **values: object) -> dict[str, object]:
    """A lab row: ``lab(day(28), serum_m_protein="1.4 g/dL")``."""
    return {"date": when, **values}


def series(
    *rows: Mapping[str, object], first: int = 28, every: int = 28
) -> list[dict[str, object]]:
    """Lab rows dated START+first, START+first+every, ... (one row per assessment)."""
    return [lab(day(first + every * i), **row) for i, row in enumerate(rows)]


def course(
    drugs: Sequence[object],
    start: date = START,
    end: date | None = None,
    stop: str | None = None,
    **extra: object,
) -> dict[str, object]:
    """A therapy course; ongoing (no end) unless ``end`` is given."""
    if stop is None and end is None:
        stop = "ongoing"
    return {"drugs": list(drugs), "start": start, "end": end, "stop_reason": stop, **extra}


def procedure(kind: str, when: date, **extra: object) -> dict[str, object]:
    """A procedure row, e.g. ``procedure("autologous_transplant", day(120))``."""
    return {"procedure": kind, "date": when, **extra}


def _section(name: str, rows: Iterable[Mapping[str, object]]) -> str:
    items = list(rows)
    if not items:
        return ""
    return f"{name}:\n" + "".join(f"  - {_flow(row)}\n" for row in items)


def patient(
    *,
    labs: Iterable[Mapping[str, object]] = (),
    therapies: Iterable[Mapping[str, object]] | None = None,
    procedures: Iterable[Mapping[str, object]] = (),
    imaging: Iterable[Mapping[str, object]] = (),
    findings: Iterable[Mapping[str, object]] = (),
    events: Iterable[Mapping[str, object]] = (),
    heavy_chain: str = "IgG",
    light_chain: str = "kappa",
    diagnosis: date = DIAGNOSIS,
    identifier: str = "t1",
) -> str:
    """Native-format YAML text. Default therapy: lenalidomide-dexamethasone from START, ongoing."""
    if therapies is None:
        therapies = [course(["lenalidomide", "dexamethasone"])]
    head = (
        "format: rrmm.patient/1\n"
        f"id: {identifier}\n"
        f"diagnosis: {{date: {diagnosis.isoformat()}, heavy_chain: {heavy_chain},"
        f" light_chain: {light_chain}}}\n"
    )
    return head + "".join(
        _section(name, rows)
        for name, rows in (
            ("findings", findings),
            ("therapies", therapies),
            ("procedures", procedures),
            ("labs", labs),
            ("imaging", imaging),
            ("events", events),
        )
    )


def read(text: str) -> PatientRecord:
    """The record, failing loudly if the reader found any problem."""
    result = read_patient(text, syntax="yaml", catalog=CATALOG, as_of=AS_OF)
    assert result.record is not None, [str(problem) for problem in result.problems]
    return result.record


def evaluate(text: str, criteria: Criteria | None = None, **parameters: object) -> Evaluation:
    """Assess the record with IMWG 2016 (with some parameters changed, if given)."""
    chosen = (criteria or CRITERIA).with_parameters(**parameters)
    return assess(read(text), CATALOG, chosen, AS_OF)


def first_course(evaluation: Evaluation) -> LineCourse:
    """The course of line 1."""
    return evaluation.courses[0]


def readings(evaluation: Evaluation, line: int = 1) -> list[Category]:
    """The response category read at each assessment of a line, before confirmation."""
    return [visit.reading.category for visit in evaluation.courses[line - 1].visits]


def point(when: date, value: float, comparator: str | None = None) -> Point:
    """A value in the analyte's canonical unit."""
    return Point(when, value, comparator)


def assessment(
    when: date,
    *,
    serum: float | None = None,
    urine: float | None = None,
    kappa: float | None = None,
    lambda_: float | None = None,
    marrow: float | None = None,
    serum_ife: bool | None = None,
    urine_ife: bool | None = None,
    new_lesion: bool = False,
) -> Assessment:
    """An assessment with values in canonical units (g/dL, mg/24h, mg/L, %)."""

    def at(value: float | None) -> Point | None:
        return None if value is None else Point(when, value)

    return Assessment(
        when,
        at(serum),
        at(urine),
        at(kappa),
        at(lambda_),
        at(marrow),
        serum_ife,
        urine_ife,
        new_lesion,
    )


def nadirs(
    when: date = START,
    *,
    serum: float | None = None,
    urine: float | None = None,
    dflc: float | None = None,
    marrow: float | None = None,
) -> Nadirs:
    """Hand-made nadirs (canonical units), all dated ``when``."""

    def at(value: float | None) -> _Nadir | None:
        return None if value is None else _Nadir(value, when)

    return Nadirs(serum=at(serum), urine=at(urine), dflc=at(dflc), marrow=at(marrow))
