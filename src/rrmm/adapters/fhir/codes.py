"""The code tables of the FHIR adapter: ``kb/fhir-codes.yaml``, schema-checked, as lookups.

The file is data with sources (LOINC, SNOMED CT, ICD-10-CM, NCIt, RxNorm and the mCODE
extension URLs); this module validates it with pydantic and turns it into the dictionaries
the reader and the writer use. Unverified codes are kept and flagged so that every use of
one can be reported.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from rrmm.adapters.fhir.systems import ICD10CM, LOINC, NCIT, RXNORM, SNOMED
from rrmm.core.analytes import Analyte
from rrmm.core.drugs import DrugCatalog
from rrmm.core.model import ConditionName, ImmunofixationResult, ProcedureKind, StopReason
from rrmm.kb import KnowledgeBaseError, read_kb_file

__all__ = [
    "CodeEntry",
    "CodeTables",
    "FhirCodesFile",
    "Term",
    "UnitKind",
    "load_fhir_codes",
]

FILE = "fhir-codes.yaml"
UnitKind = Literal["mass", "substance", "any"]
SystemName = Literal["loinc", "snomed", "ncit", "icd10"]
_SYSTEMS: dict[str, str] = {"loinc": LOINC, "snomed": SNOMED, "ncit": NCIT, "icd10": ICD10CM}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceEntry(_Strict):
    """A citation for codes in the file."""

    citation: str = Field(min_length=10)
    url: str | None = None


class CodeEntry(_Strict):
    """One code with its display, source and whether the source confirmed it."""

    code: str = Field(min_length=1)
    display: str = Field(min_length=1)
    source: str
    verified: bool
    write: bool = False


class LoincEntry(CodeEntry):
    """A LOINC code of an analyte, with the kind of unit it is defined for."""

    unit_kind: UnitKind


class AnswerEntry(CodeEntry):
    """A coded answer from SNOMED CT or LOINC."""

    system: Literal["snomed", "loinc"]


class SystemCodeEntry(CodeEntry):
    """A code with its code system named."""

    system: SystemName


class RxNormEntry(CodeEntry):
    """An RxNorm code (clinical drug, brand, dose form) and the catalogue drug it contains."""

    drug: str


class SnomedSection(_Strict):
    """SNOMED CT codes by use."""

    diagnosis: list[CodeEntry]
    conditions: dict[ConditionName, list[CodeEntry]]
    procedures: dict[ProcedureKind, list[CodeEntry]]
    stop_reasons: dict[StopReason, list[CodeEntry]]
    intents_without_rrmm_equivalent: list[CodeEntry]
    disease_status: dict[Literal["improved", "stable", "worsened", "undetermined"], list[CodeEntry]]


class Icd10Section(_Strict):
    """ICD-10-CM codes by use."""

    diagnosis: list[CodeEntry]
    conditions: dict[ConditionName, list[CodeEntry]]


class McodeExtensions(_Strict):
    """Extension URLs of mCODE."""

    procedure_intent: str
    treatment_intent: str
    termination_reason: str
    evidence_type: str


class McodeProfiles(_Strict):
    """Profile URLs of mCODE that rrmm claims in ``meta.profile``."""

    cancer_disease_status: str
    ecog: str


class McodeSection(_Strict):
    """mCODE (STU4) elements rrmm reads and writes."""

    ig_version: str
    extensions: McodeExtensions
    profiles: McodeProfiles
    cancer_disease_status: SystemCodeEntry
    ecog: SystemCodeEntry
    evidence_laboratory: SystemCodeEntry
    iss_stage: SystemCodeEntry
    iss_values: dict[Literal["1", "2", "3"], SystemCodeEntry]


class FhirCodesFile(_Strict):
    """``fhir-codes.yaml``."""

    kb: Literal["fhir_codes"]
    schema_version: Literal["1"]
    as_of: date
    sources: dict[str, SourceEntry]
    loinc: dict[Analyte, list[LoincEntry]]
    answers: dict[ImmunofixationResult, list[AnswerEntry]]
    snomed: SnomedSection
    icd10: Icd10Section
    mcode: McodeSection
    rxnorm: list[RxNormEntry]

    @model_validator(mode="after")
    def _consistent(self) -> FhirCodesFile:
        for entry in self._entries():
            if entry.source not in self.sources:
                raise ValueError(f"code {entry.code} cites unknown source '{entry.source}'")
        for analyte, entries in self.loinc.items():
            kinds = [e.unit_kind for e in entries if e.write]
            if len(kinds) != len(set(kinds)):
                raise ValueError(f"{analyte}: more than one code to write for one unit kind")
        return self

    def _entries(self) -> list[CodeEntry]:
        found: list[CodeEntry] = [e for entries in self.loinc.values() for e in entries]
        found += [e for entries in self.answers.values() for e in entries]
        s, i, m = self.snomed, self.icd10, self.mcode
        groups: list[Mapping[Any, list[CodeEntry]]] = [
            s.conditions,
            s.procedures,
            s.stop_reasons,
            s.disease_status,
            i.conditions,
        ]
        found += [e for group in groups for entries in group.values() for e in entries]
        found += [*s.diagnosis, *s.intents_without_rrmm_equivalent, *i.diagnosis, *self.rxnorm]
        found += [m.cancer_disease_status, m.ecog, m.evidence_laboratory, m.iss_stage]
        found += list(m.iss_values.values())
        return found


@dataclass(frozen=True, slots=True)
class Term:
    """A code in its system, with its display and whether a source confirmed it."""

    system: str
    code: str
    display: str
    verified: bool

    def coding(self) -> dict[str, str]:
        """The FHIR Coding."""
        return {"system": self.system, "code": self.code, "display": self.display}


Key = tuple[str, str]
_T = TypeVar("_T")


@dataclass(frozen=True)
class CodeTables:
    """Every lookup the adapter needs, built once from the file and the drug catalogue."""

    file: FhirCodesFile
    analyte_by_loinc: dict[str, tuple[Analyte, UnitKind, Term]]
    loinc_to_write: dict[tuple[Analyte, UnitKind], Term]
    answers: dict[Key, ImmunofixationResult]
    answer_to_write: dict[ImmunofixationResult, Term]
    diagnosis: dict[Key, Term]
    diagnosis_to_write: Term
    conditions: dict[Key, tuple[ConditionName, Term]]
    condition_to_write: dict[ConditionName, Term]
    procedures: dict[Key, tuple[ProcedureKind, Term]]
    procedure_to_write: dict[ProcedureKind, Term]
    stop_reasons: dict[Key, tuple[StopReason, Term]]
    stop_reason_to_write: dict[StopReason, Term]
    mcode_intents: dict[Key, Term]
    disease_status: dict[str, Term]
    iss_values: dict[Key, int]
    iss_to_write: dict[int, Term]
    drug_by_rxnorm: dict[str, tuple[str, Term]]
    rxnorm_by_drug: dict[str, Term]

    def term(self, entry: SystemCodeEntry) -> Term:
        """The Term of an mCODE entry."""
        return Term(_SYSTEMS[entry.system], entry.code, entry.display, entry.verified)


def _term(system: str, entry: CodeEntry) -> Term:
    return Term(system, entry.code, entry.display, entry.verified)


def _written(system: str, entries: list[CodeEntry]) -> Term | None:
    chosen = [entry for entry in entries if entry.write]
    return _term(system, chosen[0]) if chosen else None


def _by_key(system: str, table: dict[_T, list[CodeEntry]]) -> dict[Key, tuple[_T, Term]]:
    return {
        (system, entry.code): (name, _term(system, entry))
        for name, entries in table.items()
        for entry in entries
    }


def _to_write(system: str, table: dict[_T, list[CodeEntry]]) -> dict[_T, Term]:
    result: dict[_T, Term] = {}
    for name, entries in table.items():
        term = _written(system, entries)
        if term is not None:
            result[name] = term
    return result


def _loinc_tables(
    data: FhirCodesFile,
) -> tuple[dict[str, tuple[Analyte, UnitKind, Term]], dict[tuple[Analyte, UnitKind], Term]]:
    by_code = {
        entry.code: (analyte, entry.unit_kind, _term(LOINC, entry))
        for analyte, entries in data.loinc.items()
        for entry in entries
    }
    to_write = {
        (analyte, entry.unit_kind): _term(LOINC, entry)
        for analyte, entries in data.loinc.items()
        for entry in entries
        if entry.write
    }
    return by_code, to_write


def _answer_tables(
    data: FhirCodesFile,
) -> tuple[dict[Key, ImmunofixationResult], dict[ImmunofixationResult, Term]]:
    systems = {"snomed": SNOMED, "loinc": LOINC}
    by_key = {
        (systems[e.system], e.code): result
        for result, entries in data.answers.items()
        for e in entries
    }
    to_write = {
        result: _term(systems[e.system], e)
        for result, entries in data.answers.items()
        for e in entries
        if e.write
    }
    return by_key, to_write


def _rxnorm_tables(
    data: FhirCodesFile, catalog: DrugCatalog
) -> tuple[dict[str, tuple[str, Term]], dict[str, Term]]:
    by_code: dict[str, tuple[str, Term]] = {}
    by_drug: dict[str, Term] = {}
    for drug in catalog.drugs:
        if drug.rxnorm:
            term = Term(RXNORM, drug.rxnorm, drug.name, "codes" not in drug.unverified)
            by_code[drug.rxnorm] = (drug.name, term)
            by_drug[drug.name] = term
    for entry in data.rxnorm:
        generic = catalog.resolve(entry.drug)
        if generic is None or generic.name != entry.drug:
            raise KnowledgeBaseError(f"{FILE}: RxNorm {entry.code} names unknown drug {entry.drug}")
        by_code.setdefault(entry.code, (entry.drug, _term(RXNORM, entry)))
    return by_code, by_drug


def build_tables(data: FhirCodesFile, catalog: DrugCatalog) -> CodeTables:
    """Turn the validated file into lookups (raises KnowledgeBaseError on inconsistencies)."""
    loinc_by_code, loinc_to_write = _loinc_tables(data)
    answers, answer_to_write = _answer_tables(data)
    drug_by_rxnorm, rxnorm_by_drug = _rxnorm_tables(data, catalog)
    snomed, icd = data.snomed, data.icd10
    diagnosis = {(SNOMED, e.code): _term(SNOMED, e) for e in snomed.diagnosis}
    diagnosis.update({(ICD10CM, e.code): _term(ICD10CM, e) for e in icd.diagnosis})
    diagnosis_to_write = _written(SNOMED, list(snomed.diagnosis))
    if diagnosis_to_write is None:
        raise KnowledgeBaseError(f"{FILE}: no diagnosis code to write")
    conditions = _by_key(SNOMED, snomed.conditions) | _by_key(ICD10CM, icd.conditions)
    iss = data.mcode.iss_values
    return CodeTables(
        file=data,
        analyte_by_loinc=loinc_by_code,
        loinc_to_write=loinc_to_write,
        answers=answers,
        answer_to_write=answer_to_write,
        diagnosis=diagnosis,
        diagnosis_to_write=diagnosis_to_write,
        conditions=conditions,
        condition_to_write=_to_write(SNOMED, snomed.conditions),
        procedures=_by_key(SNOMED, snomed.procedures),
        procedure_to_write=_to_write(SNOMED, snomed.procedures),
        stop_reasons=_by_key(SNOMED, snomed.stop_reasons),
        stop_reason_to_write=_to_write(SNOMED, snomed.stop_reasons),
        mcode_intents={
            (SNOMED, e.code): _term(SNOMED, e) for e in snomed.intents_without_rrmm_equivalent
        },
        disease_status={
            name: _term(SNOMED, entries[0]) for name, entries in snomed.disease_status.items()
        },
        iss_values={(_SYSTEMS[e.system], e.code): int(stage) for stage, e in iss.items()},
        iss_to_write={
            int(stage): Term(_SYSTEMS[e.system], e.code, e.display, e.verified)
            for stage, e in iss.items()
        },
        drug_by_rxnorm=drug_by_rxnorm,
        rxnorm_by_drug=rxnorm_by_drug,
    )


def load_fhir_codes_file() -> FhirCodesFile:
    """Load and schema-check ``fhir-codes.yaml``."""
    try:
        return FhirCodesFile.model_validate(read_kb_file(FILE))
    except ValidationError as error:
        raise KnowledgeBaseError(f"knowledge base file {FILE}: {error}") from error


_BUILT: dict[int, tuple[DrugCatalog, CodeTables]] = {}


def load_fhir_codes(catalog: DrugCatalog) -> CodeTables:
    """The adapter's code tables for this drug catalogue (built once per catalogue)."""
    built = _BUILT.get(id(catalog))
    if built is None or built[0] is not catalog:
        built = (catalog, build_tables(_cached_file(), catalog))
        _BUILT[id(catalog)] = built
    return built[1]


@cache
def _cached_file() -> FhirCodesFile:
    return load_fhir_codes_file()
