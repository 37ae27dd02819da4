"""Read a FHIR R4 Bundle into the core patient record (the entry point is :func:`read_bundle`).

Steps: validate (fhir.resources R4B), index the valid entries, read the Patient, then every
other resource by type; group drug records into courses; assemble the record; finally check
the record with the native format's own validation (dates in order, drug dates within their
course...), so that a bundle gives exactly the record a hand-written file would.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from rrmm.adapters.fhir.codes import load_fhir_codes
from rrmm.adapters.fhir.courses import build_courses
from rrmm.adapters.fhir.nodes import Node, Report
from rrmm.adapters.fhir.read_common import Entry, ReadContext
from rrmm.adapters.fhir.read_medications import DrugRecord, read_medication
from rrmm.adapters.fhir.read_observations import (
    ObservationFacts,
    read_diagnostic_report,
    read_observation,
)
from rrmm.adapters.fhir.read_patient import (
    DiagnosisFacts,
    PatientFacts,
    read_condition,
    read_patient,
)
from rrmm.adapters.fhir.read_procedures import read_procedure
from rrmm.adapters.fhir.validate import entry_label, validate_bundle
from rrmm.adapters.native.read import ReadResult, check_document
from rrmm.adapters.native.write import record_to_document
from rrmm.adapters.problems import Problem, Severity
from rrmm.core.analytes import Analyte
from rrmm.core.drugs import DrugCatalog
from rrmm.core.model import (
    Condition,
    Diagnosis,
    LabPanel,
    PatientRecord,
    Procedure,
)

__all__ = ["is_fhir_bundle", "read_bundle"]

_MEDICATIONS = ("MedicationStatement", "MedicationRequest", "MedicationAdministration")


def is_fhir_bundle(data: object) -> bool:
    """Whether ``data`` is a FHIR Bundle (a mapping with resourceType "Bundle")."""
    return isinstance(data, dict) and data.get("resourceType") == "Bundle"


class _Collected:
    """Everything read from the resources, before the record is assembled."""

    def __init__(self) -> None:
        self.diagnoses: list[DiagnosisFacts] = []
        self.conditions: list[Condition] = []
        self.drugs: list[DrugRecord] = []
        self.procedures: list[Procedure] = []
        self.observations = ObservationFacts()


def _entries(data: dict[str, Any], valid: list[int]) -> list[Entry]:
    raw = data.get("entry") or []
    entries = []
    for index in valid:
        item = raw[index]
        resource = item["resource"]
        full_url = item.get("fullUrl")
        entries.append(
            Entry(
                index=index,
                kind=str(resource["resourceType"]),
                full_url=full_url if isinstance(full_url, str) else None,
                node=Node(resource, entry_label(index, resource)),
            )
        )
    return entries


def _the_patient(ctx: ReadContext) -> Entry | None:
    patients = [entry for entry in ctx.entries if entry.kind == "Patient"]
    if not patients:
        ctx.report.error("Bundle", "no Patient resource: rrmm reads one patient per bundle")
        return None
    for extra in patients[1:]:
        ctx.report.error(extra.node.path, "a second Patient: rrmm reads one patient per bundle")
    return patients[0]


def _about_patient(entry: Entry, patient: PatientFacts, ctx: ReadContext) -> bool:
    for key in ("subject", "patient"):
        reference = entry.node.data.get(key)
        target = reference.get("reference") if isinstance(reference, dict) else None
        if not isinstance(target, str):
            continue
        resolved = ctx.by_reference.get(target)
        if resolved is not None and resolved.kind == "Patient":
            other = f"Patient/{resolved.resource_id}"
            if other not in patient.reference_keys and target not in patient.reference_keys:
                ctx.report.warning(entry.node.path, f"about another patient ({target}): not read")
                return False
    return True


def _read_condition(entry: Entry, ctx: ReadContext, found: _Collected) -> None:
    result = read_condition(entry, ctx)
    if isinstance(result, DiagnosisFacts):
        found.diagnoses.append(result)
    elif isinstance(result, Condition):
        found.conditions.append(result)


def _read_drug(entry: Entry, ctx: ReadContext, found: _Collected) -> None:
    record = read_medication(entry, ctx)
    if record is not None:
        found.drugs.append(record)


def _read_procedure(entry: Entry, ctx: ReadContext, found: _Collected) -> None:
    procedure = read_procedure(entry, ctx)
    if procedure is not None:
        found.procedures.append(procedure)


_Reader = Callable[[Entry, ReadContext, _Collected], None]
_READERS: dict[str, _Reader] = {
    "Condition": _read_condition,
    "Procedure": _read_procedure,
    "Observation": lambda e, c, f: read_observation(e, c, f.observations),
    "DiagnosticReport": lambda e, c, f: read_diagnostic_report(e, c, f.observations),
    **dict.fromkeys(_MEDICATIONS, _read_drug),
}


def _groups(entry: Entry) -> bool:
    """Whether an Observation gathers others (imaging studies read their plasmacytomas)."""
    code = entry.node.data.get("code")
    codings = code.get("coding") if isinstance(code, dict) else None
    return isinstance(codings, list) and any(
        isinstance(c, dict) and c.get("code") == "imaging-study" for c in codings
    )


def _read_resources(ctx: ReadContext, patient: Entry, facts: PatientFacts) -> _Collected:
    found = _Collected()
    ordered = sorted(ctx.entries, key=lambda e: (e.kind == "Observation", not _groups(e), e.index))
    for entry in ordered:
        if entry is patient or entry.index in ctx.consumed:
            continue
        reader = _READERS.get(entry.kind)
        if reader is None:
            continue
        if _about_patient(entry, facts, ctx):
            ctx.consumed.add(entry.index)
            reader(entry, ctx, found)
    for entry in ctx.entries:
        if entry is not patient and entry.index not in ctx.consumed and entry.kind not in _READERS:
            ctx.report.not_mapped(
                entry.node.path, f"resource type {entry.kind} is not read by rrmm"
            )
    return found


def _diagnosis(found: _Collected, ctx: ReadContext) -> Diagnosis | None:
    dated = [(d.onset, d) for d in found.diagnoses if d.onset is not None]
    if not dated:
        for _, _, where in found.observations.iss:
            ctx.report.not_mapped(where, "ISS stage without a dated myeloma diagnosis")
        return None
    dated.sort(key=lambda pair: pair[0])
    onset, first = dated[0]
    for _, other in dated[1:]:
        ctx.report.note(other.where, f"another myeloma Condition; the diagnosis is {onset}")
    stage = _iss_stage(found, ctx)
    return Diagnosis(onset, first.heavy_chain, first.light_chain, stage, first.notes)


def _iss_stage(found: _Collected, ctx: ReadContext) -> int | None:
    stages = sorted(found.observations.iss, key=lambda s: s[0] or date.max)
    for _, _, where in stages[1:]:
        ctx.report.note(where, "another ISS stage: the earliest is the stage at diagnosis")
    return stages[0][1] if stages else None


def _panels(facts: ObservationFacts) -> tuple[LabPanel, ...]:
    panels = []
    for day, values in facts.labs.items():
        ordered = tuple(value for _, (value, _) in sorted(values.items(), key=_analyte_order))
        ident, notes = facts.panels.get(day, (None, None))
        panels.append(LabPanel(day, ordered, ident, notes))
    return tuple(panels)


_ORDER = {analyte: position for position, analyte in enumerate(Analyte)}


def _analyte_order(item: tuple[Analyte, object]) -> int:
    return _ORDER[item[0]]


def _assemble(facts: PatientFacts, found: _Collected, ctx: ReadContext) -> PatientRecord:
    observations = found.observations
    return PatientRecord(
        id=facts.id,
        sex=facts.sex,
        birth_date=facts.birth_date,
        diagnosis=_diagnosis(found, ctx),
        findings=tuple(observations.findings),
        performance=tuple(observations.performance),
        conditions=tuple(found.conditions),
        therapies=build_courses(found.drugs, ctx),
        procedures=tuple(found.procedures),
        labs=_panels(observations),
        imaging=tuple(observations.imaging),
        events=tuple(observations.events),
        death_date=facts.death_date,
        notes=facts.notes,
    )


def _native_check(record: PatientRecord, ctx: ReadContext) -> None:
    """Check the assembled record with the native format's validation (errors only)."""
    document = record_to_document(record)
    for problem in check_document(document, catalog=ctx.catalog, as_of=ctx.as_of):
        ctx.report.error(
            f"(record){problem.pointer}", f"the record read is inconsistent: {problem.message}"
        )


_INDEX = re.compile(r"entry\[\d+\]\(([A-Za-z]+)(/[^)]*)?\)")


def _collapse(problems: list[Problem]) -> tuple[Problem, ...]:
    """Report each repeated 'not mapped' warning once, with how many more there were."""
    first: dict[tuple[str, str], int] = {}
    counts: dict[int, int] = {}
    kept: list[Problem] = []
    for problem in problems:
        if problem.severity is not Severity.WARNING or not problem.message.startswith("not mapped"):
            kept.append(problem)
            continue
        key = (_INDEX.sub(r"entry[*](\1)", problem.pointer), problem.message)
        if key in first:
            counts[first[key]] = counts.get(first[key], 0) + 1
            continue
        first[key] = len(kept)
        kept.append(problem)
    for position, more in counts.items():
        p = kept[position]
        message = f"{p.message} (and {more} more like it)"
        kept[position] = Problem(p.pointer, message, p.severity, p.line, p.value)
    return tuple(kept)


def read_bundle(data: dict[str, Any], *, catalog: DrugCatalog, as_of: date) -> ReadResult:
    """Read a FHIR R4 Bundle into a PatientRecord, with every problem located.

    The record is None when any problem is an error (invalid FHIR, a wrong unit, an impossible
    value, an inconsistent record); warnings say what the record lacks ("not mapped: ...").
    """
    report = Report()
    if not is_fhir_bundle(data):
        report.error("", "not a FHIR Bundle (expected resourceType 'Bundle')")
        return ReadResult(None, tuple(report.problems))
    valid = validate_bundle(data, report)
    ctx = ReadContext(catalog, load_fhir_codes(catalog), as_of, report, _entries(data, valid))
    patient = _the_patient(ctx)
    if patient is None:
        return ReadResult(None, _collapse(report.problems))
    facts = read_patient(patient, ctx)
    found = _read_resources(ctx, patient, facts)
    record = _assemble(facts, found, ctx)
    if not report.has_errors:
        _native_check(record, ctx)
    return ReadResult(None if report.has_errors else record, _collapse(report.problems))
