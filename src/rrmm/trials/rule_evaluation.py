"""Decide a rule for one patient: true, false or undecided (None), with the evidence.

Three-valued logic throughout: "all of" is false when any item is false and
undecided when any is undecided; "any of" is true when any item is true; "not" swaps
true and false and keeps undecided. Nothing missing is ever read as true or false:
a laboratory value that is absent or older than the window, a ULN-relative threshold
without the laboratory's reference range, a drug whose refractoriness the IMWG
engine could not evaluate — each leaves the rule undecided and says what is missing.
"""

from __future__ import annotations

from datetime import date, timedelta

from rrmm.core.analytes import ANALYTES, Analyte
from rrmm.core.drugs import DrugClass
from rrmm.core.model import ConditionName, LightChain, Sex, StopReason
from rrmm.core.refractory import DrugState
from rrmm.core.response import Category
from rrmm.core.status import DiseaseStatus
from rrmm.core.thresholds import above, at_least, at_most, below
from rrmm.trials.patient_context import LabValue, PatientContext, light_chain
from rrmm.trials.rules import (
    Age,
    AllOf,
    AnyOf,
    Bound,
    ConditionPresent,
    Diagnosis,
    DrugHistory,
    Finding,
    Lab,
    Measurable,
    Not,
    Op,
    Performance,
    Permissive,
    Pregnant,
    PriorLines,
    ProgressionOnLast,
    RecentTherapy,
    RefractoryToLast,
    RelapsedRefractory,
    Relation,
    ResponseAchieved,
    Rule,
    SexIs,
    Target,
    Transplant,
    Unrecordable,
)

__all__ = ["Outcome", "evaluate"]

Outcome = tuple[bool | None, str]

_KARNOFSKY = {0: (90.0, 100.0), 1: (70.0, 80.0), 2: (50.0, 60.0), 3: (30.0, 40.0), 4: (10.0, 20.0)}


def _bounds_hold(bounds: tuple[Bound, ...], value: float) -> bool:
    return all(b.holds(value) for b in bounds)


def _text(bounds: tuple[Bound, ...]) -> str:
    return " and ".join(str(b) for b in bounds)


def _stale(ctx: PatientContext, when: date) -> bool:
    return (ctx.as_of - when).days > ctx.options.lab_window_days


def _age(rule: Age, ctx: PatientContext) -> Outcome:
    if ctx.age is None:
        return None, "birth date not recorded"
    holds = _bounds_hold(rule.bounds, ctx.age)
    return holds, f"age {ctx.age} ({'within' if holds else 'outside'} {_text(rule.bounds)})"


def _sex(rule: SexIs, ctx: PatientContext) -> Outcome:
    sex = ctx.record.sex
    if sex not in (Sex.FEMALE, Sex.MALE):
        return None, "sex not recorded"
    return sex.value == rule.sex, f"sex {sex.value}"


def _performance(rule: Performance, ctx: PatientContext) -> Outcome:
    if ctx.ecog is None:
        return None, "no ECOG performance status recorded"
    ecog, when = ctx.ecog
    if _stale(ctx, when):
        return None, (
            f"latest ECOG {ecog} ({when}) is more than {ctx.options.lab_window_days} days old"
        )
    if rule.scale == "ecog":
        holds = _bounds_hold(rule.bounds, ecog)
        return holds, f"ECOG {ecog} on {when}"
    low, high = _KARNOFSKY.get(ecog, (0.0, 0.0))
    at_low, at_high = _bounds_hold(rule.bounds, low), _bounds_hold(rule.bounds, high)
    evidence = f"ECOG {ecog} on {when} corresponds to Karnofsky {low:g}-{high:g}"
    if at_low and at_high:
        return True, evidence
    if not at_low and not at_high:
        return False, evidence
    return None, evidence + f"; Karnofsky {_text(rule.bounds)} cannot be decided"


def _lab_value(ctx: PatientContext, analyte: Analyte) -> tuple[LabValue | None, str]:
    value = ctx.labs.get(analyte)
    title = ANALYTES[analyte].title
    if value is None:
        return None, f"no {title} recorded"
    if _stale(ctx, value.date):
        return None, (
            f"latest {title} {value.written} ({value.date}) is more than"
            f" {ctx.options.lab_window_days} days old"
        )
    return value, ""


def _dialysis(ctx: PatientContext) -> bool:
    return any(
        c.name is ConditionName.DIALYSIS and (c.until is None or c.until >= ctx.as_of)
        for c in ctx.conditions
    )


def _lab(rule: Lab, ctx: PatientContext) -> Outcome:
    analyte = rule.analyte
    info = ANALYTES[analyte]
    if analyte is Analyte.CREATININE_CLEARANCE and not rule.relative:
        if _dialysis(ctx):
            # on dialysis the clearance is below any threshold a trial sets (< 15 mL/min)
            holds = rule.bound.op in (Op.LT, Op.LE) and rule.bound.value >= 15
            return holds, "on dialysis (creatinine clearance below 15 mL/min)"
        found = ctx.creatinine_clearance
        if found is None:
            return None, "creatinine clearance not recorded and cannot be estimated"
        clearance, when, source = found
        if _stale(ctx, when):
            return None, (
                f"creatinine clearance from {when} is more than"
                f" {ctx.options.lab_window_days} days old"
            )
        return rule.bound.holds(clearance), f"creatinine clearance {source}"
    value, missing = _lab_value(ctx, analyte)
    if value is None:
        return None, missing
    if rule.relative:
        ratio = value.uln_ratio if rule.relative == "uln" else value.lln_ratio
        limit = "upper" if rule.relative == "uln" else "lower"
        if ratio is None:
            return None, (
                f"{info.title} {value.written} on {value.date}; the laboratory's {limit} limit"
                " of normal is not recorded"
            )
        return rule.bound.holds(ratio), (
            f"{info.title} {value.written} on {value.date} = {ratio:.2g} × {rule.relative.upper()}"
        )
    if value.below_limit and rule.bound.op in (Op.GE, Op.GT):
        return None, f"{info.title} reported below a limit ({value.written}) on {value.date}"
    return rule.bound.holds(value.value), _lab_text(value)


def _lab_text(value: LabValue) -> str:
    info = ANALYTES[value.analyte]
    canonical = f"{value.value:.3g} {info.canonical_unit}"
    written = value.written
    shown = (
        written
        if written.replace(" ", "") == canonical.replace(" ", "")
        else (f"{written} = {canonical}")
    )
    return f"{info.title} {shown} on {value.date}"


_M_PROTEIN_TEXT = {
    Analyte.SERUM_M_PROTEIN: "serum M-protein {value:.3g} g/dL ({day})",
    Analyte.URINE_M_PROTEIN: "urine M-protein {value:.4g} mg/24h ({day})",
}


def _m_protein_at_least(
    ctx: PatientContext, analyte: Analyte, threshold: float, notes: list[str]
) -> bool | None:
    """Whether the latest M-protein reaches ``threshold`` (a value below the limit does not)."""
    value, missing = _lab_value(ctx, analyte)
    if value is None:
        notes.append(missing)
        return None
    notes.append(_M_PROTEIN_TEXT[analyte].format(value=value.value, day=value.date))
    return at_least(value.value, threshold) and not value.below_limit


def _measurable_now(rule: Measurable, ctx: PatientContext) -> tuple[bool | None, list[str]]:
    found: list[bool | None] = []
    notes: list[str] = []
    if rule.serum_g_dl is not None:
        found.append(_m_protein_at_least(ctx, Analyte.SERUM_M_PROTEIN, rule.serum_g_dl, notes))
    if rule.urine_mg_24h is not None:
        found.append(_m_protein_at_least(ctx, Analyte.URINE_M_PROTEIN, rule.urine_mg_24h, notes))
    if rule.flc_mg_l is not None:
        found.append(_flc(rule.flc_mg_l, ctx, notes))
    if any(f is True for f in found):
        return True, notes
    if found and all(f is False for f in found):
        return False, notes
    return None, notes


def _flc(threshold: float, ctx: PatientContext, notes: list[str]) -> bool | None:
    kappa, missing_k = _lab_value(ctx, Analyte.KAPPA_FLC)
    lambda_, missing_l = _lab_value(ctx, Analyte.LAMBDA_FLC)
    if kappa is None or lambda_ is None or kappa.date != lambda_.date or lambda_.value <= 0:
        notes.append(missing_k or missing_l or "kappa and lambda FLC not measured on one date")
        return None
    p = ctx.evaluation.criteria.parameters
    ratio = kappa.value / lambda_.value
    chain = light_chain(ctx)
    if chain not in (LightChain.KAPPA, LightChain.LAMBDA):
        chain = (
            LightChain.KAPPA
            if above(ratio, p.flc_ratio_normal_high)
            else LightChain.LAMBDA
            if below(ratio, p.flc_ratio_normal_low)
            else None
        )
    abnormal = not (
        at_least(ratio, p.flc_ratio_normal_low) and at_most(ratio, p.flc_ratio_normal_high)
    )
    if chain is None:
        notes.append(f"FLC ratio {ratio:.3g} normal ({kappa.date})")
        return False
    involved = kappa.value if chain is LightChain.KAPPA else lambda_.value
    notes.append(f"involved {chain} FLC {involved:.4g} mg/L, ratio {ratio:.3g} ({kappa.date})")
    return at_least(involved, threshold) and abnormal


def _measurable(rule: Measurable, ctx: PatientContext) -> Outcome:
    if rule.specified:
        holds, notes = _measurable_now(rule, ctx)
        return holds, "; ".join(notes)
    strict, notes = _measurable_now(Measurable(1.0, 200.0, 100.0), ctx)
    if strict is True:
        return True, "; ".join(notes) + " (measurable by IMWG 2016 thresholds)"
    lenient, _ = _measurable_now(Measurable(0.5, 200.0, 100.0), ctx)
    if lenient is False:
        return False, "; ".join(notes) + " (not measurable even at serum 0.5 g/dL)"
    return None, "; ".join(notes) + (
        " (measurable only at a serum threshold of 0.5 g/dL; the trial gives no threshold)"
        if lenient
        else ""
    )


def _lines_text(ctx: PatientContext) -> str:
    lines = ctx.evaluation.lines
    if not lines:
        return "no line of therapy"
    listed = ", ".join(f"{line.number}: {line.regimen} from {line.start}" for line in lines)
    return f"{len(lines)} line(s) of therapy (IMWG) — {listed}"


def _prior_lines(rule: PriorLines, ctx: PatientContext) -> Outcome:
    lines = len(ctx.evaluation.lines)
    if rule.counting == "lines":
        return _bounds_hold(rule.bounds, lines), _lines_text(ctx)
    courses = max(ctx.regimen_count, lines)
    results: list[bool | None] = []
    for bound in rule.bounds:
        low, high = bound.holds(lines), bound.holds(courses)
        results.append(low if low == high else None)
    evidence = f"{_lines_text(ctx)}; {courses} regimen(s) recorded"
    if False in results:
        return False, evidence
    if None in results:
        return None, evidence + " (regimen counting differs from line counting)"
    return True, evidence


def _matches(target: Target, drug: str, ctx: PatientContext) -> bool:
    if drug in target.drugs:
        return True
    found = ctx.catalog.resolve(drug)
    if found is None:
        return False
    if target.classes and set(found.classes) & target.classes:
        return True
    if target.cell_therapy and found.cell_therapy:
        return True
    return target.any_antimyeloma and found.antimyeloma and DrugClass.STEROID not in found.classes


def _drug_history(rule: DrugHistory, ctx: PatientContext) -> Outcome:
    target = rule.target
    exposed = [d for d in ctx.drug_verdicts if _matches(target, d, ctx)]
    if target.cell_therapy:
        for product, _ in ctx.cell_therapy_infusions:
            resolved = ctx.catalog.resolve(product)
            name = resolved.name if resolved else product
            if name not in exposed:
                exposed.append(name)
    need = rule.at_least
    if rule.relation is Relation.EXPOSED:
        if not exposed:
            return False, f"no {target.name} recorded"
        return len(exposed) >= need, f"received {', '.join(sorted(exposed))}"
    if rule.relation is Relation.REFRACTORY:
        hits, maybe, clean = [], [], []
        for name in exposed:
            verdict = ctx.drug_verdicts.get(name)
            if verdict is None:
                maybe.append(name)
            elif verdict.state is DrugState.EXPOSED_ONLY:
                clean.append(f"{name}: exposure only (not judged for refractoriness)")
            elif verdict.state is DrugState.REFRACTORY:
                why = verdict.evidence[0] if verdict.evidence else "refractory"
                hits.append(f"{name} refractory ({why})")
            elif verdict.state is DrugState.NOT_EVALUABLE:
                maybe.append(name)
            else:
                clean.append(f"{name} not refractory")
        parts = hits + clean + [f"{name}: refractoriness not evaluable" for name in maybe]
        evidence = "; ".join(parts) if parts else f"no {target.name} received"
        if len(hits) >= need:
            return True, evidence
        if len(hits) + len(maybe) >= need:
            return None, evidence
        return False, evidence
    return _intolerant(target, exposed, ctx)


def _intolerant(target: Target, exposed: list[str], ctx: PatientContext) -> Outcome:
    if not exposed:
        return False, f"no {target.name} received"
    uses = [u for u in ctx.drug_uses if u.drug in exposed]
    toxic = [u for u in uses if u.stop_reason is StopReason.TOXICITY]
    if toxic:
        use = toxic[0]
        return True, f"{use.drug} stopped for toxicity ({use.course})"
    course_toxic = [u for u in uses if u.course_stop_reason is StopReason.TOXICITY]
    if course_toxic:
        return None, f"{course_toxic[0].course} stopped for toxicity; which drug is not recorded"
    unknown = [
        u for u in uses if not u.ongoing and u.stop_reason is None and u.course_stop_reason is None
    ]
    if unknown:
        return None, f"why {unknown[0].drug} stopped is not recorded ({unknown[0].course})"
    return False, f"{', '.join(sorted(exposed))}: no stop for toxicity recorded"


def _last_course(ctx: PatientContext) -> tuple[bool | None, str] | None:
    if not ctx.evaluation.courses:
        return False, "no therapy recorded"
    return None


def _refractory_to_last(ctx: PatientContext) -> Outcome:
    empty = _last_course(ctx)
    if empty is not None:
        return empty
    course = ctx.evaluation.courses[-1]
    line = course.line
    window = ctx.evaluation.criteria.parameters.refractory_window_days
    event = course.progression
    if event is not None:
        if line.end is None or event.date <= line.end + timedelta(days=window):
            return True, f"line {line.number} ({line.regimen}): progression on {event.date}"
        return False, (
            f"line {line.number} ({line.regimen}): progression on {event.date}, more than"
            f" {window} days after it ended ({line.end})"
        )
    if course.best_response.rank >= Category.MR.rank:
        return False, (
            f"line {line.number} ({line.regimen}): best response {course.best_response},"
            " no progression"
        )
    if course.best_response is not Category.NE:
        minimum = ctx.evaluation.criteria.parameters.minimum_exposure_days
        end = line.end or ctx.as_of
        if (end - line.start).days >= minimum:
            return True, (
                f"line {line.number} ({line.regimen}): best response {course.best_response}"
                f" after {(end - line.start).days} days (non-responsive)"
            )
    return None, f"line {line.number} ({line.regimen}): response not evaluable"


def _progression_on_last(ctx: PatientContext) -> Outcome:
    empty = _last_course(ctx)
    if empty is not None:
        return empty
    course = ctx.evaluation.courses[-1]
    line = course.line
    if course.progression is not None:
        return (
            True,
            f"line {line.number} ({line.regimen}): progression on {course.progression.date}",
        )
    if course.best_response.rank >= Category.MR.rank:
        return False, (
            f"line {line.number} ({line.regimen}): best response {course.best_response},"
            " no progression since"
        )
    return None, f"line {line.number} ({line.regimen}): response not evaluable"


def _relapsed_refractory(ctx: PatientContext) -> Outcome:
    ev = ctx.evaluation
    if not ev.lines:
        return False, "untreated: no line of therapy"
    progressions = [c for c in ev.courses if c.progression is not None]
    if progressions:
        listed = ", ".join(
            f"line {c.line.number} on {c.progression.date}"  # type: ignore[union-attr]
            for c in progressions
        )
        return True, f"progression recorded: {listed}"
    status = ev.status.status
    if status in (
        DiseaseStatus.PRIMARY_REFRACTORY,
        DiseaseStatus.RELAPSED,
        DiseaseStatus.RELAPSED_AND_REFRACTORY,
    ):
        return True, f"{status}: {ev.status.reason}"
    if status is DiseaseStatus.RESPONDING:
        return False, f"responding on line {ev.lines[-1].number}, no progression recorded"
    return None, f"disease status {status}: {ev.status.reason}"


def _response_achieved(rule: ResponseAchieved, ctx: PatientContext) -> Outcome:
    courses = ctx.evaluation.courses
    if not courses:
        return False, "no line of therapy"
    level = Category(rule.level)
    best = max(courses, key=lambda c: c.best_response.rank)
    listed = ", ".join(f"line {c.line.number}: {c.best_response}" for c in courses)
    if best.best_response.rank >= level.rank:
        return True, f"best confirmed responses — {listed}"
    if any(c.best_response is Category.NE for c in courses):
        return None, f"best confirmed responses — {listed} (not all evaluable)"
    return False, f"best confirmed responses — {listed}"


def _transplant(rule: Transplant, ctx: PatientContext) -> Outcome:
    kinds = ("autologous", "allogeneic") if rule.kind == "any" else (rule.kind,)
    found = [(k, d) for k, d in ctx.transplants if k in kinds]
    label = "stem-cell" if rule.kind == "any" else rule.kind
    if not found:
        return False, f"no {label} transplant recorded"
    listed = ", ".join(f"{k} {d}" for k, d in found)
    if rule.within_days is None:
        return True, f"transplant: {listed}"
    since = ctx.as_of - timedelta(days=rule.within_days)
    recent = [d for _, d in found if d > since]
    if recent:
        return True, f"transplant on {max(recent)}, within {rule.within_days} days of {ctx.as_of}"
    return False, f"transplant: {listed} — not within {rule.within_days} days of {ctx.as_of}"


def _recent(target: Target, within: int, ctx: PatientContext) -> tuple[bool | None, str]:
    since = ctx.as_of - timedelta(days=within)
    if target.name == "radiotherapy":
        recent = [d for d in ctx.radiotherapy if d > since]
        if recent:
            return True, f"radiotherapy on {max(recent)}"
        return False, "no radiotherapy in the window"
    undecided = ""
    for use in ctx.drug_uses:
        if not _matches(target, use.drug, ctx):
            continue
        if use.ongoing:
            return True, f"{use.drug} ongoing ({use.course})"
        if use.end is None:
            if use.start > since:
                return True, f"{use.drug} started {use.start} ({use.course})"
            undecided = f"{use.drug} ({use.course}): end date not recorded"
            continue
        if use.end > since:
            return True, f"{use.drug} last given {use.end} ({use.course})"
    if target.cell_therapy:
        for product, when in ctx.cell_therapy_infusions:
            if when > since:
                return True, f"{product} infused {when}"
    if undecided:
        return None, undecided
    return False, f"no {target.name} within {within} days of {ctx.as_of}"


def _recent_therapy(rule: RecentTherapy, ctx: PatientContext) -> Outcome:
    holds, evidence = _recent(rule.target, rule.within_days, ctx)
    if holds is not False or rule.broad is None:
        return holds, evidence
    wide, wide_evidence = _recent(rule.broad, rule.within_days, ctx)
    if wide is False:
        return False, f"no anti-myeloma therapy within {rule.within_days} days of {ctx.as_of}"
    return None, (
        f"{wide_evidence}: not cytotoxic chemotherapy, but '{rule.target.name}' may be meant"
        " as any anti-myeloma therapy"
    )


def _condition(rule: ConditionPresent, ctx: PatientContext) -> Outcome:
    title = rule.name.replace("_", " ")
    pool = [c for c in ctx.conditions if c.name.value == rule.name]
    active = [c for c in pool if c.until is None or c.until >= ctx.as_of]
    relevant = pool if rule.ever else active
    if relevant:
        if rule.grade_at_least is None:
            item = relevant[-1]
            since = f" since {item.since}" if item.since else ""
            return True, f"{title} recorded{since}"
        graded = [c for c in relevant if c.grade is not None]
        if any(c.grade >= rule.grade_at_least for c in graded):  # type: ignore[operator]
            worst = max(c.grade for c in graded)  # type: ignore[type-var]
            return True, f"{title} grade {worst} recorded"
        if len(graded) == len(relevant):
            worst = max(c.grade for c in graded)  # type: ignore[type-var]
            return False, f"{title} grade {worst} recorded (below grade {rule.grade_at_least})"
        return None, f"{title} recorded without a grade"
    resolved = [c for c in pool if c not in active]
    note = f"{title} recorded until {resolved[-1].until}; " if resolved else ""
    if ctx.options.conditions_complete:
        return False, f"{note}no {title} recorded (condition list taken as complete)"
    return None, f"{note}no {title} recorded; the record does not say it is absent"


def _finding(rule: Finding, ctx: PatientContext) -> Outcome:
    values = [
        getattr(f, rule.name)
        for f in ctx.record.findings
        if getattr(f, rule.name, None) is not None
    ]
    if any(values):
        return True, f"{rule.name} found by cytogenetics"
    if values:
        return False, f"{rule.name} tested negative"
    return None, f"{rule.name} not tested"


def _pregnant(ctx: PatientContext) -> Outcome:
    if ctx.record.sex is Sex.MALE:
        return False, "male patient"
    return None, "pregnancy status is not part of the record"


def _joined(outcomes: list[Outcome], value: bool | None) -> str:
    chosen = [text for holds, text in outcomes if holds is value and text]
    return "; ".join(dict.fromkeys(chosen))


def _combine(rule: AllOf | AnyOf, ctx: PatientContext) -> Outcome:
    outcomes = [evaluate(item, ctx) for item in rule.items]
    values = [holds for holds, _ in outcomes]
    decisive = not isinstance(rule, AllOf)
    if decisive in values:
        # only the items that decide: the false one of an "all", the true one of an "any"
        return decisive, _joined(outcomes, decisive)
    if None in values:
        return None, "; ".join(dict.fromkeys(text for _, text in outcomes if text))
    return not decisive, "; ".join(dict.fromkeys(text for _, text in outcomes if text))


def _evaluate(rule: Rule, ctx: PatientContext) -> Outcome:
    if isinstance(rule, AllOf | AnyOf):
        return _combine(rule, ctx)
    if isinstance(rule, Not):
        holds, evidence = evaluate(rule.item, ctx)
        return (None if holds is None else not holds), evidence
    if isinstance(rule, Lab):
        return _lab(rule, ctx)
    if isinstance(rule, Age):
        return _age(rule, ctx)
    if isinstance(rule, SexIs):
        return _sex(rule, ctx)
    if isinstance(rule, Performance):
        return _performance(rule, ctx)
    if isinstance(rule, Measurable):
        return _measurable(rule, ctx)
    if isinstance(rule, PriorLines):
        return _prior_lines(rule, ctx)
    if isinstance(rule, DrugHistory):
        return _drug_history(rule, ctx)
    if isinstance(rule, RefractoryToLast):
        return _refractory_to_last(ctx)
    if isinstance(rule, ProgressionOnLast):
        return _progression_on_last(ctx)
    if isinstance(rule, RelapsedRefractory):
        return _relapsed_refractory(ctx)
    if isinstance(rule, ResponseAchieved):
        return _response_achieved(rule, ctx)
    if isinstance(rule, Diagnosis):
        if ctx.record.diagnosis is None:
            return None, "no diagnosis recorded"
        return True, f"multiple myeloma diagnosed {ctx.record.diagnosis.date}"
    if isinstance(rule, Transplant):
        return _transplant(rule, ctx)
    if isinstance(rule, RecentTherapy):
        return _recent_therapy(rule, ctx)
    if isinstance(rule, ConditionPresent):
        return _condition(rule, ctx)
    if isinstance(rule, Finding):
        return _finding(rule, ctx)
    if isinstance(rule, Pregnant):
        return _pregnant(ctx)
    if isinstance(rule, Unrecordable):
        return None, f"the record cannot tell: {rule.what}"
    if isinstance(rule, Permissive):
        return True, "a permission; it restricts nothing"
    raise TypeError(f"unknown rule {rule!r}")


def evaluate(rule: Rule, ctx: PatientContext) -> Outcome:
    """Whether the rule holds for the patient (None: undecided), and the evidence."""
    cached = ctx.memo.get(rule)
    if cached is None:
        cached = _evaluate(rule, ctx)
        ctx.memo[rule] = cached
    return cached
