"""The CT.gov API v2 client against recorded responses (httpx.MockTransport): paging,
retries, the local cache."""

from __future__ import annotations

import json

import httpx
import pytest

from rrmm.trials.ctgov_client import CtGovClient, CtGovError, StudyQuery
from tests.trials.conftest import FIXTURES

PAGES = {
    None: json.loads((FIXTURES / "ctgov_v2" / "studies_page1.json").read_text()),
    "NF0g5JGBlPMuwQY": json.loads((FIXTURES / "ctgov_v2" / "studies_page2.json").read_text()),
}


def recorded(log: list[httpx.Request], failures: list[httpx.Response] | None = None):
    pending = list(failures or [])

    def handler(request: httpx.Request) -> httpx.Response:
        log.append(request)
        if pending:
            return pending.pop(0)
        token = request.url.params.get("pageToken")
        return httpx.Response(200, json=PAGES[token])

    return httpx.MockTransport(handler)


QUERY = StudyQuery(condition="multiple myeloma", statuses=("RECRUITING",), page_size=2)


def test_paging_follows_next_page_token_with_the_v2_parameters() -> None:
    log: list[httpx.Request] = []
    with CtGovClient(recorded(log), sleep=lambda s: None) as client:
        studies = list(client.studies(QUERY))
    ids = [s["protocolSection"]["identificationModule"]["nctId"] for s in studies]
    assert ids == ["NCT99000001", "NCT99000002", "NCT99000003"]
    assert len(log) == 2
    first, second = (dict(r.url.params) for r in log)
    assert first["query.cond"] == "multiple myeloma"
    assert first["filter.overallStatus"] == "RECRUITING"
    assert first["pageSize"] == "2"
    assert first["countTotal"] == "true"
    assert "pageToken" not in first
    assert second["pageToken"] == "NF0g5JGBlPMuwQY"
    assert str(log[0].url).startswith("https://clinicaltrials.gov/api/v2/studies?")


def test_max_pages_and_max_studies_stop_early() -> None:
    log: list[httpx.Request] = []
    with CtGovClient(recorded(log)) as client:
        assert len(list(client.studies(QUERY, max_pages=1))) == 2
        assert len(list(client.studies(QUERY, max_studies=1))) == 1


def test_transient_failures_are_retried_with_backoff_and_retry_after() -> None:
    log: list[httpx.Request] = []
    waits: list[float] = []
    failures = [
        httpx.Response(503),
        httpx.Response(429, headers={"Retry-After": "7"}),
    ]
    with CtGovClient(recorded(log, failures), backoff_s=0.5, sleep=waits.append) as client:
        page = client.get_page(QUERY.params(None))
    assert page["nextPageToken"] == "NF0g5JGBlPMuwQY"
    assert waits == [0.5, 7.0]
    assert len(log) == 3


def test_transport_errors_are_retried_then_reported() -> None:
    calls: list[int] = []

    def broken(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        raise httpx.ConnectError("no route to host", request=request)

    client = CtGovClient(httpx.MockTransport(broken), max_retries=2, sleep=lambda s: None)
    with client, pytest.raises(CtGovError, match="giving up after 3 attempts"):
        client.get_page(QUERY.params(None))
    assert len(calls) == 3


def test_client_errors_are_not_retried() -> None:
    log: list[httpx.Request] = []
    bad = [httpx.Response(400, text="invalid filter.overallStatus")]
    client = CtGovClient(recorded(log, bad), sleep=lambda s: pytest.fail("no retry"))
    with client, pytest.raises(CtGovError, match="HTTP 400: invalid filter"):
        client.get_page(QUERY.params(None))


def test_the_cache_answers_repeated_requests_until_it_expires(tmp_path) -> None:
    log: list[httpx.Request] = []
    now = [1_000_000.0]
    with CtGovClient(recorded(log), cache_dir=tmp_path, clock=lambda: now[0]) as client:
        list(client.studies(QUERY))
        assert client.requests == 2
        list(client.studies(QUERY))
        assert client.requests == 2
        assert client.cache_hits == 2
        now[0] += 2 * 24 * 3600
        list(client.studies(QUERY))
        assert client.requests == 4
    assert len(list(tmp_path.glob("*.json"))) == 2


def test_a_repeated_page_token_is_an_error() -> None:
    looping = {"studies": [], "nextPageToken": "same"}
    transport = httpx.MockTransport(lambda r: httpx.Response(200, json=looping))
    with CtGovClient(transport) as client, pytest.raises(CtGovError, match="repeated page token"):
        list(client.pages(QUERY))
