"""Map ClinicalTrials.gov records (API v2 study JSON, legacy CSV rows) to :class:`Trial`.

Pure functions over already-parsed data; reading files is the job of
:mod:`rrmm.trials.sources`. API v2 field names follow the study data structure at
https://clinicaltrials.gov/data-api/about-api/study-data-structure:
``protocolSection.identificationModule.nctId``/``briefTitle``,
``statusModule.overallStatus``, ``designModule.phases``, ``conditionsModule.conditions``,
``armsInterventionsModule.interventions[].name``, ``eligibilityModule.eligibilityCriteria``
/``minimumAge``/``maximumAge``/``sex``. Ages are written "18 Years", "6 Months".

The legacy rows are those of the HINT benchmark CSV (columns ``nctid, status, phase,
diseases, drugs, criteria``): lists are Python literals (``['lenalidomide']``), status and
phase are lower-case words ("active, not recruiting", "phase 1/phase 2").
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from typing import Any

from rrmm.trials.model import Sex, Trial

__all__ = ["TrialRecordError", "age_in_years", "trial_from_legacy_row", "trial_from_v2"]

_NCT = re.compile(r"^NCT\d{8}$")
_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(years?|months?|weeks?|days?|hours?|minutes?)\s*$", re.I)
_PER_YEAR = {
    "year": 1.0,
    "month": 12.0,
    "week": 52.1775,
    "day": 365.25,
    "hour": 8766.0,
    "minute": 525960.0,
}


class TrialRecordError(ValueError):
    """A record that is not a study record (no NCT id, wrong shape)."""


def age_in_years(text: str | None) -> float | None:
    """An age as CT.gov writes it ("18 Years", "6 Months") in years; None when absent."""
    if text is None or not text.strip() or text.strip().upper() in ("N/A", "NA"):
        return None
    found = _AGE.match(text)
    if found is None:
        raise TrialRecordError(f"cannot read age '{text}'")
    unit = found.group(2).lower().rstrip("s")
    return float(found.group(1)) / _PER_YEAR[unit]


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise TrialRecordError(f"{where} is not an object")
    return value


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(str(item) for item in value if isinstance(item, str | int | float))


def trial_from_v2(study: Mapping[str, Any]) -> Trial:
    """A trial from one API v2 study object (``{"protocolSection": {...}, ...}``)."""
    protocol = _mapping(study.get("protocolSection"), "protocolSection")
    ident = _mapping(protocol.get("identificationModule"), "identificationModule")
    nct_id = ident.get("nctId")
    if not isinstance(nct_id, str) or not _NCT.match(nct_id):
        raise TrialRecordError(f"study without a valid nctId ({nct_id!r})")
    status = _mapping(protocol.get("statusModule"), "statusModule")
    design = _mapping(protocol.get("designModule"), "designModule")
    conditions = _mapping(protocol.get("conditionsModule"), "conditionsModule")
    arms = _mapping(protocol.get("armsInterventionsModule"), "armsInterventionsModule")
    eligibility = _mapping(protocol.get("eligibilityModule"), "eligibilityModule")
    interventions = []
    for item in arms.get("interventions") or []:
        if isinstance(item, Mapping) and isinstance(item.get("name"), str):
            interventions.append(item["name"])
    sex_text = str(eligibility.get("sex") or "ALL").upper()
    minimum = eligibility.get("minimumAge")
    maximum = eligibility.get("maximumAge")
    criteria = eligibility.get("eligibilityCriteria")
    return Trial(
        nct_id=nct_id,
        title=ident.get("briefTitle") if isinstance(ident.get("briefTitle"), str) else None,
        status=str(status["overallStatus"]) if status.get("overallStatus") else None,
        phases=_strings(design.get("phases")),
        conditions=_strings(conditions.get("conditions")),
        interventions=tuple(interventions),
        eligibility_text=criteria if isinstance(criteria, str) else "",
        minimum_age=age_in_years(minimum if isinstance(minimum, str) else None),
        maximum_age=age_in_years(maximum if isinstance(maximum, str) else None),
        minimum_age_text=minimum if isinstance(minimum, str) else None,
        maximum_age_text=maximum if isinstance(maximum, str) else None,
        sex=Sex(sex_text) if sex_text in Sex.__members__ else Sex.ALL,
        source="ctgov-v2",
    )


def _literal_list(text: str) -> tuple[str, ...]:
    text = text.strip()
    if not text:
        return ()
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return (text,)
    if isinstance(value, list | tuple):
        return tuple(str(item) for item in value)
    return (str(value),)


def _legacy_status(text: str) -> str | None:
    words = text.strip()
    if not words:
        return None
    if words == "unknown status":
        return "UNKNOWN"
    return re.sub(r"[^A-Z]+", "_", words.upper()).strip("_")


def _legacy_phases(text: str) -> tuple[str, ...]:
    return tuple(f"PHASE{m}" for m in re.findall(r"phase\s*(\d)", text.lower())) or (
        ("EARLY_PHASE1",) if "early" in text.lower() else ()
    )


def trial_from_legacy_row(row: Mapping[str, str]) -> Trial:
    """A trial from one row of the HINT/TOP benchmark CSV (legacy CT.gov free text)."""
    nct_id = (row.get("nctid") or "").strip()
    if not _NCT.match(nct_id):
        raise TrialRecordError(f"row without a valid nctid ({nct_id!r})")
    return Trial(
        nct_id=nct_id,
        title=None,
        status=_legacy_status(row.get("status") or ""),
        phases=_legacy_phases(row.get("phase") or ""),
        conditions=_literal_list(row.get("diseases") or ""),
        interventions=_literal_list(row.get("drugs") or ""),
        eligibility_text=row.get("criteria") or "",
        source="ctgov-legacy",
    )
