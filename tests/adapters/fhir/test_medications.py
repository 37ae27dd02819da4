"""Drugs by RxNorm or by name through the catalogue; courses by overlap; procedures by SNOMED CT."""

from __future__ import annotations

from datetime import date

from rrmm.adapters.fhir.courses import ADMINISTRATION_GAP_DAYS
from rrmm.adapters.problems import Severity
from rrmm.core.model import DrugUse, Intent, ProcedureKind, StopReason
from tests.adapters.fhir.helpers import RXNORM, SNOMED, concept, of, read, statement

MCODE_INTENT = "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-procedure-intent"


def _drugs(result):
    assert result.record is not None, result.problems
    return [[(d.name, d.written) for d in t.drugs] for t in result.record.therapies]


def test_rxnorm_ingredient_clinical_drug_and_brand_codes():
    result = read(
        statement(concept(RXNORM, "358258"), "2024-01-01", "2024-03-01"),
        statement(concept(RXNORM, "1428947"), "2024-01-01", "2024-03-01"),  # lenalidomide 20 MG cap
        statement(concept(RXNORM, "1721952"), "2024-01-01", "2024-03-01"),  # Darzalex
    )
    assert _drugs(result) == [[("bortezomib", None), ("lenalidomide", None), ("daratumumab", None)]]


def test_text_is_resolved_through_the_catalogue_and_kept_as_written():
    result = read(
        statement({"text": "Revlimid"}, "2024-01-01", "2024-03-01"),
        statement({"text": "dexamethasone"}, "2024-01-01", "2024-03-01"),
    )
    assert _drugs(result) == [[("lenalidomide", "Revlimid"), ("dexamethasone", None)]]


def test_an_unknown_drug_is_reported_not_guessed():
    result = read(statement({"text": "aspirin"}, "2024-01-01", "2024-03-01"))
    assert result.record is not None
    assert result.record.therapies == ()
    assert any("is not in the drug catalogue" in w for w in of(result, Severity.WARNING))


def test_a_code_and_text_naming_different_drugs_use_the_code():
    result = read(statement(concept(RXNORM, "358258", "Revlimid"), "2024-01-01", "2024-03-01"))
    assert _drugs(result) == [[("bortezomib", None)]]
    assert any("the code is used" in w for w in of(result, Severity.WARNING))


def test_medication_reference_to_a_medication_entry():
    medication = {"resourceType": "Medication", "id": "m1", "code": concept(RXNORM, "1302966")}
    use = statement({"text": "x"}, "2024-01-01", "2024-02-01")
    del use["medicationCodeableConcept"]
    use["medicationReference"] = {"reference": "Medication/m1"}
    assert _drugs(read(medication, use)) == [[("carfilzomib", None)]]


def test_overlapping_drugs_form_one_course_and_later_drugs_keep_their_start():
    result = read(
        statement({"text": "lenalidomide"}, "2022-01-03", "2022-06-30", status="stopped"),
        statement({"text": "dexamethasone"}, "2022-01-03", "2022-06-30"),
        statement({"text": "daratumumab"}, "2022-05-09", "2022-06-30"),
        statement({"text": "carfilzomib"}, "2022-08-01", "2022-12-01"),
    )
    assert result.record is not None
    first, second = result.record.therapies
    assert (first.start, first.end) == (date(2022, 1, 3), date(2022, 6, 30))
    assert first.drugs[2] == DrugUse("daratumumab", start=date(2022, 5, 9))
    assert second.drug_names == ("carfilzomib",)


def test_administrations_merge_into_exposures_by_the_gap_rule():
    def dose(day):
        return {
            "resourceType": "MedicationAdministration",
            "status": "completed",
            "medicationCodeableConcept": concept(RXNORM, "358258"),
            "subject": {"reference": "Patient/p1"},
            "effectiveDateTime": day,
        }

    assert ADMINISTRATION_GAP_DAYS == 42
    result = read(dose("2024-01-01"), dose("2024-01-08"), dose("2024-02-19"), dose("2024-06-03"))
    assert result.record is not None
    periods = [
        (t.start.isoformat(), t.end.isoformat() if t.end else None) for t in result.record.therapies
    ]
    assert periods == [("2024-01-01", "2024-02-19"), ("2024-06-03", "2024-06-03")]


def test_supportive_drugs_do_not_chain_regimens_together():
    result = read(
        statement({"text": "zoledronic acid"}, "2022-01-01", "2023-12-31"),
        statement({"text": "lenalidomide"}, "2022-01-03", "2022-06-30"),
        statement({"text": "pomalidomide"}, "2022-09-01", "2023-03-01"),
    )
    names = [t.drug_names for t in result.record.therapies] if result.record else None
    assert names == [("zoledronic acid",), ("lenalidomide",), ("pomalidomide",)]


def test_stop_reasons_and_ongoing():
    def reason(code):
        return {"statusReason": [concept(SNOMED, code)]}

    result = read(
        statement({"text": "lenalidomide"}, "2020-01-01", "2020-06-01", **reason("266721009")),
        statement({"text": "carfilzomib"}, "2020-07-01", "2020-09-01", **reason("407563006")),
        statement({"text": "pomalidomide"}, "2020-10-01", "2020-12-01", **reason("182992009")),
        statement({"text": "selinexor"}, "2021-01-01", "2021-02-01", **reason("105480006")),
        statement({"text": "daratumumab"}, "2021-03-01", status="active"),
    )
    assert result.record is not None
    reasons = [t.stop_reason for t in result.record.therapies]
    assert reasons == [
        StopReason.PROGRESSION,
        StopReason.TOXICITY,
        StopReason.PLANNED,
        StopReason.PATIENT_CHOICE,
        StopReason.ONGOING,
    ]


def test_a_drug_stopped_early_keeps_its_own_end_and_reason():
    result = read(
        statement(
            {"text": "bortezomib"},
            "2021-01-04",
            "2021-03-01",
            statusReason=[concept(SNOMED, "407563006")],
        ),
        statement(
            {"text": "lenalidomide"},
            "2021-01-04",
            "2021-06-30",
            statusReason=[concept(SNOMED, "182992009")],
        ),
    )
    assert result.record is not None
    (course,) = result.record.therapies
    assert course.stop_reason is StopReason.PLANNED
    assert course.drugs[0] == DrugUse(
        "bortezomib", end=date(2021, 3, 1), stop_reason=StopReason.TOXICITY
    )


def test_mcode_intent_without_rrmm_equivalent_is_reported():
    curative = {"url": MCODE_INTENT, "valueCodeableConcept": concept(SNOMED, "373808002")}
    result = read(
        statement({"text": "lenalidomide"}, "2021-01-04", "2021-06-30", extension=[curative])
    )
    assert result.record is not None
    assert result.record.therapies[0].intent is None
    assert any(
        "'Curative - procedure intent' has no rrmm equivalent" in w
        for w in of(result, Severity.WARNING)
    )


def test_rrmm_intent_code_in_the_mcode_extension_is_read():
    maintenance = {
        "url": MCODE_INTENT,
        "valueCodeableConcept": concept("https://rrmm.dev/fhir/CodeSystem/intent", "maintenance"),
    }
    result = read(
        statement({"text": "lenalidomide"}, "2021-01-04", "2021-06-30", extension=[maintenance])
    )
    assert result.record is not None
    assert result.record.therapies[0].intent is Intent.MAINTENANCE


def test_requests_sharing_a_group_identifier_form_one_course():
    def request(drug, start, end):
        return {
            "resourceType": "MedicationRequest",
            "status": "completed",
            "intent": "order",
            "groupIdentifier": {"system": "urn:orders", "value": "VRd-1"},
            "medicationCodeableConcept": {"text": drug},
            "subject": {"reference": "Patient/p1"},
            "dispenseRequest": {"validityPeriod": {"start": start, "end": end}},
        }

    result = read(
        request("bortezomib", "2021-01-04", "2021-02-01"),
        request("lenalidomide", "2021-03-01", "2021-05-01"),
    )
    assert _drugs(result) == [[("bortezomib", None), ("lenalidomide", None)]]


def _procedure(code, day="2021-09-01", **extra):
    return {
        "resourceType": "Procedure",
        "status": "completed",
        "code": code,
        "subject": {"reference": "Patient/p1"},
        "performedDateTime": day,
        **extra,
    }


def test_procedures_by_snomed_and_rrmm_codes():
    result = read(
        _procedure(concept(SNOMED, "53088000"), usedCode=[{"text": "melphalan"}]),
        _procedure(concept(SNOMED, "50223000"), day="2022-01-10"),
        _procedure(concept(SNOMED, "1217123003"), day="2022-03-01", bodySite=[{"text": "T8"}]),
        _procedure(
            concept("https://rrmm.dev/fhir/CodeSystem/procedure", "car_t_infusion"),
            day="2023-05-02",
            usedCode=[{"text": "Carvykti"}],
        ),
    )
    assert result.record is not None
    found = [(p.kind, p.conditioning, p.product, p.site) for p in result.record.procedures]
    assert found == [
        (ProcedureKind.AUTOLOGOUS_TRANSPLANT, ("melphalan",), None, None),
        (ProcedureKind.ALLOGENEIC_TRANSPLANT, (), None, None),
        (ProcedureKind.RADIOTHERAPY, (), None, "T8"),
        (ProcedureKind.CAR_T_INFUSION, (), "ciltacabtagene autoleucel", None),
    ]


def test_other_procedures_are_reported():
    result = read(_procedure(concept(SNOMED, "359615001")))
    assert result.record is not None
    assert result.record.procedures == ()
    assert any(
        "procedure http://snomed.info/sct|359615001 is not known" in w
        for w in of(result, Severity.WARNING)
    )
