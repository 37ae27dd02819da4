"""MedicationStatement, MedicationRequest and MedicationAdministration as dated drug uses.

Each resource gives one :class:`DrugRecord`: the catalogue drug (RxNorm code first, then the
concept's text, then a coding's display, all resolved through the drug catalogue), its dates,
why it stopped and the treatment intent. :mod:`rrmm.adapters.fhir.courses` groups them into
therapy courses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rrmm.adapters.fhir.nodes import Node, coding_keys, codings
from rrmm.adapters.fhir.read_common import (
    ADMINISTRATIVE,
    Entry,
    ReadContext,
    read_date,
    read_intent,
    read_notes,
    read_period,
    read_stop_reason,
)
from rrmm.adapters.fhir.systems import EXT_COURSE, RXNORM
from rrmm.core.model import Intent, StopReason

__all__ = ["CourseInfo", "DrugRecord", "drug_from_concept", "read_medication"]

_SKIP_STATUS = {
    "MedicationStatement": {"entered-in-error", "not-taken", "intended"},
    "MedicationRequest": {"entered-in-error", "cancelled", "draft"},
    "MedicationAdministration": {"entered-in-error", "not-done"},
}
_ONGOING_STATUS = {"active", "in-progress"}


@dataclass(frozen=True)
class CourseInfo:
    """The course a drug belongs to, as rrmm's therapy-course extension states it."""

    key: str
    regimen: str | None = None
    line: int | None = None
    id: str | None = None
    start: date | None = None
    end: date | None = None
    has_period: bool = False
    stop_reason: StopReason | None = None


@dataclass(frozen=True)
class DrugRecord:
    """One drug given over a period (or on one day), as one resource states it."""

    where: str
    order: int
    kind: str
    drug: str
    written: str | None
    start: date
    end: date | None
    ongoing: bool
    reason: StopReason | None
    intent: Intent | None
    course: CourseInfo | None
    group: str | None
    notes: str | None

    @property
    def administration(self) -> bool:
        """A single-day administration (to be merged with the drug's other doses)."""
        return self.kind == "MedicationAdministration" and self.start == self.end


def drug_from_concept(concept: Node | None, ctx: ReadContext) -> tuple[str, str | None] | None:
    """The generic name and the name as written, from a medication CodeableConcept."""
    if concept is None:
        return None
    by_code = next(
        (
            ctx.codes.drug_by_rxnorm[code][0]
            for system, code, _ in codings(concept)
            if system == RXNORM and code in ctx.codes.drug_by_rxnorm
        ),
        None,
    )
    text = concept.text("text")
    by_text = ctx.catalog.resolve(text) if text else None
    if by_code is not None:
        if by_text is not None and by_text.name != by_code:
            ctx.report.warning(
                concept.at("text"),
                f"text names {by_text.name} but the RxNorm code is {by_code}; the code is used",
                text,
            )
            return by_code, None
        return by_code, text if by_text is not None and text != by_code else None
    if by_text is not None:
        return by_text.name, text if text != by_text.name else None
    return _from_displays(concept, ctx)


def _from_displays(concept: Node, ctx: ReadContext) -> tuple[str, str | None] | None:
    for coding in concept.children("coding"):
        display = coding.data.get("display")
        drug = ctx.catalog.resolve(display) if isinstance(display, str) else None
        if drug is not None:
            ctx.report.note(coding.path, f"drug read from the coding's display as {drug.name}")
            return drug.name, display if display != drug.name else None
    return None


def _contained(node: Node, target: str) -> Node | None:
    for item in node.children("contained"):
        if f"#{item.data.get('id')}" == target:
            return item
    return None


def _medication_concept(node: Node, ctx: ReadContext) -> Node | None:
    concept = node.child("medicationCodeableConcept")
    if concept is not None:
        return concept
    reference = node.child("medicationReference")
    if reference is None:
        return None
    target = reference.data.get("reference")
    medication = _contained(node, target) if isinstance(target, str) else None
    entry = None if medication is not None else ctx.resolve(reference)
    if entry is not None and entry.kind == "Medication":
        ctx.consumed.add(entry.index)
        medication = entry.node
    if medication is None:
        ctx.report.not_mapped(reference.path, "medication reference not found in the bundle")
        return None
    return medication.child("code")


def _drug(node: Node, ctx: ReadContext) -> tuple[str, str | None] | None:
    concept = _medication_concept(node, ctx)
    found = drug_from_concept(concept, ctx)
    if found is None:
        shown = coding_keys(concept) or [repr(concept.data.get("text") if concept else None)]
        where = concept.path if concept is not None else node.path
        ctx.report.not_mapped(where, f"medication {', '.join(shown)} is not in the drug catalogue")
    return found


def _dates(node: Node, kind: str, ctx: ReadContext) -> tuple[date | None, date | None]:
    if kind != "MedicationRequest":
        period = node.child("effectivePeriod")
        if period is not None:
            return read_period(period, ctx)
        day = read_date(node, "effectiveDateTime", ctx)
        return day, day
    return _request_dates(node, ctx)


def _request_dates(node: Node, ctx: ReadContext) -> tuple[date | None, date | None]:
    dispense = node.child("dispenseRequest")
    validity = dispense.child("validityPeriod") if dispense else None
    if validity is not None:
        return read_period(validity, ctx)
    for dosage in node.children("dosageInstruction"):
        timing = dosage.child("timing")
        repeat = timing.child("repeat") if timing else None
        bounds = repeat.child("boundsPeriod") if repeat else None
        if bounds is not None:
            return read_period(bounds, ctx)
    return read_date(node, "authoredOn", ctx), None


def _reason(node: Node, ctx: ReadContext) -> StopReason | None:
    concepts = node.children("statusReason")
    for extension in node.extension(ctx.codes.file.mcode.extensions.termination_reason):
        found = extension.child("valueCodeableConcept")
        if found is not None:
            concepts.append(found)
    reasons = [read_stop_reason(concept, ctx) for concept in concepts]
    known = [reason for reason in reasons if reason is not None]
    return known[0] if known else None


def _course(node: Node, ctx: ReadContext) -> CourseInfo | None:
    found = node.extension(EXT_COURSE)
    if not found:
        return None
    ext = found[0]

    def part(name: str, key: str) -> object:
        values = ext.extension(name)
        return values[0].get(key) if values else None

    periods = ext.extension("period")
    start, end = read_period(periods[0].child("valuePeriod"), ctx) if periods else (None, None)
    reasons = ext.extension("stop-reason")
    reason = read_stop_reason(reasons[0].child("valueCodeableConcept"), ctx) if reasons else None
    key, regimen, line, ident = (
        part("key", "valueString"),
        part("regimen", "valueString"),
        part("line", "valuePositiveInt"),
        part("id", "valueString"),
    )
    ext.report_unread(ctx.report)
    return CourseInfo(
        key=str(key) if key is not None else ext.path,
        regimen=regimen if isinstance(regimen, str) else None,
        line=line if isinstance(line, int) else None,
        id=ident if isinstance(ident, str) else None,
        start=start,
        end=end,
        has_period=bool(periods),
        stop_reason=reason,
    )


def _group(node: Node) -> str | None:
    group = node.child("groupIdentifier")
    if group is None:
        return None
    return f"group:{group.data.get('system')}|{group.data.get('value')}"


def _skipped(node: Node, kind: str, ctx: ReadContext) -> bool:
    status = node.text("status")
    if status in _SKIP_STATUS[kind]:
        ctx.report.note(node.path, f"{kind} not used: status {status}")
        return True
    if node.get("doNotPerform") is True:
        ctx.report.note(node.path, f"{kind} not used: doNotPerform is true")
        return True
    if kind == "MedicationRequest" and node.text("intent") in ("proposal", "plan"):
        ctx.report.note(node.path, f"MedicationRequest not used: intent {node.data['intent']}")
        return True
    return False


def read_medication(entry: Entry, ctx: ReadContext) -> DrugRecord | None:
    """One drug record, or None when the resource cannot be one (reported)."""
    node, kind = entry.node, entry.kind
    node.skip(*ADMINISTRATIVE, "intent", "priority")
    if _skipped(node, kind, ctx):
        return None
    drug = _drug(node, ctx)
    start, end = _dates(node, kind, ctx)
    if drug is None:
        return None
    if start is None:
        ctx.report.not_mapped(node.path, f"{kind} without a start date")
        return None
    record = DrugRecord(
        where=node.path,
        order=entry.index,
        kind=kind,
        drug=drug[0],
        written=drug[1],
        start=start,
        end=end,
        ongoing=end is None and node.data.get("status") in _ONGOING_STATUS,
        reason=_reason(node, ctx),
        intent=read_intent(node, ctx),
        course=_course(node, ctx),
        group=_group(node),
        notes=read_notes(node),
    )
    node.report_unread(ctx.report)
    return record
