"""Any record the model can represent survives write -> read unchanged, in YAML and JSON."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from rrmm.adapters.native.read import read_patient
from rrmm.adapters.native.write import write_json, write_yaml
from tests.strategies import AS_OF, CATALOG, records

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(record=records())
def test_yaml_round_trip(record):
    text = write_yaml(record)
    result = read_patient(text, syntax="yaml", catalog=CATALOG, as_of=AS_OF)
    assert result.errors == (), text
    assert result.record == record


@SETTINGS
@given(record=records())
def test_json_round_trip(record):
    text = write_json(record)
    result = read_patient(text, syntax="json", catalog=CATALOG, as_of=AS_OF)
    assert result.errors == (), text
    assert result.record == record
