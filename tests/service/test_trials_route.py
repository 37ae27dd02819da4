"""POST /v1/trials/match: the same matcher as `rrmm trials match`, over HTTP."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from rrmm.service.app import create_app
from rrmm.service.settings import ServiceSettings
from tests.conftest import AS_OF, ROOT
from tests.service.conftest import native_json

TRIALS = ROOT / "src" / "rrmm" / "trials" / "data" / "labelled" / "trials"
CSV = ROOT / "tests" / "trials" / "fixtures" / "hint_myeloma_trials_criteria.csv"


def _studies() -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in sorted(TRIALS.glob("NCT*.json"))]


def test_match_posted_trials_follows_the_json_contract(client):
    response = client.post(
        "/v1/trials/match", json={"patient": native_json(), "trials": _studies()}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert len(body["trials"]) == len(_studies())
    for trial in body["trials"]:
        assert trial["nct_id"].startswith("NCT")
        assert trial["verdict"] in {"eligible", "excluded", "possibly_eligible"}
        assert isinstance(trial["unknown_count"], int)
        for criterion in trial["criteria"]:
            assert criterion["kind"] in {"inclusion", "exclusion"}
            assert criterion["verdict"] in {"met", "not_met", "unknown"}
            assert criterion["text"]


def test_match_as_a_fhir_researchstudy_searchset(client):
    response = client.post(
        "/v1/trials/match?format=fhir", json={"patient": native_json(), "trials": _studies()}
    )
    assert response.status_code == 200
    bundle = response.json()
    assert bundle["resourceType"] == "Bundle"
    assert bundle["type"] == "searchset"
    assert {e["resource"]["resourceType"] for e in bundle["entry"]} == {"ResearchStudy"}


def test_match_against_the_trials_the_service_was_started_with(tmp_path):
    settings = ServiceSettings(
        feedback_db=str(tmp_path / "f.sqlite3"), as_of=AS_OF, trials=str(CSV)
    )
    with TestClient(create_app(settings)) as configured:
        response = configured.post("/v1/trials/match", json={"patient": native_json()})
    assert response.status_code == 200
    assert len(response.json()["trials"]) > 50


def test_without_trials_the_answer_says_how_to_give_them(client):
    response = client.post("/v1/trials/match", json={"patient": native_json()})
    assert response.status_code == 422
    assert "--trials" in response.json()["detail"]


def test_a_bad_patient_is_located_under_patient(client):
    response = client.post(
        "/v1/trials/match",
        json={"patient": {"format": "rrmm.patient/1", "id": "x", "labs": 3}, "trials": _studies()},
    )
    assert response.status_code == 422
    pointers = [e["pointer"] for e in response.json()["errors"]]
    assert "/patient/labs" in pointers


def test_a_bad_trial_is_located(client):
    response = client.post(
        "/v1/trials/match", json={"patient": native_json(), "trials": [{"protocolSection": {}}]}
    )
    assert response.status_code == 422
    assert "/trials/0" in response.json()["detail"]
