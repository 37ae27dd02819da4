"""Code system, extension and identifier URLs used by the FHIR adapter.

Standard systems are spelled as FHIR R4 and mCODE STU4 spell them (``AL_CodeSystems.fsh`` of
the mCODE IG). rrmm's own systems live under ``https://rrmm.dev/fhir``: they carry what no
standard code system covers (rrmm's intents, cytogenetic findings, imaging and line-of-therapy
summaries) so that a bundle rrmm writes reads back to the same record.
"""

from __future__ import annotations

__all__ = [
    "CONDITION_CLINICAL",
    "CS_ANALYTE",
    "CS_CONDITION",
    "CS_DISEASE_STATUS",
    "CS_FINDING",
    "CS_GENETIC_METHOD",
    "CS_HEAVY_CHAIN",
    "CS_INTENT",
    "CS_LABEL",
    "CS_LIGHT_CHAIN",
    "CS_MRD_METHOD",
    "CS_MRD_STATUS",
    "CS_OBSERVATION",
    "CS_PROCEDURE",
    "CS_RESPONSE",
    "CS_STOP_REASON",
    "CYTOGENETIC_FLAGS",
    "EXT_COURSE",
    "EXT_GRADE",
    "EXT_HEAVY_CHAIN",
    "EXT_LIGHT_CHAIN",
    "EXT_LINE",
    "EXT_LVEF",
    "EXT_MRD_SENSITIVITY",
    "EXT_PRODUCT",
    "EXT_RECORD_NOTE",
    "EXT_TANDEM",
    "ICD10CM",
    "LOINC",
    "NCIT",
    "OBSERVATION_CATEGORY",
    "RRMM",
    "RRMM_IDENTIFIER",
    "RXNORM",
    "SNOMED",
    "UCUM",
    "rrmm_code_system",
    "rrmm_extension",
]

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
UCUM = "http://unitsofmeasure.org"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
NCIT = "http://ncicb.nci.nih.gov/xml/owl/EVS/Thesaurus.owl"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"

RRMM = "https://rrmm.dev/fhir"
RRMM_IDENTIFIER = f"{RRMM}/identifier"


def rrmm_code_system(name: str) -> str:
    """The URL of one of rrmm's code systems (analyte, condition, intent...)."""
    return f"{RRMM}/CodeSystem/{name}"


def rrmm_extension(name: str) -> str:
    """The URL of one of rrmm's extensions (therapy-course, ctcae-grade...)."""
    return f"{RRMM}/StructureDefinition/{name}"


# The boolean fields of a CytogeneticFinding, each a code of rrmm's cytogenetic-finding system.
CYTOGENETIC_FLAGS = (
    "del17p",
    "t4_14",
    "t14_16",
    "t14_20",
    "t11_14",
    "gain1q",
    "amp1q",
    "del1p32",
    "del1p32_biallelic",
    "tp53_mutation",
    "hyperdiploid",
)

# rrmm code systems
CS_ANALYTE = rrmm_code_system("analyte")
CS_CONDITION = rrmm_code_system("condition")
CS_PROCEDURE = rrmm_code_system("procedure")
CS_INTENT = rrmm_code_system("intent")
CS_STOP_REASON = rrmm_code_system("stop-reason")
CS_OBSERVATION = rrmm_code_system("observation")
CS_FINDING = rrmm_code_system("cytogenetic-finding")
CS_GENETIC_METHOD = rrmm_code_system("genetic-method")
CS_MRD_METHOD = rrmm_code_system("mrd-method")
CS_MRD_STATUS = rrmm_code_system("mrd-status")
CS_HEAVY_CHAIN = rrmm_code_system("heavy-chain")
CS_LIGHT_CHAIN = rrmm_code_system("light-chain")
CS_RESPONSE = rrmm_code_system("imwg-response")
CS_DISEASE_STATUS = rrmm_code_system("disease-status")
CS_LABEL = rrmm_code_system("refractory-label")

# rrmm extensions
EXT_COURSE = rrmm_extension("therapy-course")
EXT_GRADE = rrmm_extension("ctcae-grade")
EXT_LVEF = rrmm_extension("lvef")
EXT_HEAVY_CHAIN = rrmm_extension("heavy-chain")
EXT_LIGHT_CHAIN = rrmm_extension("light-chain")
EXT_TANDEM = rrmm_extension("tandem")
EXT_LINE = rrmm_extension("line")
EXT_PRODUCT = rrmm_extension("cell-product")
EXT_RECORD_NOTE = rrmm_extension("record-note")
EXT_MRD_SENSITIVITY = rrmm_extension("mrd-sensitivity")
