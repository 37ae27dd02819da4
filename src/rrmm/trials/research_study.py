"""The matching result as a FHIR R4 searchset Bundle of ResearchStudy resources.

One entry per trial, in rank order. Each ResearchStudy carries the NCT id
(``https://clinicaltrials.gov`` identifier system), title, status (CT.gov overall status
mapped to ResearchStudy.status), phase (research-study-phase codes) and conditions. Its
eligibility is a contained Group (``enrollment``) with one characteristic per criterion
(``exclude`` true for exclusion criteria); each characteristic carries the patient's
verdict and evidence as rrmm extensions. The entry's ``search`` holds the rank score and
the standard ``match-grade`` extension: eligible → probable, possibly eligible → possible,
excluded → certainly-not (pre-screening from a record is never "certain").

Score: eligible 1.0; possibly eligible 0.25 + 0.5 × (decided criteria / all criteria);
excluded 0.0.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from rrmm.adapters.fhir.systems import rrmm_code_system, rrmm_extension
from rrmm.trials.matcher import Effect, TrialMatch, TrialVerdict

__all__ = ["CTGOV_SYSTEM", "match_to_researchstudy_bundle"]

CTGOV_SYSTEM = "https://clinicaltrials.gov"
MATCH_GRADE = "http://hl7.org/fhir/StructureDefinition/match-grade"
PHASE_SYSTEM = "http://terminology.hl7.org/CodeSystem/research-study-phase"
EXT_MATCH = rrmm_extension("trial-match")
EXT_VERDICT = rrmm_extension("criterion-verdict")
EXT_EVIDENCE = rrmm_extension("criterion-evidence")
CS_CRITERION = rrmm_code_system("trial-criterion")

_STATUS = {
    "RECRUITING": "active",
    "ENROLLING_BY_INVITATION": "active",
    "NOT_YET_RECRUITING": "approved",
    "ACTIVE_NOT_RECRUITING": "closed-to-accrual",
    "SUSPENDED": "temporarily-closed-to-accrual",
    "TEMPORARILY_NOT_AVAILABLE": "temporarily-closed-to-accrual",
    "COMPLETED": "completed",
    "TERMINATED": "administratively-completed",
    "WITHDRAWN": "withdrawn",
}
_GRADE = {
    TrialVerdict.ELIGIBLE: "probable",
    TrialVerdict.POSSIBLY_ELIGIBLE: "possible",
    TrialVerdict.EXCLUDED: "certainly-not",
}


def _phase(phases: tuple[str, ...]) -> dict[str, Any] | None:
    numbers = sorted({p for p in phases if p.startswith(("PHASE", "EARLY_PHASE"))})
    if not numbers:
        return None
    if numbers == ["EARLY_PHASE1"]:
        code = "early-phase-1"
    elif len(numbers) == 2 and numbers[0][-1:].isdigit() and numbers[1][-1:].isdigit():
        code = f"phase-{numbers[0][-1]}-phase-{numbers[1][-1]}"
    else:
        code = f"phase-{numbers[-1][-1]}"
    return {"coding": [{"system": PHASE_SYSTEM, "code": code}], "text": "/".join(phases)}


def _score(match: TrialMatch) -> float:
    if match.verdict is TrialVerdict.ELIGIBLE:
        return 1.0
    if match.verdict is TrialVerdict.EXCLUDED:
        return 0.0
    total = len(match.results) or 1
    decided = sum(1 for r in match.results if r.effect is not Effect.UNDECIDED)
    return round(0.25 + 0.5 * decided / total, 4)


def _group(match: TrialMatch) -> dict[str, Any]:
    characteristics = []
    for index, result in enumerate(match.results, start=1):
        criterion = result.criterion
        characteristics.append(
            {
                "extension": [
                    {"url": EXT_VERDICT, "valueCode": result.verdict.value},
                    {"url": EXT_EVIDENCE, "valueString": result.evidence},
                ],
                "code": {
                    "coding": [{"system": CS_CRITERION, "code": f"{criterion.kind.value}-{index}"}],
                    "text": criterion.text,
                },
                "valueBoolean": True,
                "exclude": criterion.kind.value == "exclusion",
            }
        )
    return {
        "resourceType": "Group",
        "id": "eligibility",
        "type": "person",
        "actual": False,
        "name": f"Eligibility criteria of {match.trial.nct_id}",
        "characteristic": characteristics,
    }


def _study(match: TrialMatch, rank: int) -> dict[str, Any]:
    trial = match.trial
    study: dict[str, Any] = {
        "resourceType": "ResearchStudy",
        "id": trial.nct_id,
        "contained": [_group(match)],
        "extension": [
            {
                "url": EXT_MATCH,
                "extension": [
                    {"url": "verdict", "valueCode": match.verdict.value},
                    {"url": "unknownCount", "valueInteger": match.unknown_count},
                    {"url": "rank", "valueInteger": rank},
                ],
            }
        ],
        "identifier": [{"system": CTGOV_SYSTEM, "value": trial.nct_id}],
        "status": _STATUS.get((trial.status or "").upper(), "in-review"),
        "enrollment": [{"reference": "#eligibility"}],
    }
    if trial.title:
        study["title"] = trial.title
    phase = _phase(trial.phases)
    if phase is not None:
        study["phase"] = phase
    if trial.conditions:
        study["condition"] = [{"text": condition} for condition in trial.conditions]
    return study


def match_to_researchstudy_bundle(
    matches: Sequence[TrialMatch], *, patient_id: str, as_of: date
) -> dict[str, Any]:
    """A FHIR R4 searchset Bundle of the ranked trials for one patient."""
    entries = []
    for rank, match in enumerate(matches, start=1):
        entries.append(
            {
                "fullUrl": f"{CTGOV_SYSTEM}/study/{match.trial.nct_id}",
                "resource": _study(match, rank),
                "search": {
                    "extension": [{"url": MATCH_GRADE, "valueCode": _GRADE[match.verdict]}],
                    "mode": "match",
                    "score": _score(match),
                },
            }
        )
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "meta": {"tag": [{"system": rrmm_code_system("trial-match"), "code": patient_id}]},
        "timestamp": f"{as_of.isoformat()}T00:00:00Z",
        "total": len(entries),
        "entry": entries,
    }
