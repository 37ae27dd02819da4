"""OMOP CDM 5.4 → :class:`rrmm.core.model.PatientRecord`, from columnar per-person arrays."""

from rrmm.adapters.omop.read import (
    Built,
    DrugRows,
    LabRows,
    PersonRows,
    ProcedureRows,
    build_record,
    map_drugs,
    map_measurements,
    map_procedures,
    parse_isotype,
)

__all__ = [
    "Built",
    "DrugRows",
    "LabRows",
    "PersonRows",
    "ProcedureRows",
    "build_record",
    "map_drugs",
    "map_measurements",
    "map_procedures",
    "parse_isotype",
]
