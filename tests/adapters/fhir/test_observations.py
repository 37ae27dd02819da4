"""Observations: every LOINC mapping, both unit systems, units and values checked, never guessed."""

from __future__ import annotations

import pytest

from rrmm.adapters.fhir.codes import load_fhir_codes
from rrmm.adapters.problems import Severity
from rrmm.core.analytes import ANALYTES, Analyte, ValueKind, from_canonical
from rrmm.core.model import Immunofixation, ImmunofixationResult, Measurement
from rrmm.core.units import Quantity, canonical_code
from rrmm.kb import load_drug_catalog
from tests.adapters.fhir.helpers import LOINC, SNOMED, concept, lab, of, read

TABLES = load_fhir_codes(load_drug_catalog())
QUANTITATIVE = sorted(
    (code, analyte, kind)
    for code, (analyte, kind, _) in TABLES.analyte_by_loinc.items()
    if ANALYTES[analyte].kind is ValueKind.QUANTITY
)
MOLAR = {"mass": None, "substance": "umol/L", "any": None}
TYPICAL = {
    Analyte.SERUM_M_PROTEIN: 1.2,
    Analyte.URINE_M_PROTEIN: 300,
    Analyte.CALCIUM: 9.6,
    Analyte.CREATININE: 1.1,
    Analyte.HEMOGLOBIN: 11.0,
    Analyte.ALBUMIN: 3.8,
    Analyte.BILIRUBIN: 0.8,
    Analyte.WEIGHT: 72,
    Analyte.BONE_MARROW_PLASMA_CELLS: 35,
}


def _first(result) -> Measurement:
    assert result.record is not None, result.problems
    value = result.record.labs[0].values[0]
    assert isinstance(value, Measurement)
    return value


def _unit_for(analyte: Analyte, kind: str) -> str:
    info = ANALYTES[analyte]
    if kind == "substance":
        return next(u for u in ("mmol/L", "umol/L") if u in info.common_units)
    return canonical_code(info.common_units[0]) or info.common_units[0]


def _value_for(analyte: Analyte, unit: str) -> float:
    canonical = TYPICAL.get(analyte, 5.0)
    return round(from_canonical(analyte, canonical, unit).value, 6)


@pytest.mark.parametrize(("code", "analyte", "kind"), QUANTITATIVE)
def test_each_loinc_code_reads_its_analyte_in_its_unit(code, analyte, kind):
    unit = _unit_for(analyte, kind)
    value = _value_for(analyte, unit)
    result = read(lab(code, value, unit))
    assert of(result, Severity.ERROR) == []
    assert not [m for m in of(result, Severity.WARNING) if "not mapped" in m or "LOINC" in m]
    assert result.record is not None
    measured = result.record.labs[0].values[0]
    assert isinstance(measured, Measurement)
    assert measured.analyte is analyte
    assert measured.quantity == Quantity(value, unit)


@pytest.mark.parametrize(
    ("code", "unit", "value"),
    [
        ("2160-0", "mg/dL", 1.3),
        ("14682-9", "umol/L", 115),
        ("17861-6", "mg/dL", 10.2),
        ("2000-8", "mmol/L", 2.4),
        ("718-7", "g/dL", 10.5),
        ("59260-0", "mmol/L", 6.5),
        ("1975-2", "mg/dL", 0.9),
        ("14631-6", "umol/L", 15),
    ],
)
def test_mass_and_molar_codes(code, unit, value):
    result = read(lab(code, value, unit))
    assert result.record is not None, result.problems
    assert _first(result).quantity == Quantity(value, unit)


def test_the_printed_unit_is_kept_when_it_is_the_ucum_code():
    observation = lab("14682-9", 97, None)
    observation["valueQuantity"].update(
        unit="µmol/L", system="http://unitsofmeasure.org", code="umol/L"
    )
    result = read(observation)
    assert result.record is not None
    assert _first(result).quantity.unit == "µmol/L"


def test_a_molar_unit_under_a_mass_code_is_read_with_a_warning():
    result = read(lab("2160-0", 97, "umol/L"))
    assert result.record is not None
    assert any("mass concentration" in w for w in of(result, Severity.WARNING))


def test_a_wrong_dimension_unit_is_an_error_at_its_location():
    result = read(lab("33358-3", 1.2, "mmol/L"))
    assert result.record is None
    assert of(result, Severity.ERROR) == [
        "Bundle.entry[1](Observation/obs-1).valueQuantity.code: unit 'mmol/L' is a substance"
        " concentration but serum M-protein (SPEP) is a mass concentration; expected one of:"
        " g/dL, g/L, mg/dL"
    ]


def test_an_unknown_unit_or_a_non_ucum_system_is_an_error():
    assert read(lab("33358-3", 1.2, "gram per decilitre")).record is None
    observation = lab("33358-3", 1.2, "g/dL")
    observation["valueQuantity"]["system"] = "http://example.org/units"
    result = read(observation)
    assert result.record is None
    assert "valueQuantity.system: unit system is not UCUM" in of(result, Severity.ERROR)[0]


def test_an_impossible_value_is_an_error_naming_the_likely_unit():
    result = read(lab("718-7", 98, "g/dL"))
    assert result.record is None
    assert "was it 98 g/L?" in of(result, Severity.ERROR)[0]


def test_comparator_and_reference_range_are_kept():
    observation = lab("36916-5", 5, "mg/L")
    observation["valueQuantity"]["comparator"] = "<"
    observation["referenceRange"] = [{"low": {"value": 3.3}, "high": {"value": 19.4}}]
    result = read(observation)
    assert result.record is not None
    value = result.record.labs[0].values[0]
    assert value == Measurement(Analyte.KAPPA_FLC, Quantity(5, "mg/L", "<"), 3.3, 19.4)


def test_a_ratio_without_unit_is_dimensionless():
    result = read(lab("48378-4", 77.5, None))
    assert result.record is not None
    assert _first(result).quantity == Quantity(77.5, "1")
    assert any("48378-4" in n and "not verified" in n for n in of(result, Severity.NOTE))


@pytest.mark.parametrize(
    ("system", "code", "expected"),
    [
        (SNOMED, "10828004", ImmunofixationResult.POSITIVE),
        (SNOMED, "260385009", ImmunofixationResult.NEGATIVE),
        (LOINC, "LA6576-8", ImmunofixationResult.POSITIVE),
        (LOINC, "LA6577-6", ImmunofixationResult.NEGATIVE),
    ],
)
def test_serum_immunofixation(system, code, expected):
    observation = lab("25700-6", 0, None)
    del observation["valueQuantity"]
    observation["valueCodeableConcept"] = concept(system, code)
    result = read(observation)
    assert result.record is not None
    value = result.record.labs[0].values[0]
    assert isinstance(value, Immunofixation)
    assert value.result is expected


def test_two_different_values_of_one_analyte_on_one_date_are_an_error():
    first, second = lab("33358-3", 1.2, "g/dL"), lab("33358-3", 1.4, "g/dL")
    second["id"] = "obs-2"
    result = read(first, second)
    assert result.record is None
    assert "a second, different serum_m_protein" in of(result, Severity.ERROR)[0]
    same = lab("33358-3", 1.2, "g/dL")
    same["id"] = "obs-3"
    assert read(first, same).record is not None


def _coded(code_system, code, **value):
    return {
        "resourceType": "Observation",
        "id": "x",
        "status": "final",
        "code": concept(code_system, code),
        "subject": {"reference": "Patient/p1"},
        "effectiveDateTime": "2024-01-10",
        **value,
    }


def test_ecog_performance_status():
    result = read(_coded(LOINC, "89247-1", valueInteger=2))
    assert result.record is not None
    assert [(p.date.isoformat(), p.ecog) for p in result.record.performance] == [("2024-01-10", 2)]


def test_cancer_disease_status_is_reported_as_a_note_and_not_used():
    status = _coded(LOINC, "97509-4", valueCodeableConcept=concept(SNOMED, "271299001"))
    result = read(status)
    assert result.record is not None
    assert any(
        "cancer disease status on 2024-01-10: worsened" in n for n in of(result, Severity.NOTE)
    )


def test_iss_stage_goes_to_the_diagnosis():
    ncit = "http://ncicb.nci.nih.gov/xml/owl/EVS/Thesaurus.owl"
    iss = _coded(ncit, "C139007", valueCodeableConcept=concept(ncit, "C70660"))
    diagnosis = {
        "resourceType": "Condition",
        "code": concept(SNOMED, "109989006"),
        "subject": {"reference": "Patient/p1"},
        "onsetDateTime": "2024-01-05",
    }
    result = read(diagnosis, iss)
    assert result.record is not None
    assert result.record.diagnosis is not None
    assert result.record.diagnosis.iss_stage == 3
