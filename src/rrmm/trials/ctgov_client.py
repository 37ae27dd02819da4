"""A small client for the ClinicalTrials.gov data API v2 (adapter: network and disk).

``GET https://clinicaltrials.gov/api/v2/studies`` with ``query.cond``, ``query.term``,
``filter.overallStatus`` (comma-separated), ``pageSize`` (at most 1000) and
``pageToken``; each page answers ``{"studies": [...], "nextPageToken": "..."}`` and the
last page has no ``nextPageToken`` (``countTotal=true`` adds ``totalCount`` to the first).

- **Paging** follows ``nextPageToken`` until it is absent or ``max_pages`` is reached.
- **Retries**: transport errors and HTTP 429/500/502/503/504 are retried with
  exponential backoff (``backoff_s`` × 2^attempt, or the server's ``Retry-After`` when
  it gives one, capped at 60 s), up to ``max_retries`` times; other errors raise
  :class:`CtGovError` at once.
- **Cache**: each successful page is stored as JSON under ``cache_dir`` keyed by the
  request URL and parameters; a cached page younger than ``cache_ttl_s`` is used
  without a request.

The transport is injectable (``httpx.MockTransport`` in tests), as are ``sleep`` and
``clock``, so paging, retries and the cache are tested against recorded responses.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from rrmm import __version__

__all__ = ["BASE_URL", "CtGovClient", "CtGovError", "StudyQuery"]

BASE_URL = "https://clinicaltrials.gov/api/v2/studies"
_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
_MAX_WAIT_S = 60.0


class CtGovError(RuntimeError):
    """The API could not be reached, or answered with an error or an unexpected body."""


@dataclass(frozen=True, slots=True)
class StudyQuery:
    """What to search: condition, free-text term, overall statuses, page size."""

    condition: str | None = None
    term: str | None = None
    statuses: tuple[str, ...] = ()
    page_size: int = 100

    def params(self, page_token: str | None) -> dict[str, str]:
        """The query parameters of one page request."""
        params = {"format": "json", "pageSize": str(max(1, min(self.page_size, 1000)))}
        if self.condition:
            params["query.cond"] = self.condition
        if self.term:
            params["query.term"] = self.term
        if self.statuses:
            params["filter.overallStatus"] = ",".join(s.upper() for s in self.statuses)
        if page_token:
            params["pageToken"] = page_token
        else:
            params["countTotal"] = "true"
        return params


class CtGovClient:
    """Fetch study records from the v2 API with paging, retries and a local cache."""

    def __init__(
        self,
        transport: httpx.BaseTransport | None = None,
        *,
        base_url: str = BASE_URL,
        cache_dir: Path | None = None,
        cache_ttl_s: float = 24 * 3600.0,
        max_retries: int = 4,
        backoff_s: float = 1.0,
        timeout_s: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = httpx.Client(
            transport=transport,
            timeout=timeout_s,
            headers={
                "User-Agent": f"rrmm/{__version__} (trial matching)",
                "Accept": "application/json",
            },
            follow_redirects=True,
        )
        self.base_url = base_url
        self.cache_dir = cache_dir
        self.cache_ttl_s = cache_ttl_s
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self._sleep = sleep
        self._clock = clock
        self.requests = 0
        self.cache_hits = 0

    def __enter__(self) -> CtGovClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._client.close()

    def _cache_path(self, params: Mapping[str, str]) -> Path | None:
        if self.cache_dir is None:
            return None
        key = json.dumps([self.base_url, sorted(params.items())], separators=(",", ":"))
        return self.cache_dir / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.json"

    def _cached(self, path: Path | None) -> Any | None:
        if path is None or not path.exists():
            return None
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            return None
        if (
            not isinstance(stored, dict)
            or self._clock() - float(stored.get("fetched_at", 0)) > self.cache_ttl_s
        ):
            return None
        self.cache_hits += 1
        return stored.get("body")

    def _store(self, path: Path | None, params: Mapping[str, str], body: Any) -> None:
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        record = {
            "url": self.base_url,
            "params": dict(params),
            "fetched_at": self._clock(),
            "body": body,
        }
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
        temporary.replace(path)

    def _wait(self, attempt: int, response: httpx.Response | None) -> float:
        if response is not None:
            header = response.headers.get("Retry-After")
            if header is not None:
                try:
                    asked = float(str(header))
                except ValueError:
                    asked = -1.0
                if asked >= 0:
                    return min(_MAX_WAIT_S, asked)
        return min(_MAX_WAIT_S, self.backoff_s * (2.0**attempt))

    def get_page(self, params: Mapping[str, str]) -> Any:
        """One page of the API (from the cache when fresh), retrying transient failures."""
        path = self._cache_path(params)
        cached = self._cached(path)
        if cached is not None:
            return cached
        problem = ""
        for attempt in range(self.max_retries + 1):
            response: httpx.Response | None = None
            try:
                self.requests += 1
                response = self._client.get(self.base_url, params=dict(params))
            except httpx.TransportError as error:
                problem = f"{type(error).__name__}: {error}"
            else:
                if response.status_code == 200:
                    try:
                        body = response.json()
                    except ValueError as error:
                        raise CtGovError(f"the API answered with invalid JSON: {error}") from error
                    self._store(path, params, body)
                    return body
                if response.status_code not in _RETRY_STATUS:
                    raise CtGovError(
                        f"the API answered HTTP {response.status_code}: {response.text[:300]}"
                    )
                problem = f"HTTP {response.status_code}"
            if attempt < self.max_retries:
                self._sleep(self._wait(attempt, response))
        raise CtGovError(f"giving up after {self.max_retries + 1} attempts ({problem})")

    def pages(self, query: StudyQuery, max_pages: int | None = None) -> Iterator[Any]:
        """Every page of a search, following ``nextPageToken``."""
        token: str | None = None
        seen: set[str] = set()
        count = 0
        while True:
            page = self.get_page(query.params(token))
            if not isinstance(page, dict) or not isinstance(page.get("studies", []), list):
                raise CtGovError("unexpected page: no 'studies' list")
            yield page
            count += 1
            token = page.get("nextPageToken")
            if not token or (max_pages is not None and count >= max_pages):
                return
            if token in seen:
                raise CtGovError(f"the API repeated page token {token!r}")
            seen.add(token)

    def studies(
        self, query: StudyQuery, max_pages: int | None = None, max_studies: int | None = None
    ) -> Iterator[dict[str, Any]]:
        """Every study of a search, page after page."""
        count = 0
        for page in self.pages(query, max_pages):
            for study in page.get("studies", []):
                if isinstance(study, dict):
                    yield study
                    count += 1
                    if max_studies is not None and count >= max_studies:
                        return
