"""Patient and Condition resources: identity, the myeloma diagnosis and other conditions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from rrmm.adapters.fhir.nodes import Node, coding_keys, codings
from rrmm.adapters.fhir.read_common import (
    ADMINISTRATIVE,
    Entry,
    ReadContext,
    read_date,
    read_notes,
    rrmm_identifier,
)
from rrmm.adapters.fhir.systems import (
    CS_CONDITION,
    CS_HEAVY_CHAIN,
    CS_LIGHT_CHAIN,
    EXT_GRADE,
    EXT_HEAVY_CHAIN,
    EXT_LIGHT_CHAIN,
    EXT_LVEF,
    EXT_RECORD_NOTE,
)
from rrmm.core.model import Condition, ConditionName, HeavyChain, LightChain, Sex

__all__ = ["DiagnosisFacts", "PatientFacts", "read_condition", "read_patient"]

_IDENTITY = (
    "name",
    "telecom",
    "address",
    "maritalStatus",
    "communication",
    "generalPractitioner",
    "managingOrganization",
    "contact",
    "photo",
    "link",
    "active",
    "multipleBirthBoolean",
    "multipleBirthInteger",
)
_NOT_ASSERTED = ("refuted", "entered-in-error")
_HEAVY = {chain.value: chain for chain in HeavyChain}
_LIGHT = {chain.value: chain for chain in LightChain}


@dataclass(frozen=True)
class PatientFacts:
    """What the Patient resource gives the record."""

    id: str
    sex: Sex | None
    birth_date: date | None
    death_date: date | None
    notes: str | None
    reference_keys: frozenset[str]


@dataclass
class DiagnosisFacts:
    """A multiple-myeloma Condition: onset date, chains and notes, with where it was read."""

    where: str
    onset: date | None
    heavy_chain: HeavyChain | None = None
    light_chain: LightChain | None = None
    notes: str | None = None
    condition_keys: frozenset[str] = field(default_factory=frozenset)


def _sex(node: Node, ctx: ReadContext) -> Sex | None:
    gender = node.text("gender")
    if gender is None:
        return None
    if gender in Sex.__members__.values():
        return Sex(gender)
    ctx.report.not_mapped(node.at("gender"), "gender is not a FHIR administrative gender", gender)
    return None


def _death(node: Node, ctx: ReadContext) -> date | None:
    if node.get("deceasedBoolean") is True:
        ctx.report.not_mapped(node.at("deceasedBoolean"), "deceased without a date")
    return read_date(node, "deceasedDateTime", ctx)


def _record_notes(node: Node) -> str | None:
    texts = [e.text("valueString") for e in node.extension(EXT_RECORD_NOTE)]
    joined = [text for text in texts if text]
    return "; ".join(joined) if joined else None


def read_patient(entry: Entry, ctx: ReadContext) -> PatientFacts:
    """Read the Patient: id (rrmm identifier first), sex, birth and death dates."""
    node = entry.node
    ident = rrmm_identifier(node) or entry.resource_id or "patient"
    facts = PatientFacts(
        id=ident,
        sex=_sex(node, ctx),
        birth_date=read_date(node, "birthDate", ctx),
        death_date=_death(node, ctx),
        notes=_record_notes(node),
        reference_keys=frozenset(
            key for key in (entry.full_url, f"Patient/{entry.resource_id}") if key
        ),
    )
    identity = [key for key in _IDENTITY if node.data.get(key) not in (None, [], "")]
    if identity:
        ctx.report.note(node.path, f"identity fields not used by rrmm: {', '.join(identity)}")
    node.skip(*ADMINISTRATIVE, *_IDENTITY)
    node.report_unread(ctx.report)
    return facts


def _asserted(node: Node, ctx: ReadContext) -> bool:
    status = node.child("verificationStatus")
    found = [code for _, code, _ in codings(status)]
    if any(code in _NOT_ASSERTED for code in found):
        ctx.report.note(node.path, f"condition not used: verification status {found[0]}")
        return False
    return True


def _onset(node: Node, ctx: ReadContext) -> date | None:
    period = node.child("onsetPeriod")
    if period is not None:
        return read_date(period, "start", ctx)
    return read_date(node, "onsetDateTime", ctx)


def _until(node: Node, ctx: ReadContext) -> date | None:
    period = node.child("abatementPeriod")
    if period is not None:
        return read_date(period, "end", ctx)
    return read_date(node, "abatementDateTime", ctx)


def _chain(node: Node, url: str, system: str, ctx: ReadContext) -> str | None:
    for extension in node.extension(url):
        coding = extension.child("valueCoding")
        if coding is not None and coding.text("system") == system:
            return coding.text("code")
        ctx.report.not_mapped(extension.path, "chain not coded in rrmm's system")
    return None


def _diagnosis(node: Node, ctx: ReadContext, keys: frozenset[str]) -> DiagnosisFacts:
    onset = _onset(node, ctx)
    if onset is None:
        ctx.report.warning(node.path, "multiple myeloma Condition without an onset date")
    heavy = _chain(node, EXT_HEAVY_CHAIN, CS_HEAVY_CHAIN, ctx)
    light = _chain(node, EXT_LIGHT_CHAIN, CS_LIGHT_CHAIN, ctx)
    return DiagnosisFacts(
        where=node.path,
        onset=onset,
        heavy_chain=_HEAVY.get(heavy or ""),
        light_chain=_LIGHT.get(light or ""),
        notes=read_notes(node),
        condition_keys=keys,
    )


def _condition_name(code: Node | None, ctx: ReadContext) -> ConditionName | None:
    for system, value, _ in codings(code):
        if system == CS_CONDITION and value in ConditionName.__members__.values():
            return ConditionName(value)
        known = ctx.codes.conditions.get((system, value))
        if known is not None:
            return known[0]
    return None


def _extension_number(node: Node, url: str, key: str) -> float | None:
    for extension in node.extension(url):
        value = extension.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    return None


def _other_condition(node: Node, name: ConditionName, ctx: ReadContext) -> Condition:
    grade = _extension_number(node, EXT_GRADE, "valueInteger")
    return Condition(
        name=name,
        grade=int(grade) if grade is not None else None,
        since=_onset(node, ctx),
        until=_until(node, ctx),
        lvef=_extension_number(node, EXT_LVEF, "valueDecimal"),
        notes=read_notes(node),
    )


def _is_diagnosis(code: Node | None, ctx: ReadContext) -> bool:
    return any((system, value) in ctx.codes.diagnosis for system, value, _ in codings(code))


def read_condition(entry: Entry, ctx: ReadContext) -> DiagnosisFacts | Condition | None:
    """A myeloma diagnosis, an rrmm condition, or None (reported as not mapped)."""
    node = entry.node
    node.skip(*ADMINISTRATIVE, "clinicalStatus")
    if not _asserted(node, ctx):
        return None
    code = node.child("code")
    if code is not None:
        code.skip("text")
    result: DiagnosisFacts | Condition | None = None
    if _is_diagnosis(code, ctx):
        keys = frozenset(k for k in (entry.full_url, f"Condition/{entry.resource_id}") if k)
        result = _diagnosis(node, ctx, keys)
    else:
        name = _condition_name(code, ctx)
        if name is not None:
            result = _other_condition(node, name, ctx)
        else:
            shown = coding_keys(code) or [repr(code.data.get("text") if code else None)]
            ctx.report.not_mapped(node.at("code"), f"condition {', '.join(shown)} is not known")
            return None
    node.report_unread(ctx.report)
    return result
