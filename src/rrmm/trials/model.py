"""Trials and their eligibility criteria: immutable domain objects with no I/O.

A :class:`Trial` is what rrmm keeps of a ClinicalTrials.gov study record (API v2
JSON or the legacy free text): identity, status, the registry's structured age and
sex limits and the eligibility text. A :class:`Criterion` is one inclusion or
exclusion statement with the exact source text it came from and, when the parser
(or a curated file) understood it, the :class:`~rrmm.trials.rules.Rule` that decides
it. A criterion without a rule "needs review": it is never counted as met.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from rrmm.trials.rules import Rule

__all__ = ["Criterion", "CriterionKind", "Origin", "ParsedTrial", "Sex", "Trial"]


class CriterionKind(StrEnum):
    """Whether a criterion must hold (inclusion) or must not (exclusion)."""

    INCLUSION = "inclusion"
    EXCLUSION = "exclusion"


class Origin(StrEnum):
    """Where a criterion's rule came from."""

    PARSER = "parser"
    REGISTRY = "registry"
    CURATED = "curated"


class Sex(StrEnum):
    """The registry's sex field (CT.gov v2 ``eligibilityModule.sex``)."""

    ALL = "ALL"
    FEMALE = "FEMALE"
    MALE = "MALE"


@dataclass(frozen=True, slots=True)
class Trial:
    """One study record as read from a registry.

    ``status`` is the CT.gov v2 overall status (``RECRUITING``, ``COMPLETED``...);
    ``minimum_age``/``maximum_age`` are in years, ``None`` when the registry gives
    none; ``eligibility_text`` is the free text exactly as published.
    """

    nct_id: str
    title: str | None = None
    status: str | None = None
    phases: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()
    interventions: tuple[str, ...] = ()
    eligibility_text: str = ""
    minimum_age: float | None = None
    maximum_age: float | None = None
    minimum_age_text: str | None = None
    maximum_age_text: str | None = None
    sex: Sex = Sex.ALL
    source: str = ""


@dataclass(frozen=True, slots=True)
class Criterion:
    """One eligibility statement.

    ``text`` is the source sentence(s) exactly as published (whitespace collapsed);
    ``section`` names the heading path it sat under ("Inclusion Criteria > Renal");
    ``rule`` is ``None`` when the statement needs review; ``note`` says why.
    For an exclusion criterion the text describes the excluding condition.
    """

    text: str
    kind: CriterionKind
    rule: Rule | None = None
    section: str = ""
    origin: Origin = Origin.PARSER
    note: str = ""

    @property
    def parsed(self) -> bool:
        """Whether a rule decides this criterion (otherwise it needs review)."""
        return self.rule is not None


@dataclass(frozen=True, slots=True)
class ParsedTrial:
    """A trial with its criteria, parsed once and matched against many patients."""

    trial: Trial
    criteria: tuple[Criterion, ...]

    @property
    def review_count(self) -> int:
        """How many criteria need review (no rule)."""
        return sum(1 for c in self.criteria if c.rule is None)
