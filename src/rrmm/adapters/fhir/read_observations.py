"""Observation and DiagnosticReport resources: labs, ECOG, ISS, findings, imaging, events.

Laboratory Observations are recognised by LOINC (``kb/fhir-codes.yaml``); their
``valueQuantity`` is read as UCUM (``code``, with the printed ``unit`` kept when it is the
same unit) and checked with :func:`rrmm.core.analytes.check_unit` and
:func:`rrmm.core.analytes.plausibility_problem`: a unit of the wrong kind or an impossible
value is an error at its location, never a guess. mCODE CancerDiseaseStatus observations are
reported as notes: rrmm derives response and status itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from rrmm.adapters.fhir.codes import Term, UnitKind
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
    CS_ANALYTE,
    CS_FINDING,
    CS_GENETIC_METHOD,
    CS_MRD_METHOD,
    CS_MRD_STATUS,
    CS_OBSERVATION,
    CYTOGENETIC_FLAGS,
    EXT_MRD_SENSITIVITY,
    LOINC,
    UCUM,
)
from rrmm.core.analytes import ANALYTES, Analyte, ValueKind, check_unit, plausibility_problem
from rrmm.core.model import (
    CytogeneticFinding,
    Event,
    GeneticMethod,
    Imaging,
    Immunofixation,
    ImmunofixationResult,
    LabValue,
    Measurement,
    MrdMethod,
    MrdResult,
    MrdStatus,
    PerformanceStatus,
    Plasmacytoma,
)
from rrmm.core.units import Dimension, Quantity, canonical_code, lookup_unit

__all__ = ["ObservationFacts", "read_diagnostic_report", "read_observation"]

_SKIP_STATUS = ("cancelled", "entered-in-error")
_COMPARATORS = ("<", "<=", ">=", ">")


@dataclass
class ObservationFacts:
    """What the observations give the record, collected as the bundle is read."""

    labs: dict[date, dict[Analyte, tuple[LabValue, str]]] = field(default_factory=dict)
    panels: dict[date, tuple[str | None, str | None]] = field(default_factory=dict)
    performance: list[PerformanceStatus] = field(default_factory=list)
    findings: list[CytogeneticFinding] = field(default_factory=list)
    imaging: list[Imaging] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    iss: list[tuple[date | None, int, str]] = field(default_factory=list)
    unverified: set[str] = field(default_factory=set)


def _effective(node: Node, ctx: ReadContext) -> date | None:
    period = node.child("effectivePeriod")
    if period is not None:
        return read_date(period, "start", ctx)
    if "effectiveInstant" in node:
        return read_date(node, "effectiveInstant", ctx)
    return read_date(node, "effectiveDateTime", ctx)


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _unit(quantity: Node, analyte: Analyte, ctx: ReadContext) -> str | None:
    """The unit as written when it is the UCUM code given, else the code itself."""
    system, code, printed = quantity.text("system"), quantity.text("code"), quantity.text("unit")
    if system is not None and system != UCUM:
        ctx.report.error(quantity.at("system"), "unit system is not UCUM", system)
        return None
    if code is not None:
        ucum = canonical_code(code)
        if ucum is None:
            return code
        return printed if printed and canonical_code(printed) == ucum else code
    if printed:
        return printed
    return "1" if ANALYTES[analyte].canonical_unit == "1" else None


def _check_kind(analyte: Analyte, unit: str, kind: UnitKind, where: str, ctx: ReadContext) -> None:
    dimension = lookup_unit(unit).dimension
    molar = dimension is Dimension.SUBSTANCE_CONCENTRATION
    if (kind == "mass" and molar) or (kind == "substance" and not molar):
        ctx.report.warning(
            where,
            f"the LOINC code is for a {kind} concentration but the unit '{unit}' is a"
            f" {dimension}; {ANALYTES[analyte].title} is read in the unit given",
        )


def _limits(node: Node, unit: str) -> tuple[float | None, float | None]:
    ranges = node.children("referenceRange")
    if not ranges:
        return None, None
    first = ranges[0]
    limits = []
    for key in ("low", "high"):
        bound = first.child(key)
        limits.append(_number(bound.get("value")) if bound else None)
        if bound is not None:
            bound.skip("unit", "system", "code")
    return limits[0], limits[1]


def _measurement(node: Node, analyte: Analyte, kind: UnitKind, ctx: ReadContext) -> Any:
    quantity = node.child("valueQuantity")
    if quantity is None:
        key = next((k for k in node.data if k.startswith("value")), None)
        where = node.at(key) if key else node.path
        ctx.report.not_mapped(where, f"{ANALYTES[analyte].title} without a valueQuantity")
        return None
    value = _number(quantity.get("value"))
    unit = _unit(quantity, analyte, ctx)
    if value is None or unit is None:
        what = "value" if value is None else "unit"
        ctx.report.error(quantity.at(what), f"{ANALYTES[analyte].title} needs a {what}")
        return None
    comparator = quantity.text("comparator")
    if comparator is not None and comparator not in _COMPARATORS:
        ctx.report.error(quantity.at("comparator"), "comparator not supported", comparator)
        return None
    problem = check_unit(analyte, unit)
    if problem is not None:
        ctx.report.error(quantity.at("code" if "code" in quantity else "unit"), problem, unit)
        return None
    measured = Quantity(value, unit, comparator)
    problem = plausibility_problem(analyte, measured)
    if problem is not None:
        ctx.report.error(quantity.at("value"), problem, value)
        return None
    _check_kind(analyte, unit, kind, quantity.path, ctx)
    low, high = _limits(node, unit)
    return Measurement(analyte, measured, low, high)


def _answer(node: Node, ctx: ReadContext) -> ImmunofixationResult | None:
    concept = node.child("valueCodeableConcept")
    for system, code, _ in codings(concept):
        found = ctx.codes.answers.get((system, code))
        if found is not None:
            return found
        if system == CS_MRD_STATUS and code in ("positive", "negative"):
            return ImmunofixationResult(code)
    if concept is not None:
        concept.skip("text")
    where = concept.path if concept is not None else node.path
    ctx.report.not_mapped(where, f"result {coding_keys(concept) or 'without a code'} not known")
    return None


def _mrd(node: Node, ctx: ReadContext) -> MrdResult | None:
    result = _answer(node, ctx)
    if result is None:
        return None
    method = None
    for system, code, _ in codings(node.child("method")):
        if system == CS_MRD_METHOD and code in MrdMethod.__members__.values():
            method = MrdMethod(code)
    sensitivity = [_number(e.get("valueDecimal")) for e in node.extension(EXT_MRD_SENSITIVITY)]
    return MrdResult(
        Analyte.MRD, MrdStatus(result.value), method, sensitivity[0] if sensitivity else None
    )


def _lab_value(node: Node, analyte: Analyte, kind: UnitKind, ctx: ReadContext) -> LabValue | None:
    info = ANALYTES[analyte]
    if info.kind is ValueKind.QUANTITY:
        found: LabValue | None = _measurement(node, analyte, kind, ctx)
        return found
    if info.kind is ValueKind.MRD:
        return _mrd(node, ctx)
    result = _answer(node, ctx)
    return Immunofixation(analyte, result) if result is not None else None


def _store(
    day: date, value: LabValue, where: str, facts: ObservationFacts, ctx: ReadContext
) -> None:
    panel = facts.labs.setdefault(day, {})
    known = panel.get(value.analyte)
    if known is None:
        panel[value.analyte] = (value, where)
    elif known[0] == value:
        ctx.report.note(where, f"same {value.analyte.value} on {day} as {known[1]}: read once")
    else:
        ctx.report.error(
            where, f"a second, different {value.analyte.value} on {day} (first at {known[1]})"
        )


def _lab(
    node: Node,
    analyte: Analyte,
    term: Term | None,
    kind: UnitKind,
    facts: ObservationFacts,
    ctx: ReadContext,
) -> None:
    if term is not None and not term.verified and term.code not in facts.unverified:
        facts.unverified.add(term.code)
        ctx.report.note(node.at("code"), f"LOINC {term.code} ({analyte.value}) is not verified")
    day = _effective(node, ctx)
    value = _lab_value(node, analyte, kind, ctx)
    if day is None:
        ctx.report.not_mapped(node.path, f"{ANALYTES[analyte].title} without a date")
    elif value is not None:
        _store(day, value, node.path, facts, ctx)


def _ecog(node: Node, facts: ObservationFacts, ctx: ReadContext) -> None:
    day, score = _effective(node, ctx), node.get("valueInteger")
    node.skip("interpretation", "method")
    if not isinstance(score, int) or isinstance(score, bool) or not 0 <= score <= 5:
        ctx.report.not_mapped(node.path, "ECOG score is not a valueInteger 0-5", score)
    elif day is None:
        ctx.report.not_mapped(node.path, "ECOG score without a date")
    else:
        facts.performance.append(PerformanceStatus(day, score))


def _status_note(node: Node, ctx: ReadContext) -> None:
    day = _effective(node, ctx)
    concept = node.child("valueCodeableConcept")
    trends = {term.code: name for name, term in ctx.codes.disease_status.items()}
    shown = [trends.get(code, f"{system}|{code}") for system, code, _ in codings(concept)]
    if concept is not None:
        concept.skip("text")
    node.skip("focus", "method", "note")
    node.extension(ctx.codes.file.mcode.extensions.evidence_type)
    ctx.report.note(
        node.path,
        f"mCODE cancer disease status on {day}: {', '.join(shown) or 'no value'}"
        " (not used: rrmm derives response and disease status itself)",
    )


def _iss(node: Node, facts: ObservationFacts, ctx: ReadContext) -> None:
    day = _effective(node, ctx)
    node.skip("focus", "method")
    concept = node.child("valueCodeableConcept")
    for system, code, _ in codings(concept):
        stage = ctx.codes.iss_values.get((system, code))
        if stage is not None:
            facts.iss.append((day, stage, node.path))
            return
    ctx.report.not_mapped(node.path, f"ISS stage {coding_keys(concept)} not known")


def _component_values(node: Node) -> dict[str, Node]:
    found: dict[str, Node] = {}
    for component in node.children("component"):
        for system, code, _ in codings(component.child("code")):
            if system in (CS_FINDING, CS_OBSERVATION):
                found[code] = component
    return found


def _finding(node: Node, facts: ObservationFacts, ctx: ReadContext) -> None:
    day = _effective(node, ctx)
    method = None
    for system, code, _ in codings(node.child("method")):
        if system == CS_GENETIC_METHOD and code in GeneticMethod.__members__.values():
            method = GeneticMethod(code)
    parts = _component_values(node)
    flags: dict[str, Any] = {}
    for name in CYTOGENETIC_FLAGS:
        value = parts[name].get("valueBoolean") if name in parts else None
        flags[name] = value if isinstance(value, bool) else None
    fraction = parts.get("del17p_fraction")
    quantity = fraction.child("valueQuantity") if fraction else None
    if day is None:
        ctx.report.not_mapped(node.path, "cytogenetic finding without a date")
        return
    facts.findings.append(
        CytogeneticFinding(
            date=day,
            method=method,
            del17p_fraction=_number(quantity.get("value")) if quantity else None,
            notes=read_notes(node),
            **flags,
        )
    )


def _length(component: Node | None) -> Quantity | None:
    quantity = component.child("valueQuantity") if component else None
    if quantity is None:
        return None
    value, unit = _number(quantity.get("value")), quantity.text("unit") or quantity.text("code")
    quantity.skip("system", "code")
    return Quantity(value, unit) if value is not None and unit in ("cm", "mm") else None


def _plasmacytoma(entry: Entry, ctx: ReadContext) -> Plasmacytoma | None:
    node = entry.node
    node.skip(*ADMINISTRATIVE, "status", "code", "effectiveDateTime")
    parts = _component_values(node)
    long_axis, short_axis = _length(parts.get("long-axis")), _length(parts.get("short-axis"))
    sites = [site.text("text") for site in [node.child("bodySite")] if site is not None]
    node.report_unread(ctx.report)
    if long_axis is None or short_axis is None:
        ctx.report.not_mapped(node.path, "plasmacytoma without both diameters in cm or mm")
        return None
    return Plasmacytoma(long_axis, short_axis, sites[0] if sites else None)


def _imaging(node: Node, facts: ObservationFacts, ctx: ReadContext) -> None:
    day = _effective(node, ctx)
    method = node.child("method")
    parts = _component_values(node)
    lesion = parts["new-lesion"].get("valueBoolean") if "new-lesion" in parts else None
    masses = []
    for reference in node.children("hasMember"):
        target = ctx.resolve(reference)
        if target is not None and target.kind == "Observation":
            ctx.consumed.add(target.index)
            found = _plasmacytoma(target, ctx)
            if found is not None:
                masses.append(found)
    if day is None:
        ctx.report.not_mapped(node.path, "imaging study without a date")
        return
    facts.imaging.append(
        Imaging(
            date=day,
            modality=method.text("text") if method else None,
            new_lesion=lesion if isinstance(lesion, bool) else None,
            plasmacytomas=tuple(masses),
            notes=read_notes(node),
        )
    )


def _event(node: Node, facts: ObservationFacts, ctx: ReadContext) -> None:
    day, text = _effective(node, ctx), node.text("valueString")
    parts = _component_values(node)
    kind = parts["event-kind"].text("valueString") if "event-kind" in parts else None
    if day is None or not text:
        ctx.report.not_mapped(node.path, "event without a date or text")
        return
    facts.events.append(Event(day, text, kind))


def _rrmm_observation(code: str, node: Node, facts: ObservationFacts, ctx: ReadContext) -> bool:
    if code == "cytogenetics":
        _finding(node, facts, ctx)
    elif code == "imaging-study":
        _imaging(node, facts, ctx)
    elif code == "clinical-event":
        _event(node, facts, ctx)
    elif code in ("line-of-therapy", "disease-status"):
        node.skip(*node.data)
        ctx.report.note(node.path, f"rrmm assessment output ({code}): not read back")
    else:
        return False
    return True


def _dispatch(
    node: Node, codes: list[tuple[str, str]], facts: ObservationFacts, ctx: ReadContext
) -> bool:
    tables = ctx.codes
    mcode = tables.file.mcode
    for system, code in codes:
        found = tables.analyte_by_loinc.get(code) if system == LOINC else None
        if found is not None:
            _lab(node, found[0], found[2], found[1], facts, ctx)
            return True
        if system == CS_ANALYTE and code in Analyte.__members__.values():
            _lab(node, Analyte(code), None, "any", facts, ctx)
            return True
        if (system, code) == (LOINC, mcode.ecog.code):
            _ecog(node, facts, ctx)
            return True
        if (system, code) == (LOINC, mcode.cancer_disease_status.code):
            _status_note(node, ctx)
            return True
        if (system, code) == (tables.term(mcode.iss_stage).system, mcode.iss_stage.code):
            _iss(node, facts, ctx)
            return True
        if system == CS_OBSERVATION and _rrmm_observation(code, node, facts, ctx):
            return True
    return False


def read_observation(entry: Entry, ctx: ReadContext, facts: ObservationFacts) -> None:
    """Read one Observation into ``facts`` (problems go to the report)."""
    node = entry.node
    node.skip(*ADMINISTRATIVE, "status", "interpretation", "specimen", "device")
    if node.data.get("status") in _SKIP_STATUS:
        ctx.report.note(node.path, f"observation not used: status {node.data['status']}")
        return
    code = node.child("code")
    if code is not None:
        code.skip("text")
    pairs = [(system, value) for system, value, _ in codings(code)]
    if not _dispatch(node, pairs, facts, ctx):
        shown = [f"{s}|{c}" for s, c in pairs] or [repr(code.data.get("text") if code else None)]
        ctx.report.not_mapped(node.at("code"), f"observation {', '.join(shown)} is not known")
        return
    node.report_unread(ctx.report)


def read_diagnostic_report(entry: Entry, ctx: ReadContext, facts: ObservationFacts) -> None:
    """A report's rrmm identifier and conclusion become the id and notes of that date's panel."""
    node = entry.node
    node.skip(*ADMINISTRATIVE, "status", "code", "result")
    day = _effective(node, ctx)
    ident, conclusion = rrmm_identifier(node), node.text("conclusion")
    if day is not None and (ident or conclusion):
        facts.panels[day] = (ident, conclusion)
    node.report_unread(ctx.report)
