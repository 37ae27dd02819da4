"""Disease status as of the last record (Rajkumar 2011 uniform reporting definitions).

- untreated: no anti-myeloma therapy recorded;
- responding: minimal response or better on the current or most recent line and no
  progression since;
- primary_refractory: never a minimal response or better with any therapy;
- relapsed_and_refractory: a response at some point, then non-responsive on salvage
  therapy or progression on therapy or within 60 days of the last dose;
- relapsed: progressed after therapy (more than 60 days after the last dose);
- not_evaluable: the record cannot tell (no measurable disease or no assessments).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from rrmm.core.criteria import Parameters
from rrmm.core.line_course import LineCourse
from rrmm.core.response import Category

__all__ = ["DiseaseStatus", "StatusVerdict", "disease_status"]


class DiseaseStatus(StrEnum):
    """Disease status categories."""

    UNTREATED = "untreated"
    RESPONDING = "responding"
    RELAPSED = "relapsed"
    RELAPSED_AND_REFRACTORY = "relapsed_and_refractory"
    PRIMARY_REFRACTORY = "primary_refractory"
    NOT_EVALUABLE = "not_evaluable"


@dataclass(frozen=True, slots=True)
class StatusVerdict:
    """The status, the rule behind it and why."""

    status: DiseaseStatus
    rule: str
    reason: str


def _responded(course: LineCourse) -> bool:
    return course.best_response.rank >= Category.MR.rank


def _refractory_progression(course: LineCourse, p: Parameters) -> bool:
    event = course.progression
    if event is None:
        return False
    end = course.line.end
    return end is None or event.date <= end + timedelta(days=p.refractory_window_days)


def _after_progression(
    course: LineCourse, ever_responded: bool, p: Parameters, prefix: str = ""
) -> StatusVerdict:
    event = course.progression
    assert event is not None
    line = course.line.number
    if _refractory_progression(course, p):
        timing = (
            "on therapy"
            if course.line.end is None or event.date <= course.line.end
            else f"{(event.date - course.line.end).days} days after the last dose"
        )
        if ever_responded:
            return StatusVerdict(
                DiseaseStatus.RELAPSED_AND_REFRACTORY,
                "status.relapsed_and_refractory",
                f"{prefix}progression on {event.date} {timing} of line {line}, after an earlier"
                " response of at least MR",
            )
        return StatusVerdict(
            DiseaseStatus.PRIMARY_REFRACTORY,
            "status.primary_refractory",
            f"{prefix}progression on {event.date} {timing} of line {line}; never a minimal"
            " response or better (primary refractory, progressive)",
        )
    return StatusVerdict(
        DiseaseStatus.RELAPSED,
        "status.relapsed",
        f"{prefix}progression on {event.date}, more than {p.refractory_window_days} days after"
        f" the last dose of line {line} ({course.line.end})",
    )


def disease_status(courses: Sequence[LineCourse], p: Parameters) -> StatusVerdict:
    """The disease status as of the last record."""
    if not courses:
        return StatusVerdict(DiseaseStatus.UNTREATED, "status.responding", "no therapy recorded")
    for position in range(len(courses) - 1, -1, -1):
        course = courses[position]
        earlier_response = any(_responded(c) for c in courses[: position + 1])
        prefix = (
            ""
            if position == len(courses) - 1
            else f"line {courses[-1].line.number} not yet evaluable; "
        )
        if course.progression is not None:
            return _after_progression(course, earlier_response, p, prefix)
        if course.best_response is Category.NE:
            continue
        if _responded(course):
            return StatusVerdict(
                DiseaseStatus.RESPONDING,
                "status.responding",
                f"{prefix}best confirmed response {course.best_response} on line"
                f" {course.line.number}, no progression since",
            )
        settled = [
            v
            for v in course.visits
            if v.reading.category is not Category.NE
            and (v.visit.date - course.line.start).days >= p.minimum_exposure_days
        ]
        if not settled:
            if course.best_unconfirmed.rank >= Category.MR.rank:
                return StatusVerdict(
                    DiseaseStatus.RESPONDING,
                    "status.responding",
                    f"{prefix}{course.best_unconfirmed} on line {course.line.number},"
                    " not yet confirmed",
                )
            continue
        if course.best_unconfirmed.rank >= Category.MR.rank:
            return StatusVerdict(
                DiseaseStatus.RESPONDING,
                "status.responding",
                f"{prefix}{course.best_unconfirmed} on line {course.line.number} awaiting"
                " confirmation",
            )
        if earlier_response:
            return StatusVerdict(
                DiseaseStatus.RELAPSED_AND_REFRACTORY,
                "status.relapsed_and_refractory",
                f"{prefix}no minimal response on line {course.line.number} after"
                f" {p.minimum_exposure_days} days, after an earlier response",
            )
        return StatusVerdict(
            DiseaseStatus.PRIMARY_REFRACTORY,
            "status.primary_refractory",
            f"{prefix}no minimal response or better with any therapy (primary refractory,"
            " non-responsive)",
        )
    return StatusVerdict(
        DiseaseStatus.NOT_EVALUABLE,
        "measurable.serum",
        "no line has measurable disease with assessments or a recorded progression",
    )
