"""Schemas of the knowledge-base files, checked whenever a file is loaded."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from rrmm.core.drugs import DrugClass

__all__ = ["CriteriaFile", "DrugEntry", "DrugsFile", "RuleEntry", "Source"]


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
