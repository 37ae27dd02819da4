"""Read knowledge-base files from the installed package and check them against their schema."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from rrmm.core.drugs import Drug, DrugCatalog
from rrmm.kb.schema import DrugsFile

__all__ = ["KnowledgeBaseError", "load_drug_catalog", "read_kb_file"]


class KnowledgeBaseError(RuntimeError):
    """A knowledge-base file is missing, unreadable or breaks its schema."""


def read_kb_file(name: str) -> Any:
    """Parse one YAML file of the packaged knowledge base (YAML 1.2, safe loader)."""
    try:
        text = resources.files("rrmm.kb").joinpath(name).read_text(encoding="utf-8")
        return YAML(typ="safe", pure=True).load(text)
    except (OSError, YAMLError) as error:
        raise KnowledgeBaseError(f"knowledge base file {name}: {error}") from error


def load_drugs_file() -> DrugsFile:
    """Load and schema-check ``drugs.yaml``."""
    try:
        return DrugsFile.model_validate(read_kb_file("drugs.yaml"))
    except ValidationError as error:
        raise KnowledgeBaseError(f"knowledge base file drugs.yaml: {error}") from error


@cache
def load_drug_catalog() -> DrugCatalog:
    """The drug catalogue of the packaged knowledge base."""
    data = load_drugs_file()
    return DrugCatalog(
        tuple(
            Drug(
                name=entry.name,
                classes=tuple(entry.classes),
                brands=tuple(entry.brands),
                synonyms=tuple(entry.synonyms),
                rxnorm=entry.codes.rxnorm,
                omop_concept_id=entry.codes.omop,
                antimyeloma=entry.antimyeloma,
                cell_therapy=entry.cell_therapy,
                status=entry.status,
                sources=tuple(entry.sources),
                unverified=tuple(entry.unverified),
            )
            for entry in data.drugs
        )
    )
