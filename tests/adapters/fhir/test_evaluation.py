"""The assessment written as FHIR validates and uses mCODE CancerDiseaseStatus as specified."""

from __future__ import annotations

import pytest
from fhir.resources.R4B.bundle import Bundle

from rrmm.adapters.fhir import evaluation_to_bundle, read_bundle
from rrmm.adapters.fhir.evaluation import trend_of
from rrmm.adapters.native.read import read_patient_file
from rrmm.core.assess import assess
from rrmm.core.response import Category
from rrmm.kb import load_criteria
from tests.conftest import AS_OF, EXAMPLES

TRENDS = {"268910001", "359746009", "271299001", "709137006"}


def _evaluated(path, catalog):
    record = read_patient_file(path, catalog=catalog, as_of=AS_OF).record
    assert record is not None
    return record, assess(record, catalog, load_criteria(), AS_OF)


def _observations(data, code):
    return [
        e["resource"]
        for e in data["entry"]
        if e["resource"]["resourceType"] == "Observation"
        and any(c["code"] == code for c in e["resource"]["code"].get("coding", []))
    ]


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_the_assessment_bundle_validates_and_references_resolve(path, catalog):
    record, evaluation = _evaluated(path, catalog)
    data = evaluation_to_bundle(evaluation, record)
    Bundle.model_validate(data)
    urls = {entry["fullUrl"] for entry in data["entry"]}
    lines = _observations(data, "line-of-therapy")
    assert [line["valueInteger"] for line in lines] == [line.number for line in evaluation.lines]
    for line in lines:
        targets = [r["reference"] for key in ("focus", "hasMember") for r in line.get(key, [])]
        assert set(targets) <= urls
    for status in _observations(data, "97509-4"):
        assert {c["code"] for c in status["valueCodeableConcept"]["coding"]} <= TRENDS


def test_progression_dates_are_worsened_statuses(catalog):
    record, evaluation = _evaluated(EXAMPLES / "05-penta-refractory-after-car-t.yaml", catalog)
    data = evaluation_to_bundle(evaluation, record)
    worsened = {
        s["effectiveDateTime"]
        for s in _observations(data, "97509-4")
        if s["valueCodeableConcept"]["coding"][0]["code"] == "271299001"
    }
    assert {"2021-01-04", "2022-10-03", "2024-04-01", "2026-01-05"} <= worsened
    (summary,) = _observations(data, "disease-status")
    assert summary["valueCodeableConcept"]["text"] == "responding"


def test_the_record_inside_the_assessment_bundle_reads_back(catalog):
    record, evaluation = _evaluated(EXAMPLES / "03-double-refractory.yaml", catalog)
    result = read_bundle(evaluation_to_bundle(evaluation, record), catalog=catalog, as_of=AS_OF)
    assert result.record == record


@pytest.mark.parametrize(
    ("category", "trend"),
    [
        (Category.VGPR, "improved"),
        (Category.MR, "improved"),
        (Category.SD, "stable"),
        (Category.PD, "worsened"),
        (Category.NE, "undetermined"),
    ],
)
def test_response_categories_map_to_mcode_trends(category, trend):
    assert trend_of(category) == trend
