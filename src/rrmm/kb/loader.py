"""Read knowledge-base files from the installed package and check them against their schema."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

from pydantic import TypeAdapter, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from rrmm.core.criteria import Citation, Criteria, Parameters, Rule
from rrmm.core.drugs import Drug, DrugCatalog
from rrmm.kb.schema import CriteriaFile, DrugsFile

__all__ = [
    "CRITERIA_FILES",
    "KnowledgeBaseError",
    "kb_version",
    "load_criteria",
    "load_drug_catalog",
    "read_kb_file",
]

CRITERIA_FILES = {"IMWG2016": "criteria-imwg2016.yaml"}


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


def load_criteria_file(criteria_id: str) -> CriteriaFile:
    """Load and schema-check the file of a named criteria set."""
    name = CRITERIA_FILES.get(criteria_id)
    if name is None:
        known = ", ".join(sorted(CRITERIA_FILES))
        raise KnowledgeBaseError(f"unknown criteria set '{criteria_id}'; known: {known}")
    try:
        return CriteriaFile.model_validate(read_kb_file(name))
    except ValidationError as error:
        raise KnowledgeBaseError(f"knowledge base file {name}: {error}") from error


@cache
def load_criteria(criteria_id: str = "IMWG2016") -> Criteria:
    """A criteria set of the packaged knowledge base, with its parameters and rules."""
    data = load_criteria_file(criteria_id)
    fields = set(Parameters.__dataclass_fields__)
    given = set(data.parameters)
    if fields != given:
        raise KnowledgeBaseError(
            f"criteria {criteria_id}: parameters missing {sorted(fields - given)},"
            f" unknown {sorted(given - fields)}"
        )
    citations = {
        key: Citation(key, source.citation, source.url) for key, source in data.sources.items()
    }
    rules = {
        rule.id: Rule(
            rule.id,
            rule.text,
            tuple(citations[key] for key in rule.sources),
            rule.verified,
            rule.note,
        )
        for rule in data.rules
    }
    try:
        parameters = TypeAdapter(Parameters).validate_python(data.parameters)
    except ValidationError as error:
        raise KnowledgeBaseError(f"criteria {criteria_id} parameters: {error}") from error
    return Criteria(data.id, data.title, data.as_of.isoformat(), parameters, rules)


@cache
def kb_version() -> str:
    """The knowledge base's version and as-of date, e.g. '2026.11.1 (as of 2026-11-21)'."""
    manifest = read_kb_file("manifest.yaml")
    if not isinstance(manifest, dict) or "version" not in manifest or "as_of" not in manifest:
        raise KnowledgeBaseError("knowledge base file manifest.yaml: needs version and as_of")
    return f"{manifest['version']} (as of {manifest['as_of']})"
