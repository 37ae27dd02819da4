"""Parsers for the scalar values of the native format: dates, quantities, drug names.

Each parser accepts exactly the forms the format documents and raises
:class:`pydantic_core.PydanticCustomError` with a message that says what was
expected; nothing is coerced silently (an integer is never read as a date, a
decimal comma is never read as a decimal point).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import ValidationInfo
from pydantic_core import PydanticCustomError

from rrmm.core.analytes import ANALYTES, Analyte, check_unit, plausibility_problem
from rrmm.core.drugs import DrugCatalog
from rrmm.core.model import (
    Immunofixation,
    ImmunofixationResult,
    Measurement,
    MrdMethod,
    MrdResult,
    MrdStatus,
)
from rrmm.core.units import Quantity, UnitError, lookup_unit

__all__ = [
    "QUANTITY_PATTERN",
    "DrugName",
    "ReadContext",
    "fail",
    "parse_date",
    "parse_drug_name",
    "parse_immunofixation",
    "parse_length",
    "parse_measurement",
    "parse_mrd",
]

QUANTITY_PATTERN = (
    r"^\s*(<=|>=|<|>)?\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)"
    r"\s*((?:10[*^]|[A-Za-z%/\[µμ]).*?)?\s*$"
)
_QUANTITY = re.compile(QUANTITY_PATTERN)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d")


class ReadContext:
    """What validators need beyond the document: the drug catalogue and today's date."""

    def __init__(self, catalog: DrugCatalog, as_of: date) -> None:
        self.catalog = catalog
        self.as_of = as_of
        self.renamed: list[tuple[str, str]] = []


def fail(message: str, field: str | None = None) -> PydanticCustomError:
    """An rrmm validation error; ``field`` names the sub-field it is about, if any."""
    context: dict[str, Any] = {"message": message}
    if field is not None:
        context["field"] = field
    return PydanticCustomError("rrmm", "{message}", context)


def _context(info: ValidationInfo) -> ReadContext | None:
    context = info.context
    if isinstance(context, dict):
        found = context.get("rrmm")
        if isinstance(found, ReadContext):
            return found
    return None


def parse_date(raw: object, info: ValidationInfo) -> date:
    """An ISO 8601 calendar date (YYYY-MM-DD), not after the reading date."""
    if isinstance(raw, datetime):
        raise fail(f"expected a date (YYYY-MM-DD), got a date and time '{raw.isoformat()}'")
    if isinstance(raw, str) and _ISO_DATE_TIME.match(raw.strip()):
        raise fail(f"expected a date (YYYY-MM-DD), got a date and time '{raw.strip()}'")
    if isinstance(raw, date):
        value = raw
    elif isinstance(raw, str) and _ISO_DATE.match(raw.strip()):
        try:
            value = date.fromisoformat(raw.strip())
        except ValueError as error:
            raise fail(f"'{raw}' is not a calendar date ({error})") from None
    else:
        raise fail(f"expected a date written YYYY-MM-DD, got {raw!r}")
    context = _context(info)
    if context is not None and value > context.as_of:
        raise fail(f"date {value.isoformat()} is in the future (today is {context.as_of})")
    return value


def _split_quantity(raw: object, where: str) -> tuple[Quantity, float | None, float | None]:
    if isinstance(raw, bool):
        raise fail(f"expected a quantity 'VALUE UNIT' for {where}, got {raw!r}")
    if isinstance(raw, int | float):
        return Quantity(float(raw), "1"), None, None
    if isinstance(raw, str):
        match = _QUANTITY.match(raw)
        if match is None:
            raise fail(f"expected 'VALUE UNIT' for {where} (e.g. '3.1 g/dL'), got {raw!r}")
        comparator, number, unit = match.groups()
        return Quantity(float(number), unit or "1", comparator), None, None
    if isinstance(raw, dict):
        unknown = set(raw) - {"value", "unit", "comparator", "reference_low", "reference_high"}
        if unknown:
            raise fail(f"unknown field(s) {sorted(unknown)} in a quantity for {where}")
        value = raw.get("value")
        unit = raw.get("unit", "1")
        comparator = raw.get("comparator")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise fail(f"expected a number as 'value' for {where}, got {value!r}", "value")
        if not isinstance(unit, str):
            raise fail(f"expected a unit string as 'unit' for {where}, got {unit!r}", "unit")
        if comparator not in (None, "<", ">", "<=", ">="):
            raise fail(f"comparator must be <, >, <= or >=, got {comparator!r}", "comparator")
        limits: list[float | None] = []
        for key in ("reference_low", "reference_high"):
            limit = raw.get(key)
            if limit is not None and (
                isinstance(limit, bool) or not isinstance(limit, int | float)
            ):
                raise fail(f"expected a number as '{key}', got {limit!r}", key)
            limits.append(None if limit is None else float(limit))
        return Quantity(float(value), unit, comparator), limits[0], limits[1]
    raise fail(f"expected 'VALUE UNIT' or {{value, unit}} for {where}, got {raw!r}")


def parse_measurement(analyte: Analyte, raw: object) -> Measurement:
    """A quantitative result in a unit that can express the analyte, within possible values."""
    info = ANALYTES[analyte]
    quantity, low, high = _split_quantity(raw, info.title)
    if quantity.unit == "1" and info.canonical_unit != "1":
        raise fail(
            f"{info.title} needs a unit (one of: {', '.join(info.common_units)}), got {raw!r}"
        )
    problem = check_unit(analyte, quantity.unit)
    if problem is not None:
        raise fail(problem)
    problem = plausibility_problem(analyte, quantity)
    if problem is not None:
        raise fail(problem)
    return Measurement(analyte, quantity, low, high)


def parse_length(raw: object) -> Quantity:
    """A length such as a plasmacytoma diameter ('3.2 cm' or '32 mm')."""
    quantity, _, _ = _split_quantity(raw, "a plasmacytoma diameter")
    try:
        unit = lookup_unit(quantity.unit)
    except UnitError:
        raise fail(f"unknown length unit '{quantity.unit}'; expected cm or mm") from None
    if unit.code not in ("cm", "mm"):
        raise fail(f"'{quantity.unit}' is not a length; expected cm or mm")
    if quantity.value <= 0:
        raise fail(f"a diameter must be positive, got {quantity}")
    return quantity


def parse_immunofixation(analyte: Analyte, raw: object) -> Immunofixation:
    """'positive' or 'negative'."""
    choices = [result.value for result in ImmunofixationResult]
    if not isinstance(raw, str) or raw not in choices:
        raise fail(f"{ANALYTES[analyte].title} must be one of {choices}, got {raw!r}")
    return Immunofixation(analyte, ImmunofixationResult(raw))


def parse_mrd(raw: object) -> MrdResult:
    """'negative'/'positive', or {result, method, sensitivity}."""
    statuses = [status.value for status in MrdStatus]
    if isinstance(raw, str):
        raw = {"result": raw}
    if not isinstance(raw, dict):
        raise fail(f"expected an MRD result {{result, method, sensitivity}}, got {raw!r}")
    unknown = set(raw) - {"result", "method", "sensitivity"}
    if unknown:
        raise fail(f"unknown field(s) {sorted(unknown)} in an MRD result")
    result = raw.get("result")
    if result not in statuses:
        raise fail(f"MRD result must be one of {statuses}, got {result!r}", "result")
    method = raw.get("method")
    methods = [item.value for item in MrdMethod]
    if method is not None and method not in methods:
        raise fail(f"MRD method must be one of {methods}, got {method!r}", "method")
    sensitivity = raw.get("sensitivity")
    if sensitivity is not None and (
        isinstance(sensitivity, bool)
        or not isinstance(sensitivity, int | float)
        or not 0 < sensitivity < 1
    ):
        raise fail(
            f"MRD sensitivity is a fraction such as 1e-5, got {sensitivity!r}", "sensitivity"
        )
    return MrdResult(
        Analyte.MRD,
        MrdStatus(result),
        MrdMethod(method) if method is not None else None,
        float(sensitivity) if sensitivity is not None else None,
    )


@dataclass(frozen=True, slots=True)
class DrugName:
    """A drug's generic name and, when it differs, the name as the user wrote it."""

    generic: str
    written: str | None = None


def parse_drug_name(raw: object, info: ValidationInfo) -> DrugName:
    """A drug name as written (generic, brand or synonym), resolved to its generic name."""
    if isinstance(raw, DrugName):
        return raw
    if not isinstance(raw, str) or not raw.strip():
        raise fail(f"expected a drug name, got {raw!r}")
    context = _context(info)
    if context is None:
        return DrugName(raw)
    drug = context.catalog.resolve(raw)
    if drug is None:
        hint = context.catalog.closest(raw)
        suggestion = f"; did you mean {' or '.join(hint)}?" if hint else ""
        raise fail(f"unknown drug '{raw}'{suggestion}")
    if drug.name == raw:
        return DrugName(raw)
    context.renamed.append((raw, drug.name))
    return DrugName(drug.name, raw)
