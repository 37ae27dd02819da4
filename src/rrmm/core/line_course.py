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
    progression_from,
    relapse_from_cr,
)
from rrmm.core.response import (
    RANK,
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


_MR = RANK[Category.MR]
_PR = RANK[Category.PR]


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
        rank = RANK[category]
        if rank >= _MR:
            nxt = following.get(index)
            if nxt is None:
                note = "awaiting a confirming assessment"
            else:
                other = readings[nxt][1].category
                if RANK[other] >= rank:
                    confirmed, level = True, category
                    note = f"confirmed on {readings[nxt][0].date}"
                elif RANK[other] >= _MR:
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
    # The nadirs and the laboratory signals at each assessment serve both the progression
    # search and the readings: computed once.
    all_nadirs = nadirs_series(baseline, visits, p.nadir)
    involved = baseline.involved
    all_signals = [
        lab_signals(visit, all_nadirs[index], involved, p) for index, visit in enumerate(visits)
    ]
    progression: Progression | None = None
    notes: list[str] = []
    if baseline.evaluable or visits:
        progression, notes = progression_from(
            baseline, visits, data, line.start, next_start, documented, p, all_nadirs, all_signals
        )
    elif documented is not None and p.progression_evidence == "imwg_or_documented":
        progression, notes = find_progression(
            baseline, (), data, line.start, next_start, documented, p
        )
    readings: list[tuple[Assessment, Reading]] = []
    for visit, signals in zip(visits, all_signals, strict=True):
        if signals:
            # A progression signal overrides the response reading (read_response is pure).
            reading = Reading(Category.PD, "; ".join(s.text for s in signals), signals[0].rule)
        else:
            reading = read_response(baseline, visit, data, line.start, p)
        readings.append((visit, reading))
    confirmed = _confirm(readings, progression)
    # One pass over the visits before any progression: the best confirmed level, whether any
    # is evaluable, the best unconfirmed reading and the first dates of response, of a
    # confirmed PR or better and of a confirmed CR (max() keeps the first of equal ranks,
    # and equal ranks are the same category).
    best_level: Category | None = None
    evaluable = False
    unconfirmed = Category.NE
    unconfirmed_rank: int | None = None
    response_start: date | None = None
    responded: date | None = None
    cr_date: date | None = None
    for v in confirmed:
        if v.after_progression:
            continue
        category = v.reading.category
        rank = RANK[category]
        if unconfirmed_rank is None or rank > unconfirmed_rank:
            unconfirmed, unconfirmed_rank = category, rank
        if category is not Category.NE:
            evaluable = True
        if responded is None and rank >= _MR:
            responded = v.visit.date
        level = v.confirmed_level
        if level is not None:
            if best_level is None or RANK[level] > RANK[best_level]:
                best_level = level
            if response_start is None and RANK[level] >= _PR:
                response_start = v.visit.date
            if cr_date is None and (level is Category.CR or level is Category.SCR):
                cr_date = v.visit.date
    if best_level is not None:
        best = best_level
    elif progression is not None and evaluable:
        best = Category.PD
    elif evaluable:
        best = Category.SD
    else:
        best = Category.NE
    best_date = (
        next(
            (
                v.visit.date
                for v in confirmed
                if not v.after_progression and v.confirmed_level is best
            ),
            None,
        )
        if RANK[best] >= _MR
        else None
    )
    clinical = clinical_relapses(data, line.start, responded, next_start, p) if responded else []
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
