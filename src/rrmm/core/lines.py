"""Lines of therapy from therapy courses and procedures (Rajkumar, Richardson, San Miguel 2015).

A line is one regimen or a planned sequence of regimens (induction, transplant,
consolidation, maintenance). A new line starts when a different regimen starts
after all drugs of the previous one stopped, when a drug is added or substituted
without plan, or with each stem-cell transplant beyond the first (except the second
of a planned tandem). Dropping some drugs of a combination is the same line;
corticosteroids alone never define a line; apheresis, bridging therapy and the
CAR-T infusion form one line.

Lines come from treatment data alone, as the 2015 guideline defines them; each
line records why it started and why it ended, and where a user-given line number
disagrees with the rules the disagreement is reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from rrmm.core.drugs import DrugCatalog, DrugClass
from rrmm.core.model import Intent, PatientRecord, Procedure, ProcedureKind, StopReason, Therapy

__all__ = ["Exposure", "Line", "derive_lines"]

_TRANSPLANTS = (ProcedureKind.AUTOLOGOUS_TRANSPLANT, ProcedureKind.ALLOGENEIC_TRANSPLANT)
_PLANNED = (Intent.CONSOLIDATION, Intent.MAINTENANCE)


@dataclass(frozen=True, slots=True)
class Exposure:
    """One drug given from ``start`` to ``end`` (None while ongoing) within a line."""

    drug: str
    start: date
    end: date | None
    stop_reason: StopReason | None


@dataclass(frozen=True, slots=True)
class Line:
    """A line of therapy, with the records it groups and the reasons it started and ended."""

    number: int
    start: date
    end: date | None
    courses: tuple[int, ...]
    procedures: tuple[int, ...]
    exposures: tuple[Exposure, ...]
    regimen: str
    start_reason: str
    end_reason: str
    user_line: int | None = None
    notes: tuple[str, ...] = ()

    @property
    def drugs(self) -> tuple[str, ...]:
        """Generic names of the line's drugs, in order of first use."""
        return tuple(dict.fromkeys(exposure.drug for exposure in self.exposures))

    @property
    def has_transplant(self) -> bool:
        """Whether the line holds a stem-cell transplant."""
        return bool(self.procedures)


@dataclass(slots=True)
class _Item:
    """A course, a transplant or a CAR-T episode, in the order the line rule reads them."""

    start: date
    end: date | None
    drugs: frozenset[str]
    label: str
    intent: Intent | None
    stop_reason: StopReason | None
    user_line: int | None
    courses: list[int] = field(default_factory=list)
    procedures: list[int] = field(default_factory=list)
    exposures: list[Exposure] = field(default_factory=list)
    transplant: Procedure | None = None
    car_t: bool = False


@dataclass(slots=True)
class _Open:
    number: int
    items: list[_Item]
    start_reason: str
    user_line: int | None
    notes: list[str]
    extras: list[_Item] = field(default_factory=list)

    @property
    def last(self) -> _Item:
        return max(self.items, key=lambda item: (item.end or date.max, item.start))

    @property
    def end(self) -> date | None:
        ends = [item.end for item in self.items]
        return None if any(end is None for end in ends) else max(e for e in ends if e)

    @property
    def drugs(self) -> frozenset[str]:
        return frozenset().union(*(item.drugs for item in self.items))


def _defining(names: frozenset[str] | set[str], catalog: DrugCatalog) -> frozenset[str]:
    """Drugs that can define a line: anti-myeloma drugs other than corticosteroids."""
    return frozenset(
        name
        for name in names
        if catalog.get(name).antimyeloma and DrugClass.STEROID not in catalog.get(name).classes
    )


def _course_items(index: int, course: Therapy, catalog: DrugCatalog) -> list[_Item]:
    """A course as line items: one per period, split where a drug joins it later.

    A drug with its own later start date was added to a running course, which the
    2015 rules judge like any other addition (usually a new line).
    """
    intervals = [(use, use.start or course.start, use.end or course.end) for use in course.drugs]
    joins = sorted(
        {
            start
            for use, start, _ in intervals
            if start > course.start and _defining({use.name}, catalog)
        }
    )
    bounds = [course.start, *joins]
    items = []
    for k, begin in enumerate(bounds):
        last = k == len(bounds) - 1
        finish = course.end if last else bounds[k + 1]
        exposures = []
        for use, start, end in intervals:
            if start > begin or (end is not None and end < begin):
                continue
            own_end = (
                end if last or (end is not None and finish is not None and end < finish) else finish
            )
            ended_here = own_end == end
            reason = use.stop_reason or (course.stop_reason if use.end is None else None)
            exposures.append(
                Exposure(use.name, max(start, begin), own_end, reason if ended_here else None)
            )
        names = {e.drug for e in exposures}
        items.append(
            _Item(
                start=begin,
                end=finish,
                drugs=_defining(names, catalog),
                label=course.regimen or "+".join(course.drug_names),
                intent=course.intent if k == 0 else None,
                stop_reason=course.stop_reason if last else None,
                user_line=course.line,
                courses=[index],
                exposures=exposures,
            )
        )
    return items


def _car_t_episodes(record: PatientRecord, items: list[_Item]) -> list[_Item]:
    """Fold apheresis, bridging courses and the infusion of each CAR-T into one item."""
    result = list(items)
    for index, procedure in enumerate(record.procedures):
        if procedure.kind is not ProcedureKind.CAR_T_INFUSION:
            continue
        earlier_infusions = [
            p.date
            for p in record.procedures
            if p.kind is ProcedureKind.CAR_T_INFUSION and p.date < procedure.date
        ]
        floor = max(earlier_infusions, default=date.min)
        aphereses = [
            (i, p)
            for i, p in enumerate(record.procedures)
            if p.kind is ProcedureKind.APHERESIS and floor < p.date <= procedure.date
        ]
        start = max((p.date for _, p in aphereses), default=procedure.date)
        bridging = [
            item
            for item in result
            if item.courses
            and (
                (start <= item.start < procedure.date)
                or (item.intent is Intent.BRIDGING and floor < item.start < procedure.date)
            )
        ]
        first = min([start, *(item.start for item in bridging)])
        product = procedure.product
        exposures = [e for item in bridging for e in item.exposures]
        if product is not None:
            exposures.append(Exposure(product, procedure.date, procedure.date, None))
        episode = _Item(
            start=first,
            end=procedure.date,
            drugs=frozenset({product} if product else set()).union(
                *(item.drugs for item in bridging)
            ),
            label=f"CAR-T ({product})" if product else "CAR-T",
            intent=None,
            stop_reason=None,
            user_line=procedure.line,
            courses=[c for item in bridging for c in item.courses],
            procedures=[i for i, _ in aphereses] + [index],
            exposures=exposures,
            car_t=True,
        )
        result = [item for item in result if item not in bridging] + [episode]
    return result


def _procedure_items(record: PatientRecord) -> list[_Item]:
    items = []
    for index, procedure in enumerate(record.procedures):
        if procedure.kind not in _TRANSPLANTS:
            continue
        exposures = [
            Exposure(drug, procedure.date, procedure.date, None) for drug in procedure.conditioning
        ]
        items.append(
            _Item(
                start=procedure.date,
                end=procedure.date,
                drugs=frozenset(),
                label="ASCT"
                if procedure.kind is ProcedureKind.AUTOLOGOUS_TRANSPLANT
                else "allogeneic SCT",
                intent=procedure.intent,
                stop_reason=None,
                user_line=procedure.line,
                procedures=[index],
                exposures=exposures,
                transplant=procedure,
            )
        )
    return items


def _rule(current: _Open, item: _Item, transplants_before: int, gap_days: int) -> tuple[bool, str]:
    """Whether ``item`` starts a new line after ``current``, and the rule's reason."""
    last = current.last
    end = current.end
    progressed = last.stop_reason is StopReason.PROGRESSION and (end is None or item.start >= end)
    if item.car_t:
        return True, "CAR-T therapy (apheresis, bridging and infusion)"
    if item.transplant is not None:
        if transplants_before == 0 and not progressed:
            return False, "first transplant, part of the planned sequence"
        if item.transplant.tandem and transplants_before == 1:
            return False, "second transplant of a planned tandem"
        if transplants_before == 0:
            return True, f"transplant after progression on {last.label}"
        return True, "stem-cell transplant beyond the first (not a planned tandem)"
    if progressed:
        return True, f"progression on {last.label}"
    if item.intent in _PLANNED:
        return False, f"planned {item.intent}"
    contiguous = end is None or (item.start - end).days <= gap_days
    if item.drugs <= current.drugs and contiguous:
        dropped = sorted(current.drugs - item.drugs)
        if dropped:
            return False, f"{', '.join(dropped)} stopped; remaining drugs continued"
        return False, "same drugs continued"
    added = sorted(item.drugs - current.drugs)
    if added and (end is None or item.start <= end):
        return True, f"unplanned addition or substitution of {', '.join(added)}"
    reason = {
        StopReason.TOXICITY: f"new regimen after {last.label} stopped for toxicity",
        StopReason.PATIENT_CHOICE: f"new regimen after {last.label} stopped by patient choice",
    }.get(last.stop_reason or StopReason.OTHER)
    if reason is None:
        if item.drugs <= current.drugs:
            reason = "retreatment after a treatment-free interval"
        else:
            reason = f"new regimen after {last.label} stopped"
    return True, reason


_END_REASONS = {
    StopReason.PLANNED: "planned completion",
    StopReason.PROGRESSION: "progression",
    StopReason.TOXICITY: "toxicity",
    StopReason.PATIENT_CHOICE: "patient choice",
    StopReason.OTHER: "other",
}


def _close(state: _Open, next_start: date | None) -> Line:
    items = sorted(state.items, key=lambda item: item.start)
    everything = sorted([*state.items, *state.extras], key=lambda item: item.start)
    end = state.end
    last = state.last
    if end is None:
        end_reason = "ongoing" if next_start is None else "next line started"
    elif last.stop_reason in _END_REASONS:
        end_reason = _END_REASONS[last.stop_reason]
    elif next_start is not None:
        end_reason = "next line started"
    else:
        end_reason = "completed"
    return Line(
        number=state.number,
        start=items[0].start,
        end=end,
        courses=tuple(sorted(c for item in everything for c in item.courses)),
        procedures=tuple(sorted(p for item in everything for p in item.procedures)),
        exposures=tuple(e for item in everything for e in item.exposures),
        regimen=" → ".join(dict.fromkeys(item.label for item in items)),
        start_reason=state.start_reason,
        end_reason=end_reason,
        user_line=state.user_line,
        notes=tuple(state.notes),
    )


def derive_lines(
    record: PatientRecord, catalog: DrugCatalog, continuation_gap_days: int
) -> tuple[tuple[Line, ...], tuple[str, ...]]:
    """The patient's lines of therapy, and notes on courses that define no line."""
    courses = [
        item for i, c in enumerate(record.therapies) for item in _course_items(i, c, catalog)
    ]
    items = _car_t_episodes(record, courses) + _procedure_items(record)
    items.sort(key=lambda item: (item.start, item.transplant is not None))
    notes: list[str] = []
    lines: list[_Open] = []
    transplants = 0
    for item in items:
        if not item.drugs and item.transplant is None and not item.car_t:
            where = lines[-1] if lines else None
            text = f"{item.label} from {item.start}: corticosteroid or supportive drugs alone"
            if where is not None and (where.end is None or item.start <= where.end):
                where.extras.append(item)
                where.notes.append(f"{text}, counted within line {where.number}")
            else:
                notes.append(f"{text}; not a line of therapy")
            continue
        if not lines:
            lines.append(_Open(1, [item], "first treatment", item.user_line, []))
        else:
            current = lines[-1]
            new, reason = _rule(current, item, transplants, continuation_gap_days)
            decided = new
            if item.user_line is not None:
                reference = current.user_line if current.user_line is not None else current.number
                decided = item.user_line != reference
                if decided != new:
                    verdict = "a new line" if new else f"part of line {current.number}"
                    current.notes.append(
                        f"{item.label} from {item.start}: the record gives line {item.user_line};"
                        f" the IMWG 2015 rules would make it {verdict} ({reason})"
                    )
            if decided:
                lines.append(_Open(current.number + 1, [item], reason, item.user_line, []))
            else:
                current.items.append(item)
                current.notes.append(f"{item.label} from {item.start}: same line ({reason})")
                if current.user_line is None:
                    current.user_line = item.user_line
        if item.transplant is not None:
            transplants += 1
    closed = tuple(
        _close(state, lines[i + 1].items[0].start if i + 1 < len(lines) else None)
        for i, state in enumerate(lines)
    )
    return closed, tuple(notes)
