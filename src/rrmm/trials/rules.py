"""The rules a criterion can be reduced to: small, typed, hashable statements about a patient.

A rule is a statement that is true, false or undecidable for a patient ("ANC ≥ 1.0
×10⁹/L", "refractory to lenalidomide", "an allogeneic transplant at any time").
It says nothing about inclusion or exclusion: the criterion that holds it does. Values
are in the canonical units of :mod:`rrmm.core.analytes` (ANC and platelets ×10⁹/L,
haemoglobin, creatinine and bilirubin g/dL or mg/dL, creatinine clearance mL/min).

Rules are frozen dataclasses, so identical rules from different trials compare and
hash equal and the matcher evaluates each once per patient.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from rrmm.core.analytes import ANALYTES, Analyte
from rrmm.core.drugs import DrugClass
from rrmm.core.thresholds import above, at_least, at_most, below

__all__ = [
    "Age",
    "AllOf",
    "AnyOf",
    "Bound",
    "ConditionPresent",
    "Diagnosis",
    "DrugHistory",
    "Finding",
    "Lab",
    "Measurable",
    "Not",
    "Op",
    "Performance",
    "Permissive",
    "Pregnant",
    "PriorLines",
    "ProgressionOnLast",
    "RecentTherapy",
    "RefractoryToLast",
    "RelapsedRefractory",
    "Relation",
    "ResponseAchieved",
    "Rule",
    "SexIs",
    "Target",
    "Transplant",
    "Unrecordable",
    "describe",
]


class Op(StrEnum):
    """A comparison with a threshold."""

    GE = ">="
    GT = ">"
    LE = "<="
    LT = "<"

    @property
    def symbol(self) -> str:
        """The comparison as printed: ≥, >, ≤, <."""
        return {"<=": "≤", ">=": "≥"}.get(self.value, self.value)


@dataclass(frozen=True, slots=True)
class Bound:
    """One side of a range: ``value OP threshold`` (robust to conversion rounding)."""

    op: Op
    value: float

    def holds(self, value: float) -> bool:
        """Whether ``value`` satisfies the bound."""
        if self.op is Op.GE:
            return at_least(value, self.value)
        if self.op is Op.GT:
            return above(value, self.value)
        if self.op is Op.LE:
            return at_most(value, self.value)
        return below(value, self.value)

    def __str__(self) -> str:
        return f"{self.op.symbol} {self.value:g}"


class Relation(StrEnum):
    """What a patient's history with a drug or class must show."""

    EXPOSED = "exposed"
    REFRACTORY = "refractory"
    INTOLERANT = "intolerant"


@dataclass(frozen=True, slots=True)
class Target:
    """A drug, a set of drugs or classes, as a criterion names it.

    ``name`` is how the criterion says it ("anti-CD38 antibody"); a drug matches
    when its generic name is in ``drugs`` or one of its classes is in ``classes``;
    ``cell_therapy`` matches any CAR-T product or infusion; ``any_antimyeloma``
    matches every anti-myeloma drug of the catalogue; ``uncatalogued`` marks drug names
    the catalogue does not know (no record can hold them, so they never match).
    """

    name: str
    drugs: frozenset[str] = frozenset()
    classes: frozenset[DrugClass] = frozenset()
    cell_therapy: bool = False
    any_antimyeloma: bool = False
    uncatalogued: bool = False


@dataclass(frozen=True, slots=True)
class Age:
    """Age in whole years within the bounds."""

    bounds: tuple[Bound, ...]


@dataclass(frozen=True, slots=True)
class SexIs:
    """Administrative sex is ``female`` or ``male``."""

    sex: Literal["female", "male"]


@dataclass(frozen=True, slots=True)
class Performance:
    """Latest performance status within the bounds, on the ECOG/WHO/Zubrod or Karnofsky scale."""

    scale: Literal["ecog", "karnofsky"]
    bounds: tuple[Bound, ...]


@dataclass(frozen=True, slots=True)
class Lab:
    """Latest value of a laboratory analyte against a threshold.

    ``relative`` is ``uln`` when the threshold is a multiple of the laboratory's upper
    limit of normal (decidable only when the record gives the value's reference_high),
    ``lln`` for the lower limit, and empty for an absolute value in the analyte's
    canonical unit.
    """

    analyte: Analyte
    bound: Bound
    relative: Literal["", "uln", "lln"] = ""


@dataclass(frozen=True, slots=True)
class Measurable:
    """Measurable disease now, by the trial's own thresholds.

    ``None`` for a component means the trial does not accept it. ``specified`` is
    False when the trial only says "measurable disease": then IMWG 2016 thresholds
    decide "met" and the lenient 0.5 g/dL serum threshold decides "not met".
    """

    serum_g_dl: float | None = 0.5
    urine_mg_24h: float | None = 200.0
    flc_mg_l: float | None = 100.0
    specified: bool = True


@dataclass(frozen=True, slots=True)
class PriorLines:
    """Number of prior lines (IMWG) or regimens within the bounds."""

    bounds: tuple[Bound, ...]
    counting: Literal["lines", "regimens"] = "lines"


@dataclass(frozen=True, slots=True)
class DrugHistory:
    """Exposure, refractoriness or intolerance to a target; ``at_least`` of its drugs."""

    target: Target
    relation: Relation
    at_least: int = 1


@dataclass(frozen=True, slots=True)
class RefractoryToLast:
    """Progression on, or within 60 days of the end of, the most recent line."""


@dataclass(frozen=True, slots=True)
class ProgressionOnLast:
    """Documented progression on or after the most recent line."""


@dataclass(frozen=True, slots=True)
class ResponseAchieved:
    """A confirmed best response of at least ``level`` (IMWG category) on some prior line."""

    level: str = "PR"


@dataclass(frozen=True, slots=True)
class RelapsedRefractory:
    """Relapsed or refractory myeloma: treated, with progression on or after some line."""


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """A diagnosis of multiple myeloma is recorded."""


@dataclass(frozen=True, slots=True)
class Transplant:
    """A stem-cell transplant of this kind, at any time or within ``within_days``."""

    kind: Literal["autologous", "allogeneic", "any"]
    within_days: int | None = None


@dataclass(frozen=True, slots=True)
class RecentTherapy:
    """A therapy of ``target`` taken within ``within_days`` before the matching date.

    ``broad`` widens an ambiguous word ("chemotherapy"): therapy of ``broad`` but not
    of ``target`` in the window leaves the rule undecided instead of false.
    """

    target: Target
    within_days: int
    broad: Target | None = None


@dataclass(frozen=True, slots=True)
class ConditionPresent:
    """A recorded condition (active, or ``ever``), at ``grade_at_least`` or above."""

    name: str
    grade_at_least: int | None = None
    ever: bool = False


@dataclass(frozen=True, slots=True)
class Finding:
    """A cytogenetic finding (a field of CytogeneticFinding, e.g. ``t11_14``) is present."""

    name: str


@dataclass(frozen=True, slots=True)
class Pregnant:
    """Pregnant or breastfeeding: false for a male patient, undecidable otherwise."""


@dataclass(frozen=True, slots=True)
class Unrecordable:
    """Something the record format cannot hold (POEMS syndrome, hepatitis C): always unknown."""

    what: str


@dataclass(frozen=True, slots=True)
class Permissive:
    """A statement that allows something and restricts nothing ("prior ASCT is allowed")."""

    what: str


@dataclass(frozen=True, slots=True)
class AllOf:
    """Every item holds."""

    items: tuple[Rule, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    """At least one item holds."""

    items: tuple[Rule, ...]


@dataclass(frozen=True, slots=True)
class Not:
    """The item does not hold."""

    item: Rule


Rule = (
    Age
    | SexIs
    | Performance
    | Lab
    | Measurable
    | PriorLines
    | DrugHistory
    | RefractoryToLast
    | ProgressionOnLast
    | RelapsedRefractory
    | ResponseAchieved
    | Diagnosis
    | Transplant
    | RecentTherapy
    | ConditionPresent
    | Finding
    | Pregnant
    | Unrecordable
    | Permissive
    | AllOf
    | AnyOf
    | Not
)


def _bounds(bounds: tuple[Bound, ...]) -> str:
    return " and ".join(str(b) for b in bounds)


def _days(days: int) -> str:
    return f"{days // 7} weeks" if days % 7 == 0 and days >= 14 else f"{days} days"


def describe(rule: Rule) -> str:
    """The rule in words, as the parser understood it."""
    if isinstance(rule, Age):
        return f"age {_bounds(rule.bounds)} years"
    if isinstance(rule, SexIs):
        return f"sex {rule.sex}"
    if isinstance(rule, Performance):
        return f"{'ECOG' if rule.scale == 'ecog' else 'Karnofsky'} {_bounds(rule.bounds)}"
    if isinstance(rule, Lab):
        info = ANALYTES[rule.analyte]
        if rule.relative:
            return f"{info.title} {rule.bound} × {rule.relative.upper()}"
        return f"{info.title} {rule.bound} {info.canonical_unit}"
    if isinstance(rule, Measurable):
        parts = []
        if rule.serum_g_dl is not None:
            parts.append(f"serum M-protein ≥ {rule.serum_g_dl:g} g/dL")
        if rule.urine_mg_24h is not None:
            parts.append(f"urine M-protein ≥ {rule.urine_mg_24h:g} mg/24h")
        if rule.flc_mg_l is not None:
            parts.append(f"involved FLC ≥ {rule.flc_mg_l:g} mg/L with abnormal ratio")
        if not rule.specified:
            return "measurable disease (thresholds not given: IMWG)"
        return "measurable disease: " + " or ".join(parts)
    if isinstance(rule, PriorLines):
        return f"prior {rule.counting} {_bounds(rule.bounds)}"
    if isinstance(rule, DrugHistory):
        count = f"at least {rule.at_least} of " if rule.at_least > 1 else ""
        return f"{rule.relation} to {count}{rule.target.name}"
    if isinstance(rule, RefractoryToLast):
        return "refractory to the most recent line"
    if isinstance(rule, ProgressionOnLast):
        return "progression on or after the most recent line"
    if isinstance(rule, RelapsedRefractory):
        return "relapsed or refractory myeloma"
    if isinstance(rule, ResponseAchieved):
        return f"best response {rule.level} or better on a prior line"
    if isinstance(rule, Diagnosis):
        return "diagnosis of multiple myeloma"
    if isinstance(rule, Transplant):
        kind = "stem-cell" if rule.kind == "any" else rule.kind
        when = f" within {_days(rule.within_days)}" if rule.within_days is not None else ""
        return f"{kind} transplant{when}"
    if isinstance(rule, RecentTherapy):
        return f"{rule.target.name} within {_days(rule.within_days)}"
    if isinstance(rule, ConditionPresent):
        grade = f" grade ≥ {rule.grade_at_least}" if rule.grade_at_least is not None else ""
        when = "history of " if rule.ever else ""
        return f"{when}{rule.name.replace('_', ' ')}{grade}"
    if isinstance(rule, Finding):
        return f"cytogenetic finding {rule.name}"
    if isinstance(rule, Pregnant):
        return "pregnant or breastfeeding"
    if isinstance(rule, Unrecordable):
        return f"{rule.what} (not in the record format)"
    if isinstance(rule, Permissive):
        return f"allowed: {rule.what}"
    if isinstance(rule, AllOf):
        return " and ".join(f"({describe(item)})" for item in rule.items)
    if isinstance(rule, AnyOf):
        return " or ".join(f"({describe(item)})" for item in rule.items)
    return f"not ({describe(rule.item)})"
