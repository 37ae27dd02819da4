"""Read knowledge-base files from the installed package and check them against their schema."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from rrmm.core.criteria import Citation, Criteria, Parameters, Rule
from rrmm.core.drugs import Drug, DrugCatalog
from rrmm.core.knowledge import (
    CautionRule,
    CriterionKind,
    Evidence,
    Indication,
    KnowledgeBase,
    LabelCriterion,
    OptionsPolicy,
    PatientTest,
    Regimen,
    SupportiveRule,
    Target,
)
from rrmm.kb.schema import (
    CautionsFile,
    CriteriaFile,
    CriterionEntry,
    DrugRef,
    DrugsFile,
    EducationEntry,
    PatientEducationFile,
    PatientTestEntry,
    PolicyFile,
    RegimensFile,
    SourceFile,
    SupportiveFile,
)

__all__ = [
    "CRITERIA_FILES",
    "KnowledgeBaseError",
    "kb_version",
    "load_criteria",
    "load_drug_catalog",
    "load_knowledge_base",
    "load_patient_education",
    "read_kb_file",
    "unverified_patient_education",
]

CRITERIA_FILES = {"IMWG2016": "criteria-imwg2016.yaml"}
_M = TypeVar("_M", bound=BaseModel)


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


def load_sources_file() -> SourceFile:
    """Load and schema-check ``sources.yaml``."""
    try:
        return SourceFile.model_validate(read_kb_file("sources.yaml"))
    except ValidationError as error:
        raise KnowledgeBaseError(f"knowledge base file sources.yaml: {error}") from error


def _criteria_refs(entries: list[CriterionEntry]) -> list[DrugRef]:
    refs: list[DrugRef] = []
    for entry in entries:
        for ref in (entry.exposed, entry.refractory, entry.not_refractory, entry.not_exposed):
            if ref is not None:
                refs.append(ref)
        for group in entry.any or []:
            refs.extend(_criteria_refs(group))
    return refs


def load_regimens_file() -> RegimensFile:
    """Load ``regimens.yaml``, check its schema and that every drug and source it names exists."""
    try:
        data = RegimensFile.model_validate(read_kb_file("regimens.yaml"))
    except ValidationError as error:
        raise KnowledgeBaseError(f"knowledge base file regimens.yaml: {error}") from error
    catalog = load_drug_catalog()
    sources = load_sources_file().sources
    problems: list[str] = []
    ids = [regimen.id for regimen in data.regimens]
    problems += [f"regimen id '{i}' repeated" for i in sorted({i for i in ids if ids.count(i) > 1})]
    for regimen in data.regimens:
        for name in regimen.components:
            drug = catalog.resolve(name)
            if drug is None or drug.name != name:
                problems.append(f"{regimen.id}: component '{name}' is not a generic drug name")
        cited = [key for ind in regimen.indications for key in ind.sources]
        cited += [key for ev in regimen.evidence for key in ev.sources]
        problems += [f"{regimen.id}: unknown source '{key}'" for key in cited if key not in sources]
        for indication in regimen.indications:
            for ref in _criteria_refs(indication.criteria):
                if ref.drug is not None and catalog.resolve(ref.drug) is None:
                    problems.append(f"{regimen.id}: criterion names unknown drug '{ref.drug}'")
    if problems:
        raise KnowledgeBaseError("knowledge base file regimens.yaml: " + "; ".join(problems))
    return data


SOURCE_FILES = ("sources.yaml", "sources-care.yaml")


def load_all_sources() -> dict[str, Citation]:
    """Every citation of the shared source files, by key (a key may be defined once)."""
    citations: dict[str, Citation] = {}
    for name in SOURCE_FILES:
        try:
            data = SourceFile.model_validate(read_kb_file(name))
        except ValidationError as error:
            raise KnowledgeBaseError(f"knowledge base file {name}: {error}") from error
        for key, source in data.sources.items():
            if key in citations:
                raise KnowledgeBaseError(
                    f"knowledge base file {name}: source '{key}' defined twice"
                )
            citations[key] = Citation(key, source.citation, source.url)
    return citations


def _cite(keys: list[str], citations: dict[str, Citation], where: str) -> tuple[Citation, ...]:
    missing = [key for key in keys if key not in citations]
    if missing:
        raise KnowledgeBaseError(f"{where}: unknown source(s) {missing}")
    return tuple(citations[key] for key in keys)


def _patient_test(entry: PatientTestEntry) -> PatientTest:
    if entry.always:
        return PatientTest("always")
    if entry.condition is not None:
        return PatientTest("condition", (str(entry.condition),), entry.grade_at_least)
    if entry.condition_ever is not None:
        return PatientTest("condition_ever", (str(entry.condition_ever),), entry.grade_at_least)
    if entry.any_condition is not None:
        return PatientTest("any_condition", tuple(str(c) for c in entry.any_condition))
    if entry.creatinine_clearance_below is not None:
        return PatientTest("creatinine_clearance_below", (), entry.creatinine_clearance_below)
    if entry.creatinine_clearance_unknown:
        return PatientTest("creatinine_clearance_unknown")
    if entry.lvef_below is not None:
        return PatientTest("lvef_below", (), entry.lvef_below)
    if entry.igg_below_mg_dl is not None:
        return PatientTest("igg_below_mg_dl", (), entry.igg_below_mg_dl)
    assert entry.finding_not is not None
    return PatientTest("finding_not", (entry.finding_not,))


def _criterion(entry: CriterionEntry) -> LabelCriterion:
    def target(ref: DrugRef) -> Target:
        return Target(ref.drug, ref.drug_class, ref.at_least)

    if entry.prior_lines_at_least is not None:
        return LabelCriterion(CriterionKind.PRIOR_AT_LEAST, number=entry.prior_lines_at_least)
    if entry.prior_lines_at_most is not None:
        return LabelCriterion(CriterionKind.PRIOR_AT_MOST, number=entry.prior_lines_at_most)
    for kind, ref in (
        (CriterionKind.EXPOSED, entry.exposed),
        (CriterionKind.REFRACTORY, entry.refractory),
        (CriterionKind.NOT_REFRACTORY, entry.not_refractory),
        (CriterionKind.NOT_EXPOSED, entry.not_exposed),
    ):
        if ref is not None:
            return LabelCriterion(kind, target=target(ref))
    if entry.progression_on_last_therapy:
        return LabelCriterion(CriterionKind.PROGRESSION_ON_LAST)
    if entry.finding is not None:
        return LabelCriterion(CriterionKind.FINDING, finding=entry.finding)
    assert entry.any is not None
    return LabelCriterion(
        CriterionKind.ANY,
        alternatives=tuple(tuple(_criterion(c) for c in group) for group in entry.any),
    )


def _check_drugs(names: list[str], catalog: DrugCatalog, where: str) -> None:
    for name in names:
        drug = catalog.resolve(name)
        if drug is None or drug.name != name:
            raise KnowledgeBaseError(f"{where}: '{name}' is not a generic drug name")


def _regimens(citations: dict[str, Citation]) -> tuple[Regimen, ...]:
    data = load_regimens_file()
    regimens = []
    for entry in data.regimens:
        where = f"regimens.yaml {entry.id}"
        regimens.append(
            Regimen(
                id=entry.id,
                name=entry.name,
                components=tuple(entry.components),
                kind=entry.kind,
                indications=tuple(
                    Indication(
                        regulator=i.regulator,
                        status=i.status,
                        wording=i.wording,
                        criteria=tuple(_criterion(c) for c in i.criteria),
                        sources=_cite(i.sources, citations, where),
                        verified=i.verified,
                        date=i.date,
                        formulation=i.formulation,
                        note=i.note,
                    )
                    for i in entry.indications
                ),
                evidence=tuple(
                    Evidence(
                        trial=e.trial,
                        phase=e.phase,
                        population=e.population,
                        sources=_cite(e.sources, citations, where),
                        n=e.n,
                        comparator=e.comparator,
                        orr_percent=e.orr_percent,
                        cr_or_better_percent=e.cr_or_better_percent,
                        median_pfs_months=e.median_pfs_months,
                        comparator_median_pfs_months=e.comparator_median_pfs_months,
                        pfs_hazard_ratio=e.pfs_hazard_ratio,
                        result=e.result,
                        caveats=tuple(e.caveats),
                        verified=e.verified,
                    )
                    for e in entry.evidence
                ),
                schedules=tuple(entry.schedules),
                step_up_hospitalization=entry.step_up_hospitalization,
                note=entry.note,
            )
        )
    return tuple(regimens)


def _load(model: type[_M], name: str) -> _M:
    try:
        return model.model_validate(read_kb_file(name))
    except ValidationError as error:
        raise KnowledgeBaseError(f"knowledge base file {name}: {error}") from error


PATIENT_EDUCATION_FILE = "patient-education.yaml"


@cache
def load_patient_education() -> Mapping[str, EducationEntry]:
    """The patient report's fixed words by id, schema-checked, every source key known."""
    data = _load(PatientEducationFile, PATIENT_EDUCATION_FILE)
    citations = load_all_sources()
    for entry in data.texts:
        _cite(entry.sources, citations, f"{PATIENT_EDUCATION_FILE} {entry.id}")
    return MappingProxyType({entry.id: entry for entry in data.texts})


def unverified_patient_education() -> list[str]:
    """The patient-education entries marked unverified, named by id, with their notes."""
    return [
        f"patient text {entry.id}: {entry.note or 'not verified'}"
        for entry in load_patient_education().values()
        if not entry.verified
    ]


@cache
def load_knowledge_base() -> KnowledgeBase:
    """The whole therapy knowledge base, schema-checked and cross-checked.

    ``patient-education.yaml`` is loaded only by the patient report and ``rrmm kb validate``.
    """
    citations = load_all_sources()
    catalog = load_drug_catalog()
    cautions_file = _load(CautionsFile, "cautions.yaml")
    cautions = []
    for c in cautions_file.cautions:
        _check_drugs(c.drugs, catalog, f"cautions.yaml {c.id}")
        cautions.append(
            CautionRule(
                id=c.id,
                text=c.text,
                severity=c.severity,
                when=_patient_test(c.when),
                sources=_cite(c.sources, citations, f"cautions.yaml {c.id}"),
                drugs=tuple(c.drugs),
                classes=tuple(c.classes),
                kinds=tuple(c.kinds),
                verified=c.verified,
                note=c.note,
            )
        )
    supportive_file = _load(SupportiveFile, "supportive.yaml")
    supportive = []
    for s in supportive_file.items:
        _check_drugs(s.drugs, catalog, f"supportive.yaml {s.id}")
        supportive.append(
            SupportiveRule(
                id=s.id,
                category=s.category,
                text=s.text,
                sources=_cite(s.sources, citations, f"supportive.yaml {s.id}"),
                drugs=tuple(s.drugs),
                classes=tuple(s.classes),
                kinds=tuple(s.kinds),
                all=s.all,
                when=_patient_test(s.when) if s.when else None,
                unless=_patient_test(s.unless) if s.unless else None,
                verified=s.verified,
                note=s.note,
            )
        )
    policy_file = _load(PolicyFile, "options-policy.yaml")
    p = policy_file
    policy = OptionsPolicy(
        retreatment_min_months=p.retreatment.min_months_after_end or 12,
        retreatment_min_response=p.retreatment.min_response or "PR",
        retreatment_sources=_cite(p.retreatment.sources, citations, "options-policy.yaml"),
        retreatment_verified=p.retreatment.verified,
        transplant_min_months=p.transplant.min_months_to_progression or 18,
        transplant_sources=_cite(p.transplant.sources, citations, "options-policy.yaml"),
        fit_ecog_at_most=p.fitness.ecog_at_most if p.fitness.ecog_at_most is not None else 1,
        fitness_sources=_cite(p.fitness.sources, citations, "options-policy.yaml"),
        trial_sources=_cite(p.trial.sources, citations, "options-policy.yaml"),
        weights=dict(p.weights),
    )
    return KnowledgeBase(
        version=kb_version(),
        catalog=catalog,
        regimens=_regimens(citations),
        cautions=tuple(cautions),
        supportive=tuple(supportive),
        policy=policy,
    )
