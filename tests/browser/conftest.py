"""A real headless Chromium (Debian's package) driven by Playwright against a live server."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Request, Route, sync_playwright

from rrmm.service.settings import ServiceSettings
from tests.conftest import AS_OF, ROOT
from tests.service.conftest import LiveServer

ARTIFACTS = Path(os.environ.get("RRMM_TEST_ARTIFACTS", ROOT / "test-artifacts")) / "browser"
_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _chromium() -> str:
    found = os.environ.get("RRMM_CHROMIUM") or shutil.which("chromium")
    if found is None:
        pytest.fail("Chromium is not installed: run `make setup` (it installs Debian's chromium)")
    return found


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=_chromium(), args=_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def server(tmp_path) -> Iterator[LiveServer]:
    settings = ServiceSettings(feedback_db=str(tmp_path / "feedback.sqlite3"), as_of=AS_OF)
    with LiveServer(settings) as live:
        yield live


@pytest.fixture
def page(browser: Browser, server: LiveServer) -> Iterator[Page]:
    """A page whose every request is recorded; requests to other hosts are refused."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    outside: list[str] = []

    def guard(route: Route, request: Request) -> None:
        if request.url.startswith(server.url) or request.url.startswith(("data:", "about:")):
            route.continue_()
        else:
            outside.append(request.url)
            route.abort()

    opened.route("**/*", guard)
    opened.goto(server.url + "/")
    yield opened
    context.close()
    assert outside == [], f"the page asked for outside resources: {outside}"


def shot(page: Page, name: str) -> Path:
    """Save a full-page screenshot as a test artefact."""
    target = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    return target
