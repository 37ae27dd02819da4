"""The knowledge base: versioned, sourced data files shipped with rrmm, and their loader."""

from rrmm.kb.loader import (
    KnowledgeBaseError,
    kb_version,
    load_criteria,
    load_drug_catalog,
    load_knowledge_base,
    load_patient_education,
    read_kb_file,
    unverified_patient_education,
)

__all__ = [
    "KnowledgeBaseError",
    "kb_version",
    "load_criteria",
    "load_drug_catalog",
    "load_knowledge_base",
    "load_patient_education",
    "read_kb_file",
    "unverified_patient_education",
]
