"""Write a PatientRecord as a FHIR R4 collection Bundle (the inverse of the reader).

Standard codes are written wherever ``kb/fhir-codes.yaml`` has one marked ``write`` (LOINC for
labs and ECOG, SNOMED CT for the diagnosis, transplants, radiotherapy and stop reasons, NCIt
for the ISS stage, RxNorm for drugs); rrmm's own code systems and extensions carry what no
standard code covers, so that reading the bundle gives the record back. Entries have
deterministic ``urn:uuid`` full URLs (UUID 5 of the record id and the resource) and every
reference uses them.
"""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Any

from rrmm.adapters.fhir.codes import CodeTables, Term, UnitKind, load_fhir_codes
from rrmm.adapters.fhir.systems import (
    CONDITION_CLINICAL,
    CS_ANALYTE,
    CS_CONDITION,
    CS_FINDING,
    CS_GENETIC_METHOD,
    CS_HEAVY_CHAIN,
    CS_INTENT,
    CS_LIGHT_CHAIN,
    CS_MRD_METHOD,
    CS_MRD_STATUS,
    CS_OBSERVATION,
    CS_PROCEDURE,
    CS_STOP_REASON,
    CYTOGENETIC_FLAGS,
    EXT_COURSE,
    EXT_GRADE,
    EXT_HEAVY_CHAIN,
    EXT_LIGHT_CHAIN,
    EXT_LINE,
    EXT_LVEF,
    EXT_MRD_SENSITIVITY,
    EXT_PRODUCT,
    EXT_RECORD_NOTE,
    EXT_TANDEM,
    OBSERVATION_CATEGORY,
    RRMM,
    RRMM_IDENTIFIER,
    UCUM,
)
from rrmm.core.analytes import ANALYTES
from rrmm.core.drugs import DrugCatalog
from rrmm.core.model import (
    Condition,
    CytogeneticFinding,
    DrugUse,
    Event,
    Imaging,
    Immunofixation,
    ImmunofixationResult,
    Intent,
    LabPanel,
    LabValue,
    Measurement,
    MrdResult,
    PatientRecord,
    Procedure,
    ProcedureKind,
    StopReason,
    Therapy,
)
from rrmm.core.units import Dimension, Quantity, canonical_code, lookup_unit
from rrmm.kb import load_drug_catalog

__all__ = ["BundleWriter", "record_to_bundle"]

JSON = dict[str, Any]
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, RRMM)
_STOPPED = (
    StopReason.PROGRESSION,
    StopReason.TOXICITY,
    StopReason.PATIENT_CHOICE,
    StopReason.OTHER,
)


def fhir_id(text: str) -> str:
    """A FHIR resource id ([A-Za-z0-9-.]{1,64}) made from any text."""
    return re.sub(r"[^A-Za-z0-9.\-]", "-", text)[:64] or "x"


def concept(*codings: dict[str, str], text: str | None = None) -> JSON:
    """A CodeableConcept."""
    found: JSON = {}
    if codings:
        found["coding"] = list(codings)
    if text is not None:
        found["text"] = text
    return found


def rrmm_coding(system: str, code: str) -> dict[str, str]:
    """A coding in one of rrmm's code systems."""
    return {"system": system, "code": code}


def quantity(value: Quantity) -> JSON:
    """A FHIR Quantity: the unit as written, the UCUM code it stands for."""
    found: JSON = {"value": value.value, "unit": value.unit}
    code = canonical_code(value.unit)
    if code is not None:
        found.update(system=UCUM, code=code)
    if value.comparator is not None:
        found["comparator"] = value.comparator
    return found


def category(code: str) -> list[JSON]:
    """An Observation category from the FHIR observation-category code system."""
    return [concept({"system": OBSERVATION_CATEGORY, "code": code})]


def _notes(text: str | None) -> JSON:
    return {"note": [{"text": text}]} if text else {}


def _unit_kind(value: Quantity) -> UnitKind:
    molar = lookup_unit(value.unit).dimension is Dimension.SUBSTANCE_CONCENTRATION
    return "substance" if molar else "mass"


class BundleWriter:
    """Builds the entries of one patient's bundle; ``add`` returns the entry's full URL."""

    def __init__(self, record: PatientRecord, codes: CodeTables) -> None:
        self.record = record
        self.codes = codes
        self.entries: list[JSON] = []
        self.patient_url = self.url("Patient", record.id)
        self.diagnosis_url: str | None = None
        self.course_urls: list[list[str]] = []
        self.procedure_urls: list[str] = []

    def url(self, kind: str, local: str) -> str:
        """The deterministic full URL of a resource of this record."""
        return f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'{self.record.id}/{kind}/{local}')}"

    def add(self, kind: str, local: str, resource: JSON) -> str:
        """Add a resource (its id and type are set here)."""
        url = self.url(kind, local)
        body = {"resourceType": kind, "id": fhir_id(local), **resource}
        self.entries.append({"fullUrl": url, "resource": body})
        return url

    def subject(self) -> JSON:
        """The reference to the patient."""
        return {"reference": self.patient_url}

    def observation(self, local: str, code: JSON, day: date, kind: str, **fields: Any) -> str:
        """Add a final Observation about the patient on ``day``."""
        body = {
            "status": "final",
            "category": category(kind),
            "code": code,
            "subject": self.subject(),
            "effectiveDateTime": day.isoformat(),
            **fields,
        }
        return self.add("Observation", local, body)

    def drug_concept(self, generic: str, written: str | None) -> JSON:
        """A medication CodeableConcept: RxNorm where known, the name as written as text."""
        term = self.codes.rxnorm_by_drug.get(generic)
        codings = [term.coding()] if term else []
        return concept(*codings, text=written or generic)

    def intent(self, intent: Intent | None) -> list[JSON]:
        """The mCODE procedure-intent extension carrying rrmm's intent code."""
        if intent is None:
            return []
        url = self.codes.file.mcode.extensions.procedure_intent
        value = concept(rrmm_coding(CS_INTENT, intent.value), text=intent.value)
        return [{"url": url, "valueCodeableConcept": value}]

    def stop_reason(self, reason: StopReason) -> JSON:
        """A stop reason: SNOMED CT (mCODE termination reasons) where one fits, and rrmm's code."""
        term = self.codes.stop_reason_to_write.get(reason)
        codings = [term.coding()] if term else []
        return concept(*codings, rrmm_coding(CS_STOP_REASON, reason.value), text=reason.value)

    # -- patient, diagnosis, conditions ---------------------------------------------------

    def patient(self) -> None:
        """The Patient: rrmm's id as an identifier, sex, birth and death dates, notes."""
        record = self.record
        body: JSON = {"identifier": [{"system": RRMM_IDENTIFIER, "value": record.id}]}
        if record.notes:
            body["extension"] = [{"url": EXT_RECORD_NOTE, "valueString": record.notes}]
        if record.sex is not None:
            body["gender"] = record.sex.value
        if record.birth_date is not None:
            body["birthDate"] = record.birth_date.isoformat()
        if record.death_date is not None:
            body["deceasedDateTime"] = record.death_date.isoformat()
        self.add("Patient", record.id, body)

    def diagnosis(self) -> None:
        """The myeloma Condition (SNOMED CT) and the ISS stage as an mCODE-style Observation."""
        found = self.record.diagnosis
        if found is None:
            return
        extensions = []
        if found.heavy_chain is not None:
            value = rrmm_coding(CS_HEAVY_CHAIN, found.heavy_chain.value)
            extensions.append({"url": EXT_HEAVY_CHAIN, "valueCoding": value})
        if found.light_chain is not None:
            value = rrmm_coding(CS_LIGHT_CHAIN, found.light_chain.value)
            extensions.append({"url": EXT_LIGHT_CHAIN, "valueCoding": value})
        term = self.codes.diagnosis_to_write
        body: JSON = {
            **({"extension": extensions} if extensions else {}),
            "clinicalStatus": concept({"system": CONDITION_CLINICAL, "code": "active"}),
            "code": concept(term.coding(), text=term.display),
            "subject": self.subject(),
            "onsetDateTime": found.date.isoformat(),
            **_notes(found.notes),
        }
        self.diagnosis_url = self.add("Condition", "diagnosis", body)
        if found.iss_stage is not None:
            self.iss(found.date, found.iss_stage)

    def iss(self, day: date, stage: int) -> None:
        """The ISS stage (mCODE MyelomaISSStage codes, NCIt)."""
        mcode = self.codes.file.mcode
        code = self.codes.term(mcode.iss_stage)
        value = self.codes.iss_to_write[stage]
        focus = [{"reference": self.diagnosis_url}] if self.diagnosis_url else []
        self.observation(
            "iss-stage",
            concept(code.coding(), text=code.display),
            day,
            "laboratory",
            focus=focus,
            valueCodeableConcept=concept(value.coding(), text=value.display),
        )

    def condition(self, index: int, found: Condition) -> None:
        """A condition: SNOMED CT where an exact code exists, and rrmm's condition code."""
        term = self.codes.condition_to_write.get(found.name)
        codings = [term.coding()] if term else []
        extensions: list[JSON] = []
        if found.grade is not None:
            extensions.append({"url": EXT_GRADE, "valueInteger": found.grade})
        if found.lvef is not None:
            extensions.append({"url": EXT_LVEF, "valueDecimal": found.lvef})
        status = "resolved" if found.until else "active"
        body: JSON = {
            **({"extension": extensions} if extensions else {}),
            "clinicalStatus": concept({"system": CONDITION_CLINICAL, "code": status}),
            "code": concept(
                *codings, rrmm_coding(CS_CONDITION, found.name.value), text=found.name.value
            ),
            "subject": self.subject(),
            **({"onsetDateTime": found.since.isoformat()} if found.since else {}),
            **({"abatementDateTime": found.until.isoformat()} if found.until else {}),
            **_notes(found.notes),
        }
        self.add("Condition", f"condition-{index + 1}", body)

    # -- therapy courses and procedures --------------------------------------------------

    def therapy(self, index: int, course: Therapy) -> None:
        """One MedicationStatement per drug of the course, tied by rrmm's course extension."""
        urls = []
        for position, drug in enumerate(course.drugs):
            body = self._statement(index, course, drug, first=position == 0)
            urls.append(
                self.add("MedicationStatement", f"course-{index + 1}-drug-{position + 1}", body)
            )
        self.course_urls.append(urls)

    def _course_extension(self, index: int, course: Therapy) -> JSON:
        parts: list[JSON] = [{"url": "key", "valueString": f"course-{index + 1}"}]
        if course.regimen:
            parts.append({"url": "regimen", "valueString": course.regimen})
        if course.line is not None:
            parts.append({"url": "line", "valuePositiveInt": course.line})
        if course.id:
            parts.append({"url": "id", "valueString": course.id})
        period = {"start": course.start.isoformat()}
        if course.end is not None:
            period["end"] = course.end.isoformat()
        parts.append({"url": "period", "valuePeriod": period})
        if course.stop_reason is not None:
            parts.append(
                {"url": "stop-reason", "valueCodeableConcept": self.stop_reason(course.stop_reason)}
            )
        return {"url": EXT_COURSE, "extension": parts}

    def _statement(self, index: int, course: Therapy, drug: DrugUse, *, first: bool) -> JSON:
        end = drug.end or course.end
        reason = drug.stop_reason or (course.stop_reason if drug.end is None else None)
        period = {"start": (drug.start or course.start).isoformat()}
        if end is not None:
            period["end"] = end.isoformat()
        return {
            "extension": [*self.intent(course.intent), self._course_extension(index, course)],
            "status": _statement_status(end, reason),
            **({"statusReason": [self.stop_reason(reason)]} if reason else {}),
            "medicationCodeableConcept": self.drug_concept(drug.name, drug.written),
            "subject": self.subject(),
            "effectivePeriod": period,
            **(_notes(course.notes) if first else {}),
        }

    def procedure(self, index: int, found: Procedure) -> None:
        """A Procedure: SNOMED CT where one is sourced, and rrmm's procedure code."""
        term = self.codes.procedure_to_write.get(found.kind)
        codings = [term.coding()] if term else []
        extensions = self.intent(found.intent)
        if found.tandem is not None:
            extensions.append({"url": EXT_TANDEM, "valueBoolean": found.tandem})
        if found.line is not None:
            extensions.append({"url": EXT_LINE, "valuePositiveInt": found.line})
        used = [self.drug_concept(name, None) for name in found.conditioning]
        if found.product is not None:
            product = self.drug_concept(found.product, None)
            if found.kind is ProcedureKind.CAR_T_INFUSION:
                used.insert(0, product)
            else:
                extensions.append({"url": EXT_PRODUCT, "valueCodeableConcept": product})
        body: JSON = {
            **({"extension": extensions} if extensions else {}),
            **(
                {"identifier": [{"system": RRMM_IDENTIFIER, "value": found.id}]} if found.id else {}
            ),
            "status": "completed",
            "code": concept(
                *codings, rrmm_coding(CS_PROCEDURE, found.kind.value), text=found.kind.value
            ),
            "subject": self.subject(),
            "performedDateTime": found.date.isoformat(),
            **({"usedCode": used} if used else {}),
            **({"bodySite": [concept(text=found.site)]} if found.site else {}),
            **_notes(found.notes),
        }
        self.procedure_urls.append(self.add("Procedure", f"procedure-{index + 1}", body))

    # -- observations ---------------------------------------------------------------------

    def performance(self, index: int, day: date, ecog: int) -> None:
        """An ECOG performance status (mCODE ECOGPerformanceStatus)."""
        mcode = self.codes.file.mcode
        term = self.codes.term(mcode.ecog)
        self.observation(
            f"ecog-{index + 1}",
            concept(term.coding(), text=term.display),
            day,
            "survey",
            meta={"profile": [mcode.profiles.ecog]},
            valueInteger=ecog,
        )

    def lab_code(self, value: LabValue) -> JSON:
        """LOINC for the analyte (and the unit's kind), else rrmm's analyte code."""
        term: Term | None = None
        if isinstance(value, Measurement):
            kind = _unit_kind(value.quantity)
            table = self.codes.loinc_to_write
            term = table.get((value.analyte, kind)) or table.get((value.analyte, "any"))
        elif isinstance(value, Immunofixation):
            term = self.codes.loinc_to_write.get((value.analyte, "any"))
        title = ANALYTES[value.analyte].title
        if term is not None:
            return concept(term.coding(), text=title)
        return concept(rrmm_coding(CS_ANALYTE, value.analyte.value), text=title)

    def lab_value(self, value: LabValue) -> JSON:
        """The value[x] (and method, extensions) of a lab Observation."""
        if isinstance(value, Measurement):
            return _measurement(value)
        if isinstance(value, Immunofixation):
            answer = self.codes.answer_to_write[value.result]
            return {"valueCodeableConcept": concept(answer.coding(), text=value.result.value)}
        return self._mrd(value)

    def _mrd(self, value: MrdResult) -> JSON:
        result = self.codes.answer_to_write[ImmunofixationResult(value.status.value)]
        fields: JSON = {
            "valueCodeableConcept": concept(
                result.coding(),
                rrmm_coding(CS_MRD_STATUS, value.status.value),
                text=value.status.value,
            )
        }
        if value.method is not None:
            fields["method"] = concept(
                rrmm_coding(CS_MRD_METHOD, value.method.value), text=value.method.value
            )
        if value.sensitivity is not None:
            fields["extension"] = [{"url": EXT_MRD_SENSITIVITY, "valueDecimal": value.sensitivity}]
        return fields

    def panel(self, index: int, found: LabPanel) -> None:
        """One Observation per value; a DiagnosticReport when the panel has an id or notes."""
        urls = []
        for value in found.values:
            local = f"lab-{index + 1}-{value.analyte.value}"
            fields = self.lab_value(value)
            urls.append(
                self.observation(local, self.lab_code(value), found.date, "laboratory", **fields)
            )
        if found.id or found.notes:
            body: JSON = {
                **(
                    {"identifier": [{"system": RRMM_IDENTIFIER, "value": found.id}]}
                    if found.id
                    else {}
                ),
                "status": "final",
                "code": concept(text="laboratory results"),
                "subject": self.subject(),
                "effectiveDateTime": found.date.isoformat(),
                "result": [{"reference": url} for url in urls],
                **({"conclusion": found.notes} if found.notes else {}),
            }
            self.add("DiagnosticReport", f"lab-{index + 1}", body)

    def finding(self, index: int, found: CytogeneticFinding) -> None:
        """Cytogenetic findings of one test, in rrmm's code system (no standard codes sourced)."""
        components: list[JSON] = []
        for name in CYTOGENETIC_FLAGS:
            flag = getattr(found, name)
            if flag is not None:
                components.append(
                    {"code": concept(rrmm_coding(CS_FINDING, name)), "valueBoolean": flag}
                )
        if found.del17p_fraction is not None:
            share = quantity(Quantity(found.del17p_fraction, "%"))
            components.append(
                {
                    "code": concept(rrmm_coding(CS_FINDING, "del17p_fraction")),
                    "valueQuantity": share,
                }
            )
        method = found.method
        self.observation(
            f"cytogenetics-{index + 1}",
            concept(rrmm_coding(CS_OBSERVATION, "cytogenetics"), text="cytogenetic findings"),
            found.date,
            "laboratory",
            **(
                {"method": concept(rrmm_coding(CS_GENETIC_METHOD, method.value), text=method.value)}
                if method
                else {}
            ),
            **({"component": components} if components else {}),
            **_notes(found.notes),
        )

    def imaging(self, index: int, study: Imaging) -> None:
        """An imaging study and its plasmacytomas (rrmm's codes)."""
        members = []
        for position, mass in enumerate(study.plasmacytomas):
            parts = [
                {
                    "code": concept(rrmm_coding(CS_OBSERVATION, axis)),
                    "valueQuantity": quantity(size),
                }
                for axis, size in (("long-axis", mass.long_axis), ("short-axis", mass.short_axis))
            ]
            members.append(
                self.observation(
                    f"imaging-{index + 1}-plasmacytoma-{position + 1}",
                    concept(rrmm_coding(CS_OBSERVATION, "plasmacytoma"), text="plasmacytoma"),
                    study.date,
                    "imaging",
                    component=parts,
                    **({"bodySite": concept(text=mass.site)} if mass.site else {}),
                )
            )
        lesion = study.new_lesion
        self.observation(
            f"imaging-{index + 1}",
            concept(rrmm_coding(CS_OBSERVATION, "imaging-study"), text="imaging study"),
            study.date,
            "imaging",
            **({"method": concept(text=study.modality)} if study.modality else {}),
            **(
                {
                    "component": [
                        {
                            "code": concept(rrmm_coding(CS_OBSERVATION, "new-lesion")),
                            "valueBoolean": lesion,
                        }
                    ]
                }
                if lesion is not None
                else {}
            ),
            **({"hasMember": [{"reference": url} for url in members]} if members else {}),
            **_notes(study.notes),
        )

    def event(self, index: int, found: Event) -> None:
        """A free-form dated event (rrmm's code; the kind as a component)."""
        kind = (
            {
                "component": [
                    {
                        "code": concept(rrmm_coding(CS_OBSERVATION, "event-kind")),
                        "valueString": found.kind,
                    }
                ]
            }
            if found.kind
            else {}
        )
        self.observation(
            f"event-{index + 1}",
            concept(rrmm_coding(CS_OBSERVATION, "clinical-event"), text="clinical event"),
            found.date,
            "exam",
            valueString=found.text,
            **kind,
        )

    # -- the whole record ------------------------------------------------------------------

    def write_record(self) -> None:
        """Every part of the record, in the record's order."""
        record = self.record
        self.patient()
        self.diagnosis()
        for index, condition in enumerate(record.conditions):
            self.condition(index, condition)
        for index, status in enumerate(record.performance):
            self.performance(index, status.date, status.ecog)
        for index, finding in enumerate(record.findings):
            self.finding(index, finding)
        for index, course in enumerate(record.therapies):
            self.therapy(index, course)
        for index, procedure in enumerate(record.procedures):
            self.procedure(index, procedure)
        for index, panel in enumerate(record.labs):
            self.panel(index, panel)
        for index, study in enumerate(record.imaging):
            self.imaging(index, study)
        for index, event in enumerate(record.events):
            self.event(index, event)

    def bundle(self) -> JSON:
        """The collection Bundle of the entries written so far."""
        return {
            "resourceType": "Bundle",
            "id": fhir_id(self.record.id),
            "type": "collection",
            "entry": self.entries,
        }


def _measurement(value: Measurement) -> JSON:
    fields: JSON = {"valueQuantity": quantity(value.quantity)}
    if value.reference_low is not None or value.reference_high is not None:
        limits: JSON = {}
        for key, limit in (("low", value.reference_low), ("high", value.reference_high)):
            if limit is not None:
                limits[key] = quantity(Quantity(limit, value.quantity.unit))
        fields["referenceRange"] = [limits]
    return fields


def _statement_status(end: date | None, reason: StopReason | None) -> str:
    if reason is StopReason.ONGOING:
        return "active"
    if reason in _STOPPED:
        return "stopped"
    if end is None and reason is None:
        return "unknown"
    return "completed"


def record_to_bundle(record: PatientRecord, *, catalog: DrugCatalog | None = None) -> JSON:
    """The record as a FHIR R4 collection Bundle (valid per fhir.resources R4B).

    ``catalog`` supplies RxNorm codes (the packaged drug catalogue by default).
    """
    writer = BundleWriter(record, load_fhir_codes(catalog or load_drug_catalog()))
    writer.write_record()
    return writer.bundle()
