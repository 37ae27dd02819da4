"""The therapy knowledge base as typed, immutable objects (its content lives in kb/*.yaml).

Regimens with their indications per regulator (as structured criteria), evidence,
cautions and supportive care, each with its sources and a verified flag.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from rrmm.core.criteria import Citation
from rrmm.core.drugs import DrugCatalog, DrugClass

__all__ = [
    "CautionRule",
    "CriterionKind",
    "Evidence",
    "Indication",
    "KnowledgeBase",
    "LabelCriterion",
    "OptionsPolicy",
    "PatientTest",
    "Regimen",
    "SupportiveRule",
    "Target",
]


@dataclass(frozen=True, slots=True)
class Target:
    """A drug or a drug class, with how many of the class are needed."""

    drug: str | None = None
    drug_class: DrugClass | None = None
    at_least: int = 1

    def __str__(self) -> str:
        if self.drug is not None:
            return self.drug
        assert self.drug_class is not None
        name = str(self.drug_class).replace("_", " ")
        return f"{self.at_least} {name}s" if self.at_least > 1 else f"a {name}"


class CriterionKind(StrEnum):
    """The kinds of label criteria."""

    PRIOR_AT_LEAST = "prior_lines_at_least"
    PRIOR_AT_MOST = "prior_lines_at_most"
    EXPOSED = "exposed"
    REFRACTORY = "refractory"
    NOT_REFRACTORY = "not_refractory"
    NOT_EXPOSED = "not_exposed"
    PROGRESSION_ON_LAST = "progression_on_last_therapy"
    FINDING = "finding"
    ANY = "any"


@dataclass(frozen=True, slots=True)
class LabelCriterion:
    """One condition of an indication."""

    kind: CriterionKind
    number: int | None = None
    target: Target | None = None
    finding: str | None = None
    alternatives: tuple[tuple[LabelCriterion, ...], ...] = ()


@dataclass(frozen=True, slots=True)
class Indication:
    """A regulator's indication (or non-approval) for a regimen."""

    regulator: str
    status: str
    wording: str
    criteria: tuple[LabelCriterion, ...]
    sources: tuple[Citation, ...]
    verified: bool = True
    date: str | None = None
    formulation: str | None = None
    note: str | None = None

    @property
    def usable(self) -> bool:
        """Whether the regimen is on label under this indication (approved or accelerated)."""
        return self.status in ("approved", "accelerated")


@dataclass(frozen=True, slots=True)
class Evidence:
    """A trial behind a regimen."""

    trial: str
    phase: str
    population: str
    sources: tuple[Citation, ...]
    n: int | None = None
    comparator: str | None = None
    orr_percent: float | None = None
    cr_or_better_percent: float | None = None
    median_pfs_months: float | None = None
    comparator_median_pfs_months: float | None = None
    pfs_hazard_ratio: float | None = None
    result: str | None = None
    caveats: tuple[str, ...] = ()
    verified: bool = True


@dataclass(frozen=True, slots=True)
class Regimen:
    """A regimen of the knowledge base."""

    id: str
    name: str
    components: tuple[str, ...]
    kind: str
    indications: tuple[Indication, ...]
    evidence: tuple[Evidence, ...] = ()
    schedules: tuple[str, ...] = ()
    step_up_hospitalization: bool = False
    note: str | None = None


@dataclass(frozen=True, slots=True)
class PatientTest:
    """A test on the patient's record: ``kind`` with a name and/or number.

    Kinds: always, condition (active now, grade ≥ number), condition_ever,
    any_condition (names), creatinine_clearance_below, creatinine_clearance_unknown,
    lvef_below, igg_below_mg_dl, finding_not.
    """

    kind: str
    names: tuple[str, ...] = ()
    number: float | None = None


@dataclass(frozen=True, slots=True)
class CautionRule:
    """A caution or contraindication that applies to some regimens."""

    id: str
    text: str
    severity: str
    when: PatientTest
    sources: tuple[Citation, ...]
    drugs: tuple[str, ...] = ()
    classes: tuple[DrugClass, ...] = ()
    kinds: tuple[str, ...] = ()
    verified: bool = True
    note: str | None = None


@dataclass(frozen=True, slots=True)
class SupportiveRule:
    """A supportive-care item for some regimens (or all) and some patients."""

    id: str
    category: str
    text: str
    sources: tuple[Citation, ...]
    drugs: tuple[str, ...] = ()
    classes: tuple[DrugClass, ...] = ()
    kinds: tuple[str, ...] = ()
    all: bool = False
    when: PatientTest | None = None
    unless: PatientTest | None = None
    verified: bool = True
    note: str | None = None


@dataclass(frozen=True, slots=True)
class OptionsPolicy:
    """Thresholds for retreatment, salvage transplant and fitness, and ranking weights."""

    retreatment_min_months: float
    retreatment_min_response: str
    retreatment_sources: tuple[Citation, ...]
    retreatment_verified: bool
    transplant_min_months: float
    transplant_sources: tuple[Citation, ...]
    fit_ecog_at_most: int
    fitness_sources: tuple[Citation, ...]
    trial_sources: tuple[Citation, ...]
    weights: dict[str, float] = field(hash=False)


@dataclass(frozen=True)
class KnowledgeBase:
    """Everything the options engine reads."""

    version: str
    catalog: DrugCatalog
    regimens: tuple[Regimen, ...]
    cautions: tuple[CautionRule, ...]
    supportive: tuple[SupportiveRule, ...]
    policy: OptionsPolicy

    def regimen(self, regimen_id: str) -> Regimen:
        """The regimen with this id; KeyError if unknown."""
        for regimen in self.regimens:
            if regimen.id == regimen_id:
                return regimen
        raise KeyError(regimen_id)
