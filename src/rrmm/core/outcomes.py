"""Time-to-event outcomes of a line (Rajkumar 2011 uniform reporting).

Time to progression ends at progression; progression-free survival at progression
or death; duration of response runs from the first assessment of a confirmed
partial response or better to progression or death; time to next treatment ends
when the next line starts (or at death). Each is censored at the last date the
record covers when its event has not happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rrmm.core.line_course import LineCourse

__all__ = ["LineOutcomes", "TimeToEvent", "line_outcomes"]


@dataclass(frozen=True, slots=True)
class TimeToEvent:
    """Days from a start to an event, or to censoring when ``event`` is False."""

    days: int
    event: bool
    end: date


@dataclass(frozen=True, slots=True)
class LineOutcomes:
    """Outcomes of one line."""

    ttp: TimeToEvent | None
    pfs: TimeToEvent | None
    dor: TimeToEvent | None
    ttnt: TimeToEvent | None


def _span(start: date, end: date, event: bool) -> TimeToEvent:
    return TimeToEvent((end - start).days, event, end)


def line_outcomes(
    course: LineCourse, next_start: date | None, death: date | None, last_seen: date
) -> LineOutcomes:
    """TTP, PFS, duration of response and time to next treatment of a line."""
    start = course.line.start
    progression = course.progression.date if course.progression else None
    last_assessment = course.visits[-1].visit.date if course.visits else start
    ttp = (
        _span(start, progression, True)
        if progression
        else _span(start, max(last_assessment, start), False)
    )
    ends = [d for d in (progression, death) if d is not None]
    pfs = (
        _span(start, min(ends), True) if ends else _span(start, max(last_assessment, start), False)
    )
    dor = None
    if course.response_start is not None:
        dor = (
            _span(course.response_start, min(ends), True)
            if ends
            else _span(course.response_start, max(last_assessment, course.response_start), False)
        )
    stops = [d for d in (next_start, death) if d is not None]
    ttnt = _span(start, min(stops), True) if stops else _span(start, max(last_seen, start), False)
    return LineOutcomes(ttp, pfs, dor, ttnt)
