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

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from rrmm.core.analytes import Analyte
from rrmm.core.criteria import Parameters
from rrmm.core.model import ConditionName, LightChain, MrdResult, MrdStatus, PatientRecord
from rrmm.core.series import (
    Point,
    immunofixation_series,
    latest_on_or_before,
    mrd_series,
    plasmacytoma_spd,
    quantity_series,
)
from rrmm.core.thresholds import above, at_least, at_most, below

__all__ = [
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


def _lower(category: Category) -> Category:
    return _BY_RANK[max(_RANK[Category.SD], category.rank - 1)]


class Measure(StrEnum):
    """Which parameter follows the disease in a line."""

    SERUM = "serum M-protein"
    URINE = "urine M-protein"
    FLC = "serum free light chains (dFLC)"
    MARROW = "bone-marrow plasma cells"


@dataclass(frozen=True, slots=True)
class DiseaseData:
    """The record's disease measurements as series in canonical units."""

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


def _last(points: tuple[Point, ...], day: date, since: date) -> Point | None:
    """The last point dated from ``since`` to ``day`` (points are in date order)."""
    index = bisect_right(points, day, key=_date_of)
    if index == 0:
        return None
    found = points[index - 1]
    return found if found.date >= since else None


def _date_of(point: Point) -> date:
    return point.date


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
    serum = _last(data.serum, start, since)
    urine = _last(data.urine, start, since)
    kappa = _last(data.kappa, start, since)
    lambda_ = _last(data.lambda_, start, since)
    if kappa is not None and lambda_ is not None and kappa.date != lambda_.date:
        kappa = lambda_ = None
    marrow = _last(data.marrow, start, since)
    spd_found = latest_on_or_before(data.imaging_spd, start, since)
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
    days: set[date] = set()
    for series in (data.serum, data.urine, data.kappa, data.lambda_, data.marrow):
        days.update(point.date for point in series)
    days.update(day for day, _ in data.serum_ife)
    days.update(day for day, _ in data.urine_ife)
    days.update(data.new_lesions)
    chosen = sorted(day for day in days if day > after and (until is None or day < until))
    groups: list[list[date]] = []
    for day in chosen:
        if groups and (day - groups[-1][0]).days < window_days:
            groups[-1].append(day)
        else:
            groups.append([day])
    result = []
    for group in groups:
        first, last = group[0], group[-1]

        def pick(points: tuple[Point, ...], first: date = first, last: date = last) -> Point | None:
            return _last(points, last, first)

        def flag(
            pairs: tuple[tuple[date, bool], ...], first: date = first, last: date = last
        ) -> bool | None:
            found = latest_on_or_before(pairs, last, first)
            return found[1] if found else None

        kappa, lambda_ = pick(data.kappa), pick(data.lambda_)
        if kappa is None or lambda_ is None:
            kappa = lambda_ = None
        result.append(
            Assessment(
                date=first,
                serum=pick(data.serum),
                urine=pick(data.urine),
                kappa=kappa,
                lambda_=lambda_,
                marrow=pick(data.marrow),
                serum_ife=flag(data.serum_ife),
                urine_ife=flag(data.urine_ife),
                new_lesion=any(first <= day <= last for day in data.new_lesions),
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


def _serum_level(base: Point, now: Point) -> tuple[Category, str]:
    if now.value == 0:
        return Category.VGPR, "serum M-protein not detected on electrophoresis"
    r = _reduction(base.value, now.value)
    text = f"serum M-protein {now.value:g} g/dL ({_change(base.value, now.value)})"
    if at_least(r, 0.9):
        return Category.VGPR, text
    if at_least(r, 0.5):
        return Category.PR, text
    if at_least(r, 0.25):
        return Category.MR, text
    return Category.SD, text


def _urine_level(base: Point, now: Point) -> tuple[Category, str]:
    r = _reduction(base.value, now.value)
    text = f"urine M-protein {now.value:g} mg/24h ({_change(base.value, now.value)})"
    if below(now.value, 100):
        return Category.VGPR, text
    if at_least(r, 0.9) or below(now.value, 200):
        return Category.PR, text
    if at_least(r, 0.5):
        return Category.MR, text
    return Category.SD, text


def _flc_level(base: float, now: float) -> tuple[Category, str]:
    now = max(now, 0.0)
    r = _reduction(base, now)
    text = f"dFLC {now:g} mg/L ({_change(base, now)})"
    if at_least(r, 0.9):
        return Category.VGPR, text
    if at_least(r, 0.5):
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


def read_response(
    baseline: Baseline,
    now: Assessment,
    data: DiseaseData,
    line_start: date,
    p: Parameters,
) -> Reading:
    """The IMWG response level at one assessment (progression is judged separately)."""
    if not baseline.evaluable:
        return Reading(Category.NE, baseline.reason, "measurable.serum")
    levels: list[tuple[Category, str]] = []
    missing: list[str] = []
    rule = "response.pr"
    for measure in baseline.measures:
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
                levels.append(_flc_level(base_d, now_d))
                rule = (
                    "response.vgpr.flc" if _flc_level(base_d, now_d)[0] is Category.VGPR else rule
                )
        elif measure is Measure.MARROW and baseline.marrow is not None:
            marrow = now.marrow or _last(data.marrow, now.date, line_start + timedelta(days=1))
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
    category = min((level for level, _ in levels), key=lambda c: c.rank)
    reasons = [text for _, text in levels]
    if baseline.spd:
        category, spd_reason = _plasmacytoma(baseline.spd, now.date, data, line_start, category)
        reasons.append(spd_reason)
    if category is Category.VGPR and now.urine is not None and not below(now.urine.value, 100):
        category = Category.PR
        reasons.append(
            f"urine M-protein {now.urine.value:g} mg/24h: VGPR needs urine below 100 mg/24h"
        )
    if category is Category.VGPR or Measure.MARROW in baseline.measures:
        category, cr_reasons = _complete_response(baseline, now, data, line_start, p, category)
        reasons.extend(cr_reasons)
    mrd_negative = False
    if category in (Category.CR, Category.SCR):
        mrd = _mrd_negative(data, line_start, now.date, p)
        if mrd is not None:
            mrd_negative = True
            reasons.append(mrd)
            if category is Category.CR and _normal_ratio(now, p):
                category = Category.SCR
                reasons.append("normal FLC ratio and MRD-negative marrow: stringent CR")
    if missing and category.rank > Category.SD.rank:
        lowered = _lower(category)
        reasons.append(
            f"{' and '.join(missing)} measurable at baseline but not measured: downgraded from"
            f" {category} to {lowered}"
        )
        category = lowered
        rule = "response.downgrade"
    elif category.rank > Category.SD.rank:
        rule = {
            Category.SCR: "response.scr",
            Category.CR: "response.cr",
            Category.VGPR: rule if rule == "response.vgpr.flc" else "response.vgpr",
            Category.PR: "response.pr",
            Category.MR: "response.mr",
        }[category]
    else:
        rule = "response.sd"
    if len(levels) > 1:
        reasons.append("lowest level of the parameters wins")
    return Reading(category, "; ".join(reasons), rule, mrd_negative)


def _plasmacytoma(
    base_spd: float, day: date, data: DiseaseData, line_start: date, category: Category
) -> tuple[Category, str]:
    found = latest_on_or_before(data.imaging_spd, day, line_start + timedelta(days=1))
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
    marrow = now.marrow or _last(data.marrow, now.date, line_start + timedelta(days=1))
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
    found = latest_on_or_before(data.mrd, day, line_start + timedelta(days=1))
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
