"""The FastAPI application: REST endpoints and CDS Hooks 2.0 services.

- ``POST /v1/assess``, ``POST /v1/options``: a native record or a FHIR Bundle in, the CLI's
  JSON out; ``GET /v1/kb/regimens``; ``GET /healthz``; OpenAPI at ``/openapi.json``.
- CDS Hooks: discovery ``GET /cds-services``; ``rrmm-patient-view`` (patient-view) and
  ``rrmm-order-select`` (order-select) services; ``POST /cds-services/{id}/feedback``.

Errors are problem+json; bodies are bounded; no request content is logged.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi.responses import JSONResponse

from rrmm import __version__
from rrmm.adapters.assessment_json import AssessmentOut, evaluation_to_json
from rrmm.adapters.fhir.codes import load_fhir_codes
from rrmm.adapters.options_json import OptionsOut, options_to_json
from rrmm.core.drugs import DrugCatalog
from rrmm.kb import kb_version, load_criteria, load_knowledge_base
from rrmm.service.cards import order_select_cards, patient_view_cards
from rrmm.service.cds_models import (
    Card,
    CdsRequest,
    CdsResponse,
    Discovery,
    FeedbackRequest,
    ServiceDefinition,
)
from rrmm.service.engine import Analysis, AnalysisCache, analyse
from rrmm.service.feedback import FeedbackRecord, FeedbackStore
from rrmm.service.limits import BodyLimitMiddleware
from rrmm.service.page import page_router
from rrmm.service.problems import PROBLEM_JSON, ProblemError, install_problem_handlers
from rrmm.service.security import authenticate
from rrmm.service.settings import ServiceSettings
from rrmm.service.trials_route import trials_router

__all__ = ["create_app"]

_PREFETCH = {
    "patient": "Patient/{{context.patientId}}",
    "conditions": "Condition?patient={{context.patientId}}",
    "observations": "Observation?patient={{context.patientId}}",
    "medicationAdministrations": "MedicationAdministration?patient={{context.patientId}}",
    "medicationRequests": "MedicationRequest?patient={{context.patientId}}",
    "medicationStatements": "MedicationStatement?patient={{context.patientId}}",
    "procedures": "Procedure?patient={{context.patientId}}",
}
SERVICES = [
    ServiceDefinition(
        hook="patient-view",
        id="rrmm-patient-view",
        title="rrmm: myeloma status and options",
        description=(
            "IMWG disease status, lines of therapy, refractoriness and treatment options to"
            " discuss for a patient with multiple myeloma (decision support, not a prescription)."
        ),
        prefetch=_PREFETCH,
    ),
    ServiceDefinition(
        hook="order-select",
        id="rrmm-order-select",
        title="rrmm: check a proposed myeloma regimen",
        description=(
            "Checks the selected myeloma drugs against the patient's refractoriness, the label"
            " criteria and cautions from the record."
        ),
        prefetch=_PREFETCH,
    ),
]
_JSON_TYPES = ("application/json", "application/fhir+json")
_PROBLEM = {"content": {PROBLEM_JSON: {"schema": {"type": "object"}}}}
_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Body is not valid JSON", **_PROBLEM},
    401: {"description": "Missing or invalid credentials", **_PROBLEM},
    404: {"description": "Not found", **_PROBLEM},
    412: {"description": "CDS Hooks prefetch missing", **_PROBLEM},
    413: {"description": "Body too large", **_PROBLEM},
    415: {"description": "Not a JSON body", **_PROBLEM},
    422: {"description": "Invalid patient record or request", **_PROBLEM},
    500: {"description": "Unexpected error (no details are disclosed)", **_PROBLEM},
}
_PATIENT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            media: {
                "schema": {
                    "type": "object",
                    "description": "an rrmm.patient/1 record (JSON) or a FHIR R4 Bundle",
                }
            }
            for media in _JSON_TYPES
        },
    }
}
_RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
AsOf = Annotated[date | None, Query(description="Reading date (default today)")]
CriteriaId = Annotated[str, Query(pattern=r"^[A-Z0-9_-]{1,40}$", description="Criteria set")]
RegulatorName = Annotated[str, Query(pattern="^(FDA|EMA)$", description="Whose labels")]


async def _json_body(request: Request) -> tuple[bytes, Any]:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in _JSON_TYPES and not media.endswith("+json"):
        raise ProblemError(
            415,
            "Unsupported media type",
            f"send application/json or application/fhir+json, not '{media}'",
        )
    raw = await request.body()
    try:
        return raw, json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ProblemError(400, "Invalid JSON", f"the body is not valid JSON: {error}") from None


def _as_of(settings: ServiceSettings, given: date | None) -> date:
    return given or settings.as_of or date.today()


def _bundle_from_prefetch(prefetch: dict[str, Any] | None) -> dict[str, Any]:
    if not prefetch:
        raise ProblemError(
            412,
            "Prefetch required",
            "rrmm needs the prefetched resources (it does not call the FHIR server)",
        )
    entries = []
    for value in prefetch.values():
        if not isinstance(value, dict):
            continue
        if value.get("resourceType") == "Bundle":
            entries += [
                e for e in value.get("entry", []) if isinstance(e, dict) and "resource" in e
            ]
        elif "resourceType" in value:
            entries.append({"resource": value})
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def _proposed_drugs(context: dict[str, Any], catalog: DrugCatalog) -> tuple[list[str], list[str]]:
    """Generic names of the selected draft MedicationRequests, and what could not be mapped."""
    orders = context.get("draftOrders") or {}
    selections = set(context.get("selections") or [])
    proposed: list[str] = []
    unmapped: list[str] = []
    for entry in orders.get("entry", []) if isinstance(orders, dict) else []:
        resource = entry.get("resource", {}) if isinstance(entry, dict) else {}
        if resource.get("resourceType") != "MedicationRequest":
            continue
        reference = f"MedicationRequest/{resource.get('id')}"
        if selections and reference not in selections:
            continue
        concept = resource.get("medicationCodeableConcept") or {}
        name = None
        for coding in concept.get("coding", []):
            if coding.get("system") == _RXNORM:
                name = next((d.name for d in catalog.drugs if d.rxnorm == coding.get("code")), None)
            if name is None and coding.get("display"):
                drug = catalog.resolve(str(coding["display"]))
                name = drug.name if drug else None
            if name:
                break
        if name is None and concept.get("text"):
            drug = catalog.resolve(str(concept["text"]))
            name = drug.name if drug else None
        if name is None:
            unmapped.append(concept.get("text") or reference)
        elif name not in proposed:
            proposed.append(name)
    return proposed, unmapped


def _preload() -> None:
    """Load and check the knowledge base and code tables before the first request."""
    kb = load_knowledge_base()
    load_criteria("IMWG2016")
    load_fhir_codes(kb.catalog)


def _cards_response(cards: list[Card]) -> JSONResponse:
    """The CDS Hooks answer, serialised once (null members left out)."""
    return JSONResponse(CdsResponse(cards=cards).model_dump(mode="json", exclude_none=True))


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    """Build the application (settings are checked first)."""
    settings = settings or ServiceSettings()
    settings.check()
    _preload()
    app = FastAPI(
        title="rrmm",
        version=__version__,
        description=(
            "Clinical decision support for relapsed and refractory multiple myeloma. Decision"
            " support for clinicians, not a prescription."
        ),
        responses=_ERRORS,
    )
    app.add_middleware(BodyLimitMiddleware, limit=settings.max_body_bytes)
    install_problem_handlers(app)
    feedback = FeedbackStore(settings.feedback_db)
    app.state.feedback = feedback
    cache = AnalysisCache()

    def cached_analysis(
        content: bytes, data: Any, as_of: date, criteria_id: str, regulator: str | None
    ) -> Analysis:
        key = AnalysisCache.key(content, as_of, criteria_id, regulator)
        found = cache.get(key)
        if found is None:
            found = analyse(data, as_of=as_of, criteria_id=criteria_id, regulator=regulator)
            cache.put(key, found)
        return found

    async def hook_analysis(request: Request, hook: CdsRequest, as_of: date | None) -> Analysis:
        raw = await request.body()
        content = raw.replace(hook.hookInstance.encode(), b"")
        return cached_analysis(
            content,
            _bundle_from_prefetch(hook.prefetch),
            _as_of(settings, as_of),
            "IMWG2016",
            settings.regulator,
        )

    app.include_router(page_router(settings))
    app.include_router(trials_router(settings))

    @app.get("/healthz", tags=["service"])
    def health() -> dict[str, str]:
        """Liveness: the service and its knowledge base version."""
        return {"status": "ok", "version": __version__, "kb_version": kb_version()}

    @app.post(
        "/v1/assess", tags=["rest"], response_model=AssessmentOut, openapi_extra=_PATIENT_BODY
    )
    async def assess_endpoint(
        request: Request,
        as_of: AsOf = None,
        criteria: CriteriaId = "IMWG2016",
    ) -> JSONResponse:
        """Assess a patient (IMWG status, lines, response, progression, refractoriness, risk)."""
        authenticate(request, settings)
        raw, data = await _json_body(request)
        analysis = cached_analysis(raw, data, _as_of(settings, as_of), criteria, None)
        return JSONResponse(
            evaluation_to_json(analysis.evaluation, kb_version(), analysis.problems)
        )

    @app.post("/v1/options", tags=["rest"], response_model=OptionsOut, openapi_extra=_PATIENT_BODY)
    async def options_endpoint(
        request: Request,
        as_of: AsOf = None,
        regulator: RegulatorName = settings.regulator,
        criteria: CriteriaId = "IMWG2016",
    ) -> JSONResponse:
        """Treatment options with label criteria, refractory components, cautions, evidence."""
        authenticate(request, settings)
        raw, data = await _json_body(request)
        analysis = cached_analysis(raw, data, _as_of(settings, as_of), criteria, regulator)
        assert analysis.options is not None
        ev = analysis.evaluation
        return JSONResponse(
            options_to_json(
                analysis.options,
                analysis.record.id,
                ev.criteria.id,
                str(ev.status.status),
                list(ev.labels),
            )
        )

    @app.get("/v1/kb/regimens", tags=["rest"])
    def regimens(request: Request) -> dict[str, Any]:
        """The regimens of the knowledge base with their indications."""
        authenticate(request, settings)
        kb = load_knowledge_base()
        return {
            "kb_version": kb.version,
            "regimens": [
                {
                    "id": r.id,
                    "name": r.name,
                    "kind": r.kind,
                    "components": list(r.components),
                    "indications": [
                        {
                            "regulator": i.regulator,
                            "status": i.status,
                            "date": i.date,
                            "formulation": i.formulation,
                            "wording": i.wording,
                            "verified": i.verified,
                            "sources": [{"citation": s.citation, "url": s.url} for s in i.sources],
                        }
                        for i in r.indications
                    ],
                    "trials": [e.trial for e in r.evidence],
                }
                for r in kb.regimens
            ],
        }

    @app.get("/cds-services", tags=["cds-hooks"], response_model=Discovery)
    def discovery() -> Discovery:
        """CDS Hooks discovery."""
        return Discovery(services=SERVICES)

    @app.post("/cds-services/rrmm-patient-view", tags=["cds-hooks"], response_model=CdsResponse)
    async def patient_view(request: Request, hook: CdsRequest, as_of: AsOf = None) -> JSONResponse:
        """Cards for a myeloma patient's chart."""
        authenticate(request, settings)
        if hook.hook != "patient-view":
            raise ProblemError(
                422, "Wrong hook", f"this service answers patient-view, not {hook.hook}"
            )
        analysis = await hook_analysis(request, hook, as_of)
        return _cards_response(patient_view_cards(analysis, hook.hookInstance))

    @app.post("/cds-services/rrmm-order-select", tags=["cds-hooks"], response_model=CdsResponse)
    async def order_select(request: Request, hook: CdsRequest, as_of: AsOf = None) -> JSONResponse:
        """Check the selected draft orders against the patient."""
        authenticate(request, settings)
        if hook.hook != "order-select":
            raise ProblemError(
                422, "Wrong hook", f"this service answers order-select, not {hook.hook}"
            )
        kb = load_knowledge_base()
        proposed, unmapped = _proposed_drugs(hook.context, kb.catalog)
        analysis = await hook_analysis(request, hook, as_of)
        return _cards_response(
            order_select_cards(analysis, proposed, unmapped, hook.hookInstance, kb.catalog)
        )

    @app.post("/cds-services/{service_id}/feedback", tags=["cds-hooks"])
    def feedback_endpoint(
        request: Request, service_id: str, body: FeedbackRequest
    ) -> dict[str, int]:
        """Record whether cards were accepted or overridden (and why)."""
        authenticate(request, settings)
        if service_id not in {s.id for s in SERVICES}:
            raise ProblemError(404, "Not found", f"no CDS service '{service_id}'")
        feedback.add(
            [
                FeedbackRecord(
                    service=service_id,
                    card=item.card,
                    outcome=item.outcome,
                    outcome_timestamp=item.outcomeTimestamp,
                    reason_code=item.overrideReason.reason.code
                    if item.overrideReason and item.overrideReason.reason
                    else None,
                    reason_display=item.overrideReason.reason.display
                    if item.overrideReason and item.overrideReason.reason
                    else None,
                    user_comment=item.overrideReason.userComment if item.overrideReason else None,
                )
                for item in body.feedback
            ]
        )
        return {"stored": len(body.feedback)}

    return app
