"""Dated series of one measure, in canonical units, taken from the patient record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from rrmm.core.analytes import Analyte, to_canonical
from rrmm.core.model import (
    Imaging,
    Immunofixation,
    ImmunofixationResult,
    Measurement,
    MrdResult,
    PatientRecord,
)

__all__ = [
    "Point",
    "immunofixation_series",
    "latest_on_or_before",
    "mrd_series",
    "plasmacytoma_spd",
    "quantity_series",
]


@dataclass(frozen=True, slots=True)
class Point:
    """A value in the analyte's canonical unit; ``comparator`` '<' marks an upper bound."""

    date: date
    value: float
    comparator: str | None = None

    @property
    def below_limit(self) -> bool:
        """Whether the value was reported below a detection limit ('<x')."""
        return self.comparator in ("<", "<=")


def quantity_series(record: PatientRecord, analyte: Analyte) -> tuple[Point, ...]:
    """All results of a quantitative analyte by date (the last one given wins on a date)."""
    by_date: dict[date, Point] = {}
    for panel in record.labs:
        value = panel.get(analyte)
        if isinstance(value, Measurement):
            by_date[panel.date] = Point(
                panel.date, to_canonical(analyte, value.quantity), value.quantity.comparator
            )
    return tuple(by_date[day] for day in sorted(by_date))


def immunofixation_series(record: PatientRecord, analyte: Analyte) -> tuple[tuple[date, bool], ...]:
    """(date, positive) for serum or urine immunofixation."""
    by_date: dict[date, bool] = {}
    for panel in record.labs:
        value = panel.get(analyte)
        if isinstance(value, Immunofixation):
            by_date[panel.date] = value.result is ImmunofixationResult.POSITIVE
    return tuple((day, by_date[day]) for day in sorted(by_date))


def mrd_series(record: PatientRecord) -> tuple[tuple[date, MrdResult], ...]:
    """MRD results by date."""
    found = [
        (panel.date, value)
        for panel in record.labs
        for value in panel.values
        if isinstance(value, MrdResult)
    ]
    return tuple(sorted(found, key=lambda pair: pair[0]))


def plasmacytoma_spd(study: Imaging) -> float:
    """Sum of the products of perpendicular diameters of the study's plasmacytomas, in cm²."""
    total = 0.0
    for lesion in study.plasmacytomas:
        long_axis = lesion.long_axis.value / (10.0 if lesion.long_axis.unit == "mm" else 1.0)
        short_axis = lesion.short_axis.value / (10.0 if lesion.short_axis.unit == "mm" else 1.0)
        total += long_axis * short_axis
    return total


T = TypeVar("T")


def latest_on_or_before(
    items: tuple[tuple[date, T], ...], day: date, not_before: date | None = None
) -> tuple[date, T] | None:
    """The last (date, item) on or before ``day`` (and not before ``not_before``)."""
    found = None
    for item_date, item in items:
        if item_date > day:
            break
        if not_before is None or item_date >= not_before:
            found = (item_date, item)
    return found
