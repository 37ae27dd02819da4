"""Validate a Bundle with fhir.resources (FHIR R4 data through the R4B models).

The Bundle's own elements are validated first (with the entries' resources set aside), then
each entry's resource with the model of its ``resourceType``. Every validation error becomes
an ERROR problem located like ``Bundle.entry[3](Observation/obs-7).valueQuantity.value``.
fhir.resources does not enforce terminology bindings; the reader checks the codes it uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.resource import Resource
from pydantic import ValidationError

from rrmm.adapters.fhir.nodes import Report

__all__ = ["entry_label", "fhir_path", "validate_bundle"]


def fhir_path(base: str, loc: Sequence[int | str]) -> str:
    """``base`` followed by a pydantic error location written the FHIR way (``a.b[0].c``)."""
    path = base
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def entry_label(index: int, resource: object) -> str:
    """``Bundle.entry[3](Observation/obs-7)``: the entry, its type and id when known."""
    if not isinstance(resource, dict):
        return f"Bundle.entry[{index}]"
    kind = resource.get("resourceType")
    ident = resource.get("id")
    shown = f"{kind}/{ident}" if isinstance(ident, str) else f"{kind}"
    return f"Bundle.entry[{index}]({shown})"


def _report_errors(error: ValidationError, base: str, report: Report) -> None:
    for detail in error.errors():
        loc = [part for part in detail["loc"] if part != "resource_type"]
        message = str(detail["msg"]).split("\n")[0].strip()
        report.error(fhir_path(base, loc), f"invalid FHIR: {message}", detail.get("input"))


def _shell(data: dict[str, Any]) -> dict[str, Any]:
    entries = data.get("entry")
    if not isinstance(entries, list):
        return data
    stripped = [
        {key: value for key, value in entry.items() if key != "resource"}
        if isinstance(entry, dict)
        else entry
        for entry in entries
    ]
    return {**data, "entry": stripped}


def _resource_class(kind: object) -> type[Resource] | None:
    if not isinstance(kind, str):
        return None
    try:
        model = get_fhir_model_class(kind)
    except ValueError:
        return None
    return model if issubclass(model, Resource) else None


def _validate_resource(index: int, resource: object, report: Report) -> bool:
    label = entry_label(index, resource)
    if not isinstance(resource, dict):
        report.error(label, "invalid FHIR: the entry's resource is not an object", resource)
        return False
    model = _resource_class(resource.get("resourceType"))
    if model is None:
        kind = resource.get("resourceType")
        report.error(f"{label}.resourceType", "invalid FHIR: not a FHIR R4 resource type", kind)
        return False
    try:
        model.model_validate(resource)
    except ValidationError as error:
        _report_errors(error, label, report)
        return False
    return True


def validate_bundle(data: dict[str, Any], report: Report) -> list[int]:
    """Validate the Bundle and each resource; return the indexes of the valid entries."""
    try:
        Bundle.model_validate(_shell(data))
    except ValidationError as error:
        _report_errors(error, "Bundle", report)
    entries = data.get("entry")
    if not isinstance(entries, list):
        return []
    valid = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or "resource" not in entry:
            report.warning(f"Bundle.entry[{index}]", "entry without a resource: nothing to read")
            continue
        if _validate_resource(index, entry["resource"], report):
            valid.append(index)
    return valid
