"""Invalid FHIR is an error with its location; whatever is not read is reported, never dropped."""

from __future__ import annotations

from rrmm.adapters.fhir import read_bundle
from rrmm.adapters.problems import Severity
from rrmm.kb import load_drug_catalog
from tests.adapters.fhir.helpers import ICD10CM, SNOMED, concept, lab, of, read
from tests.conftest import AS_OF


def test_not_a_bundle_is_an_error():
    result = read_bundle({"resourceType": "Patient"}, catalog=load_drug_catalog(), as_of=AS_OF)
    assert result.record is None
    assert of(result, Severity.ERROR) == [": not a FHIR Bundle (expected resourceType 'Bundle')"]


def test_a_bundle_without_a_patient_is_an_error():
    result = read(lab("33358-3", 1.2, "g/dL"), patient=False)
    assert result.record is None
    assert "no Patient resource" in of(result, Severity.ERROR)[0]


def test_invalid_fhir_is_an_error_with_its_location():
    bad_value = lab("33358-3", "1,2", "g/dL")
    unknown_field = {
        "resourceType": "Condition",
        "id": "c1",
        "subject": {"reference": "Patient/p1"},
    }
    unknown_field["colour"] = "blue"
    result = read(bad_value, unknown_field, {"resourceType": "Nonsense", "id": "n1"})
    assert result.record is None
    errors = of(result, Severity.ERROR)
    assert errors[0].startswith(
        "Bundle.entry[1](Observation/obs-1).valueQuantity.value: invalid FHIR"
    )
    assert errors[1].startswith("Bundle.entry[2](Condition/c1).colour: invalid FHIR")
    assert (
        errors[2]
        == "Bundle.entry[3](Nonsense/n1).resourceType: invalid FHIR: not a FHIR R4 resource type"
    )


def test_a_missing_required_element_is_an_error():
    observation = lab("33358-3", 1.2, "g/dL")
    del observation["code"]
    result = read(observation)
    assert of(result, Severity.ERROR) == [
        "Bundle.entry[1](Observation/obs-1).code: invalid FHIR: Field required"
    ]


def test_unmapped_resource_types_and_codes_are_warnings_with_location():
    allergy = {
        "resourceType": "AllergyIntolerance",
        "id": "a1",
        "patient": {"reference": "Patient/p1"},
    }
    ferritin = lab("2276-4", 310, "ng/mL")
    condition = {
        "resourceType": "Condition",
        "id": "c1",
        "code": concept(SNOMED, "48694002"),
        "subject": {"reference": "Patient/p1"},
    }
    result = read(allergy, ferritin, condition)
    assert result.record is not None
    assert of(result, Severity.WARNING) == [
        "Bundle.entry[3](Condition/c1).code: not mapped:"
        " condition http://snomed.info/sct|48694002 is not known",
        "Bundle.entry[2](Observation/obs-1).code: not mapped:"
        " observation http://loinc.org|2276-4 is not known",
        "Bundle.entry[1](AllergyIntolerance/a1): not mapped:"
        " resource type AllergyIntolerance is not read by rrmm",
    ]


def test_unused_fields_and_extensions_are_reported():
    observation = lab("33358-3", 1.2, "g/dL")
    observation["method"] = {"text": "capillary electrophoresis"}
    observation["extension"] = [{"url": "http://example.org/x", "valueString": "y"}]
    result = read(observation)
    assert result.record is not None
    warnings = of(result, Severity.WARNING)
    assert (
        "Bundle.entry[1](Observation/obs-1).method: not mapped: method is not used by rrmm"
        in warnings
    )
    assert any(
        w.startswith("Bundle.entry[1](Observation/obs-1).extension[0]: not mapped")
        for w in warnings
    )


def test_repeated_warnings_are_reported_once_with_a_count():
    observations = []
    for index in range(3):
        item = lab("33358-3", 1.2, "g/dL", day=f"2024-01-1{index}")
        item["id"] = f"o{index}"
        item["method"] = {"text": "SPEP"}
        observations.append(item)
    warnings = of(read(*observations), Severity.WARNING)
    assert warnings == [
        "Bundle.entry[1](Observation/o0).method: not mapped:"
        " method is not used by rrmm (and 2 more like it)"
    ]


def test_partial_and_future_dates_are_errors():
    assert "partial date" in of(read(lab("33358-3", 1.2, "g/dL", day="2024-01")), Severity.ERROR)[0]
    assert (
        "in the future"
        in of(read(lab("33358-3", 1.2, "g/dL", day="2099-01-01")), Severity.ERROR)[0]
    )


def test_a_date_time_keeps_its_calendar_date():
    result = read(lab("33358-3", 1.2, "g/dL", day="2024-01-10T23:30:00-05:00"))
    assert result.record is not None
    assert result.record.labs[0].date.isoformat() == "2024-01-10"


def test_conditions_map_by_code_never_by_text():
    by_icd = {
        "resourceType": "Condition",
        "code": concept(ICD10CM, "I50.32"),
        "subject": {"reference": "Patient/p1"},
        "onsetDateTime": "2020-01-01",
        "abatementDateTime": "2021-01-01",
    }
    by_text = {
        "resourceType": "Condition",
        "code": {"text": "heart failure"},
        "subject": {"reference": "Patient/p1"},
    }
    result = read(by_icd, by_text)
    assert result.record is not None
    (condition,) = result.record.conditions
    assert (condition.name.value, str(condition.since), str(condition.until)) == (
        "heart_failure",
        "2020-01-01",
        "2021-01-01",
    )
    assert any("'heart failure'" in w for w in of(result, Severity.WARNING))


def test_myeloma_diagnosis_by_icd10_and_snomed_takes_the_earliest_onset():
    def myeloma(system, code, onset):
        return {
            "resourceType": "Condition",
            "code": concept(system, code),
            "subject": {"reference": "Patient/p1"},
            "onsetPeriod": {"start": onset},
        }

    result = read(
        myeloma(ICD10CM, "C90.02", "2022-05-01"), myeloma(SNOMED, "109989006", "2019-03-04")
    )
    assert result.record is not None
    assert result.record.diagnosis is not None
    assert result.record.diagnosis.date.isoformat() == "2019-03-04"


def test_resources_about_another_patient_are_not_read():
    other = {"resourceType": "Patient", "id": "p2"}
    observation = lab("33358-3", 1.2, "g/dL")
    observation["subject"] = {"reference": "Patient/p2"}
    result = read(other, observation)
    assert result.record is None  # two patients in one bundle
    assert any("about another patient" in w for w in of(result, Severity.WARNING))


def test_entered_in_error_results_are_skipped_with_a_note():
    observation = lab("33358-3", 1.2, "g/dL")
    observation["status"] = "entered-in-error"
    result = read(observation)
    assert result.record is not None
    assert result.record.labs == ()
    assert any("status entered-in-error" in n for n in of(result, Severity.NOTE))
