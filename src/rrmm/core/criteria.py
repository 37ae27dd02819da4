"""A named, versioned criteria set: the thresholds the IMWG engine applies and the rules it cites.

The content lives in the knowledge base (``kb/criteria-*.yaml``); this module
defines its shape. Every output records the criteria set's id, so a later
IMWG revision is a new set and never a silent change of an old answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

__all__ = ["Citation", "Criteria", "Parameters", "Rule"]


@dataclass(frozen=True, slots=True)
class Citation:
    """A source of a rule: a paper, a label or a guideline."""

    key: str
    citation: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule the engine evaluates, in words, with its sources."""

    id: str
    text: str
    sources: tuple[Citation, ...]
    verified: bool = True
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Parameters:
    """Thresholds and choices; units are in the names (canonical units of rrmm.core.analytes)."""

    serum_measurable_g_dl: float
    urine_measurable_mg_24h: float
    flc_measurable_mg_l: float
    flc_ratio_normal_low: float
    flc_ratio_normal_high: float
    marrow_pr_baseline_min_percent: float
    serum_pd_abs_g_dl: float
    serum_pd_abs_high_nadir_g_dl: float
    serum_high_nadir_g_dl: float
    urine_pd_abs_mg_24h: float
    flc_pd_abs_mg_l: float
    pd_relative: float
    marrow_pd_abs_percent: float
    clinical_calcium_mg_dl: float
    clinical_hb_fall_g_dl: float
    clinical_creatinine_rise_mg_dl: float
    relapse_from_cr_marrow_percent: float
    cr_marrow_max_percent: float
    mrd_sensitivity: float
    refractory_window_days: int
    minimum_exposure_days: int
    minimum_exposure_for_progression: bool
    nadir: Literal["confirmed", "lowest"]
    progression_evidence: Literal["imwg_confirmed", "imwg_or_documented"]
    simultaneous_markers_confirm: bool
    urine_rule: Literal["strict", "relaxed"]
    baseline_lookback_days: int
    assessment_window_days: int
    continuation_gap_days: int
    iss_window_days: int


@dataclass(frozen=True, slots=True)
class Criteria:
    """A criteria set: its id, parameters and rules."""

    id: str
    title: str
    as_of: str
    parameters: Parameters
    rules: dict[str, Rule] = field(hash=False)

    def rule(self, rule_id: str) -> Rule:
        """The rule with this id; KeyError if the set has none."""
        return self.rules[rule_id]

    def with_parameters(self, **changes: object) -> Criteria:
        """The same set with some parameters changed (the id records the change)."""
        if not changes:
            return self
        parameters = replace(self.parameters, **changes)  # type: ignore[arg-type]
        label = ",".join(f"{key}={value}" for key, value in sorted(changes.items()))
        return replace(self, id=f"{self.id}[{label}]", parameters=parameters)
