"""Group drug records into therapy courses (see the grouping rule in the package docstring).

1. Records that name their course (rrmm's therapy-course extension, or a MedicationRequest
   groupIdentifier) form that course, in the order the bundle gives them.
2. Single-day MedicationAdministrations of one drug are merged into one exposure while
   consecutive doses are at most :data:`ADMINISTRATION_GAP_DAYS` apart.
3. The remaining anti-myeloma exposures, taken by start date, form one course while they
   overlap in time: an exposure that starts on or before the latest end of the course so
   far (or while any member is open-ended) joins it; otherwise a new course starts.
   Drugs that are not anti-myeloma therapy (bone-modifying agents) never join a course of
   other drugs: each forms its own courses by the same rule, so that monthly zoledronic
   acid does not chain successive regimens together.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date, timedelta

from rrmm.adapters.fhir.read_common import ReadContext
from rrmm.adapters.fhir.read_medications import CourseInfo, DrugRecord
from rrmm.core.model import DrugUse, Intent, StopReason, Therapy

__all__ = ["ADMINISTRATION_GAP_DAYS", "build_courses"]

ADMINISTRATION_GAP_DAYS = 42
"""Doses of one drug further apart than this (six weeks) are separate exposures."""


def _merge_doses(doses: list[DrugRecord]) -> list[DrugRecord]:
    merged: list[DrugRecord] = []
    gap = timedelta(days=ADMINISTRATION_GAP_DAYS)
    for dose in sorted(doses, key=lambda d: (d.start, d.order)):
        last = merged[-1] if merged else None
        if last is not None and last.end is not None and dose.start - last.end <= gap:
            merged[-1] = replace(
                last,
                end=max(last.end, dose.end or dose.start),
                reason=dose.reason or last.reason,
                intent=last.intent or dose.intent,
                notes="; ".join(n for n in (last.notes, dose.notes) if n) or None,
            )
        else:
            merged.append(dose)
    return merged


def _exposures(records: list[DrugRecord]) -> list[DrugRecord]:
    doses: dict[str, list[DrugRecord]] = {}
    others: list[DrugRecord] = []
    for record in records:
        if record.administration:
            doses.setdefault(record.drug, []).append(record)
        else:
            others.append(record)
    for drug_doses in doses.values():
        others.extend(_merge_doses(drug_doses))
    return others


def _overlapping(records: Iterable[DrugRecord]) -> list[list[DrugRecord]]:
    groups: list[list[DrugRecord]] = []
    group_end: date | None = None
    for record in sorted(records, key=lambda r: (r.start, r.order)):
        if groups and (group_end is None or record.start <= group_end):
            groups[-1].append(record)
            group_end = (
                None if group_end is None or record.end is None else max(group_end, record.end)
            )
        else:
            groups.append([record])
            group_end = record.end
    return groups


def _group(records: list[DrugRecord], ctx: ReadContext) -> list[list[DrugRecord]]:
    keyed: dict[str, list[DrugRecord]] = {}
    loose: list[DrugRecord] = []
    for record in records:
        key = record.course.key if record.course else record.group
        if key is not None:
            keyed.setdefault(key, []).append(record)
        else:
            loose.append(record)
    exposures = _exposures(loose)
    therapy = [e for e in exposures if ctx.catalog.get(e.drug).antimyeloma]
    supportive: dict[str, list[DrugRecord]] = {}
    for exposure in exposures:
        if not ctx.catalog.get(exposure.drug).antimyeloma:
            supportive.setdefault(exposure.drug, []).append(exposure)
    inferred = _overlapping(therapy)
    for drug_exposures in supportive.values():
        inferred.extend(_overlapping(drug_exposures))
    inferred.sort(key=lambda group: (min(r.start for r in group), group[0].order))
    return [*keyed.values(), *inferred]


def _merge_same_drug(group: list[DrugRecord], ctx: ReadContext) -> list[DrugRecord]:
    by_drug: dict[str, DrugRecord] = {}
    for record in group:
        known = by_drug.get(record.drug)
        if known is None:
            by_drug[record.drug] = record
            continue
        ctx.report.note(record.where, f"{record.drug} listed again in one course: periods merged")
        ends = [known.end, record.end]
        by_drug[record.drug] = replace(
            known,
            start=min(known.start, record.start),
            end=None if None in ends else max(e for e in ends if e is not None),
            ongoing=known.ongoing or record.ongoing,
            reason=record.reason
            if (record.end or date.max) >= (known.end or date.max)
            else known.reason,
            written=known.written or record.written,
            notes="; ".join(n for n in (known.notes, record.notes) if n) or None,
        )
    return list(by_drug.values())


def _unique(values: Iterable[object], what: str, where: str, ctx: ReadContext) -> object:
    found = list(dict.fromkeys(v for v in values if v is not None))
    if len(found) > 1:
        shown = ", ".join(str(v) for v in found)
        ctx.report.warning(where, f"drugs of one course disagree on the {what} ({shown}): not set")
        return None
    return found[0] if found else None


def _course_end(members: list[DrugRecord], info: CourseInfo | None) -> date | None:
    if info is not None and info.has_period:
        return info.end
    ends = [m.end for m in members]
    return None if None in ends else max(e for e in ends if e is not None)


def _course_reason(
    members: list[DrugRecord], end: date | None, info: CourseInfo | None, ctx: ReadContext
) -> StopReason | None:
    if info is not None:
        return info.stop_reason
    last = [m for m in members if m.end == end]
    reason = _unique((m.reason for m in last), "stop reason", members[0].where, ctx)
    if reason is None and end is None and any(m.ongoing for m in last):
        return StopReason.ONGOING
    return reason if isinstance(reason, StopReason) else None


def _drug_use(
    member: DrugRecord, start: date, end: date | None, reason: StopReason | None
) -> DrugUse:
    own_end = member.end if member.end != end else None
    own_reason = member.reason if own_end is not None or member.reason != reason else None
    return DrugUse(
        name=member.drug,
        start=member.start if member.start != start else None,
        end=own_end,
        stop_reason=own_reason,
        written=member.written,
    )


def _therapy(group: list[DrugRecord], ctx: ReadContext) -> Therapy:
    members = _merge_same_drug(group, ctx)
    info = members[0].course
    start = (
        info.start if info is not None and info.start is not None else min(m.start for m in members)
    )
    end = _course_end(members, info)
    reason = _course_reason(members, end, info, ctx)
    intent = _unique((m.intent for m in members), "intent", members[0].where, ctx)
    notes = [m.notes for m in members if m.notes]
    return Therapy(
        drugs=tuple(_drug_use(m, start, end, reason) for m in members),
        start=start,
        end=end,
        regimen=info.regimen if info else None,
        intent=intent if isinstance(intent, Intent) else None,
        stop_reason=reason,
        line=info.line if info else None,
        id=info.id if info else None,
        notes="; ".join(notes) if notes else None,
    )


def build_courses(records: list[DrugRecord], ctx: ReadContext) -> tuple[Therapy, ...]:
    """The therapy courses the drug records form, in bundle order then by start date."""
    return tuple(_therapy(group, ctx) for group in _group(records, ctx))
