"""Every example survives record -> Bundle -> record unchanged; its committed Bundle is current."""

from __future__ import annotations

import json

import pytest
from fhir.resources.R4B.bundle import Bundle

from rrmm.adapters.fhir import is_fhir_bundle, read_bundle, record_to_bundle
from rrmm.adapters.native.read import read_patient_file
from rrmm.adapters.problems import Severity
from tests.conftest import AS_OF, EXAMPLES

FILES = sorted(EXAMPLES.glob("*.yaml"))


def _record(path, catalog):
    result = read_patient_file(path, catalog=catalog, as_of=AS_OF)
    assert result.record is not None, result.problems
    return result.record


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_round_trip_gives_the_same_record(path, catalog):
    record = _record(path, catalog)
    data = json.loads(json.dumps(record_to_bundle(record)))
    Bundle.model_validate(data)
    assert is_fhir_bundle(data)
    result = read_bundle(data, catalog=catalog, as_of=AS_OF)
    assert [p for p in result.problems if p.severity is not Severity.NOTE] == []
    assert result.record == record


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_committed_example_bundle_is_what_the_writer_writes(path, catalog):
    committed = EXAMPLES / "fhir" / f"{path.stem}.json"
    assert committed.exists(), f"run the writer for {path.name}"
    written = json.loads(json.dumps(record_to_bundle(_record(path, catalog))))
    assert json.loads(committed.read_text(encoding="utf-8")) == written


def test_the_round_trip_keeps_what_must_survive(catalog):
    record = _record(EXAMPLES / "05-penta-refractory-after-car-t.yaml", catalog)
    data = record_to_bundle(record)
    back = read_bundle(data, catalog=catalog, as_of=AS_OF).record
    assert back is not None
    assert [t.drug_names for t in back.therapies] == [t.drug_names for t in record.therapies]
    assert [(t.start, t.end) for t in back.therapies] == [
        (t.start, t.end) for t in record.therapies
    ]
    assert back.labs[0].values == record.labs[0].values
    assert [p.kind for p in back.procedures] == [p.kind for p in record.procedures]
    assert back.procedures[-1].product == "ciltacabtagene autoleucel"
    assert back.diagnosis == record.diagnosis
    assert back.findings == record.findings


def test_not_a_bundle():
    assert not is_fhir_bundle({"resourceType": "Patient"})
    assert not is_fhir_bundle([{"resourceType": "Bundle"}])
