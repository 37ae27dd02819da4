from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient

from rrmm.adapters.native.read import read_patient_file
from rrmm.adapters.native.write import record_to_document
from rrmm.kb import load_drug_catalog
from rrmm.service.app import create_app
from rrmm.service.settings import ServiceSettings
from tests.conftest import AS_OF, SHARED_EXAMPLE


def native_json(path=SHARED_EXAMPLE) -> dict[str, Any]:
    record = read_patient_file(path, catalog=load_drug_catalog(), as_of=AS_OF).record
    assert record is not None
    data: dict[str, Any] = json.loads(
        json.dumps(record_to_document(record), default=date.isoformat)
    )
    return data


@pytest.fixture
def settings(tmp_path) -> ServiceSettings:
    return ServiceSettings(feedback_db=str(tmp_path / "feedback.sqlite3"), as_of=AS_OF)


@pytest.fixture
def client(settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    """A real uvicorn server on a loopback port, in a background thread."""

    def __init__(self, settings: ServiceSettings) -> None:
        self.port = _free_port()
        config = uvicorn.Config(
            create_app(settings),
            host="127.0.0.1",
            port=self.port,
            log_config=None,
            log_level="info",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def live_server(tmp_path) -> Iterator[LiveServer]:
    settings = ServiceSettings(
        feedback_db=str(tmp_path / "live-feedback.sqlite3"), as_of=AS_OF, token="s3cret-token"
    )
    with LiveServer(settings) as server:
        yield server
