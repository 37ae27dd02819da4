"""The JSON shape of a trial-matching result (``rrmm trials match --json``, POST /v1/trials/match).

Pure functions from matches to plain dicts. The contract::

    {"format": "rrmm.trial-match/1", "patient_id": ..., "as_of": "YYYY-MM-DD",
     "convention": ..., "options": {...}, "summary": {...},
     "trials": [{"nct_id": ..., "title": ..., "status": ..., "rank": 1,
                 "verdict": "eligible" | "excluded" | "possibly_eligible",
                 "unknown_count": N, "needs_review_count": N,
                 "criteria": [{"text": ..., "kind": "inclusion" | "exclusion",
                               "verdict": "met" | "not_met" | "unknown",
                               "effect": "favourable" | "rules_out" | "undecided",
                               "evidence": ..., "parsed": true, "rule": ...,
                               "origin": "parser" | "registry" | "curated",
                               "section": ...}]}]}

``verdict`` "met" means the criterion's statement is true of the patient; for an
exclusion criterion that statement is the excluding condition, so "met" excludes.
``effect`` says it directly. An unparsed criterion is always "unknown".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from rrmm.trials.matcher import CriterionResult, TrialMatch, TrialVerdict
from rrmm.trials.patient_context import MatchOptions
from rrmm.trials.rules import describe

__all__ = ["CONVENTION", "DISCLAIMER", "FORMAT", "criterion_to_json", "match_to_json"]

FORMAT = "rrmm.trial-match/1"
CONVENTION = (
    "criterion verdict 'met' means the criterion's statement is true of the patient; for an"
    " exclusion criterion the statement is the excluding condition, so 'met' excludes the"
    " patient. 'effect' states the consequence: favourable, rules_out or undecided. A criterion"
    " the parser could not read is 'unknown' and never counted as met."
)
DISCLAIMER = (
    "Trial pre-screening from the recorded history, not an eligibility decision: every"
    " criterion must be confirmed by the study team against the current protocol."
)


def criterion_to_json(result: CriterionResult) -> dict[str, Any]:
    """One criterion's verdict as JSON."""
    criterion = result.criterion
    return {
        "text": criterion.text,
        "kind": criterion.kind.value,
        "verdict": result.verdict.value,
        "effect": result.effect.value,
        "evidence": result.evidence,
        "parsed": criterion.rule is not None,
        "rule": describe(criterion.rule) if criterion.rule is not None else None,
        "origin": criterion.origin.value,
        "section": criterion.section,
    }


def _trial_json(match: TrialMatch, rank: int) -> dict[str, Any]:
    trial = match.trial
    return {
        "nct_id": trial.nct_id,
        "title": trial.title,
        "status": trial.status,
        "phases": list(trial.phases),
        "rank": rank,
        "verdict": match.verdict.value,
        "unknown_count": match.unknown_count,
        "needs_review_count": match.review_count,
        "ruling_out": [r.criterion.text for r in match.ruling_out],
        "url": f"https://clinicaltrials.gov/study/{trial.nct_id}",
        "criteria": [criterion_to_json(r) for r in match.results],
    }


def match_to_json(
    matches: Sequence[TrialMatch],
    *,
    patient_id: str,
    as_of: date,
    options: MatchOptions | None = None,
    criteria_id: str | None = None,
) -> dict[str, Any]:
    """The matching result for one patient as JSON (matches in rank order)."""
    chosen = options or MatchOptions()
    counts = {verdict.value: 0 for verdict in TrialVerdict}
    for match in matches:
        counts[match.verdict.value] += 1
    return {
        "format": FORMAT,
        "patient_id": patient_id,
        "as_of": as_of.isoformat(),
        "criteria_set": criteria_id,
        "convention": CONVENTION,
        "disclaimer": DISCLAIMER,
        "options": {
            "lab_window_days": chosen.lab_window_days,
            "conditions_complete": chosen.conditions_complete,
        },
        "summary": {"trials": len(matches), **counts},
        "trials": [_trial_json(match, rank) for rank, match in enumerate(matches, start=1)],
    }
