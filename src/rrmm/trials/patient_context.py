"""What trial matching reads about one patient, computed once from the record and its assessment.

The matcher asks thousands of small questions of one patient (ANC now, lines of
therapy, refractory to lenalidomide...). This module answers the expensive part
once: the latest value of each laboratory analyte with its date and reference limit,
drug exposures with their dates and stop reasons, transplants, conditions and the
IMWG engine's lines, refractoriness and status. Rule verdicts are memoised per patient.

Two policies are explicit options. ``lab_window_days``: a laboratory value or ECOG
older than this before the matching date does not decide a criterion (screening
needs current values). ``conditions_complete``: the record's condition list is taken
as complete (a condition not recorded is absent); by default it is not, so "no CNS
involvement" is unknown unless the record says something. The treatment history
(therapies and procedures) is always taken as complete, as the IMWG engine's line
counting already does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from rrmm.core.analytes import Analyte, to_canonical
from rrmm.core.assess import Evaluation
from rrmm.core.drugs import DrugCatalog, DrugClass
from rrmm.core.model import (
    Condition,
    LightChain,
    Measurement,
    PatientRecord,
    ProcedureKind,
    Sex,
    StopReason,
)
from rrmm.core.patient_facts import patient_facts
from rrmm.core.refractory import DrugVerdict

__all__ = [
    "DrugUseSpan",
    "LabValue",
    "MatchOptions",
    "PatientContext",
    "build_context",
    "light_chain",
]


@dataclass(frozen=True, slots=True)
class MatchOptions:
    """Matching policies (see the module docstring)."""

    lab_window_days: int = 90
    conditions_complete: bool = False


@dataclass(frozen=True, slots=True)
class LabValue:
    """The latest value of an analyte on or before the matching date, in canonical units.

    ``uln_ratio`` is the value divided by the laboratory's upper limit of normal when the
    record gives one (``reference_high``), for "≤ 1.5 × ULN" criteria.
    """

    analyte: Analyte
    value: float
    date: date
    written: str
    uln_ratio: float | None = None
    lln_ratio: float | None = None
    below_limit: bool = False


@dataclass(frozen=True, slots=True)
class DrugUseSpan:
    """One drug of one course: when it was given and why it stopped."""

    drug: str
    start: date
    end: date | None
    ongoing: bool
    stop_reason: StopReason | None
    course_stop_reason: StopReason | None
    course: str


@dataclass
class PatientContext:
    """Everything the rule evaluator reads, plus a per-patient memo of rule outcomes."""

    record: PatientRecord
    evaluation: Evaluation
    catalog: DrugCatalog
    as_of: date
    options: MatchOptions
    age: int | None
    ecog: tuple[int, date] | None
    labs: dict[Analyte, LabValue]
    creatinine_clearance: tuple[float, date, str] | None
    drug_verdicts: dict[str, DrugVerdict]
    drug_uses: tuple[DrugUseSpan, ...]
    cell_therapy_infusions: tuple[tuple[str, date], ...]
    transplants: tuple[tuple[str, date], ...]
    radiotherapy: tuple[date, ...]
    conditions: tuple[Condition, ...]
    regimen_count: int
    memo: dict[object, tuple[bool | None, str]] = field(default_factory=dict)
    judgements: dict[tuple[object, ...], tuple[object, Any]] = field(default_factory=dict)

    def classes_of(self, drug: str) -> tuple[DrugClass, ...]:
        """The classes of a generic drug name (empty when the catalogue lacks it)."""
        found = self.catalog.resolve(drug)
        return found.classes if found is not None else ()


def _latest_labs(record: PatientRecord, as_of: date) -> dict[Analyte, LabValue]:
    latest: dict[Analyte, LabValue] = {}
    for panel in sorted(record.labs, key=lambda p: p.date):
        if panel.date > as_of:
            continue
        for value in panel.values:
            if not isinstance(value, Measurement):
                continue
            try:
                canonical = to_canonical(value.analyte, value.quantity)
            except ValueError:
                continue
            raw = value.quantity.value
            uln = raw / value.reference_high if value.reference_high else None
            lln = raw / value.reference_low if value.reference_low else None
            latest[value.analyte] = LabValue(
                value.analyte,
                canonical,
                panel.date,
                str(value.quantity),
                uln,
                lln,
                value.quantity.comparator in ("<", "<="),
            )
    return latest


def _crcl(
    record: PatientRecord, as_of: date, age: int | None, labs: dict[Analyte, LabValue], window: int
) -> tuple[float, date, str] | None:
    """Creatinine clearance: measured when recent, else Cockcroft-Gault from a recent creatinine.

    The same formula as :func:`rrmm.core.patient_facts.patient_facts` (Cockcroft & Gault,
    Nephron 1976; × 0.85 for women); it is recomputed here so that a recent creatinine is
    preferred to an old measured clearance.
    """
    measured = labs.get(Analyte.CREATININE_CLEARANCE)
    if measured is not None and (as_of - measured.date).days <= window:
        return (
            measured.value,
            measured.date,
            f"measured {measured.value:.0f} mL/min on {measured.date}",
        )
    creatinine = labs.get(Analyte.CREATININE)
    weight = labs.get(Analyte.WEIGHT)
    if (
        creatinine is not None
        and weight is not None
        and age is not None
        and record.sex
        in (
            Sex.FEMALE,
            Sex.MALE,
        )
    ):
        factor = 0.85 if record.sex is Sex.FEMALE else 1.0
        value = (140 - age) * weight.value / (72 * creatinine.value) * factor
        return (
            value,
            creatinine.date,
            (
                f"estimated {value:.0f} mL/min by Cockcroft-Gault (creatinine"
                f" {creatinine.value:.2g} mg/dL on {creatinine.date}, weight {weight.value:.0f} kg,"
                f" age {age}, {record.sex.value})"
            ),
        )
    if measured is not None:
        return (
            measured.value,
            measured.date,
            f"measured {measured.value:.0f} mL/min on {measured.date}",
        )
    return None


def _drug_uses(record: PatientRecord) -> tuple[DrugUseSpan, ...]:
    spans: list[DrugUseSpan] = []
    for index, course in enumerate(record.therapies):
        name = course.regimen or "+".join(course.drug_names)
        label = f"{name} from {course.start}"
        course_ongoing = course.end is None and course.stop_reason in (None, StopReason.ONGOING)
        for use in course.drugs:
            end = use.end or course.end
            ongoing = use.end is None and course_ongoing
            spans.append(
                DrugUseSpan(
                    use.name,
                    use.start or course.start,
                    end,
                    ongoing,
                    use.stop_reason,
                    course.stop_reason,
                    label or f"course {index + 1}",
                )
            )
    return tuple(spans)


def build_context(
    record: PatientRecord,
    evaluation: Evaluation,
    catalog: DrugCatalog,
    as_of: date,
    options: MatchOptions | None = None,
) -> PatientContext:
    """Precompute the facts trial matching reads for one patient as of ``as_of``."""
    facts = patient_facts(record, as_of)
    performance = sorted((p for p in record.performance if p.date <= as_of), key=lambda p: p.date)
    labs = _latest_labs(record, as_of)
    procedures = [p for p in record.procedures if p.date <= as_of]
    transplants = tuple(
        ("autologous" if p.kind is ProcedureKind.AUTOLOGOUS_TRANSPLANT else "allogeneic", p.date)
        for p in procedures
        if p.kind in (ProcedureKind.AUTOLOGOUS_TRANSPLANT, ProcedureKind.ALLOGENEIC_TRANSPLANT)
    )
    infusions = tuple(
        (p.product or "CAR-T product", p.date)
        for p in procedures
        if p.kind is ProcedureKind.CAR_T_INFUSION
    )
    regimens = 0
    for course in record.therapies:
        if course.start > as_of:
            continue
        drugs = [catalog.resolve(name) for name in course.drug_names]
        if any(
            d is not None and d.antimyeloma and DrugClass.STEROID not in d.classes for d in drugs
        ):
            regimens += 1
    return PatientContext(
        record=record,
        evaluation=evaluation,
        catalog=catalog,
        as_of=as_of,
        options=options or MatchOptions(),
        age=facts.age,
        ecog=(performance[-1].ecog, performance[-1].date) if performance else None,
        labs=labs,
        creatinine_clearance=_crcl(
            record, as_of, facts.age, labs, (options or MatchOptions()).lab_window_days
        ),
        drug_verdicts={v.drug: v for v in evaluation.drugs},
        drug_uses=tuple(u for u in _drug_uses(record) if u.start <= as_of),
        cell_therapy_infusions=infusions,
        transplants=transplants,
        radiotherapy=tuple(p.date for p in procedures if p.kind is ProcedureKind.RADIOTHERAPY),
        conditions=facts.history,
        regimen_count=regimens,
    )


def light_chain(context: PatientContext) -> LightChain | None:
    """The diagnosis's light chain, when recorded."""
    diagnosis = context.record.diagnosis
    return diagnosis.light_chain if diagnosis is not None else None
