"""REST endpoints, problem+json errors, limits and authentication (in-process)."""

from __future__ import annotations

import json
import time

import jwt
import pytest
from fastapi.testclient import TestClient

from rrmm.service.app import create_app
from rrmm.service.settings import ServiceSettings
from tests.conftest import AS_OF
from tests.service.conftest import native_json


def test_health(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["kb_version"].startswith("2026.11")


def test_assess_gives_the_cli_json(client):
    response = client.post("/v1/assess", json=native_json())
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "relapsed_and_refractory"
    assert body["lines_of_therapy"] == 1
    assert body["progressions"][0]["date"] == "2022-04-05"
    assert body["as_of"] == AS_OF.isoformat()


def test_options(client):
    response = client.post("/v1/options", json=native_json(), params={"regulator": "EMA"})
    assert response.status_code == 200
    body = response.json()
    assert body["regulator"] == "EMA"
    assert body["options"][0]["rank"] == 1


def test_output_is_deterministic(client):
    first = client.post("/v1/options", json=native_json()).content
    second = client.post("/v1/options", json=native_json()).content
    assert first == second


def test_kb_regimens(client):
    body = client.get("/v1/kb/regimens").json()
    assert {"KRd", "Tec-Dara", "cilta-cel"} <= {r["id"] for r in body["regimens"]}


def test_openapi(client):
    spec = client.get("/openapi.json").json()
    assert "/v1/assess" in spec["paths"]
    assert "/cds-services" in spec["paths"]


def problem(response, status):
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert "Traceback" not in response.text
    return body


def test_bad_json_is_400(client):
    response = client.post(
        "/v1/assess", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert "not valid JSON" in problem(response, 400)["detail"]


def test_wrong_content_type_is_415(client):
    response = client.post(
        "/v1/assess", content=b"format: rrmm.patient/1", headers={"content-type": "text/yaml"}
    )
    problem(response, 415)


def test_oversized_body_is_413(tmp_path):
    settings = ServiceSettings(feedback_db=str(tmp_path / "f.sqlite3"), max_body_bytes=2048)
    with TestClient(create_app(settings)) as client:
        big = {"format": "rrmm.patient/1", "id": "x", "notes": "y" * 5000}
        problem(client.post("/v1/assess", json=big), 413)


def test_invalid_record_lists_every_problem_with_its_pointer(client):
    record = native_json()
    record["labs"][0]["hemoglobin"] = "98 g/dL"
    record["sex"] = "F"
    body = problem(client.post("/v1/assess", json=record), 422)
    pointers = {e["pointer"] for e in body["errors"]}
    assert {"/labs/0/hemoglobin", "/sex"} <= pointers


def test_unknown_route_and_method(client):
    problem(client.get("/v1/nothing"), 404)
    problem(client.get("/v1/assess"), 405)


def test_bad_query_parameter(client):
    problem(client.post("/v1/options", json=native_json(), params={"regulator": "PMDA"}), 422)


def test_token_auth(tmp_path):
    settings = ServiceSettings(feedback_db=str(tmp_path / "f.sqlite3"), token="t0ken")
    with TestClient(create_app(settings)) as client:
        problem(client.post("/v1/assess", json=native_json()), 401)
        problem(
            client.post(
                "/v1/assess", json=native_json(), headers={"authorization": "Bearer wrong"}
            ),
            401,
        )
        ok = client.post(
            "/v1/assess", json=native_json(), headers={"authorization": "Bearer t0ken"}
        )
        assert ok.status_code == 200
        assert client.get("/healthz").status_code == 200


def test_cds_hooks_jwt(tmp_path):
    secret = "a-shared-secret-for-tests-only-0123456789"
    settings = ServiceSettings(
        feedback_db=str(tmp_path / "f.sqlite3"),
        jwt_key=secret,
        jwt_audience="http://127.0.0.1:8000/cds-services",
    )
    claims = {
        "iss": "https://ehr.example",
        "aud": "http://127.0.0.1:8000/cds-services",
        "exp": int(time.time()) + 300,
        "jti": "1",
    }
    good = jwt.encode(claims, secret, algorithm="HS256")
    expired = jwt.encode({**claims, "exp": int(time.time()) - 10}, secret, algorithm="HS256")
    wrong_audience = jwt.encode({**claims, "aud": "https://other"}, secret, algorithm="HS256")
    forged = jwt.encode(claims, "another-secret-another-secret-0123456789", algorithm="HS256")
    with TestClient(create_app(settings)) as client:

        def call(token):
            return client.post(
                "/v1/assess", json=native_json(), headers={"authorization": f"Bearer {token}"}
            )

        assert call(good).status_code == 200
        for bad in (expired, wrong_audience, forged):
            assert "invalid JWT" in problem(call(bad), 401)["detail"]


def test_non_loopback_requires_auth():
    with pytest.raises(ValueError, match="refusing to listen"):
        create_app(ServiceSettings(host="0.0.0.0"))
    create_app(ServiceSettings(host="0.0.0.0", token="t", feedback_db=":memory:"))


def test_discovery(client):
    services = client.get("/cds-services").json()["services"]
    by_id = {s["id"]: s for s in services}
    assert by_id["rrmm-patient-view"]["hook"] == "patient-view"
    assert by_id["rrmm-order-select"]["hook"] == "order-select"
    assert by_id["rrmm-patient-view"]["prefetch"]["patient"] == "Patient/{{context.patientId}}"


def test_feedback_is_stored_without_patient_data(client):
    body = {
        "feedback": [
            {
                "card": "9b1c5b6e-0000-4000-8000-000000000001",
                "outcome": "overridden",
                "outcomeTimestamp": "2026-11-21T10:00:00Z",
                "overrideReason": {
                    "reason": {
                        "code": "clinical-judgement",
                        "system": "https://rrmm.dev/override-reason",
                    },
                    "userComment": "discussed at tumour board",
                },
            },
            {
                "card": "9b1c5b6e-0000-4000-8000-000000000002",
                "outcome": "accepted",
                "outcomeTimestamp": "2026-11-21T10:01:00Z",
            },
        ]
    }
    response = client.post("/cds-services/rrmm-patient-view/feedback", json=body)
    assert response.status_code == 200
    assert response.json() == {"stored": 2}
    stored = client.app.state.feedback.all()
    assert [(r.outcome, r.reason_code) for r in stored] == [
        ("overridden", "clinical-judgement"),
        ("accepted", None),
    ]
    problem(client.post("/cds-services/unknown/feedback", json=body), 404)
    problem(
        client.post(
            "/cds-services/rrmm-patient-view/feedback",
            json={"feedback": [{"card": "x", "outcome": "maybe"}]},
        ),
        422,
    )


def test_patient_view_without_prefetch_is_412(client):
    request = {
        "hook": "patient-view",
        "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
        "context": {"userId": "Practitioner/1", "patientId": "p1"},
    }
    problem(client.post("/cds-services/rrmm-patient-view", json=request), 412)


def test_wrong_hook_is_422(client):
    request = {"hook": "order-select", "hookInstance": "x", "context": {}, "prefetch": {}}
    problem(client.post("/cds-services/rrmm-patient-view", json=request), 422)


def test_json_schema_of_errors_is_documented(client):
    spec = client.get("/openapi.json").json()
    responses = spec["paths"]["/v1/assess"]["post"]["responses"]
    assert {"400", "401", "413", "415", "422"} <= set(responses)
    assert json.dumps(spec)
