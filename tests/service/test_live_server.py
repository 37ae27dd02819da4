"""End to end against a real uvicorn server on a loopback port."""

from __future__ import annotations

import logging
import uuid
from typing import Any

import httpx
import pytest

from rrmm.adapters.native.read import read_patient_file
from rrmm.kb import load_drug_catalog
from tests.conftest import AS_OF, EXAMPLES, SHARED_EXAMPLE
from tests.service.conftest import native_json

AUTH = {"authorization": "Bearer s3cret-token"}


def fhir_bundle(path=SHARED_EXAMPLE) -> dict[str, Any]:
    from rrmm.adapters.fhir import record_to_bundle

    record = read_patient_file(path, catalog=load_drug_catalog(), as_of=AS_OF).record
    assert record is not None
    return record_to_bundle(record)


def prefetch(bundle: dict[str, Any]) -> dict[str, Any]:
    patient = next(
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"
    )
    by_type: dict[str, list[dict[str, Any]]] = {}
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] != "Patient":
            by_type.setdefault(resource["resourceType"], []).append({"resource": resource})
    keys = {
        "Condition": "conditions",
        "Observation": "observations",
        "MedicationStatement": "medicationStatements",
        "MedicationAdministration": "medicationAdministrations",
        "MedicationRequest": "medicationRequests",
        "Procedure": "procedures",
    }
    result = {"patient": patient}
    for resource_type, entries in by_type.items():
        result[keys[resource_type]] = {
            "resourceType": "Bundle",
            "type": "searchset",
            "entry": entries,
        }
    return result


def hook(
    name: str, bundle: dict[str, Any], context: dict[str, Any] | None = None
) -> dict[str, Any]:
    patient = next(
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"
    )
    return {
        "hook": name,
        "hookInstance": str(uuid.uuid5(uuid.NAMESPACE_URL, name)),
        "context": {
            "userId": "Practitioner/example",
            "patientId": patient["id"],
            **(context or {}),
        },
        "prefetch": prefetch(bundle),
    }


def test_discovery_health_and_auth(live_server):
    with httpx.Client(base_url=live_server.url) as client:
        assert client.get("/healthz").status_code == 200
        assert client.get("/cds-services").status_code == 200
        denied = client.post("/v1/assess", json=native_json())
        assert denied.status_code == 401
        assert denied.headers["content-type"] == "application/problem+json"
        wrong = client.post(
            "/v1/assess", json=native_json(), headers={"authorization": "Bearer nope"}
        )
        assert wrong.status_code == 401


def test_rest_endpoints(live_server):
    with httpx.Client(base_url=live_server.url, headers=AUTH) as client:
        assessed = client.post("/v1/assess", json=native_json())
        assert assessed.status_code == 200
        assert assessed.json()["status"] == "relapsed_and_refractory"
        options = client.post("/v1/options", json=native_json())
        assert options.status_code == 200
        assert options.json()["options"]
        regimens = client.get("/v1/kb/regimens")
        assert regimens.status_code == 200


def test_bad_inputs(live_server):
    with httpx.Client(base_url=live_server.url, headers=AUTH) as client:
        bad_json = client.post(
            "/v1/assess", content=b"{", headers={"content-type": "application/json"}
        )
        assert bad_json.status_code == 400
        wrong_type = client.post("/v1/assess", content=b"x", headers={"content-type": "text/plain"})
        assert wrong_type.status_code == 415
        oversized = client.post(
            "/v1/assess",
            content=b"{" + b" " * (3 * 1024 * 1024) + b"}",
            headers={"content-type": "application/json"},
        )
        assert oversized.status_code == 413
        for response in (bad_json, wrong_type, oversized):
            assert response.headers["content-type"] == "application/problem+json"


def test_patient_view_with_prefetch(live_server):
    bundle = fhir_bundle()
    with httpx.Client(base_url=live_server.url, headers=AUTH) as client:
        response = client.post("/cds-services/rrmm-patient-view", json=hook("patient-view", bundle))
        assert response.status_code == 200, response.text
        cards = response.json()["cards"]
        summaries = [c["summary"] for c in cards]
        assert summaries[0].startswith("Myeloma: relapsed and refractory · 1 line(s)")
        assert any(s.startswith("Refractory classes: immunomodulatory drug") for s in summaries)
        assert any(s.startswith("Options to discuss") for s in summaries)
        for card in cards:
            assert len(card["summary"]) <= 140
            assert card["source"]["label"].startswith("rrmm")
            assert "not a prescription" in card["detail"]
        again = client.post("/cds-services/rrmm-patient-view", json=hook("patient-view", bundle))
        assert again.json() == response.json()


def order(drugs: list[tuple[str, str]]) -> dict[str, Any]:
    entries = []
    for index, (code, text) in enumerate(drugs):
        entries.append(
            {
                "resource": {
                    "resourceType": "MedicationRequest",
                    "id": f"draft-{index}",
                    "status": "draft",
                    "intent": "proposal",
                    "subject": {"reference": "Patient/x"},
                    "medicationCodeableConcept": {
                        "coding": [
                            {
                                "system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                                "code": code,
                                "display": text,
                            }
                        ]
                        if code
                        else [],
                        "text": text,
                    },
                }
            }
        )
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def test_order_select_flags_a_refractory_component(live_server):
    bundle = fhir_bundle()
    draft = order([("1302966", "carfilzomib"), ("342369", "lenalidomide"), ("", "dexamethasone")])
    context = {
        "draftOrders": draft,
        "selections": [
            "MedicationRequest/draft-0",
            "MedicationRequest/draft-1",
            "MedicationRequest/draft-2",
        ],
    }
    with httpx.Client(base_url=live_server.url, headers=AUTH) as client:
        response = client.post(
            "/cds-services/rrmm-order-select", json=hook("order-select", bundle, context)
        )
        assert response.status_code == 200, response.text
        summaries = [c["summary"] for c in response.json()["cards"]]
        assert "Disease is refractory to lenalidomide" in summaries
        assert all(
            c["indicator"] in ("info", "warning", "critical") for c in response.json()["cards"]
        )


def test_order_select_not_label_eligible(live_server):
    bundle = fhir_bundle()
    draft = order([("", "teclistamab")])
    with httpx.Client(base_url=live_server.url, headers=AUTH) as client:
        response = client.post(
            "/cds-services/rrmm-order-select",
            json=hook("order-select", bundle, {"draftOrders": draft}),
        )
        summaries = [c["summary"] for c in response.json()["cards"]]
        assert any(s.startswith("teclistamab: not label-eligible") for s in summaries)


def test_feedback_round_trip(live_server):
    body = {
        "feedback": [
            {
                "card": str(uuid.uuid4()),
                "outcome": "accepted",
                "outcomeTimestamp": "2026-11-21T09:00:00Z",
            }
        ]
    }
    with httpx.Client(base_url=live_server.url, headers=AUTH) as client:
        response = client.post("/cds-services/rrmm-order-select/feedback", json=body)
        assert response.json() == {"stored": 1}


def test_no_patient_data_in_logs(live_server, caplog):
    record = native_json(EXAMPLES / "05-penta-refractory-after-car-t.yaml")
    secrets = [record["id"], record["birth_date"], "ciltacabtagene", "4.2 g/dL"]
    with (
        caplog.at_level(logging.DEBUG),
        httpx.Client(base_url=live_server.url, headers=AUTH) as client,
    ):
        client.post("/v1/assess", json=record)
        client.post("/v1/options", json=record)
        client.post("/v1/assess", json=dict(record, sex="F"))
    text = caplog.text
    assert "POST /v1/assess" in text  # the access log is there...
    for secret in secrets:  # ...but nothing from the record
        assert str(secret) not in text


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml"))[:4], ids=lambda p: p.stem)
def test_native_and_fhir_inputs_agree(live_server, path):
    with httpx.Client(base_url=live_server.url, headers=AUTH) as client:
        native = client.post("/v1/assess", json=native_json(path)).json()
        fhir = client.post(
            "/v1/assess", json=fhir_bundle(path), headers={"content-type": "application/fhir+json"}
        ).json()
    for key in ("lines_of_therapy", "status", "refractory_drugs", "labels", "progressions"):
        assert fhir[key] == native[key], key
