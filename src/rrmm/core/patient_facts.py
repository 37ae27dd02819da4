"""Facts about the patient as of a date: age, fitness, renal function, active conditions.

Creatinine clearance is the latest measured value; without one it is estimated
by Cockcroft-Gault (Cockcroft & Gault, Nephron 1976) from the latest creatinine,
weight, age and sex, and says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rrmm.core.analytes import Analyte
from rrmm.core.model import Condition, PatientRecord, Sex
from rrmm.core.series import Point, quantity_series

__all__ = ["PatientFacts", "patient_facts"]


@dataclass(frozen=True, slots=True)
class PatientFacts:
    """What cautions, supportive care and transplant eligibility read."""

    as_of: date
    age: int | None
    ecog: int | None
    creatinine_clearance: float | None
    creatinine_clearance_source: str
    igg_mg_dl: float | None
    active: tuple[Condition, ...]
    history: tuple[Condition, ...]

    def condition(self, name: str, grade_at_least: float | None = None, ever: bool = False) -> bool:
        """Whether the condition is active (or ever recorded) at the given grade or above."""
        pool = self.history if ever else self.active
        for item in pool:
            if item.name == name and (
                grade_at_least is None or (item.grade is not None and item.grade >= grade_at_least)
            ):
                return True
        return False

    def lvef(self) -> float | None:
        """The latest recorded left-ventricular ejection fraction."""
        values = [c.lvef for c in self.history if c.lvef is not None]
        return values[-1] if values else None


def _latest(points: tuple[Point, ...], as_of: date) -> Point | None:
    found = [point for point in points if point.date <= as_of]
    return found[-1] if found else None


def _age(record: PatientRecord, as_of: date) -> int | None:
    born = record.birth_date
    if born is None:
        return None
    return as_of.year - born.year - ((as_of.month, as_of.day) < (born.month, born.day))


def patient_facts(record: PatientRecord, as_of: date) -> PatientFacts:
    """Summarise the record as of ``as_of``."""
    age = _age(record, as_of)
    ecog = [p for p in sorted(record.performance, key=lambda p: p.date) if p.date <= as_of]
    measured = _latest(quantity_series(record, Analyte.CREATININE_CLEARANCE), as_of)
    creatinine = _latest(quantity_series(record, Analyte.CREATININE), as_of)
    weight = _latest(quantity_series(record, Analyte.WEIGHT), as_of)
    clearance: float | None = None
    source = (
        "not recorded (no creatinine clearance, or creatinine, weight, age and sex to estimate it)"
    )
    if measured is not None:
        clearance, source = (
            measured.value,
            f"measured {measured.value:.0f} mL/min on {measured.date}",
        )
    elif creatinine and weight and age is not None and record.sex in (Sex.FEMALE, Sex.MALE):
        factor = 0.85 if record.sex is Sex.FEMALE else 1.0
        clearance = (140 - age) * weight.value / (72 * creatinine.value) * factor
        source = (
            f"estimated {clearance:.0f} mL/min by Cockcroft-Gault (creatinine"
            f" {creatinine.value:.2g} mg/dL on {creatinine.date}, weight {weight.value:.0f} kg,"
            f" age {age})"
        )
    igg = _latest(quantity_series(record, Analyte.IGG), as_of)
    history = tuple(c for c in record.conditions if c.since is None or c.since <= as_of)
    active = tuple(c for c in history if c.until is None or c.until >= as_of)
    return PatientFacts(
        as_of=as_of,
        age=age,
        ecog=ecog[-1].ecog if ecog else None,
        creatinine_clearance=clearance,
        creatinine_clearance_source=source,
        igg_mg_dl=igg.value if igg else None,
        active=active,
        history=history,
    )
