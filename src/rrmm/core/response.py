"""IMWG 2016 response at each assessment of a line, against the line's baseline.

Kumar et al., Lancet Oncol 2016 (built on Durie 2006 and Rajkumar 2011): serum and
urine M-protein are judged together, FLC only when both are unmeasurable at
baseline, marrow plasma cells only when nothing else is; the overall response is
the lowest level of the parameters used; a missing data point downgrades the
response by one level (CIBMTR); CR needs negative serum and urine immunofixation,
marrow plasma cells below 5% and no plasmacytoma; sCR adds a normal FLC ratio and
no clonal plasma cells (rrmm reads an MRD-negative marrow as that evidence).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Final

from rrmm.core.analytes import Analyte
from rrmm.core.criteria import Parameters
from rrmm.core.model import ConditionName, LightChain, MrdResult, MrdStatus, PatientRecord
from rrmm.core.series import (
    Point,
    immunofixation_series,
    latest_within,
    mrd_series,
    plasmacytoma_spd,
    quantity_series,
)
from rrmm.core.thresholds import above, at_least, at_most, below, lower_cut

__all__ = [
    "RANK",
    "Assessment",
    "Baseline",
    "Category",
    "DiseaseData",
    "Measure",
    "Reading",
    "baseline_for",
    "collect_assessments",
    "dflc",
    "disease_data",
    "read_response",
]


class Category(StrEnum):
    """IMWG response categories, and 'NE' (not evaluable)."""

    SCR = "sCR"
    CR = "CR"
    VGPR = "VGPR"
    PR = "PR"
    MR = "MR"
    SD = "SD"
    PD = "PD"
    NE = "NE"

    @property
    def rank(self) -> int:
        """Higher is better; NE ranks below PD."""
        return _RANK[self]


_RANK = {
    Category.NE: -1,
    Category.PD: 0,
    Category.SD: 1,
    Category.MR: 2,
    Category.PR: 3,
    Category.VGPR: 4,
    Category.CR: 5,
    Category.SCR: 6,
}
_BY_RANK = {rank: category for category, rank in _RANK.items()}
#: ``category.rank`` for every category, for loops that read many ranks.
RANK: Final[dict[Category, int]] = _RANK


def _lower(category: Category) -> Category:
    return _BY_RANK[max(_RANK[Category.SD], category.rank - 1)]


class Measure(StrEnum):
    """Which parameter follows the disease in a line."""

    SERUM = "serum M-protein"
    URINE = "urine M-protein"
    FLC = "serum free light chains (dFLC)"
    MARROW = "bone-marrow plasma cells"


def _dates(points: tuple[Point, ...]) -> tuple[date, ...]:
    return tuple([point.date for point in points])


@dataclass(frozen=True, slots=True)
class DiseaseData:
    """The record's disease measurements as series in canonical units.

    Every series is in date order (as :func:`disease_data` builds them). The ``*_dates``
    fields and ``days`` are derived from the series when the object is made (not compared,
    not shown): the dates of each series, for bisection, and every date with a response
    measurement, for grouping assessments.
    """

    serum: tuple[Point, ...]
    urine: tuple[Point, ...]
    kappa: tuple[Point, ...]
    lambda_: tuple[Point, ...]
    marrow: tuple[Point, ...]
    serum_ife: tuple[tuple[date, bool], ...]
    urine_ife: tuple[tuple[date, bool], ...]
    mrd: tuple[tuple[date, MrdResult], ...]
    imaging_spd: tuple[tuple[date, float], ...]
    new_lesions: tuple[date, ...]
    light_chain: LightChain | None
    calcium: tuple[Point, ...] = ()
    hemoglobin: tuple[Point, ...] = ()
    creatinine: tuple[Point, ...] = ()
    hyperviscosity: tuple[date, ...] = ()
    serum_dates: tuple[date, ...] = field(init=False, repr=False, compare=False)
    urine_dates: tuple[date, ...] = field(init=False, repr=False, compare=False)
    kappa_dates: tuple[date, ...] = field(init=False, repr=False, compare=False)
    lambda_dates: tuple[date, ...] = field(init=False, repr=False, compare=False)
    marrow_dates: tuple[date, ...] = field(init=False, repr=False, compare=False)
    serum_ife_dates: tuple[date, ...] = field(init=False, repr=False, compare=False)
    urine_ife_dates: tuple[date, ...] = field(init=False, repr=False, compare=False)
    mrd_dates: tuple[date, ...] = field(init=False, repr=False, compare=False)
    imaging_dates: tuple[date, ...] = field(init=False, repr=False, compare=False)
    calcium_dates: tuple[date, ...] = field(init=False, repr=False, compare=False)
    hemoglobin_dates: tuple[date, ...] = field(init=False, repr=False, compare=False)
    creatinine_dates: tuple[date, ...] = field(init=False, repr=False, compare=False)
    days: tuple[date, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        derived = {
            "serum_dates": _dates(self.serum),
            "urine_dates": _dates(self.urine),
            "kappa_dates": _dates(self.kappa),
            "lambda_dates": _dates(self.lambda_),
            "marrow_dates": _dates(self.marrow),
            "serum_ife_dates": tuple([day for day, _ in self.serum_ife]),
            "urine_ife_dates": tuple([day for day, _ in self.urine_ife]),
            "mrd_dates": tuple([day for day, _ in self.mrd]),
            "imaging_dates": tuple([day for day, _ in self.imaging_spd]),
            "calcium_dates": _dates(self.calcium),
            "hemoglobin_dates": _dates(self.hemoglobin),
            "creatinine_dates": _dates(self.creatinine),
        }
        for name, value in derived.items():
            object.__setattr__(self, name, value)
        days = set(derived["serum_dates"])
        for name in (
            "urine_dates",
            "kappa_dates",
            "lambda_dates",
            "marrow_dates",
            "serum_ife_dates",
            "urine_ife_dates",
        ):
            days.update(derived[name])
        days.update(self.new_lesions)
        object.__setattr__(self, "days", tuple(sorted(days)))


def disease_data(record: PatientRecord) -> DiseaseData:
    """Extract every series the response and progression rules read."""
    studies = sorted(record.imaging, key=lambda study: study.date)
    return DiseaseData(
        serum=quantity_series(record, Analyte.SERUM_M_PROTEIN),
        urine=quantity_series(record, Analyte.URINE_M_PROTEIN),
        kappa=quantity_series(record, Analyte.KAPPA_FLC),
        lambda_=quantity_series(record, Analyte.LAMBDA_FLC),
        marrow=quantity_series(record, Analyte.BONE_MARROW_PLASMA_CELLS),
        serum_ife=immunofixation_series(record, Analyte.SERUM_IMMUNOFIXATION),
        urine_ife=immunofixation_series(record, Analyte.URINE_IMMUNOFIXATION),
        mrd=mrd_series(record),
        imaging_spd=tuple(
            (study.date, plasmacytoma_spd(study))
            for study in studies
            if study.plasmacytomas or study.new_lesion is not None
        ),
        new_lesions=tuple(study.date for study in studies if study.new_lesion),
        light_chain=record.diagnosis.light_chain if record.diagnosis else None,
        calcium=quantity_series(record, Analyte.CALCIUM),
        hemoglobin=quantity_series(record, Analyte.HEMOGLOBIN),
        creatinine=quantity_series(record, Analyte.CREATININE),
        hyperviscosity=tuple(
            sorted(
                [e.date for e in record.events if (e.kind or "").casefold() == "hyperviscosity"]
                + [
                    c.since
                    for c in record.conditions
                    if c.name is ConditionName.HYPERVISCOSITY and c.since is not None
                ]
            )
        ),
    )


def _last_in(
    points: tuple[Point, ...], dates: tuple[date, ...], day: date, since: date
) -> Point | None:
    """The last point dated from ``since`` to ``day``; ``dates`` are the points' dates, in order."""
    index = bisect_right(dates, day)
    if index == 0:
        return None
    found = points[index - 1]
    return found if found.date >= since else None


@dataclass(frozen=True, slots=True)
class Baseline:
    """The line's baseline values and which measures are measurable."""

    date: date
    serum: Point | None
    urine: Point | None
    kappa: Point | None
    lambda_: Point | None
    marrow: Point | None
    spd: float | None
    involved: LightChain | None
    measures: tuple[Measure, ...]
    reason: str

    @property
    def dflc(self) -> float | None:
        """Involved minus uninvolved FLC at baseline (mg/L)."""
        return dflc(self.involved, self.kappa, self.lambda_)

    @property
    def evaluable(self) -> bool:
        """Whether any measure is measurable."""
        return bool(self.measures)


def dflc(involved: LightChain | None, kappa: Point | None, lambda_: Point | None) -> float | None:
    """Involved minus uninvolved free light chain (mg/L), when both chains were measured."""
    if involved is None or kappa is None or lambda_ is None:
        return None
    if involved is LightChain.KAPPA:
        return kappa.value - lambda_.value
    return lambda_.value - kappa.value


def _ratio(kappa: Point | None, lambda_: Point | None) -> float | None:
    if kappa is None or lambda_ is None or lambda_.value <= 0:
        return None
    return kappa.value / lambda_.value


def _involved_chain(
    declared: LightChain | None, ratio: float | None, p: Parameters
) -> LightChain | None:
    if declared in (LightChain.KAPPA, LightChain.LAMBDA):
        return declared
    if ratio is None:
        return None
    if above(ratio, p.flc_ratio_normal_high):
        return LightChain.KAPPA
    if below(ratio, p.flc_ratio_normal_low):
        return LightChain.LAMBDA
    return None


def _measurable(point: Point | None, threshold: float) -> bool:
    return point is not None and not point.below_limit and at_least(point.value, threshold)


def baseline_for(data: DiseaseData, start: date, p: Parameters) -> Baseline:
    """Baseline = the last value of each parameter on or before the line's start.

    Values older than the look-back window are not a baseline. Measurable
    disease (IMWG 2016): serum M-protein at or above the serum threshold; urine at
    least 200 mg/24 h; involved FLC at least 100 mg/L with an abnormal ratio only
    when serum and urine are unmeasurable; marrow plasma cells only when nothing
    else is measurable.
    """
    since = start - timedelta(days=p.baseline_lookback_days)
    serum = _last_in(data.serum, data.serum_dates, start, since)
    urine = _last_in(data.urine, data.urine_dates, start, since)
    kappa = _last_in(data.kappa, data.kappa_dates, start, since)
    lambda_ = _last_in(data.lambda_, data.lambda_dates, start, since)
    if kappa is not None and lambda_ is not None and kappa.date != lambda_.date:
        kappa = lambda_ = None
    marrow = _last_in(data.marrow, data.marrow_dates, start, since)
    spd_found = latest_within(data.imaging_spd, data.imaging_dates, start, since)
    spd = spd_found[1] if spd_found else None
    ratio = _ratio(kappa, lambda_)
    involved = _involved_chain(data.light_chain, ratio, p)
    measures: list[Measure] = []
    reasons: list[str] = []
    if (
        serum is not None
        and not serum.below_limit
        and at_least(serum.value, p.serum_measurable_g_dl)
    ):
        measures.append(Measure.SERUM)
        reasons.append(f"serum M-protein {serum.value:g} g/dL ≥ {p.serum_measurable_g_dl:g}")
    if (
        urine is not None
        and not urine.below_limit
        and at_least(urine.value, p.urine_measurable_mg_24h)
    ):
        measures.append(Measure.URINE)
        reasons.append(f"urine M-protein {urine.value:g} mg/24h ≥ {p.urine_measurable_mg_24h:g}")
    if not measures:
        involved_value = None
        if involved is LightChain.KAPPA and kappa:
            involved_value = kappa.value
        elif involved is LightChain.LAMBDA and lambda_:
            involved_value = lambda_.value
        abnormal = ratio is not None and not _normal(ratio, p)
        if (
            involved_value is not None
            and abnormal
            and at_least(involved_value, p.flc_measurable_mg_l)
        ):
            measures.append(Measure.FLC)
            reasons.append(
                f"serum and urine unmeasurable; involved {involved} FLC {involved_value:g} mg/L"
                f" ≥ {p.flc_measurable_mg_l:g} with abnormal ratio {ratio:.3g}"
            )
    if not measures and marrow is not None and marrow.value > 0:
        measures.append(Measure.MARROW)
        reasons.append(f"nothing else measurable; marrow plasma cells {marrow.value:g}%")
    if not measures:
        seen = [
            name
            for name, value in (
                ("serum", serum),
                ("urine", urine),
                ("FLC", kappa),
                ("marrow", marrow),
            )
            if value is not None
        ]
        found = (
            f" (values within {p.baseline_lookback_days} days: {', '.join(seen)})" if seen else ""
        )
        reasons.append(f"no measurable disease at baseline{found}")
    return Baseline(
        start,
        serum,
        urine,
        kappa,
        lambda_,
        marrow,
        spd,
        involved,
        tuple(measures),
        "; ".join(reasons),
    )


@dataclass(frozen=True, slots=True)
class Assessment:
    """Disease measurements taken together (within the assessment window)."""

    date: date
    serum: Point | None
    urine: Point | None
    kappa: Point | None
    lambda_: Point | None
    marrow: Point | None
    serum_ife: bool | None
    urine_ife: bool | None
    new_lesion: bool

    @property
    def ratio(self) -> float | None:
        """kappa/lambda ratio at this assessment."""
        return _ratio(self.kappa, self.lambda_)


def collect_assessments(
    data: DiseaseData, after: date, until: date | None, window_days: int
) -> tuple[Assessment, ...]:
    """Group measurements after ``after`` (and before ``until``) into assessments.

    Measurements less than ``window_days`` after the first of a group belong to it;
    within a group the last value of each parameter counts.
    """
    days = data.days
    position = bisect_right(days, after)
    stop = len(days) if until is None else bisect_left(days, until)
    result = []
    serum, serum_dates = data.serum, data.serum_dates
    urine, urine_dates = data.urine, data.urine_dates
    kappa_points, kappa_dates = data.kappa, data.kappa_dates
    lambda_points, lambda_dates = data.lambda_, data.lambda_dates
    marrow, marrow_dates = data.marrow, data.marrow_dates
    serum_ife, urine_ife = data.serum_ife, data.urine_ife
    new_lesions = data.new_lesions
    while position < stop:
        first = days[position]
        position += 1
        while position < stop and (days[position] - first).days < window_days:
            position += 1
        last = days[position - 1]
        # The last value of each series from ``first`` to ``last`` (see _last_in).
        kappa = lambda_ = None
        if kappa_dates and lambda_dates:
            kappa = _last_in(kappa_points, kappa_dates, last, first)
            lambda_ = _last_in(lambda_points, lambda_dates, last, first)
            if kappa is None or lambda_ is None:
                kappa = lambda_ = None
        serum_flag = (
            latest_within(serum_ife, data.serum_ife_dates, last, first) if serum_ife else None
        )
        urine_flag = (
            latest_within(urine_ife, data.urine_ife_dates, last, first) if urine_ife else None
        )
        result.append(
            Assessment(
                first,
                _last_in(serum, serum_dates, last, first) if serum_dates else None,
                _last_in(urine, urine_dates, last, first) if urine_dates else None,
                kappa,
                lambda_,
                _last_in(marrow, marrow_dates, last, first) if marrow_dates else None,
                serum_flag[1] if serum_flag else None,
                urine_flag[1] if urine_flag else None,
                bool(new_lesions) and any(first <= day <= last for day in new_lesions),
            )
        )
    return tuple(result)


@dataclass(frozen=True, slots=True)
class Reading:
    """The response read at one assessment, before confirmation."""

    category: Category
    reason: str
    rule: str
    mrd_negative: bool = False


def _reduction(base: float, now: float) -> float:
    return (base - now) / base if base > 0 else 0.0


def _change(base: float, now: float) -> str:
    if base <= 0:
        return "baseline 0"
    return f"{(now - base) / base:+.0%} vs baseline {base:g}".replace("-", "−")


# ``at_least(r, t)`` is ``r >= lower_cut(t)`` (rrmm.core.thresholds): the response levels'
# fixed thresholds, worked out once.
_AT_LEAST_90 = lower_cut(0.9)
_AT_LEAST_50 = lower_cut(0.5)
_AT_LEAST_25 = lower_cut(0.25)
_BELOW_100 = lower_cut(100)
_BELOW_200 = lower_cut(200)


def _serum_level(base: Point, now: Point) -> tuple[Category, str]:
    value = now.value
    if value == 0:
        return Category.VGPR, "serum M-protein not detected on electrophoresis"
    start = base.value
    r = (start - value) / start if start > 0 else 0.0
    text = f"serum M-protein {value:g} g/dL ({_change(start, value)})"
    if r >= _AT_LEAST_90:
        return Category.VGPR, text
    if r >= _AT_LEAST_50:
        return Category.PR, text
    if r >= _AT_LEAST_25:
        return Category.MR, text
    return Category.SD, text


def _urine_level(base: Point, now: Point) -> tuple[Category, str]:
    r = _reduction(base.value, now.value)
    text = f"urine M-protein {now.value:g} mg/24h ({_change(base.value, now.value)})"
    if now.value < _BELOW_100:
        return Category.VGPR, text
    if r >= _AT_LEAST_90 or now.value < _BELOW_200:
        return Category.PR, text
    if r >= _AT_LEAST_50:
        return Category.MR, text
    return Category.SD, text


def _flc_level(base: float, now: float) -> tuple[Category, str]:
    now = max(now, 0.0)
    r = _reduction(base, now)
    text = f"dFLC {now:g} mg/L ({_change(base, now)})"
    if r >= _AT_LEAST_90:
        return Category.VGPR, text
    if r >= _AT_LEAST_50:
        return Category.PR, text
    return Category.SD, text


def _marrow_level(base: Point, now: Point, p: Parameters) -> tuple[Category, str]:
    r = _reduction(base.value, now.value)
    text = f"marrow plasma cells {now.value:g}% (baseline {base.value:g}%)"
    enough = at_least(base.value, p.marrow_pr_baseline_min_percent)
    if enough and at_least(r, 0.5):
        return Category.PR, text
    if not enough:
        text += f"; PR by marrow needs a baseline ≥ {p.marrow_pr_baseline_min_percent:g}%"
    return Category.SD, text


_RESPONSE_RULES = {
    Category.SCR: "response.scr",
    Category.CR: "response.cr",
    Category.VGPR: "response.vgpr",
    Category.PR: "response.pr",
    Category.MR: "response.mr",
}
_SD_RANK = _RANK[Category.SD]


def read_response(
    baseline: Baseline,
    now: Assessment,
    data: DiseaseData,
    line_start: date,
    p: Parameters,
) -> Reading:
    """The IMWG response level at one assessment (progression is judged separately)."""
    measures = baseline.measures
    if not measures:
        return Reading(Category.NE, baseline.reason, "measurable.serum")
    levels: list[tuple[Category, str]] = []
    missing: list[str] = []
    rule = "response.pr"
    for measure in measures:
        if measure is Measure.SERUM and baseline.serum is not None:
            if now.serum is None:
                missing.append("serum M-protein")
            else:
                levels.append(_serum_level(baseline.serum, now.serum))
        elif measure is Measure.URINE and baseline.urine is not None:
            if now.urine is None:
                if p.urine_rule == "strict":
                    missing.append("24-h urine M-protein")
            else:
                levels.append(_urine_level(baseline.urine, now.urine))
        elif measure is Measure.FLC:
            base_d = baseline.dflc
            now_d = dflc(baseline.involved, now.kappa, now.lambda_)
            if base_d is None or now_d is None:
                missing.append("free light chains")
            else:
                level = _flc_level(base_d, now_d)
                levels.append(level)
                rule = "response.vgpr.flc" if level[0] is Category.VGPR else rule
        elif measure is Measure.MARROW and baseline.marrow is not None:
            marrow = now.marrow or _last_in(
                data.marrow, data.marrow_dates, now.date, line_start + timedelta(days=1)
            )
            if marrow is None:
                missing.append("marrow plasma cells")
            else:
                levels.append(_marrow_level(baseline.marrow, marrow, p))
    if not levels:
        return Reading(
            Category.NE,
            f"{', '.join(missing)} not measured at this assessment",
            "response.downgrade",
        )
    if len(levels) == 1:
        category, text = levels[0]
        reasons = [text]
    else:
        category = min((level for level, _ in levels), key=_RANK.__getitem__)
        reasons = [text for _, text in levels]
    if baseline.spd:
        category, spd_reason = _plasmacytoma(baseline.spd, now.date, data, line_start, category)
        reasons.append(spd_reason)
    if category is Category.VGPR and now.urine is not None and not now.urine.value < _BELOW_100:
        category = Category.PR
        reasons.append(
            f"urine M-protein {now.urine.value:g} mg/24h: VGPR needs urine below 100 mg/24h"
        )
    if category is Category.VGPR or Measure.MARROW in measures:
        category, cr_reasons = _complete_response(baseline, now, data, line_start, p, category)
        reasons.extend(cr_reasons)
    mrd_negative = False
    if category is Category.CR or category is Category.SCR:
        mrd = _mrd_negative(data, line_start, now.date, p)
        if mrd is not None:
            mrd_negative = True
            reasons.append(mrd)
            if category is Category.CR and _normal_ratio(now, p):
                category = Category.SCR
                reasons.append("normal FLC ratio and MRD-negative marrow: stringent CR")
    if _RANK[category] > _SD_RANK:
        if missing:
            lowered = _lower(category)
            reasons.append(
                f"{' and '.join(missing)} measurable at baseline but not measured: downgraded"
                f" from {category} to {lowered}"
            )
            category = lowered
            rule = "response.downgrade"
        elif category is not Category.VGPR or rule != "response.vgpr.flc":
            rule = _RESPONSE_RULES[category]
    else:
        rule = "response.sd"
    if len(levels) > 1:
        reasons.append("lowest level of the parameters wins")
    return Reading(category, "; ".join(reasons), rule, mrd_negative)


def _plasmacytoma(
    base_spd: float, day: date, data: DiseaseData, line_start: date, category: Category
) -> tuple[Category, str]:
    found = latest_within(data.imaging_spd, data.imaging_dates, day, line_start + timedelta(days=1))
    if found is None:
        lowered = _lower(category) if category.rank > Category.SD.rank else category
        return lowered, (
            f"plasmacytoma present at baseline (SPD {base_spd:g} cm²) not re-imaged:"
            f" downgraded to {lowered}"
        )
    spd = found[1]
    text = f"plasmacytoma SPD {spd:g} cm² on {found[0]} ({_change(base_spd, spd)})"
    if spd == 0:
        return category, text
    if at_least(_reduction(base_spd, spd), 0.5):
        return min(category, Category.PR, key=lambda c: c.rank), text
    return min(category, Category.SD, key=lambda c: c.rank), text


def _normal(ratio: float, p: Parameters) -> bool:
    return at_least(ratio, p.flc_ratio_normal_low) and at_most(ratio, p.flc_ratio_normal_high)


def _normal_ratio(now: Assessment, p: Parameters) -> bool:
    ratio = now.ratio
    return ratio is not None and _normal(ratio, p)


def _complete_response(
    baseline: Baseline,
    now: Assessment,
    data: DiseaseData,
    line_start: date,
    p: Parameters,
    category: Category,
) -> tuple[Category, list[str]]:
    """CR: negative serum and urine IFE, marrow < 5% and, for FLC disease, a normal ratio."""
    secretory = Measure.MARROW not in baseline.measures
    if secretory:
        if now.serum_ife is None:
            return category, []
        if now.serum_ife:
            return category, ["serum immunofixation positive"]
        if now.urine_ife:
            return category, ["urine immunofixation positive"]
    marrow = now.marrow or _last_in(
        data.marrow, data.marrow_dates, now.date, line_start + timedelta(days=1)
    )
    if marrow is not None and at_least(marrow.value, p.cr_marrow_max_percent):
        return category, [
            f"marrow plasma cells {marrow.value:g}% on {marrow.date} (CR needs"
            f" < {p.cr_marrow_max_percent:g}%)"
        ]
    needs = []
    if secretory and now.urine_ife is None:
        needs.append("urine immunofixation")
    if marrow is None:
        needs.append("a marrow examination")
    if Measure.FLC in baseline.measures and not _normal_ratio(now, p):
        needs.append("a normal FLC ratio")
    if needs:
        start = "immunofixation negative" if secretory else "criteria partly met"
        return category, [f"{start} but {' and '.join(needs)} missing: CR not established"]
    parts = []
    if secretory:
        parts.append("serum and urine immunofixation negative")
    parts.append(f"marrow plasma cells {marrow.value:g}% on {marrow.date}" if marrow else "")
    return Category.CR, [", ".join(part for part in parts if part)]


def _mrd_negative(data: DiseaseData, line_start: date, day: date, p: Parameters) -> str | None:
    found = latest_within(data.mrd, data.mrd_dates, day, line_start + timedelta(days=1))
    if found is None:
        return None
    when, result = found
    if result.status is not MrdStatus.NEGATIVE:
        return None
    if result.sensitivity is not None and above(result.sensitivity, p.mrd_sensitivity):
        return None
    method = f" by {result.method}" if result.method else ""
    limit = f" at {result.sensitivity:g}" if result.sensitivity else ""
    return f"MRD negative{method}{limit} on {when}"
