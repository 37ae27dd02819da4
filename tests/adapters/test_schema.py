"""The JSON Schema is generated from the document model, published in docs/, and agrees with it."""

from __future__ import annotations

import json

import jsonschema
import pytest
from ruamel.yaml import YAML

from rrmm.adapters.native.schema import patient_json_schema
from tests.conftest import EXAMPLES, ROOT, SHARED_EXAMPLE

PUBLISHED = ROOT / "docs" / "patient.schema.json"
EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yaml"))


def _load(path):
    data = YAML(typ="safe", pure=True).load(path.read_text())
    return json.loads(json.dumps(data, default=str))


def test_published_schema_is_current():
    assert json.loads(PUBLISHED.read_text()) == patient_json_schema(), (
        "regenerate with: rrmm schema -o docs/patient.schema.json"
    )


def test_schema_is_valid_draft_2020_12():
    jsonschema.Draft202012Validator.check_schema(patient_json_schema())


@pytest.mark.parametrize("path", [SHARED_EXAMPLE, *EXAMPLE_FILES], ids=lambda p: p.name)
def test_examples_conform_to_the_schema(path):
    jsonschema.Draft202012Validator(patient_json_schema()).validate(_load(path))


def test_schema_rejects_unknown_fields():
    validator = jsonschema.Draft202012Validator(patient_json_schema())
    errors = list(validator.iter_errors({"format": "rrmm.patient/1", "id": "x", "dose": 1}))
    assert any("dose" in error.message for error in errors)


def test_format_documentation_names_every_analyte_and_condition():
    from rrmm.core.analytes import Analyte
    from rrmm.core.model import ConditionName

    text = (ROOT / "docs" / "format.md").read_text()
    missing = [a.value for a in Analyte if a.value not in text]
    missing += [c.value for c in ConditionName if c.value not in text]
    assert missing == []
