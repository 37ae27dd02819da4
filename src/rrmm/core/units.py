"""Units of measure: a closed UCUM vocabulary, dimensions and explicit conversion.

Every unit rrmm accepts is listed here with its dimension and its factor to the
dimension's base unit. Nothing is guessed: a unit that is not in this table, or
that belongs to another dimension than the analyte needs, is an error.

Unit codes follow UCUM (https://ucum.org/ucum). A few spellings that laboratories
print but that are not valid UCUM (``µ`` for ``u``, ``IU/L``, ``10^9/L``,
``mL/min/1.73m2``) are accepted as aliases of the UCUM code they stand for.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "Dimension",
    "Quantity",
    "UnitError",
    "UnitInfo",
    "canonical_code",
    "format_number",
    "lookup_unit",
]


class Dimension(StrEnum):
    """What a unit measures; conversion is only defined within one dimension."""

    MASS_CONCENTRATION = "mass concentration"
    SUBSTANCE_CONCENTRATION = "substance concentration"
    MASS_RATE = "mass per time"
    VOLUME_RATE = "volume per time"
    VOLUME_RATE_PER_AREA = "volume per time per body surface"
    CATALYTIC_CONCENTRATION = "catalytic activity concentration"
    NUMBER_CONCENTRATION = "number concentration"
    FRACTION = "fraction"
    MASS = "mass"
    LENGTH = "length"
    DIMENSIONLESS = "dimensionless"


@dataclass(frozen=True, slots=True)
class UnitInfo:
    """A known unit: its UCUM code, dimension and factor to the dimension's base.

    Bases: g/L, mol/L, g/d, L/s, L/s/1.73m2, U/L, /L, 1 (fraction), g, m, 1.
    """

    code: str
    dimension: Dimension
    factor: float


def _units(dimension: Dimension, pairs: dict[str, float]) -> dict[str, UnitInfo]:
    return {code: UnitInfo(code, dimension, factor) for code, factor in pairs.items()}


_UNITS: dict[str, UnitInfo] = {
    **_units(
        Dimension.MASS_CONCENTRATION,
        {
            "g/L": 1.0,
            "g/dL": 10.0,
            "g/mL": 1000.0,
            "mg/dL": 0.01,
            "mg/L": 0.001,
            "mg/mL": 1.0,
            "ug/mL": 0.001,
            "ug/dL": 1e-5,
            "ug/L": 1e-6,
            "ng/mL": 1e-6,
        },
    ),
    **_units(
        Dimension.SUBSTANCE_CONCENTRATION,
        {"mol/L": 1.0, "mmol/L": 1e-3, "umol/L": 1e-6, "nmol/L": 1e-9},
    ),
    **_units(
        Dimension.MASS_RATE,
        {
            "g/d": 1.0,
            "mg/d": 1e-3,
            "g/(24.h)": 1.0,
            "mg/(24.h)": 1e-3,
        },
    ),
    **_units(Dimension.VOLUME_RATE, {"mL/min": 1e-3 / 60.0, "mL/s": 1e-3, "L/h": 1.0 / 3600.0}),
    **_units(Dimension.VOLUME_RATE_PER_AREA, {"mL/min/{1.73_m2}": 1e-3 / 60.0}),
    **_units(Dimension.CATALYTIC_CONCENTRATION, {"U/L": 1.0, "[IU]/L": 1.0, "ukat/L": 60.0}),
    **_units(
        Dimension.NUMBER_CONCENTRATION,
        {"10*9/L": 1e9, "10*3/uL": 1e9, "/uL": 1e6, "/mm3": 1e6, "10*12/L": 1e12},
    ),
    **_units(Dimension.FRACTION, {"%": 0.01}),
    **_units(Dimension.MASS, {"kg": 1000.0, "g": 1.0, "[lb_av]": 453.59237}),
    **_units(Dimension.LENGTH, {"cm": 0.01, "mm": 0.001}),
    **_units(Dimension.DIMENSIONLESS, {"1": 1.0}),
}

_ALIASES: dict[str, str] = {
    "mg/24h": "mg/(24.h)",
    "mg/24 h": "mg/(24.h)",
    "mg/24hr": "mg/(24.h)",
    "g/24h": "g/(24.h)",
    "g/24 h": "g/(24.h)",
    "mg/day": "mg/d",
    "g/day": "g/d",
    "IU/L": "[IU]/L",
    "10^9/L": "10*9/L",
    "x10^9/L": "10*9/L",
    "10^3/uL": "10*3/uL",
    "K/uL": "10*3/uL",
    "cells/uL": "/uL",
    "mL/min/1.73m2": "mL/min/{1.73_m2}",
    "mL/min/1.73 m2": "mL/min/{1.73_m2}",
    "mL/min/1.73m^2": "mL/min/{1.73_m2}",
    "lb": "[lb_av]",
}

_BY_FOLDED: dict[str, str] = {}
for _code in (*_UNITS, *_ALIASES):
    _BY_FOLDED.setdefault(_code.casefold(), _code)


class UnitError(ValueError):
    """A unit that rrmm does not know, or that cannot measure what is asked."""


def canonical_code(unit: str) -> str | None:
    """Return the UCUM code a written unit stands for, or None when it is unknown.

    Matching ignores case and treats ``µ`` as ``u``, as laboratory reports commonly
    print ``mg/dl`` or ``µmol/L``; no other rewriting is done.
    """
    written = unit.strip().replace("µ", "u").replace("μ", "u")
    code = _BY_FOLDED.get(written.casefold())
    if code is None:
        return None
    return _ALIASES.get(code, code)


def lookup_unit(unit: str) -> UnitInfo:
    """Return the unit's definition; raise UnitError when the unit is not known."""
    code = canonical_code(unit)
    if code is None:
        raise UnitError(f"unknown unit '{unit}'")
    return _UNITS[code]


@dataclass(frozen=True, slots=True)
class Quantity:
    """A value with the unit it was written in, kept exactly as the user gave it.

    ``comparator`` is ``<`` or ``>`` for values reported beyond a detection limit
    (e.g. ``<5 mg/L``), as FHIR's Quantity.comparator does.
    """

    value: float
    unit: str
    comparator: str | None = None

    def __str__(self) -> str:
        number = format_number(self.value)
        prefix = self.comparator or ""
        return f"{prefix}{number} {self.unit}" if self.unit != "1" else f"{prefix}{number}"


def format_number(value: float) -> str:
    """Write a number so that ``float()`` reads back exactly the same value."""
    number = float(value)
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return repr(number)
