"""Read a patient from any supported input: native rrmm.patient/1 (YAML/JSON) or a FHIR Bundle.

The format is detected from the content: a JSON object whose ``resourceType`` is
``Bundle`` is read by the FHIR adapter, anything else as the native format.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from rrmm.adapters.fhir import is_fhir_bundle, read_bundle
from rrmm.adapters.native.read import MAX_BYTES, ReadResult, read_patient
from rrmm.adapters.problems import Problem
from rrmm.core.drugs import DrugCatalog

__all__ = ["read_patient_data", "read_patient_path", "read_patient_text"]


def read_patient_data(data: Any, *, catalog: DrugCatalog, as_of: date) -> ReadResult:
    """Read already-parsed JSON: a FHIR Bundle or a native document."""
    if is_fhir_bundle(data):
        return read_bundle(data, catalog=catalog, as_of=as_of)
    return read_patient(json.dumps(data), syntax="json", catalog=catalog, as_of=as_of)


def read_patient_text(text: str, *, syntax: str, catalog: DrugCatalog, as_of: date) -> ReadResult:
    """Read text; JSON that holds a FHIR Bundle goes to the FHIR adapter."""
    if syntax == "json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            data = None
        if is_fhir_bundle(data):
            return read_patient_data(data, catalog=catalog, as_of=as_of)
    return read_patient(text, syntax=syntax, catalog=catalog, as_of=as_of)


def read_patient_path(path: Path, *, catalog: DrugCatalog, as_of: date) -> ReadResult:
    """Read a file (.yaml/.yml native; .json native or FHIR Bundle)."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            return ReadResult(
                None, (Problem("", f"file is {size} bytes; the limit is {MAX_BYTES}"),)
            )
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return ReadResult(None, (Problem("", f"cannot read file: {error}"),))
    syntax = "json" if path.suffix.lower() == ".json" else "yaml"
    return read_patient_text(text, syntax=syntax, catalog=catalog, as_of=as_of)
