"""The hand-written mCODE-style bundle (what an EHR would send) reads and can be assessed."""

from __future__ import annotations

import json

from fhir.resources.R4B.bundle import Bundle

from rrmm.adapters.fhir import read_bundle
from rrmm.adapters.problems import Severity
from rrmm.core.assess import assess
from rrmm.core.model import ProcedureKind, StopReason
from rrmm.kb import load_criteria
from tests.adapters.fhir.helpers import of
from tests.conftest import AS_OF, EXAMPLES

PATH = EXAMPLES / "fhir" / "mcode-style-bundle.json"


def _read(catalog):
    data = json.loads(PATH.read_text(encoding="utf-8"))
    Bundle.model_validate(data)
    return read_bundle(data, catalog=catalog, as_of=AS_OF)


def test_it_reads_without_errors_and_reports_what_it_does_not_map(catalog):
    result = _read(catalog)
    assert of(result, Severity.ERROR) == []
    warnings = "\n".join(of(result, Severity.WARNING))
    assert (
        "(AllergyIntolerance/allergy-1): not mapped: resource type AllergyIntolerance" in warnings
    )
    assert "(Condition/anxiety).code: not mapped" in warnings
    assert "(Observation/ferritin-1).code: not mapped" in warnings
    assert "dosage is not used by rrmm (and 23 more like it)" in warnings
    notes = "\n".join(of(result, Severity.NOTE))
    assert "(Observation/cds-1): mCODE cancer disease status on 2023-02-06: worsened" in notes


def test_it_maps_the_ehr_resources(catalog):
    record = _read(catalog).record
    assert record is not None
    assert record.id == "mm-ehr-001"
    assert record.diagnosis is not None
    assert (record.diagnosis.date.isoformat(), record.diagnosis.iss_stage) == ("2021-02-10", 2)
    assert [c.name.value for c in record.conditions] == ["heart_failure"]
    first, maintenance, third = record.therapies
    assert first.drug_names == ("bortezomib", "lenalidomide", "dexamethasone")
    assert first.stop_reason is StopReason.PLANNED
    assert maintenance.drug_names == ("lenalidomide",)
    assert maintenance.stop_reason is StopReason.PROGRESSION
    assert third.drug_names == ("daratumumab", "pomalidomide", "dexamethasone")
    assert third.stop_reason is StopReason.ONGOING
    assert [p.kind for p in record.procedures] == [ProcedureKind.AUTOLOGOUS_TRANSPLANT]
    units = {
        str(v.quantity) for panel in record.labs for v in panel.values if hasattr(v, "quantity")
    }
    assert {"97 µmol/L", "41 mg/dL", "164 10*3/uL"} <= units


def test_assess_runs_on_it(catalog):
    record = _read(catalog).record
    assert record is not None
    evaluation = assess(record, catalog, load_criteria(), AS_OF)
    assert len(evaluation.lines) >= 2
    assert "lenalidomide" in evaluation.refractory_drugs
    assert evaluation.courses[-1].line.drugs == ("daratumumab", "pomalidomide", "dexamethasone")
