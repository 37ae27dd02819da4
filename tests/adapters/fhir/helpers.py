"""Small builders of FHIR JSON for the adapter's tests."""

from __future__ import annotations

from typing import Any

from rrmm.adapters.fhir import read_bundle
from rrmm.adapters.native.read import ReadResult
from rrmm.adapters.problems import Severity
from rrmm.kb import load_drug_catalog
from tests.conftest import AS_OF

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
UCUM = "http://unitsofmeasure.org"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
PATIENT = {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1955-01-02"}


def concept(system: str, code: str, text: str | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {"coding": [{"system": system, "code": code}]}
    if text is not None:
        found["text"] = text
    return found


def bundle(*resources: dict[str, Any], patient: bool = True) -> dict[str, Any]:
    items = [PATIENT, *resources] if patient else list(resources)
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"fullUrl": f"urn:test:{i}", "resource": r} for i, r in enumerate(items)],
    }


def read(*resources: dict[str, Any], patient: bool = True) -> ReadResult:
    return read_bundle(
        bundle(*resources, patient=patient), catalog=load_drug_catalog(), as_of=AS_OF
    )


def lab(
    code: str, value: object, unit: str | None, day: str = "2024-01-10", **extra: Any
) -> dict[str, Any]:
    quantity: dict[str, Any] = {"value": value}
    if unit is not None:
        quantity.update(unit=unit, system=UCUM, code=unit)
    return {
        "resourceType": "Observation",
        "id": "obs-1",
        "status": "final",
        "code": concept(LOINC, code),
        "subject": {"reference": "Patient/p1"},
        "effectiveDateTime": day,
        "valueQuantity": quantity,
        **extra,
    }


def statement(
    drug: dict[str, Any], start: str, end: str | None = None, **extra: Any
) -> dict[str, Any]:
    period = {"start": start, **({"end": end} if end else {})}
    return {
        "resourceType": "MedicationStatement",
        "status": extra.pop("status", "completed"),
        "medicationCodeableConcept": drug,
        "subject": {"reference": "Patient/p1"},
        "effectivePeriod": period,
        **extra,
    }


def of(result: ReadResult, severity: Severity) -> list[str]:
    """'pointer: message' of the problems of one severity."""
    return [f"{p.pointer}: {p.message}" for p in result.problems if p.severity is severity]
