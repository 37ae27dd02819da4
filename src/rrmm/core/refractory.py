"""Exposure and refractoriness per drug and per class, and the labels built on them.

A drug is refractory when the disease progressed while the patient took it or
within 60 days of its last dose, or did not reach a minimal response after at
least 4 weeks on it (Rajkumar 2011; MAMMOTH, Gandhi 2019). Corticosteroids and
supportive drugs are recorded as exposures only. Labels follow the definitions
used by MAMMOTH and LocoMMotion: double-refractory (a PI and an IMiD),
triple-class exposed/refractory (PI, IMiD, anti-CD38), quad- and penta-refractory
(anti-CD38 with three or all of bortezomib, carfilzomib, lenalidomide, pomalidomide).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from rrmm.core.criteria import Parameters
from rrmm.core.drugs import DrugCatalog, DrugClass
from rrmm.core.lines import Exposure, Line
from rrmm.core.progression import Progression
from rrmm.core.response import Category

__all__ = [
    "ClassState",
    "DrugState",
    "DrugVerdict",
    "Observed",
    "class_states",
    "drug_verdicts",
    "labels",
    "labels_before_line",
]

_PENTA_DRUGS = ("bortezomib", "carfilzomib", "lenalidomide", "pomalidomide")


class DrugState(StrEnum):
    """Refractoriness of one drug."""

    REFRACTORY = "refractory"
    NOT_REFRACTORY = "not_refractory"
    NOT_EVALUABLE = "not_evaluable"
    EXPOSED_ONLY = "exposed_only"


class ClassState(StrEnum):
    """A class is naive, exposed or refractory."""

    NAIVE = "naive"
    EXPOSED = "exposed"
    REFRACTORY = "refractory"


@dataclass(frozen=True, slots=True)
class Observed:
    """What one line shows for refractoriness: readings and its progression."""

    line: Line
    readings: tuple[tuple[date, Category], ...]
    progression: Progression | None
    assessed_until: date | None


@dataclass(frozen=True, slots=True)
class DrugVerdict:
    """A drug's exposure and refractoriness, with the evidence."""

    drug: str
    state: DrugState
    lines: tuple[int, ...]
    first_exposure: date
    evidence: tuple[str, ...]
    refractory_lines: tuple[int, ...] = ()


def _exposure_refractory(
    exposure: Exposure, seen: Observed, p: Parameters
) -> tuple[bool | None, str]:
    """Refractory (True), not (False) or not evaluable (None) for one exposure."""
    window = timedelta(days=p.refractory_window_days)
    last = exposure.end
    event = seen.progression
    if (
        event is not None
        and exposure.start <= event.date
        and (last is None or event.date <= last + window)
    ):
        enough = (event.date - exposure.start).days >= p.minimum_exposure_days
        if enough or not p.minimum_exposure_for_progression:
            timing = (
                "while on it"
                if last is None or event.date <= last
                else f"{(event.date - last).days} days after its last dose on {last}"
            )
            kind = "documented progression" if event.documented else "IMWG progression"
            return True, f"line {seen.line.number}: {kind} on {event.date} {timing}"
    settled = exposure.start + timedelta(days=p.minimum_exposure_days)
    on_drug = [
        (day, category)
        for day, category in seen.readings
        if category is not Category.NE and day >= exposure.start and (last is None or day <= last)
    ]
    after_minimum = [(day, c) for day, c in on_drug if day >= settled]
    if after_minimum and all(c.rank < Category.MR.rank for _, c in on_drug):
        best = max((c for _, c in on_drug), key=lambda c: c.rank)
        return True, (
            f"line {seen.line.number}: no minimal response after"
            f" {p.minimum_exposure_days} days on it (best {best})"
        )
    horizon = date.max if last is None else last + window
    assessed = [day for day, _ in seen.readings if exposure.start <= day <= horizon]
    if event is not None and last is not None and event.date > last + window:
        return False, (
            f"line {seen.line.number}: progression on {event.date} came more than"
            f" {p.refractory_window_days} days after its last dose ({last})"
        )
    if assessed or event is not None:
        early = (
            ""
            if after_minimum
            else (
                f"; response not yet evaluable (no assessment after {p.minimum_exposure_days} days"
                " on it)"
            )
        )
        return (
            False,
            f"line {seen.line.number}: no progression on it or within"
            f" {p.refractory_window_days} days{early}",
        )
    return (
        None,
        f"line {seen.line.number}: no disease assessment on it or within"
        f" {p.refractory_window_days} days",
    )


def drug_verdicts(
    observed: Sequence[Observed], catalog: DrugCatalog, p: Parameters
) -> tuple[DrugVerdict, ...]:
    """Every drug the patient received, with its refractoriness."""
    exposures: dict[str, list[tuple[Exposure, Observed]]] = {}
    for seen in observed:
        for exposure in seen.line.exposures:
            exposures.setdefault(exposure.drug, []).append((exposure, seen))
    verdicts = []
    for name, uses in exposures.items():
        drug = catalog.get(name)
        lines = tuple(dict.fromkeys(seen.line.number for _, seen in uses))
        first = min(exposure.start for exposure, _ in uses)
        if not drug.antimyeloma or DrugClass.STEROID in drug.classes:
            verdicts.append(
                DrugVerdict(
                    name,
                    DrugState.EXPOSED_ONLY,
                    lines,
                    first,
                    ("corticosteroid or supportive drug: exposure only",),
                )
            )
            continue
        outcomes = [(_exposure_refractory(exposure, seen, p), seen) for exposure, seen in uses]
        evidence = tuple(dict.fromkeys(text for (_, text), _ in outcomes))
        refractory_lines = tuple(
            dict.fromkeys(seen.line.number for (flag, _), seen in outcomes if flag)
        )
        if refractory_lines:
            state = DrugState.REFRACTORY
        elif any(flag is False for (flag, _), _ in outcomes):
            state = DrugState.NOT_REFRACTORY
        else:
            state = DrugState.NOT_EVALUABLE
        verdicts.append(DrugVerdict(name, state, lines, first, evidence, refractory_lines))
    return tuple(sorted(verdicts, key=lambda v: (v.first_exposure, v.drug)))


def class_states(
    verdicts: Sequence[DrugVerdict], catalog: DrugCatalog
) -> dict[DrugClass, ClassState]:
    """Each class: naive, exposed, or refractory (refractory to any of its drugs)."""
    states = dict.fromkeys(DrugClass, ClassState.NAIVE)
    for verdict in verdicts:
        for drug_class in catalog.get(verdict.drug).classes:
            if verdict.state is DrugState.REFRACTORY:
                states[drug_class] = ClassState.REFRACTORY
            elif states[drug_class] is ClassState.NAIVE:
                states[drug_class] = ClassState.EXPOSED
    return states


def labels(
    verdicts: Sequence[DrugVerdict], states: dict[DrugClass, ClassState]
) -> tuple[tuple[str, ...], int]:
    """The refractoriness and exposure labels, and the number of refractory classes."""
    refractory = {v.drug for v in verdicts if v.state is DrugState.REFRACTORY}
    exposed = {v.drug for v in verdicts}
    return _labels(refractory, exposed, states)


def _labels(
    refractory: set[str], exposed: set[str], states: dict[DrugClass, ClassState]
) -> tuple[tuple[str, ...], int]:
    pi, imid, cd38 = (
        DrugClass.PROTEASOME_INHIBITOR,
        DrugClass.IMMUNOMODULATORY_DRUG,
        DrugClass.ANTI_CD38,
    )
    is_refractory = {c: states[c] is ClassState.REFRACTORY for c in states}
    is_exposed = {c: states[c] is not ClassState.NAIVE for c in states}
    found: list[str] = []
    if "lenalidomide" in refractory:
        found.append("lenalidomide_refractory")
    if is_refractory[pi] and is_refractory[imid]:
        found.append("double_refractory")
    if is_exposed[pi] and is_exposed[imid] and is_exposed[cd38]:
        found.append("triple_class_exposed")
    if is_refractory[pi] and is_refractory[imid] and is_refractory[cd38]:
        found.append("triple_class_refractory")
    penta_refractory = sum(drug in refractory for drug in _PENTA_DRUGS)
    if is_refractory[cd38] and penta_refractory == 3:
        found.append("quad_refractory")
    if is_exposed[cd38] and all(drug in exposed for drug in _PENTA_DRUGS):
        found.append("penta_exposed")
    if is_refractory[cd38] and penta_refractory == 4:
        found.append("penta_refractory")
    if any(
        is_exposed[c] for c in (DrugClass.BCMA_CAR_T, DrugClass.BCMA_BISPECIFIC, DrugClass.BCMA_ADC)
    ):
        found.append("bcma_exposed")
    if is_exposed[DrugClass.GPRC5D_BISPECIFIC]:
        found.append("gprc5d_exposed")
    count = sum(
        1
        for c, state in states.items()
        if state is ClassState.REFRACTORY and c is not DrugClass.STEROID
    )
    return tuple(sorted(found)), count


def labels_before_line(
    verdicts: Sequence[DrugVerdict], line_number: int, catalog: DrugCatalog
) -> tuple[str, ...]:
    """The labels the patient carried when line ``line_number`` started.

    The same definitions as :func:`labels`, applied to what the earlier lines show: a drug
    counts as exposed if it was given in an earlier line and as refractory if it was found
    refractory in an earlier line. This is how real-world cohorts report the population at
    line *n* (e.g. triple-class refractory patients starting a line: MAMMOTH, Gandhi 2019).

    (Worked out directly from the verdicts: a class is refractory when an earlier line found
    one of its drugs refractory, exposed when one was given earlier, as :func:`class_states`
    does for the earlier verdicts.)
    """
    refractory: set[str] = set()
    exposed: set[str] = set()
    states = dict.fromkeys(DrugClass, ClassState.NAIVE)
    for verdict in verdicts:
        if not any(n < line_number for n in verdict.lines):
            continue
        found = any(n < line_number for n in verdict.refractory_lines)
        exposed.add(verdict.drug)
        if found:
            refractory.add(verdict.drug)
        for drug_class in catalog.get(verdict.drug).classes:
            if found:
                states[drug_class] = ClassState.REFRACTORY
            elif states[drug_class] is ClassState.NAIVE:
                states[drug_class] = ClassState.EXPOSED
    return _labels(refractory, exposed, states)[0]
