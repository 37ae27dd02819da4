"""The knowledge base: schema-checked, every fact sourced, the required regimens present."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from rrmm.kb import load_knowledge_base
from rrmm.kb.schema import CriterionEntry, IndicationEntry, PatientTestEntry, RegimensFile

KB = load_knowledge_base()
REQUIRED = [
    "VRd",
    "Rd",
    "Vd",
    "KRd",
    "Kd",
    "DKd",
    "IsaKd",
    "DRd",
    "DVd",
    "DPd",
    "IsaPd",
    "ERd",
    "EPd",
    "Pd",
    "PVd",
    "PCd",
    "IRd",
    "SVd",
    "Sd",
    "BVd",
    "BPd",
    "Tec-Dara",
    "teclistamab",
    "elranatamab",
    "talquetamab",
    "linvoseltamab",
    "ide-cel",
    "cilta-cel",
    "daratumumab",
    "carfilzomib",
    "VenD",
    "ASCT",
]


def test_required_regimens_are_present():
    ids = {r.id for r in KB.regimens}
    assert set(REQUIRED) <= ids


def test_withdrawn_regimens_are_present_and_marked():
    for regimen_id in ("PanVd", "melflufen-d"):
        statuses = {i.status for i in KB.regimen(regimen_id).indications if i.regulator == "FDA"}
        assert statuses == {"withdrawn"}


def test_every_fact_has_a_source():
    for regimen in KB.regimens:
        assert regimen.indications, regimen.id
        for indication in regimen.indications:
            assert indication.sources, (regimen.id, indication.regulator)
        for trial in regimen.evidence:
            assert trial.sources, (regimen.id, trial.trial)
    assert all(c.sources for c in KB.cautions)
    assert all(s.sources for s in KB.supportive)
    for source in (*KB.policy.retreatment_sources, *KB.policy.transplant_sources):
        assert source.citation


def test_every_component_is_a_catalogue_drug():
    for regimen in KB.regimens:
        for name in regimen.components:
            assert KB.catalog.get(name).name == name


def test_knowledge_base_records_its_version():
    assert KB.version.startswith("2026.11")
    assert "as of 2026-11-21" in KB.version


def test_approvals_through_2026_are_included():
    tec_dara = next(i for i in KB.regimen("Tec-Dara").indications if i.regulator == "FDA")
    assert tec_dara.usable
    assert (tec_dara.date or "").startswith("2026")
    bvd = next(i for i in KB.regimen("BVd").indications if i.regulator == "FDA")
    assert bvd.date == "2025-10-23"
    linvo = next(i for i in KB.regimen("linvoseltamab").indications if i.regulator == "FDA")
    assert linvo.status == "accelerated"


def test_dara_and_isa_formulations_are_separate_indications():
    for regimen_id in ("DPd", "IsaPd"):
        formulations = {
            i.formulation for i in KB.regimen(regimen_id).indications if i.regulator == "FDA"
        }
        assert {"iv", "sc"} <= formulations


def test_a_criterion_sets_exactly_one_field():
    with pytest.raises(ValidationError, match="exactly one"):
        CriterionEntry.model_validate({"prior_lines_at_least": 1, "prior_lines_at_most": 3})
    with pytest.raises(ValidationError, match="exactly one"):
        CriterionEntry.model_validate({})


def test_an_indication_without_a_source_is_rejected():
    with pytest.raises(ValidationError):
        IndicationEntry.model_validate(
            {
                "regulator": "FDA",
                "status": "approved",
                "wording": "after one prior line",
                "sources": [],
            }
        )


def test_an_unknown_field_or_status_is_rejected():
    with pytest.raises(ValidationError):
        RegimensFile.model_validate(
            {
                "kb": "regimens",
                "schema_version": "1",
                "as_of": "2026-11-21",
                "regimens": [],
                "extra": 1,
            }
        )
    with pytest.raises(ValidationError):
        IndicationEntry.model_validate(
            {
                "regulator": "FDA",
                "status": "approvedish",
                "wording": "after one prior line",
                "sources": ["x"],
            }
        )


def test_patient_tests_take_one_kind():
    with pytest.raises(ValidationError, match="exactly one kind"):
        PatientTestEntry.model_validate({"always": True, "lvef_below": 40})
    with pytest.raises(ValidationError, match="grade_at_least"):
        PatientTestEntry.model_validate({"lvef_below": 40, "grade_at_least": 2})
