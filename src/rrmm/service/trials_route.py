"""``POST /v1/trials/match``: a patient matched against clinical trials, criterion by criterion.

The body is ``{"patient": <rrmm.patient/1 JSON or FHIR Bundle>, "trials": [<CT.gov API v2
study>, ...]}``; without ``trials`` the trials the service was started with (``rrmm serve
--trials SOURCE``) are used, parsed once. ``?format=fhir`` answers a FHIR R4 searchset Bundle of
``ResearchStudy`` resources instead of the rrmm JSON contract (docs/trials.md).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from rrmm.adapters.patient_input import read_patient_data
from rrmm.adapters.problems import Severity
from rrmm.kb import load_criteria, load_knowledge_base
from rrmm.service.engine import problems_as_errors
from rrmm.service.problems import ProblemError
from rrmm.service.security import authenticate
from rrmm.service.settings import ServiceSettings
from rrmm.trials.ctgov_records import TrialRecordError, trial_from_v2
from rrmm.trials.match_json import match_to_json
from rrmm.trials.model import ParsedTrial
from rrmm.trials.parser import parse_trial
from rrmm.trials.patient_context import MatchOptions
from rrmm.trials.research_study import match_to_researchstudy_bundle
from rrmm.trials.screen import screen
from rrmm.trials.sources import read_trials
from rrmm.trials.vocabulary import Vocabulary, build_vocabulary

__all__ = ["trials_router"]

_MAX_TRIALS = 2000


@cache
def _vocabulary() -> Vocabulary:
    return build_vocabulary(load_knowledge_base().catalog)


@cache
def _configured_trials(source: str) -> tuple[ParsedTrial, ...]:
    return tuple(parse_trial(t, _vocabulary()) for t in read_trials(Path(source)))


def _posted_trials(studies: Any) -> tuple[ParsedTrial, ...]:
    if not isinstance(studies, list) or not studies:
        raise ProblemError(422, "Invalid trials", "/trials must be a non-empty array of studies")
    if len(studies) > _MAX_TRIALS:
        raise ProblemError(422, "Too many trials", f"send at most {_MAX_TRIALS} studies")
    vocabulary = _vocabulary()
    parsed = []
    for index, study in enumerate(studies):
        try:
            parsed.append(parse_trial(trial_from_v2(study), vocabulary))
        except (TrialRecordError, TypeError, ValueError) as error:
            raise ProblemError(
                422,
                "Invalid trial record",
                f"/trials/{index}: {error}",
                [{"pointer": f"/trials/{index}", "message": str(error), "severity": "error"}],
            ) from None
    return tuple(parsed)


def _trials(body: dict[str, Any], settings: ServiceSettings) -> Sequence[ParsedTrial]:
    if "trials" in body:
        return _posted_trials(body["trials"])
    if settings.trials is None:
        raise ProblemError(
            422,
            "No trials",
            "send /trials (CT.gov API v2 studies) or start the service with --trials SOURCE",
        )
    return _configured_trials(settings.trials)


def trials_router(settings: ServiceSettings) -> APIRouter:
    """The trial-matching route."""
    router = APIRouter(tags=["rest"])

    @router.post("/v1/trials/match")
    async def match_trials(
        request: Request,
        as_of: Annotated[date | None, Query(description="Reading date (default today)")] = None,
        format: Annotated[str, Query(pattern="^(json|fhir)$")] = "json",
        conditions_complete: bool = False,
    ) -> JSONResponse:
        """Per trial and per criterion: met / not met / unknown with evidence; ranked."""
        authenticate(request, settings)
        try:
            body = json.loads(await request.body())
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise ProblemError(
                400, "Invalid JSON", f"the body is not valid JSON: {error}"
            ) from None
        if not isinstance(body, dict) or "patient" not in body:
            raise ProblemError(422, "Invalid request", "the body must be an object with /patient")
        trials = _trials(body, settings)
        reading = as_of or settings.as_of or date.today()
        kb = load_knowledge_base()
        result = read_patient_data(body["patient"], catalog=kb.catalog, as_of=reading)
        errors = tuple(p for p in result.problems if p.severity is Severity.ERROR)
        if result.record is None or errors:
            found = tuple(
                replace(p, pointer=f"/patient{p.pointer}") for p in (errors or result.problems)
            )
            raise ProblemError(
                422,
                "Invalid patient record",
                "the patient record has errors",
                problems_as_errors(found),
            )
        criteria = load_criteria("IMWG2016")
        options = MatchOptions(conditions_complete=conditions_complete)
        screening = screen(result.record, trials, kb.catalog, criteria, reading, options)
        if format == "fhir":
            payload = match_to_researchstudy_bundle(
                screening.matches, patient_id=result.record.id, as_of=reading
            )
        else:
            payload = match_to_json(
                screening.matches,
                patient_id=result.record.id,
                as_of=reading,
                options=options,
                criteria_id=criteria.id,
            )
        return JSONResponse(payload)

    return router
