"""Write the core patient record back as an ``rrmm.patient/1`` document (YAML or JSON).

The writer is the exact inverse of the reader: reading what it writes gives the
same record. Quantities keep the unit they were given in; drug names keep the
brand name or synonym the user wrote.
"""

from __future__ import annotations

import io
import json
from dataclasses import fields
from datetime import date
from typing import Any

from ruamel.yaml import YAML

from rrmm.core.model import (
    FORMAT,
    Condition,
    CytogeneticFinding,
    DrugUse,
    Immunofixation,
    LabPanel,
    Measurement,
    MrdResult,
    PatientRecord,
    Procedure,
    Therapy,
)
from rrmm.core.units import Quantity, format_number

__all__ = ["record_to_document", "write_json", "write_yaml"]


def _compact(mapping: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if v is not None and v != [] and v != ()}


def _quantity(quantity: Quantity) -> str | float:
    if quantity.unit == "1":
        if quantity.comparator is None:
            return quantity.value
        return f"{quantity.comparator}{format_number(quantity.value)}"
    return f"{quantity.comparator or ''}{format_number(quantity.value)} {quantity.unit}"


def _measurement(value: Measurement) -> Any:
    if value.reference_low is None and value.reference_high is None:
        return _quantity(value.quantity)
    return _compact(
        {
            "value": value.quantity.value,
            "unit": value.quantity.unit,
            "comparator": value.quantity.comparator,
            "reference_low": value.reference_low,
            "reference_high": value.reference_high,
        }
    )


def _lab_value(value: Measurement | Immunofixation | MrdResult) -> Any:
    if isinstance(value, Measurement):
        return _measurement(value)
    if isinstance(value, Immunofixation):
        return value.result.value
    return _compact(
        {
            "result": value.status.value,
            "method": value.method.value if value.method else None,
            "sensitivity": value.sensitivity,
        }
    )


def _panel(panel: LabPanel) -> dict[str, Any]:
    row: dict[str, Any] = {"date": panel.date}
    row.update({value.analyte.value: _lab_value(value) for value in panel.values})
    return _compact({**row, "id": panel.id, "notes": panel.notes})


def _drug(drug: DrugUse) -> Any:
    name = drug.written or drug.name
    if drug.start is None and drug.end is None and drug.stop_reason is None:
        return name
    return _compact(
        {"name": name, "start": drug.start, "end": drug.end, "stop_reason": drug.stop_reason}
    )


def _therapy(therapy: Therapy) -> dict[str, Any]:
    return _compact(
        {
            "regimen": therapy.regimen,
            "drugs": [_drug(drug) for drug in therapy.drugs],
            "start": therapy.start,
            "end": therapy.end,
            "intent": therapy.intent,
            "stop_reason": therapy.stop_reason,
            "line": therapy.line,
            "id": therapy.id,
            "notes": therapy.notes,
        }
    )


def _procedure(procedure: Procedure) -> dict[str, Any]:
    return _compact(
        {
            "procedure": procedure.kind,
            "date": procedure.date,
            "product": procedure.product,
            "tandem": procedure.tandem,
            "conditioning": list(procedure.conditioning),
            "intent": procedure.intent,
            "site": procedure.site,
            "line": procedure.line,
            "id": procedure.id,
            "notes": procedure.notes,
        }
    )


def _fields(item: CytogeneticFinding | Condition) -> dict[str, Any]:
    return _compact({f.name: getattr(item, f.name) for f in fields(item)})


def record_to_document(record: PatientRecord) -> dict[str, Any]:
    """The record as a native document of plain values (dates stay ``date`` objects)."""
    diagnosis = record.diagnosis
    document = {
        "format": FORMAT,
        "id": record.id,
        "sex": record.sex,
        "birth_date": record.birth_date,
        "diagnosis": None
        if diagnosis is None
        else _compact(
            {
                "date": diagnosis.date,
                "heavy_chain": diagnosis.heavy_chain,
                "light_chain": diagnosis.light_chain,
                "iss_stage": diagnosis.iss_stage,
                "notes": diagnosis.notes,
            }
        ),
        "findings": [_fields(finding) for finding in record.findings],
        "performance": [{"date": p.date, "ecog": p.ecog} for p in record.performance],
        "conditions": [_fields(condition) for condition in record.conditions],
        "therapies": [_therapy(therapy) for therapy in record.therapies],
        "procedures": [_procedure(procedure) for procedure in record.procedures],
        "labs": [_panel(panel) for panel in record.labs],
        "imaging": [
            _compact(
                {
                    "date": study.date,
                    "modality": study.modality,
                    "new_lesion": study.new_lesion,
                    "plasmacytomas": [
                        _compact(
                            {
                                "long_axis": _quantity(p.long_axis),
                                "short_axis": _quantity(p.short_axis),
                                "site": p.site,
                            }
                        )
                        for p in study.plasmacytomas
                    ],
                    "notes": study.notes,
                }
            )
            for study in record.imaging
        ],
        "events": [
            _compact({"date": e.date, "text": e.text, "kind": e.kind}) for e in record.events
        ],
        "death_date": record.death_date,
        "notes": record.notes,
    }
    plain: dict[str, Any] = _plain(_compact(document))
    return plain


def _plain(value: Any) -> Any:
    """Enums become their values; containers are copied."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, str):
        return str(value)
    return value


def write_yaml(record: PatientRecord) -> str:
    """The record as YAML 1.2 text."""
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.sort_base_mapping_type_on_output = False  # type: ignore[assignment]
    stream = io.StringIO()
    yaml.dump(record_to_document(record), stream)
    return stream.getvalue()


def write_json(record: PatientRecord) -> str:
    """The record as JSON text (dates as ISO 8601 strings)."""

    def default(value: object) -> str:
        if isinstance(value, date):
            return value.isoformat()
        raise TypeError(f"cannot write {type(value).__name__}")

    return json.dumps(record_to_document(record), indent=2, ensure_ascii=False, default=default)
