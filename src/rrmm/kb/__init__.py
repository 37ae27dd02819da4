"""The knowledge base: versioned, sourced data files shipped with rrmm, and their loader."""

from rrmm.kb.loader import (
    KnowledgeBaseError,
    kb_version,
    load_criteria,
    load_drug_catalog,
    load_knowledge_base,
    read_kb_file,
)

__all__ = [
    "KnowledgeBaseError",
    "kb_version",
    "load_criteria",
    "load_drug_catalog",
    "load_knowledge_base",
    "read_kb_file",
]
