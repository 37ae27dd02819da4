"""Schemas of the knowledge-base files, checked whenever a file is loaded."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from rrmm.core.drugs import DrugClass

__all__ = ["DrugEntry", "DrugsFile", "Source"]


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
