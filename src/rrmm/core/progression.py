"""Progressive disease, clinical relapse and relapse from CR within a line (IMWG 2016).

Progression is measured from the lowest confirmed value (the nadir) of the
line: serum M-protein +25% and +0.5 g/dL (+1 g/dL when the nadir is at least
5 g/dL); urine +25% and +200 mg/24 h; dFLC +25% and more than 100 mg/L when FLC
is the measure; marrow plasma cells +10 points when marrow is the measure; a new
lesion or at least 50% growth of a plasmacytoma. Laboratory progression needs a
second consecutive assessment before new therapy; its date is the first of the
two. Marrow and imaging need no confirmation.
"""

from __future__ import annotations

import datetime
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from itertools import pairwise

from rrmm.core.criteria import Parameters
from rrmm.core.model import LightChain
from rrmm.core.response import Assessment, Baseline, DiseaseData, Measure, dflc
from rrmm.core.series import Point
from rrmm.core.thresholds import above, at_least

__all__ = [
    "ClinicalEvent",
    "Nadirs",
    "Progression",
    "Signal",
    "clinical_relapses",
    "find_progression",
    "lab_signals",
    "nadirs_before",
    "nadirs_series",
    "progression_from",
    "relapse_from_cr",
]


@dataclass(frozen=True, slots=True)
class Signal:
    """One parameter meeting a progression criterion at one assessment."""

    date: date
    measure: str
    rule: str
    text: str
    confirmation_needed: bool = True


@dataclass(frozen=True, slots=True)
class Progression:
    """The progression event of a line, with how it was established."""

    date: date
    criterion: str
    rule: str
    evidence: str
    confirmed: bool
    confirmed_on: datetime.date | None
    documented: bool = False


@dataclass(frozen=True, slots=True)
class ClinicalEvent:
    """A clinical relapse or relapse from CR finding (not used for PFS)."""

    date: date
    kind: str
    criterion: str
    evidence: str


@dataclass(frozen=True, slots=True)
class _Nadir:
    value: float
    date: date


def _nadir(values: Sequence[tuple[date, float]], mode: str) -> _Nadir | None:
    """Lowest value; in 'confirmed' mode the lowest level held at two consecutive assessments.

    The baseline (first value) always counts. A single low value that the next
    one does not confirm is not a nadir.
    """
    if not values:
        return None
    best = _Nadir(values[0][1], values[0][0])
    if mode == "lowest":
        for day, value in values[1:]:
            if value < best.value:
                best = _Nadir(value, day)
        return best
    for (day, value), (_, following) in pairwise(values[1:]):
        held = max(value, following)
        if held < best.value:
            best = _Nadir(held, day)
    return best


@dataclass(frozen=True, slots=True)
class Nadirs:
    """Nadirs of each laboratory parameter before an assessment."""

    serum: _Nadir | None
    urine: _Nadir | None
    dflc: _Nadir | None
    marrow: _Nadir | None


def _values(base: Point | None, earlier: Sequence[Point | None]) -> list[tuple[date, float]]:
    found = [(base.date, base.value)] if base is not None else []
    found += [(point.date, point.value) for point in earlier if point is not None]
    return found


def nadirs_before(
    baseline: Baseline, assessments: Sequence[Assessment], index: int, mode: str
) -> Nadirs:
    """Nadirs from the baseline and the assessments before ``assessments[index]``."""
    earlier = assessments[:index]
    dflc_values: list[tuple[date, float]] = []
    if baseline.dflc is not None:
        dflc_values.append((baseline.date, max(baseline.dflc, 0.0)))
    for item in earlier:
        value = dflc(baseline.involved, item.kappa, item.lambda_)
        if value is not None:
            dflc_values.append((item.date, max(value, 0.0)))
    return Nadirs(
        serum=_nadir(_values(baseline.serum, [a.serum for a in earlier]), mode),
        urine=_nadir(_values(baseline.urine, [a.urine for a in earlier]), mode),
        dflc=_nadir(dflc_values, mode) if Measure.FLC in baseline.measures else None,
        marrow=_nadir(_values(baseline.marrow, [a.marrow for a in earlier]), "lowest")
        if Measure.MARROW in baseline.measures
        else None,
    )


def _running(
    first: tuple[date, float] | None, later: Sequence[tuple[date, float] | None], mode: str
) -> list[_Nadir | None]:
    """``_nadir`` of ``[first] + later[:k]`` (Nones skipped) for every k, in one pass."""
    best = _Nadir(first[1], first[0]) if first is not None else None
    count = 1 if first is not None else 0
    previous: tuple[date, float] | None = None
    found = [best]
    for item in later:
        if item is not None:
            day, value = item
            if best is None:
                best = _Nadir(value, day)
            elif mode == "lowest":
                if value < best.value:
                    best = _Nadir(value, day)
            elif count >= 2 and previous is not None:
                held = max(previous[1], value)
                if held < best.value:
                    best = _Nadir(held, previous[0])
            previous = item
            count += 1
        found.append(best)
    return found


def _running_points(
    first: Point | None, later: Sequence[Point | None], mode: str
) -> list[_Nadir | None]:
    """:func:`_running` of the points' (date, value) pairs, read from the points directly."""
    best = _Nadir(first.value, first.date) if first is not None else None
    count = 1 if first is not None else 0
    lowest = mode == "lowest"
    previous: Point | None = None
    found = [best]
    for item in later:
        if item is not None:
            if best is None:
                best = _Nadir(item.value, item.date)
            elif lowest:
                if item.value < best.value:
                    best = _Nadir(item.value, item.date)
            elif count >= 2 and previous is not None:
                held = max(previous.value, item.value)
                if held < best.value:
                    best = _Nadir(held, previous.date)
            previous = item
            count += 1
        found.append(best)
    return found


def nadirs_series(baseline: Baseline, assessments: Sequence[Assessment], mode: str) -> list[Nadirs]:
    """``nadirs_before(baseline, assessments, k, mode)`` for every k, in linear time.

    Consecutive assessments with the same nadirs share one (immutable) :class:`Nadirs`.
    """
    serum = _running_points(baseline.serum, [a.serum for a in assessments], mode)
    urine = _running_points(baseline.urine, [a.urine for a in assessments], mode)
    count = len(assessments)
    if Measure.FLC in baseline.measures:
        first = (baseline.date, max(baseline.dflc, 0.0)) if baseline.dflc is not None else None
        later: list[tuple[date, float] | None] = []
        for item in assessments:
            value = dflc(baseline.involved, item.kappa, item.lambda_)
            later.append((item.date, max(value, 0.0)) if value is not None else None)
        flc: list[_Nadir | None] = _running(first, later, mode)
    else:
        flc = [None] * (count + 1)
    if Measure.MARROW in baseline.measures:
        marrow = _running_points(baseline.marrow, [a.marrow for a in assessments], "lowest")
    else:
        marrow = [None] * (count + 1)
    found: list[Nadirs] = []
    last: Nadirs | None = None
    for s, u, f, m in zip(serum, urine, flc, marrow, strict=True):
        if (
            last is None
            or last.serum is not s
            or last.urine is not u
            or last.dflc is not f
            or last.marrow is not m
        ):
            last = Nadirs(serum=s, urine=u, dflc=f, marrow=m)
        found.append(last)
    return found


def _rise(now: float, nadir: float, unit: str) -> str:
    relative = "from 0" if nadir == 0 else f"{(now - nadir) / nadir:+.0%}"
    return f"+{now - nadir:.3g} {unit} ({relative})"


def lab_signals(
    now: Assessment, nadirs: Nadirs, involved: LightChain | None, p: Parameters
) -> list[Signal]:
    """Laboratory progression criteria met at ``now`` against the nadirs before it."""
    signals = []
    serum, nadir = now.serum, nadirs.serum
    if serum is not None and nadir is not None and not serum.below_limit:
        rise = serum.value - nadir.value
        # +0.5 g/dL and +25% from the nadir, or +1 g/dL from a nadir of at least 5 g/dL
        # (the same tests as before, the cheapest first).
        if (
            at_least(rise, p.serum_pd_abs_g_dl)
            and (nadir.value == 0 or at_least(rise / nadir.value, p.pd_relative))
        ) or (
            at_least(nadir.value, p.serum_high_nadir_g_dl)
            and at_least(rise, p.serum_pd_abs_high_nadir_g_dl)
        ):
            signals.append(
                Signal(
                    now.date,
                    "serum M-protein",
                    "pd.serum",
                    f"serum M-protein {serum.value:g} g/dL on {serum.date}:"
                    f" {_rise(serum.value, nadir.value, 'g/dL')} from nadir {nadir.value:g}"
                    f" ({nadir.date})",
                )
            )
    urine, nadir = now.urine, nadirs.urine
    if urine is not None and nadir is not None and not urine.below_limit:
        rise = urine.value - nadir.value
        relative_ok = nadir.value == 0 or at_least(rise / nadir.value, p.pd_relative)
        if at_least(rise, p.urine_pd_abs_mg_24h) and relative_ok:
            signals.append(
                Signal(
                    now.date,
                    "urine M-protein",
                    "pd.urine",
                    f"urine M-protein {urine.value:g} mg/24h on {urine.date}:"
                    f" {_rise(urine.value, nadir.value, 'mg/24h')} from nadir {nadir.value:g}"
                    f" ({nadir.date})",
                )
            )
    nadir = nadirs.dflc
    value = dflc(involved, now.kappa, now.lambda_)
    if nadir is not None and value is not None:
        rise = value - nadir.value
        relative_ok = nadir.value == 0 or at_least(rise / nadir.value, p.pd_relative)
        if above(rise, p.flc_pd_abs_mg_l) and relative_ok:
            signals.append(
                Signal(
                    now.date,
                    "dFLC",
                    "pd.flc",
                    f"dFLC {value:g} mg/L on {now.date}: {_rise(value, nadir.value, 'mg/L')}"
                    f" from nadir {nadir.value:g} ({nadir.date}); needs > {p.flc_pd_abs_mg_l:g}",
                )
            )
    marrow, nadir = now.marrow, nadirs.marrow
    if (
        marrow is not None
        and nadir is not None
        and at_least(marrow.value - nadir.value, p.marrow_pd_abs_percent)
    ):
        signals.append(
            Signal(
                now.date,
                "marrow plasma cells",
                "pd.marrow",
                f"marrow plasma cells {marrow.value:g}% on {marrow.date}:"
                f" +{marrow.value - nadir.value:g} points from nadir {nadir.value:g}%",
                confirmation_needed=False,
            )
        )
    if now.new_lesion:
        signals.append(Signal(now.date, "imaging", "pd.imaging", "new lesion on imaging", False))
    return signals


def _has_lab_marker(visit: Assessment, baseline: Baseline) -> bool:
    """Whether a later assessment measured a marker that can confirm laboratory progression."""
    flc = Measure.FLC in baseline.measures and visit.kappa is not None
    return visit.serum is not None or visit.urine is not None or flc


def _imaging_signals(data: DiseaseData, start: date, until: date | None) -> list[Signal]:
    studies = [
        (day, spd)
        for day, spd in data.imaging_spd
        if day >= start and (until is None or day < until)
    ]
    signals = []
    lowest: float | None = None
    for day, spd in studies:
        if lowest is not None and lowest > 0 and at_least(spd, 1.5 * lowest):
            signals.append(
                Signal(
                    day,
                    "plasmacytoma",
                    "pd.imaging",
                    f"plasmacytoma SPD {spd:g} cm² on {day}, ≥ 50% above nadir {lowest:g} cm²",
                    confirmation_needed=False,
                )
            )
        lowest = spd if lowest is None else min(lowest, spd)
    return signals


def find_progression(
    baseline: Baseline,
    assessments: Sequence[Assessment],
    data: DiseaseData,
    line_start: date,
    until: date | None,
    documented_on: date | None,
    p: Parameters,
) -> tuple[Progression | None, list[str]]:
    """The line's first progression event, and notes on signals that were not confirmed."""
    return progression_from(
        baseline,
        assessments,
        data,
        line_start,
        until,
        documented_on,
        p,
        nadirs_series(baseline, assessments, p.nadir),
    )


def progression_from(
    baseline: Baseline,
    assessments: Sequence[Assessment],
    data: DiseaseData,
    line_start: date,
    until: date | None,
    documented_on: date | None,
    p: Parameters,
    all_nadirs: Sequence[Nadirs],
    all_signals: Sequence[list[Signal]] | None = None,
) -> tuple[Progression | None, list[str]]:
    """:func:`find_progression` with the nadirs (and the signals) at each assessment given.

    ``all_nadirs`` is ``nadirs_series(baseline, assessments, p.nadir)``; ``all_signals``, when
    given, is ``lab_signals`` of each assessment against its nadirs (what the line's readings
    compute too).
    """
    notes: list[str] = []
    candidates: list[Progression] = []
    first_unconfirmed: Signal | None = None
    for index, now in enumerate(assessments):
        nadirs = all_nadirs[index]
        signals = (
            lab_signals(now, nadirs, baseline.involved, p)
            if all_signals is None
            else all_signals[index]
        )
        if not signals:
            continue
        immediate = [s for s in signals if not s.confirmation_needed]
        if immediate:
            s = immediate[0]
            candidates.append(Progression(s.date, s.measure, s.rule, s.text, True, None))
            break
        measures = {s.measure for s in signals}
        if p.simultaneous_markers_confirm and len(measures) >= 2:
            text = "; ".join(s.text for s in signals)
            candidates.append(
                Progression(
                    now.date,
                    " + ".join(sorted(measures)),
                    signals[0].rule,
                    f"{text} (two markers at once)",
                    True,
                    now.date,
                )
            )
            break
        following = next(
            (later for later in assessments[index + 1 :] if _has_lab_marker(later, baseline)),
            None,
        )
        if following is not None:
            confirming = [
                s
                for s in lab_signals(following, nadirs, baseline.involved, p)
                if s.confirmation_needed
            ]
            if confirming:
                text = f"{signals[0].text}; confirmed by {confirming[0].text}"
                candidates.append(
                    Progression(
                        now.date, signals[0].measure, signals[0].rule, text, True, following.date
                    )
                )
                break
            notes.append(
                f"{signals[0].text} — not confirmed by the next assessment on {following.date}"
                " (not progression)"
            )
        else:
            notes.append(
                f"{signals[0].text} — not yet confirmed (no later assessment before new therapy)"
            )
            first_unconfirmed = first_unconfirmed or signals[0]
    if data.imaging_spd:
        candidates.extend(
            Progression(s.date, s.measure, s.rule, s.text, True, None)
            for s in _imaging_signals(data, line_start, until)
        )
    if candidates:
        return min(candidates, key=lambda event: event.date), notes
    if documented_on is not None and p.progression_evidence == "imwg_or_documented":
        if first_unconfirmed is not None and first_unconfirmed.date <= documented_on:
            return Progression(
                first_unconfirmed.date,
                first_unconfirmed.measure,
                "pd.documented",
                f"{first_unconfirmed.text}; not confirmed by a second assessment, but therapy"
                f" was stopped for progression on {documented_on}",
                False,
                None,
                documented=True,
            ), notes
        return Progression(
            documented_on,
            "documented",
            "pd.documented",
            f"therapy stopped for progression on {documented_on} (no IMWG laboratory"
            " confirmation in the record)",
            False,
            None,
            documented=True,
        ), notes
    return None, notes


def _window(
    points: tuple[Point, ...], dates: tuple[date, ...], start: date, until: date | None
) -> tuple[Point, ...]:
    """The points dated after ``start`` and before ``until`` (``dates``: theirs, in order)."""
    stop = len(dates) if until is None else bisect_left(dates, until)
    return points[bisect_right(dates, start) : stop]


def _at_start(
    points: tuple[Point, ...], dates: tuple[date, ...], start: date, lookback_days: int = 60
) -> Point | None:
    """The last value on or before the start of therapy, within the look-back window.

    The points are in date order, so the last one on or before ``start`` is the one to check.
    """
    index = bisect_right(dates, start)
    if index == 0:
        return None
    point = points[index - 1]
    return point if (start - point.date).days <= lookback_days else None


def clinical_relapses(
    data: DiseaseData,
    baseline_date: date,
    responded_on: date,
    until: date | None,
    p: Parameters,
) -> list[ClinicalEvent]:
    """Clinical relapse findings after a response (Kumar 2016); the first of each kind.

    Haemoglobin fall and creatinine rise are measured from the best value since the
    line started; rrmm cannot tell whether a change is due to myeloma, so each
    finding is reported for the clinician to judge.
    """
    events: list[ClinicalEvent] = []
    for point in _window(data.calcium, data.calcium_dates, responded_on, until):
        if above(point.value, p.clinical_calcium_mg_dl):
            events.append(
                ClinicalEvent(
                    point.date,
                    "clinical relapse",
                    "hypercalcaemia",
                    f"calcium {point.value:.3g} mg/dL > {p.clinical_calcium_mg_dl:g}",
                )
            )
            break
    start_hb = _at_start(data.hemoglobin, data.hemoglobin_dates, baseline_date)
    hb = ([start_hb] if start_hb else []) + list(
        _window(data.hemoglobin, data.hemoglobin_dates, baseline_date, until)
    )
    best = None
    for point in hb:
        if (
            best is not None
            and point.date > responded_on
            and at_least(best - point.value, p.clinical_hb_fall_g_dl)
        ):
            events.append(
                ClinicalEvent(
                    point.date,
                    "clinical relapse",
                    "haemoglobin fall",
                    f"haemoglobin {point.value:.3g} g/dL, {best - point.value:.3g} g/dL"
                    f" below the line's best {best:.3g}",
                )
            )
            break
        best = point.value if best is None else max(best, point.value)
    start_value = _at_start(data.creatinine, data.creatinine_dates, baseline_date)
    if start_value is not None:
        for point in _window(data.creatinine, data.creatinine_dates, responded_on, until):
            rise = point.value - start_value.value
            if at_least(rise, p.clinical_creatinine_rise_mg_dl):
                events.append(
                    ClinicalEvent(
                        point.date,
                        "clinical relapse",
                        "creatinine rise",
                        f"creatinine {point.value:.3g} mg/dL, +{rise:.3g} mg/dL from"
                        f" {start_value.value:.3g} at the start of therapy ({start_value.date})",
                    )
                )
                break
    for day in data.new_lesions:
        if day > responded_on and (until is None or day < until):
            events.append(
                ClinicalEvent(day, "clinical relapse", "new lesion", "new lesion on imaging")
            )
            break
    for day in data.hyperviscosity:
        if day > responded_on and (until is None or day < until):
            events.append(
                ClinicalEvent(day, "clinical relapse", "hyperviscosity", "hyperviscosity recorded")
            )
            break
    return events


def relapse_from_cr(
    assessments: Sequence[Assessment], cr_date: date, p: Parameters
) -> ClinicalEvent | None:
    """Relapse from CR: M-protein back on immunofixation or electrophoresis, or marrow ≥ 5%."""
    for now in assessments:
        if now.date <= cr_date:
            continue
        if now.serum_ife or now.urine_ife:
            which = "serum" if now.serum_ife else "urine"
            return ClinicalEvent(
                now.date,
                "relapse from CR",
                "immunofixation",
                f"{which} immunofixation positive again",
            )
        if now.serum is not None and now.serum.value > 0 and not now.serum.below_limit:
            return ClinicalEvent(
                now.date,
                "relapse from CR",
                "electrophoresis",
                f"serum M-protein {now.serum.value:g} g/dL detectable again",
            )
        if now.marrow is not None and at_least(now.marrow.value, p.relapse_from_cr_marrow_percent):
            return ClinicalEvent(
                now.date,
                "relapse from CR",
                "marrow",
                f"marrow plasma cells {now.marrow.value:g}%"
                f" (≥ {p.relapse_from_cr_marrow_percent:g}%)",
            )
    return None
