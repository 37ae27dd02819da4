"""Schemas of the knowledge-base files, checked whenever a file is loaded."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from rrmm.core.drugs import DrugClass
from rrmm.core.model import ConditionName

__all__ = [
    "CautionsFile",
    "CriteriaFile",
    "CriterionEntry",
    "DrugEntry",
    "DrugRef",
    "DrugsFile",
    "EducationEntry",
    "PatientEducationFile",
    "PolicyFile",
    "RegimensFile",
    "RuleEntry",
    "Source",
    "SourceFile",
    "SupportiveFile",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    """A citation for facts in the knowledge base."""

    citation: str = Field(min_length=10)
    url: str | None = None


class DrugCodes(_Strict):
    """Terminology codes of a drug's ingredient."""

    rxnorm: str | None = Field(default=None, pattern=r"^\d+$")
    omop: int | None = None


class DrugEntry(_Strict):
    """One drug of ``drugs.yaml``."""

    name: str = Field(min_length=2)
    classes: list[DrugClass] = Field(min_length=1)
    brands: list[str] = []
    synonyms: list[str] = []
    codes: DrugCodes = DrugCodes()
    antimyeloma: bool = True
    cell_therapy: bool = False
    status: Literal["marketed", "investigational", "withdrawn_us"] = "marketed"
    sources: list[str] = Field(min_length=1)
    unverified: list[Literal["brands", "synonyms", "codes", "classes", "status"]] = []


class DrugsFile(_Strict):
    """``drugs.yaml``: the drug catalogue."""

    kb: Literal["drugs"]
    schema_version: Literal["1"]
    as_of: date
    sources: dict[str, Source]
    drugs: list[DrugEntry] = Field(min_length=1)

    @model_validator(mode="after")
    def _sources_exist(self) -> DrugsFile:
        for drug in self.drugs:
            missing = [key for key in drug.sources if key not in self.sources]
            if missing:
                raise ValueError(f"drug '{drug.name}' cites unknown sources {missing}")
        return self


class RuleEntry(_Strict):
    """One rule of a criteria set."""

    id: str = Field(pattern=r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")
    text: str = Field(min_length=10)
    sources: list[str] = Field(min_length=1)
    verified: bool = True
    note: str | None = None


class CriteriaFile(_Strict):
    """``criteria-*.yaml``: a named criteria set."""

    kb: Literal["criteria"]
    schema_version: Literal["1"]
    id: str = Field(pattern=r"^[A-Z0-9_-]+$")
    title: str
    as_of: date
    sources: dict[str, Source]
    parameters: dict[str, float | int | bool | str]
    rules: list[RuleEntry] = Field(min_length=1)

    @model_validator(mode="after")
    def _sources_exist(self) -> CriteriaFile:
        ids = [rule.id for rule in self.rules]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"rule ids repeated: {repeated}")
        for rule in self.rules:
            missing = [key for key in rule.sources if key not in self.sources]
            if missing:
                raise ValueError(f"rule '{rule.id}' cites unknown sources {missing}")
        return self


class SourceFile(_Strict):
    """``sources.yaml``: citations shared by the regimen, caution and supportive-care files."""

    kb: Literal["sources"]
    schema_version: Literal["1"]
    as_of: date
    sources: dict[str, Source]


class DrugRef(_Strict):
    """A drug (generic name) or a class, optionally counted (refractory to ≥ 2 PIs)."""

    drug: str | None = None
    drug_class: DrugClass | None = Field(default=None, alias="class")
    at_least: int = Field(default=1, ge=1)

    @model_validator(mode="after")
    def _one(self) -> DrugRef:
        if (self.drug is None) == (self.drug_class is None):
            raise ValueError("give exactly one of 'drug' or 'class'")
        return self


class CriterionEntry(_Strict):
    """One condition of an indication; exactly one field is set."""

    prior_lines_at_least: int | None = Field(default=None, ge=0)
    prior_lines_at_most: int | None = Field(default=None, ge=0)
    exposed: DrugRef | None = None
    refractory: DrugRef | None = None
    not_refractory: DrugRef | None = None
    not_exposed: DrugRef | None = None
    progression_on_last_therapy: bool | None = None
    finding: Literal["t11_14", "del17p", "t4_14", "gain1q"] | None = None
    any: list[list[CriterionEntry]] | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> CriterionEntry:
        given = [name for name in type(self).model_fields if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(f"a criterion sets exactly one field, got {given or 'none'}")
        return self


class IndicationEntry(_Strict):
    """A regimen's indication (or its absence) from one regulator."""

    regulator: Literal["FDA", "EMA"]
    status: Literal["approved", "accelerated", "withdrawn", "not_approved", "off_label", "pending"]
    date: str | None = Field(default=None, pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$")
    formulation: Literal["iv", "sc"] | None = None
    wording: str = Field(min_length=10)
    criteria: list[CriterionEntry] = []
    sources: list[str] = Field(min_length=1)
    verified: bool = True
    note: str | None = None


class EvidenceEntry(_Strict):
    """A trial supporting a regimen."""

    trial: str
    phase: str
    n: int | None = Field(default=None, ge=1)
    population: str
    comparator: str | None = None
    orr_percent: float | None = Field(default=None, ge=0, le=100)
    cr_or_better_percent: float | None = Field(default=None, ge=0, le=100)
    median_pfs_months: float | None = Field(default=None, ge=0)
    comparator_median_pfs_months: float | None = Field(default=None, ge=0)
    pfs_hazard_ratio: float | None = Field(default=None, gt=0)
    result: str | None = None
    caveats: list[str] = []
    sources: list[str] = Field(min_length=1)
    verified: bool = True


class RegimenEntry(_Strict):
    """A regimen of ``regimens.yaml``."""

    id: str = Field(pattern=r"^[A-Za-z0-9-]+$")
    name: str
    components: list[str] = Field(min_length=0)
    kind: Literal["combination", "monotherapy", "car_t", "bispecific", "adc", "transplant"]
    schedules: list[str] = []
    step_up_hospitalization: bool = False
    indications: list[IndicationEntry] = Field(min_length=1)
    evidence: list[EvidenceEntry] = []
    note: str | None = None


class RegimensFile(_Strict):
    """``regimens.yaml``: regimens, their indications and evidence."""

    kb: Literal["regimens"]
    schema_version: Literal["1"]
    as_of: date
    regimens: list[RegimenEntry] = Field(min_length=1)


class PatientTestEntry(_Strict):
    """A test on the patient record; exactly one kind is set."""

    always: bool | None = None
    condition: ConditionName | None = None
    condition_ever: ConditionName | None = None
    grade_at_least: int | None = Field(default=None, ge=0, le=5)
    any_condition: list[ConditionName] | None = None
    creatinine_clearance_below: float | None = Field(default=None, gt=0)
    creatinine_clearance_unknown: bool | None = None
    lvef_below: float | None = Field(default=None, gt=0, le=100)
    igg_below_mg_dl: float | None = Field(default=None, gt=0)
    finding_not: Literal["t11_14", "del17p", "t4_14"] | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> PatientTestEntry:
        kinds = [
            name
            for name in type(self).model_fields
            if name != "grade_at_least" and getattr(self, name) is not None
        ]
        if len(kinds) != 1:
            raise ValueError(f"a patient test sets exactly one kind, got {kinds or 'none'}")
        if self.grade_at_least is not None and not (self.condition or self.condition_ever):
            raise ValueError("grade_at_least goes with condition or condition_ever")
        return self


class CautionEntry(_Strict):
    """One caution rule."""

    id: str = Field(pattern=r"^[a-z0-9-]+$")
    drugs: list[str] = []
    classes: list[DrugClass] = []
    kinds: list[str] = []
    when: PatientTestEntry
    severity: Literal["contraindication", "warning", "caution", "dose_adjustment", "monitoring"]
    text: str = Field(min_length=10)
    sources: list[str] = Field(min_length=1)
    verified: bool = True
    note: str | None = None


class CautionsFile(_Strict):
    """``cautions.yaml``."""

    kb: Literal["cautions"]
    schema_version: Literal["1"]
    as_of: date
    cautions: list[CautionEntry] = Field(min_length=1)


class SupportiveEntry(_Strict):
    """One supportive-care item."""

    id: str = Field(pattern=r"^[a-z0-9-]+$")
    category: str
    drugs: list[str] = []
    classes: list[DrugClass] = []
    kinds: list[str] = []
    all: bool = False
    when: PatientTestEntry | None = None
    unless: PatientTestEntry | None = None
    text: str = Field(min_length=10)
    sources: list[str] = Field(min_length=1)
    verified: bool = True
    note: str | None = None


class SupportiveFile(_Strict):
    """``supportive.yaml``."""

    kb: Literal["supportive"]
    schema_version: Literal["1"]
    as_of: date
    items: list[SupportiveEntry] = Field(min_length=1)


class PolicySection(_Strict):
    """A sourced threshold block of the options policy."""

    min_months_after_end: float | None = None
    min_response: Literal["MR", "PR", "VGPR", "CR"] | None = None
    min_months_to_progression: float | None = None
    ecog_at_most: int | None = None
    sources: list[str] = Field(min_length=1)
    verified: bool = True
    note: str | None = None


class PolicyFile(_Strict):
    """``options-policy.yaml``."""

    kb: Literal["options_policy"]
    schema_version: Literal["1"]
    as_of: date
    retreatment: PolicySection
    transplant: PolicySection
    fitness: PolicySection
    trial: PolicySection
    weights: dict[str, float]


class EducationEntry(_Strict):
    """One fixed sentence or paragraph of the patient report, with its sources."""

    id: str = Field(pattern=r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")
    text: str = Field(min_length=2)
    sources: list[str] = Field(min_length=1)
    verified: bool = True
    note: str | None = None

    @model_validator(mode="after")
    def _unverified_says_why(self) -> EducationEntry:
        if not self.verified and not self.note:
            raise ValueError(f"text '{self.id}' is marked unverified without a note")
        return self


class PatientEducationFile(_Strict):
    """``patient-education.yaml``: the patient report's fixed teaching words."""

    kb: Literal["patient_education"]
    schema_version: Literal["1"]
    as_of: date
    texts: list[EducationEntry] = Field(min_length=1)

    @model_validator(mode="after")
    def _ids_unique(self) -> PatientEducationFile:
        ids = [entry.id for entry in self.texts]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"text ids repeated: {repeated}")
        return self
