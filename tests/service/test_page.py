"""The clinician page served at `/`: loaders, a patient view, errors, headers, limits."""

from __future__ import annotations

import re

from rrmm.adapters.examples import bundled_examples
from tests.conftest import EXAMPLES
from tests.render.page_text import outside_references, visible_text


def test_index_lists_every_bundled_example(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    for example in bundled_examples():
        assert f'value="{example.id}"' in response.text
    assert outside_references(response.text) == []


def test_page_headers_forbid_outside_requests(client):
    csp = client.get("/").headers["content-security-policy"]
    assert "default-src 'none'" in csp
    assert "script-src" not in csp


def test_loading_an_example_shows_status_chart_options_and_trail(client):
    response = client.post(
        "/view", data={"source": "example", "example": "04-triple-class-refractory"}
    )
    assert response.status_code == 200
    html = response.text
    text = visible_text(html)
    assert "<svg" in html
    assert "triple_class_refractory" in text
    for heading in ("Options", "Supportive-care plan", "Explanation trail"):
        assert heading in text
    assert "Decision support for clinicians, not a prescription" in text
    assert outside_references(html) == []


def test_uploading_a_fhir_bundle(client):
    bundle = (EXAMPLES / "fhir" / "07-light-chain-only-flc.json").read_bytes()
    response = client.post(
        "/view", data={"source": "file"}, files={"file": ("p.json", bundle, "application/json")}
    )
    assert response.status_code == 200
    assert "<svg" in response.text


def test_pasting_yaml(client):
    text = (EXAMPLES / "01-first-relapse-on-len-maintenance.yaml").read_text()
    response = client.post("/view", data={"source": "paste", "pasted": text})
    assert response.status_code == 200
    assert "Lines of therapy" in response.text


def test_a_bad_file_gives_a_422_page_that_lists_where_and_why(client):
    response = client.post(
        "/view",
        data={"source": "file"},
        files={"file": ("bad.json", b'{"format": "rrmm.patient/1", "id": "x", "labs": 3}', "")},
    )
    assert response.status_code == 422
    items = re.findall(r"<li><code>(.*?)</code>: (.*?)</li>", response.text)
    assert tuple(w for w, _ in items if w == "/labs") == ("/labs",)
    assert "bad.json" in response.text
    assert 'role="alert"' in response.text


def test_not_json_and_not_utf8_are_explained(client):
    response = client.post("/view", data={"source": "paste", "pasted": "{oops"})
    assert response.status_code == 422
    assert "not valid JSON" in response.text
    response = client.post(
        "/view", data={"source": "file"}, files={"file": ("x.yaml", b"\xff\xfe\x00", "")}
    )
    assert response.status_code == 422
    assert "not UTF-8" in response.text


def test_missing_choices_are_explained(client):
    for data, words in (
        ({"source": "example", "example": "nope"}, "choose one of the bundled examples"),
        ({"source": "file"}, "choose a file"),
        ({"source": "paste", "pasted": "  "}, "paste a patient record"),
        ({}, "choose how to load a patient"),
    ):
        response = client.post("/view", data=data)
        assert response.status_code == 422
        assert words in response.text


def test_page_respects_the_body_limit(tmp_path):
    from fastapi.testclient import TestClient

    from rrmm.service.app import create_app
    from rrmm.service.settings import ServiceSettings
    from tests.conftest import AS_OF

    settings = ServiceSettings(
        feedback_db=str(tmp_path / "f.sqlite3"), as_of=AS_OF, max_body_bytes=4096
    )
    with TestClient(create_app(settings)) as small:
        response = small.post("/view", data={"source": "paste", "pasted": "x" * 10000})
    assert response.status_code == 413


def test_page_needs_the_token_when_one_is_set(tmp_path):
    from fastapi.testclient import TestClient

    from rrmm.service.app import create_app
    from rrmm.service.settings import ServiceSettings
    from tests.conftest import AS_OF

    settings = ServiceSettings(feedback_db=str(tmp_path / "f.sqlite3"), as_of=AS_OF, token="t")
    with TestClient(create_app(settings)) as guarded:
        assert guarded.get("/").status_code == 401
        assert guarded.get("/", headers={"Authorization": "Bearer t"}).status_code == 200
