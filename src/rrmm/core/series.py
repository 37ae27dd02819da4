"""Dated series of one measure, in canonical units, taken from the patient record.

Every series of a record comes from one pass over its lab panels: the first value of each
analyte in each panel (what :meth:`LabPanel.get` returns), in record order. That pass and the
series built from it are kept for the most recent ``labs`` tuple, so that assessing a record
and listing its options (which read the same series several times) scan the panels once. The
tuple and everything in it are immutable, so the kept series are exactly what a fresh scan
would give.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from operator import lt
from typing import TypeVar

from rrmm.core.analytes import Analyte, conversion_steps, to_canonical
from rrmm.core.model import (
    Imaging,
    Immunofixation,
    ImmunofixationResult,
    LabPanel,
    LabValue,
    Measurement,
    MrdResult,
    PatientRecord,
)
from rrmm.core.units import UnitError

__all__ = [
    "Point",
    "immunofixation_series",
    "lab_values",
    "latest_on_or_before",
    "latest_within",
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


class _LabIndex:
    """One pass over a record's panels, and the series already built from it."""

    __slots__ = ("fixations", "labs", "mrd", "mrd_sorted", "quantities", "values")

    def __init__(self, labs: tuple[LabPanel, ...]) -> None:
        self.labs = labs
        values: dict[Analyte, list[tuple[date, LabValue]]] = {}
        mrd: list[tuple[date, MrdResult]] = []
        # The position of the panel each analyte's last entry came from: LabPanel.get gives
        # the first value of an analyte in a panel, so later ones in the same panel are skipped.
        owner: dict[Analyte, int] = {}
        for position, panel in enumerate(labs):
            day = panel.date
            for value in panel.values:
                if isinstance(value, MrdResult):
                    mrd.append((day, value))
                analyte = value.analyte
                # LabPanel.get matches by identity: only Analyte members are found.
                if analyte.__class__ is not Analyte:
                    continue
                found = values.get(analyte)
                if found is None:
                    values[analyte] = [(day, value)]
                elif owner[analyte] == position:
                    continue
                else:
                    found.append((day, value))
                owner[analyte] = position
        self.values = values
        self.mrd = mrd
        self.mrd_sorted: tuple[tuple[date, MrdResult], ...] | None = None
        self.quantities: dict[Analyte, tuple[Point, ...]] = {}
        self.fixations: dict[Analyte, tuple[tuple[date, bool], ...]] = {}


_last_index: _LabIndex | None = None


def _lab_index(record: PatientRecord) -> _LabIndex:
    """The index of ``record.labs``, reused while the same tuple is asked for."""
    global _last_index
    labs = record.labs
    index = _last_index
    if index is None or index.labs is not labs:
        index = _LabIndex(labs)
        _last_index = index
    return index


def _quantities(values: list[tuple[date, LabValue]], analyte: Analyte) -> tuple[Point, ...]:
    points: list[Point] = []
    unit: str | None = None
    source = target = molar_mass = 1.0
    step = 0
    for day, value in values:
        if not isinstance(value, Measurement):
            continue
        quantity = value.quantity
        if quantity.unit != unit:
            unit = quantity.unit
            steps = conversion_steps(analyte, unit)
            if isinstance(steps, str):
                raise UnitError(steps)
            source, step, molar_mass, target = steps
        # to_canonical's arithmetic (rrmm.core.analytes.apply_steps), in the same order.
        if step == 0:
            canonical = quantity.value * source / target
        elif step == 1:
            canonical = quantity.value * source * molar_mass / target
        else:
            canonical = quantity.value * source / molar_mass / target
        points.append(Point(day, canonical, quantity.comparator))
    days = [point.date for point in points]
    if all(map(lt, days, days[1:])):
        return tuple(points)
    by_date = {point.date: point for point in points}  # the last one given wins on a date
    return tuple(by_date[day] for day in sorted(by_date))


def lab_values(record: PatientRecord, analyte: Analyte) -> Sequence[tuple[date, LabValue]]:
    """(panel date, value) of every panel holding ``analyte``, in record order.

    The value is what :meth:`LabPanel.get` returns for the panel.
    """
    if analyte.__class__ is not Analyte:
        found = [(panel.date, panel.get(analyte)) for panel in record.labs]
        return [(day, value) for day, value in found if value is not None]
    return _lab_index(record).values.get(analyte, [])


def quantity_series(record: PatientRecord, analyte: Analyte) -> tuple[Point, ...]:
    """All results of a quantitative analyte by date (the last one given wins on a date)."""
    if analyte.__class__ is not Analyte:
        return _scan_quantity_series(record, analyte)
    index = _lab_index(record)
    found = index.quantities.get(analyte)
    if found is None:
        found = _quantities(index.values.get(analyte, []), analyte)
        index.quantities[analyte] = found
    return found


def _scan_quantity_series(record: PatientRecord, analyte: Analyte) -> tuple[Point, ...]:
    """:func:`quantity_series` by a plain scan of the panels (for a non-member analyte)."""
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
    if analyte.__class__ is not Analyte:
        values = [(panel.date, panel.get(analyte)) for panel in record.labs]
        return _fixations(values)
    index = _lab_index(record)
    found = index.fixations.get(analyte)
    if found is None:
        found = _fixations(index.values.get(analyte, []))
        index.fixations[analyte] = found
    return found


def _fixations(values: Sequence[tuple[date, LabValue | None]]) -> tuple[tuple[date, bool], ...]:
    by_date: dict[date, bool] = {}
    for day, value in values:
        if isinstance(value, Immunofixation):
            by_date[day] = value.result is ImmunofixationResult.POSITIVE
    return tuple((day, by_date[day]) for day in sorted(by_date))


def mrd_series(record: PatientRecord) -> tuple[tuple[date, MrdResult], ...]:
    """MRD results by date."""
    index = _lab_index(record)
    found = index.mrd_sorted
    if found is None:
        found = tuple(sorted(index.mrd, key=lambda pair: pair[0]))
        index.mrd_sorted = found
    return found


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


def latest_within(
    items: tuple[tuple[date, T], ...],
    dates: tuple[date, ...],
    day: date,
    not_before: date,
) -> tuple[date, T] | None:
    """:func:`latest_on_or_before` by bisection, for ``items`` in date order.

    ``dates`` are the items' dates. The last item dated on or before ``day`` is the one the
    scan would keep, provided it is not before ``not_before`` (later ones cannot be).
    """
    index = bisect_right(dates, day)
    if index == 0:
        return None
    found = items[index - 1]
    return found if found[0] >= not_before else None
