"""What every resource reader shares: the context, dates, references, notes and codings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from rrmm.adapters.fhir.codes import CodeTables
from rrmm.adapters.fhir.nodes import Node, Report, codings, parse_fhir_date
from rrmm.adapters.fhir.systems import CS_INTENT, CS_STOP_REASON, RRMM_IDENTIFIER
from rrmm.core.drugs import DrugCatalog
from rrmm.core.model import Intent, StopReason

__all__ = [
    "Entry",
    "ReadContext",
    "read_date",
    "read_intent",
    "read_notes",
    "read_period",
    "read_stop_reason",
    "rrmm_identifier",
]

# Fields every resource may carry that rrmm does not need: identity and bookkeeping, the
# narrative, who recorded or performed what, and links to encounters and orders.
ADMINISTRATIVE = (
    "resourceType",
    "id",
    "meta",
    "text",
    "language",
    "implicitRules",
    "contained",
    "identifier",
    "subject",
    "patient",
    "encounter",
    "context",
    "performer",
    "requester",
    "recorder",
    "asserter",
    "informationSource",
    "issued",
    "recordedDate",
    "dateAsserted",
    "basedOn",
    "partOf",
    "category",
    "reasonCode",
    "reasonReference",
    "derivedFrom",
)


@dataclass(frozen=True)
class Entry:
    """A valid entry of the bundle: its position, type, full URL and resource node."""

    index: int
    kind: str
    full_url: str | None
    node: Node

    @property
    def resource_id(self) -> str | None:
        """The resource's logical id."""
        value = self.node.data.get("id")
        return value if isinstance(value, str) else None


@dataclass
class ReadContext:
    """What resource readers need: the catalogue, the code tables, the date, the report."""

    catalog: DrugCatalog
    codes: CodeTables
    as_of: date
    report: Report
    entries: list[Entry]
    by_reference: dict[str, Entry] = field(default_factory=dict)
    consumed: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        for entry in self.entries:
            if entry.full_url:
                self.by_reference[entry.full_url] = entry
            if entry.resource_id:
                self.by_reference[f"{entry.kind}/{entry.resource_id}"] = entry

    def resolve(self, reference: Node | None) -> Entry | None:
        """The bundle entry a Reference points to (by full URL or ``Type/id``)."""
        if reference is None:
            return None
        target = reference.text("reference")
        reference.skip("display", "type", "identifier")
        if target is None:
            return None
        if target in self.by_reference:
            return self.by_reference[target]
        tail = "/".join(target.rstrip("/").split("/")[-2:])
        return self.by_reference.get(tail)


def read_date(node: Node, key: str, ctx: ReadContext) -> date | None:
    """A date or dateTime field as a calendar date; problems are reported, never guessed."""
    raw = node.get(key)
    if raw is None:
        return None
    value, problem = parse_fhir_date(raw)
    if problem is not None:
        ctx.report.error(node.at(key), problem, raw)
        return None
    if value is not None and value > ctx.as_of:
        ctx.report.error(node.at(key), f"date {value} is in the future (today is {ctx.as_of})")
        return None
    return value


def read_period(node: Node | None, ctx: ReadContext) -> tuple[date | None, date | None]:
    """The start and end of a Period node."""
    if node is None:
        return None, None
    return read_date(node, "start", ctx), read_date(node, "end", ctx)


def read_notes(node: Node, key: str = "note") -> str | None:
    """The texts of a list of Annotations, joined with '; '."""
    texts = []
    for note in node.children(key):
        text = note.text("text")
        note.skip("time", "authorString", "authorReference")
        if text:
            texts.append(text)
    return "; ".join(texts) if texts else None


def rrmm_identifier(node: Node) -> str | None:
    """The value of an identifier in rrmm's identifier system."""
    for identifier in node.children("identifier"):
        if identifier.data.get("system") == RRMM_IDENTIFIER:
            value = identifier.data.get("value")
            return value if isinstance(value, str) else None
    return None


def read_intent(node: Node, ctx: ReadContext) -> Intent | None:
    """The mCODE procedure/treatment intent extension as an rrmm intent, when it is one."""
    mcode = ctx.codes.file.mcode.extensions
    found: list[Intent] = []
    for url in (mcode.procedure_intent, mcode.treatment_intent):
        for extension in node.extension(url):
            concept = extension.child("valueCodeableConcept")
            intent = _intent_of(concept, ctx)
            if intent is not None:
                found.append(intent)
    return found[0] if found else None


def _intent_of(concept: Node | None, ctx: ReadContext) -> Intent | None:
    unknown: list[str] = []
    for system, code, _ in codings(concept):
        if system == CS_INTENT and code in Intent.__members__.values():
            return Intent(code)
        term = ctx.codes.mcode_intents.get((system, code))
        unknown.append(f"'{term.display}'" if term else f"{system}|{code}")
    if concept is not None:
        concept.skip("text")
        shown = ", ".join(unknown) or repr(concept.data.get("text"))
        ctx.report.not_mapped(
            concept.path,
            f"treatment intent {shown} has no rrmm equivalent"
            f" (rrmm intents: {', '.join(i.value for i in Intent)})",
        )
    return None


def read_stop_reason(concept: Node | None, ctx: ReadContext) -> StopReason | None:
    """A termination reason (statusReason or the mCODE extension's value) as an rrmm reason."""
    if concept is None:
        return None
    for system, code, _ in codings(concept):
        if system == CS_STOP_REASON and code in StopReason.__members__.values():
            return StopReason(code)
        known = ctx.codes.stop_reasons.get((system, code))
        if known is not None:
            return known[0]
    concept.skip("text")
    shown = [f"{s}|{c}" for s, c, _ in codings(concept)] or [repr(concept.data.get("text"))]
    ctx.report.not_mapped(concept.path, f"stop reason {', '.join(shown)} is not a known code")
    return None
