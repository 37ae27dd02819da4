"""The disease course within one line: baseline, responses with confirmation, progression.

Confirmation (Durie 2006; Kumar 2016): a response needs the next assessment
before new therapy to show at least the same level; when the next one is lower
but still a response, the lower level is the confirmed one (as the pharmaverse
admiralonco derivation does). Assessments that show no measured parameter (NE)
are skipped when looking for the confirming assessment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from itertools import pairwise

from rrmm.core.criteria import Parameters
from rrmm.core.lines import Line
from rrmm.core.model import PatientRecord, StopReason
from rrmm.core.progression import (
    ClinicalEvent,
    Progression,
    clinical_relapses,
    find_progression,
    lab_signals,
    nadirs_series,
    relapse_from_cr,
)
from rrmm.core.response import (
    Assessment,
    Baseline,
    Category,
    DiseaseData,
    Reading,
    baseline_for,
    collect_assessments,
    read_response,
)

__all__ = ["AssessedVisit", "LineCourse", "follow_line"]


@dataclass(frozen=True, slots=True)
class AssessedVisit:
    """One assessment of a line with its reading and confirmation."""

    visit: Assessment
    reading: Reading
    confirmed: bool
    confirmed_level: Category | None
    note: str
    after_progression: bool


@dataclass(frozen=True, slots=True)
class LineCourse:
    """What the disease did during one line (until the next line started)."""

    line: Line
    baseline: Baseline
    visits: tuple[AssessedVisit, ...]
    best_response: Category
    best_response_date: date | None
    best_unconfirmed: Category
    response_start: date | None
    progression: Progression | None
    progression_notes: tuple[str, ...]
    clinical: tuple[ClinicalEvent, ...]
    relapse_from_cr: ClinicalEvent | None
    until: date | None

    @property
    def readings(self) -> tuple[tuple[date, Category], ...]:
        """(date, category) of every assessment, for refractoriness."""
        return tuple((v.visit.date, v.reading.category) for v in self.visits)


def _documented_progression(line: Line, record: PatientRecord) -> date | None:
    """The earliest date a course or drug of the line was stopped for progression."""
    dates = []
    for index in line.courses:
        course = record.therapies[index]
        if course.stop_reason is StopReason.PROGRESSION and course.end is not None:
            dates.append(course.end)
        dates.extend(
            use.end
            for use in course.drugs
            if use.stop_reason is StopReason.PROGRESSION and use.end is not None
        )
    dates = [day for day in dates if day >= line.start]
    return min(dates) if dates else None


def _confirm(
    readings: list[tuple[Assessment, Reading]], progression: Progression | None
) -> list[AssessedVisit]:
    evaluable = [
        i for i, (_, reading) in enumerate(readings) if reading.category is not Category.NE
    ]
    following = dict(pairwise(evaluable))
    visits = []
    for index, (visit, reading) in enumerate(readings):
        after = progression is not None and visit.date > progression.date
        category = reading.category
        confirmed, level, note = False, None, ""
        if category.rank >= Category.MR.rank:
            nxt = following.get(index)
            if nxt is None:
                note = "awaiting a confirming assessment"
            else:
                other = readings[nxt][1].category
                if other.rank >= category.rank:
                    confirmed, level = True, category
                    note = f"confirmed on {readings[nxt][0].date}"
                elif other.rank >= Category.MR.rank:
                    level = other
                    note = (
                        f"next assessment ({readings[nxt][0].date}) shows {other}:"
                        f" confirmed as {other}"
                    )
                else:
                    note = f"not confirmed: next assessment ({readings[nxt][0].date}) shows {other}"
        elif category is Category.SD:
            confirmed, level = True, category
        elif category is Category.PD and progression is not None and progression.confirmed:
            if visit.date == progression.date:
                confirmed = True
                note = f"progression, confirmed on {progression.confirmed_on or visit.date}"
            elif visit.date == progression.confirmed_on:
                confirmed = True
                note = f"confirms the progression of {progression.date}"
        visits.append(AssessedVisit(visit, reading, confirmed, level, note, after))
    return visits


def follow_line(
    record: PatientRecord,
    data: DiseaseData,
    line: Line,
    next_start: date | None,
    p: Parameters,
) -> LineCourse:
    """Baseline, assessments, responses, progression and relapse events of one line."""
    baseline = baseline_for(data, line.start, p)
    visits = collect_assessments(data, line.start, next_start, p.assessment_window_days)
    documented = _documented_progression(line, record)
    progression: Progression | None = None
    notes: list[str] = []
    if baseline.evaluable or visits:
        progression, notes = find_progression(
            baseline, visits, data, line.start, next_start, documented, p
        )
    elif documented is not None and p.progression_evidence == "imwg_or_documented":
        progression, notes = find_progression(
            baseline, (), data, line.start, next_start, documented, p
        )
    readings: list[tuple[Assessment, Reading]] = []
    all_nadirs = nadirs_series(baseline, visits, p.nadir)
    for index, visit in enumerate(visits):
        reading = read_response(baseline, visit, data, line.start, p)
        signals = lab_signals(visit, all_nadirs[index], baseline.involved, p)
        if signals:
            reading = Reading(Category.PD, "; ".join(s.text for s in signals), signals[0].rule)
        readings.append((visit, reading))
    confirmed = _confirm(readings, progression)
    usable = [v for v in confirmed if not v.after_progression]
    levels = [v.confirmed_level for v in usable if v.confirmed_level is not None]
    evaluable = [v for v in usable if v.reading.category is not Category.NE]
    if levels:
        best = max(levels, key=lambda c: c.rank)
    elif progression is not None and evaluable:
        best = Category.PD
    elif evaluable:
        best = Category.SD
    else:
        best = Category.NE
    best_date = next(
        (
            v.visit.date
            for v in usable
            if v.confirmed_level is best and best.rank >= Category.MR.rank
        ),
        None,
    )
    unconfirmed = max(
        (v.reading.category for v in usable), key=lambda c: c.rank, default=Category.NE
    )
    response_start = next(
        (
            v.visit.date
            for v in usable
            if v.confirmed_level is not None and v.confirmed_level.rank >= Category.PR.rank
        ),
        None,
    )
    responded = next(
        (v.visit.date for v in usable if v.reading.category.rank >= Category.MR.rank), None
    )
    clinical = clinical_relapses(data, line.start, responded, next_start, p) if responded else []
    cr_date = next(
        (v.visit.date for v in usable if v.confirmed_level in (Category.CR, Category.SCR)),
        None,
    )
    from_cr = relapse_from_cr(visits, cr_date, p) if cr_date else None
    return LineCourse(
        line=line,
        baseline=baseline,
        visits=tuple(confirmed),
        best_response=best,
        best_response_date=best_date,
        best_unconfirmed=unconfirmed,
        response_start=response_start,
        progression=progression,
        progression_notes=tuple(notes),
        clinical=tuple(clinical),
        relapse_from_cr=from_cr,
        until=next_start,
    )
