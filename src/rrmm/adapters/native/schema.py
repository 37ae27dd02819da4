"""The JSON Schema of ``rrmm.patient/1``, generated from the document models."""

from __future__ import annotations

from typing import Any

from rrmm.adapters.native.document import PatientDocument

__all__ = ["patient_json_schema"]


def patient_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) for native patient files."""
    schema = PatientDocument.model_json_schema(mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
