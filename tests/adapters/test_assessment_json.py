"""The assess --json contract: documented schema, required keys, every example conforms."""

from __future__ import annotations

import json

import jsonschema
import pytest

from rrmm.adapters.assessment_json import assessment_json_schema, evaluation_to_json
from rrmm.adapters.native.read import read_patient_file
from rrmm.core.assess import assess
from rrmm.kb import kb_version, load_criteria
from tests.conftest import AS_OF, EXAMPLES, ROOT, SHARED_EXAMPLE

PUBLISHED = ROOT / "docs" / "assessment.schema.json"
FILES = [SHARED_EXAMPLE, *sorted(EXAMPLES.glob("*.yaml"))]
CONTRACT = {
    "lines_of_therapy",
    "status",
    "refractory_drugs",
    "exposed_drugs",
    "class_status",
    "labels",
    "progressions",
    "assessments",
    "lines",
    "risk",
    "criteria_version",
    "explanations",
}
LINE_KEYS = {
    "number",
    "start",
    "end",
    "drugs",
    "best_response",
    "refractory",
    "start_reason",
    "end_reason",
    "progression_date",
}


def as_json(path, catalog):
    record = read_patient_file(path, catalog=catalog, as_of=AS_OF).record
    assert record is not None
    return evaluation_to_json(assess(record, catalog, load_criteria(), AS_OF), kb_version())


def test_published_schema_is_current():
    assert json.loads(PUBLISHED.read_text()) == assessment_json_schema(), (
        "regenerate with: rrmm schema assessment -o docs/assessment.schema.json"
    )


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_output_keeps_the_contract(path, catalog):
    out = as_json(path, catalog)
    jsonschema.Draft202012Validator(assessment_json_schema()).validate(out)
    assert set(out) >= CONTRACT
    assert out["criteria_version"] == "IMWG2016"
    for line in out["lines"]:
        assert set(line) >= LINE_KEYS
    for progression in out["progressions"]:
        assert {"date", "criterion", "evidence"} <= set(progression)
    for point in out["assessments"]:
        assert {"date", "response", "confirmed", "reason"} <= set(point)
    for item in out["explanations"]:
        assert item["rule"] in {rule["id"] for rule in out["rules"]}, item


def test_every_explanation_rule_has_a_source(catalog):
    out = as_json(SHARED_EXAMPLE, catalog)
    assert out["rules"]
    assert all(rule["sources"] for rule in out["rules"])
    assert out["disclaimer"].startswith("Decision support for clinicians")


def test_output_is_deterministic(catalog):
    first = json.dumps(as_json(SHARED_EXAMPLE, catalog), sort_keys=True)
    second = json.dumps(as_json(SHARED_EXAMPLE, catalog), sort_keys=True)
    assert first == second


def test_unverified_rules_are_listed(catalog):
    out = as_json(EXAMPLES / "07-light-chain-only-flc.yaml", catalog)
    used = {rule["id"]: rule for rule in out["rules"]}
    for rule_id in out["unverified_rules_used"]:
        assert used[rule_id]["verified"] is False


def test_published_options_schema_is_current():
    from rrmm.adapters.options_json import options_json_schema

    published = ROOT / "docs" / "options.schema.json"
    assert json.loads(published.read_text()) == options_json_schema(), (
        "regenerate with: rrmm schema options -o docs/options.schema.json"
    )
