"""The clinician web page: ``GET /`` (loaders) and ``POST /view`` (a patient shown).

A bundled example, an uploaded file (native YAML/JSON or FHIR Bundle) or pasted JSON is read by
the same adapters as the CLI and rendered server-side as one self-contained HTML page: the chart
is inline SVG and the stylesheet inline, so the page makes no outside request.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import UploadFile

from rrmm.adapters.examples import bundled_examples, find_example
from rrmm.adapters.native.read import ReadResult
from rrmm.adapters.patient_input import read_patient_text
from rrmm.adapters.problems import Problem, Severity
from rrmm.core.assess import assess
from rrmm.core.options import treatment_options
from rrmm.kb import kb_version, load_criteria, load_knowledge_base
from rrmm.render.html import render_page
from rrmm.render.views import clinician_view
from rrmm.service.security import authenticate
from rrmm.service.settings import ServiceSettings

__all__ = ["page_router"]

_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self';"
        " base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _page(status: int = 200, **context: Any) -> HTMLResponse:
    examples = [{"id": e.id, "title": e.title} for e in bundled_examples()]
    html = render_page(examples=examples, **context)
    return HTMLResponse(html, status_code=status, headers=_HEADERS)


def _failure(summary: str, problems: tuple[Problem, ...] = (), **context: Any) -> HTMLResponse:
    listed = [
        {
            "where": p.pointer or "/",
            "message": p.message + (f" (found {p.value})" if p.value else ""),
        }
        for p in problems
        if p.severity is Severity.ERROR
    ]
    return _page(422, error={"summary": summary, "problems": listed}, **context)


async def _submitted_text(form: Any) -> tuple[str, str, str] | str:
    """``(text, syntax, label)`` from the form, or the reason there is none."""
    source = str(form.get("source") or "")
    if source == "example":
        example = find_example(str(form.get("example") or ""))
        if example is None:
            return "choose one of the bundled examples"
        return example.text(), "yaml", example.id
    if source == "file":
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            return "choose a file to upload"
        name = upload.filename
        try:
            text = (await upload.read()).decode("utf-8")
        except UnicodeDecodeError:
            return f"{name}: the file is not UTF-8 text"
        syntax = "json" if name.lower().endswith(".json") else "yaml"
        return text, syntax, name
    if source == "paste":
        text = str(form.get("pasted") or "")
        if not text.strip():
            return "paste a patient record (JSON or YAML) or a FHIR Bundle first"
        syntax = "json" if text.lstrip().startswith(("{", "[")) else "yaml"
        return text, syntax, "pasted record"
    return "choose how to load a patient"


def page_router(settings: ServiceSettings) -> APIRouter:
    """The page's two routes, honouring the service's authentication and size limits."""
    router = APIRouter(tags=["page"], include_in_schema=False)

    @router.get("/", response_class=HTMLResponse)
    def index(request: Request) -> HTMLResponse:
        authenticate(request, settings)
        return _page()

    @router.post("/view", response_class=HTMLResponse)
    async def view(request: Request) -> HTMLResponse:
        authenticate(request, settings)
        async with request.form(
            max_files=1, max_fields=8, max_part_size=settings.max_body_bytes
        ) as form:
            submitted = await _submitted_text(form)
        if isinstance(submitted, str):
            return _failure(submitted)
        text, syntax, label = submitted
        kb = load_knowledge_base()
        as_of = settings.as_of or date.today()
        result: ReadResult = read_patient_text(text, syntax=syntax, catalog=kb.catalog, as_of=as_of)
        if result.record is None or result.errors:
            return _failure(
                f"{label}: the patient record has errors; nothing was assessed.",
                result.errors or result.problems,
            )
        evaluation = assess(result.record, kb.catalog, load_criteria("IMWG2016"), as_of)
        options = treatment_options(evaluation, result.record, kb, settings.regulator, as_of)
        view_model = clinician_view(
            result.record, evaluation, options, result.problems, kb_version()
        )
        return _page(v=view_model, chosen=label, source_label=label)

    return router
