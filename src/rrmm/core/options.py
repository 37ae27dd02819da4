"""Treatment options at relapse: which regimens are allowed, which make sense, what to watch.

For every regimen of the knowledge base: label eligibility under a regulator
(each criterion met / not met / unknown with its reason), components the patient
is refractory to, cautions from the record, evidence, and a supportive-care plan;
plus retreatment with an earlier regimen, salvage autologous transplant and a
clinical trial. Options are ranked by a transparent points system whose weights
are knowledge-base data; every option lists the points it got and why. This is
decision support for clinicians, not a recommendation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from rrmm.core.assess import Evaluation
from rrmm.core.criteria import Citation
from rrmm.core.drugs import DrugClass
from rrmm.core.eligibility import CriterionResult, Verdict, check_criteria, combine
from rrmm.core.knowledge import (
    CautionRule,
    Evidence,
    Indication,
    KnowledgeBase,
    PatientTest,
    Regimen,
    SupportiveRule,
)
from rrmm.core.line_course import LineCourse
from rrmm.core.model import PatientRecord, ProcedureKind
from rrmm.core.patient_facts import PatientFacts, patient_facts
from rrmm.core.refractory import ClassState, DrugState
from rrmm.core.response import Category

__all__ = [
    "CautionHit",
    "Option",
    "OptionKind",
    "OptionsResult",
    "SupportiveHit",
    "treatment_options",
]

_BCMA = (DrugClass.BCMA_CAR_T, DrugClass.BCMA_BISPECIFIC, DrugClass.BCMA_ADC)
_NON_BCMA_TCE = (DrugClass.GPRC5D_BISPECIFIC, DrugClass.FCRH5_BISPECIFIC)
_NOT_NOVEL = (DrugClass.STEROID, DrugClass.BONE_MODIFYING_AGENT)
_MONTH = 30.4375


class OptionKind(StrEnum):
    """How an option is offered."""

    LABELLED = "labelled"
    RETREATMENT = "retreatment"
    TRANSPLANT = "transplant"
    OFF_LABEL = "off_label"
    TRIAL = "trial"


@dataclass(frozen=True, slots=True)
class CautionHit:
    """A caution that applies to this patient and regimen."""

    rule: str
    severity: str
    text: str
    sources: tuple[Citation, ...]
    verified: bool
    certain: bool = True
    patient_specific: bool = True


@dataclass(frozen=True, slots=True)
class SupportiveHit:
    """A supportive-care item of an option's plan."""

    rule: str
    category: str
    text: str
    sources: tuple[Citation, ...]
    verified: bool


@dataclass(frozen=True, slots=True)
class Option:
    """One treatment option with everything behind it."""

    regimen: str
    name: str
    kind: OptionKind
    status: str
    regulator: str
    label_eligible: bool | None
    indication: Indication | None
    criteria: tuple[CriterionResult, ...]
    refractory_components: tuple[str, ...]
    class_notes: tuple[str, ...]
    cautions: tuple[CautionHit, ...]
    evidence: tuple[Evidence, ...]
    caveats: tuple[str, ...]
    supportive_care: tuple[SupportiveHit, ...]
    score: float
    rank_reasons: tuple[str, ...]
    rank: int = 0
    unverified: tuple[str, ...] = ()
    components: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class OptionsResult:
    """All options for a patient, ranked."""

    as_of: date
    kb_version: str
    regulator: str
    prior_lines: int
    options: tuple[Option, ...]
    notes: tuple[str, ...]


def _classes(regimen_components: Sequence[str], kb: KnowledgeBase) -> set[DrugClass]:
    return {c for name in regimen_components for c in kb.catalog.get(name).classes}


def _test(test: PatientTest, facts: PatientFacts, record: PatientRecord) -> bool | None:
    """Whether the patient test holds; None when the record cannot tell."""
    kind = test.kind
    if kind == "always":
        return True
    if kind == "condition":
        return facts.condition(test.names[0], test.number)
    if kind == "condition_ever":
        return facts.condition(test.names[0], test.number, ever=True)
    if kind == "any_condition":
        return any(facts.condition(name) for name in test.names)
    dialysis = facts.condition("dialysis")
    if kind == "creatinine_clearance_below":
        if dialysis:
            return True
        value = facts.creatinine_clearance
        return None if value is None else value < (test.number or 0)
    if kind == "creatinine_clearance_unknown":
        return facts.creatinine_clearance is None and not dialysis
    if kind == "lvef_below":
        lvef = facts.lvef()
        return None if lvef is None else lvef < (test.number or 0)
    if kind == "igg_below_mg_dl":
        return None if facts.igg_mg_dl is None else facts.igg_mg_dl < (test.number or 0)
    if kind == "finding_not":
        name = test.names[0]
        values = [getattr(f, name) for f in record.findings if getattr(f, name, None) is not None]
        if any(values):
            return False
        return True if values else None
    raise ValueError(f"unknown patient test '{kind}'")


def _applies(rule: CautionRule | SupportiveRule, regimen: Regimen, classes: set[DrugClass]) -> bool:
    if isinstance(rule, SupportiveRule) and rule.all:
        return True
    return bool(
        set(rule.drugs) & set(regimen.components)
        or set(rule.classes) & classes
        or regimen.kind in rule.kinds
    )


def _cautions(
    regimen: Regimen,
    classes: set[DrugClass],
    kb: KnowledgeBase,
    facts: PatientFacts,
    record: PatientRecord,
) -> tuple[CautionHit, ...]:
    hits = []
    for rule in kb.cautions:
        if not _applies(rule, regimen, classes):
            continue
        holds = _test(rule.when, facts, record)
        if holds is True:
            hits.append(
                CautionHit(
                    rule.id,
                    rule.severity,
                    rule.text,
                    rule.sources,
                    rule.verified,
                    patient_specific=rule.when.kind != "always",
                )
            )
        elif holds is None:
            missing = {
                "creatinine_clearance_below": facts.creatinine_clearance_source,
                "lvef_below": "no ejection fraction recorded",
                "igg_below_mg_dl": "no IgG recorded",
                "finding_not": f"{', '.join(rule.when.names)} not tested",
            }.get(rule.when.kind, "the record cannot tell")
            hits.append(
                CautionHit(
                    rule.id,
                    "check",
                    f"Cannot check: {rule.text} ({missing})",
                    rule.sources,
                    rule.verified,
                    certain=False,
                )
            )
    return tuple(hits)


def _supportive(
    regimen: Regimen,
    classes: set[DrugClass],
    kb: KnowledgeBase,
    facts: PatientFacts,
    record: PatientRecord,
) -> tuple[SupportiveHit, ...]:
    hits = []
    for rule in kb.supportive:
        if not _applies(rule, regimen, classes):
            continue
        if rule.when is not None and _test(rule.when, facts, record) is not True:
            continue
        if rule.unless is not None and _test(rule.unless, facts, record) is not False:
            continue
        hits.append(SupportiveHit(rule.id, rule.category, rule.text, rule.sources, rule.verified))
    return tuple(hits)


def _indication(
    regimen: Regimen, regulator: str, ev: Evaluation, record: PatientRecord, kb: KnowledgeBase
) -> tuple[Indication | None, tuple[CriterionResult, ...], Verdict, list[str]]:
    notes: list[str] = []
    candidates = [i for i in regimen.indications if i.regulator == regulator]
    if not candidates and regulator != "FDA":
        candidates = [i for i in regimen.indications if i.regulator == "FDA"]
        notes.append(
            f"no {regulator}-specific entry: the FDA indication is shown (the knowledge base"
            " records other regulators only where they differ)"
        )
    if not candidates:
        return None, (), Verdict.UNKNOWN, [f"no {regulator} indication recorded"]
    order = {Verdict.MET: 0, Verdict.UNKNOWN: 1, Verdict.NOT_MET: 2}
    evaluated = []
    for indication in candidates:
        results = check_criteria(indication.criteria, ev, record, kb.catalog)
        verdict = combine([r.verdict for r in results]) if indication.usable else Verdict.NOT_MET
        evaluated.append((order[verdict], not indication.usable, indication, results, verdict))
    evaluated.sort(key=lambda item: (item[0], item[1]))
    _, _, indication, results, verdict = evaluated[0]
    return indication, results, verdict, notes


def _refractory_components(
    components: Sequence[str], ev: Evaluation, kb: KnowledgeBase
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    verdicts = {v.drug: v for v in ev.drugs}
    direct, by_class = [], []
    refractory_classes = {c for c, s in ev.classes.items() if s is ClassState.REFRACTORY}
    for name in components:
        drug = kb.catalog.get(name)
        if DrugClass.STEROID in drug.classes:
            continue
        verdict = verdicts.get(name)
        if verdict is not None and verdict.state is DrugState.REFRACTORY:
            lines = ", ".join(str(n) for n in verdict.refractory_lines)
            direct.append(f"{name} (refractory: line {lines}; {verdict.evidence[0]})")
            continue
        shared = [c for c in drug.classes if c in refractory_classes and c not in _NOT_NOVEL]
        if shared:
            others = [
                v.drug
                for v in ev.drugs
                if v.state is DrugState.REFRACTORY
                and set(kb.catalog.get(v.drug).classes) & set(shared)
            ]
            shared_names = ", ".join(str(c) for c in shared)
            by_class.append(
                f"{name} shares a class ({shared_names}) with {', '.join(others)}, to which the"
                " disease is refractory"
            )
    return tuple(direct), tuple(by_class)


@dataclass(frozen=True, slots=True)
class _Context:
    ev: Evaluation
    record: PatientRecord
    kb: KnowledgeBase
    facts: PatientFacts
    regulator: str

    @property
    def fit(self) -> bool:
        ecog = self.facts.ecog
        return ecog is not None and ecog <= self.kb.policy.fit_ecog_at_most


def _score(
    ctx: _Context,
    kind: OptionKind,
    verdict: Verdict,
    status: str,
    components: Sequence[str],
    refractory: Sequence[str],
    class_notes: Sequence[str],
    cautions: Sequence[CautionHit],
    evidence: Sequence[Evidence],
    rationale: bool = False,
) -> tuple[float, tuple[str, ...]]:
    w = ctx.kb.policy.weights
    points: list[tuple[float, str]] = []
    if kind is OptionKind.LABELLED:
        if verdict is Verdict.MET:
            points.append((w["label_eligible"], f"label-eligible ({ctx.regulator})"))
        elif verdict is Verdict.UNKNOWN:
            points.append((w["label_unknown"], "label eligibility unknown"))
        else:
            points.append((0.0, "not label-eligible"))
    elif kind is OptionKind.OFF_LABEL:
        if status == "withdrawn":
            points.append((w["withdrawn"], "withdrawn from the market"))
        elif rationale:
            points.append(
                (w["off_label_with_rationale"], "off-label with a patient-specific rationale")
            )
        else:
            points.append((w["not_approved"], f"not approved ({status})"))
    else:
        base = w[str(kind)]
        factor = {Verdict.MET: 1.0, Verdict.UNKNOWN: 0.5, Verdict.NOT_MET: 0.0}[verdict]
        points.append((base * factor, f"{kind} criteria {verdict}"))
    if refractory:
        points.append(
            (
                w["refractory_component"] * len(refractory),
                f"{len(refractory)} component(s) the disease is refractory to",
            )
        )
    if class_notes:
        points.append(
            (
                w["class_refractory_component"] * len(class_notes),
                f"{len(class_notes)} component(s) in a refractory class",
            )
        )
    classes = {c for name in components for c in ctx.kb.catalog.get(name).classes} - set(_NOT_NOVEL)
    new = [c for c in classes if ctx.ev.classes.get(c) is ClassState.NAIVE]
    if new:
        points.append((w["new_class"] * len(new), f"new class(es): {', '.join(sorted(new))}"))
    active = [n for n in components if DrugClass.STEROID not in ctx.kb.catalog.get(n).classes]
    if ctx.fit and len(active) >= 2 and kind in (OptionKind.LABELLED, OptionKind.RETREATMENT):
        points.append((w["triplet_for_fit"], f"triplet for a fit patient (ECOG {ctx.facts.ecog})"))
    if "bcma_exposed" in ctx.ev.labels:
        if set(classes) & set(_BCMA):
            points.append((w["bcma_retargeting"], "BCMA re-targeting after BCMA-directed therapy"))
        elif set(classes) & set(_NON_BCMA_TCE):
            points.append((w["non_bcma_after_bcma"], "non-BCMA target after BCMA-directed therapy"))
    serious = [c for c in cautions if c.certain and c.severity == "contraindication"]
    if serious:
        points.append((w["contraindication"] * len(serious), "contraindication from the record"))
    patient_specific = [
        c
        for c in cautions
        if c.certain
        and c.severity in ("warning", "caution", "dose_adjustment")
        and not c.rule.endswith(("-thrombosis", "-embryo-fetal", "-crs-icans", "-ocular"))
    ]
    if patient_specific:
        points.append(
            (
                w["warning_or_caution"] * len(patient_specific),
                f"{len(patient_specific)} caution(s) from the record",
            )
        )
    points.extend(_evidence_points(evidence, w))
    total = sum(p for p, _ in points)
    return total, tuple(f"{text} ({p:+.0f})" for p, text in points)


def _evidence_points(evidence: Sequence[Evidence], w: dict[str, float]) -> list[tuple[float, str]]:
    """The stronger of: a phase 3 PFS hazard ratio, or the best response rate reported."""
    candidates: list[tuple[float, str]] = []
    ratios = [
        e.pfs_hazard_ratio for e in evidence if e.pfs_hazard_ratio and e.phase.startswith("3")
    ]
    if ratios:
        best = min(ratios)
        candidates.append(((1 - best) * w["evidence_hr"], f"phase 3 PFS hazard ratio {best:g}"))
    rates = [(e.orr_percent, e.trial) for e in evidence if e.orr_percent is not None]
    if rates:
        rate, trial = max(rates)
        candidates.append((rate / 100 * w["evidence_orr"], f"response rate {rate:g}% ({trial})"))
    return [max(candidates)] if candidates else []


def _unverified(
    indication: Indication | None, cautions: Sequence[CautionHit], evidence: Sequence[Evidence]
) -> tuple[str, ...]:
    found = []
    if indication is not None and not indication.verified:
        found.append(f"indication ({indication.regulator}): {indication.note or 'not verified'}")
    found += [f"caution {c.rule}" for c in cautions if not c.verified]
    found += [f"evidence {e.trial}" for e in evidence if not e.verified]
    return tuple(found)


def _regimen_option(regimen: Regimen, ctx: _Context) -> Option:
    classes = _classes(regimen.components, ctx.kb)
    indication, results, verdict, notes = _indication(
        regimen, ctx.regulator, ctx.ev, ctx.record, ctx.kb
    )
    status = indication.status if indication else "unknown"
    usable = indication is not None and indication.usable
    kind = OptionKind.LABELLED if usable else OptionKind.OFF_LABEL
    if regimen.kind == "transplant":
        kind = OptionKind.TRANSPLANT
    label_eligible: bool | None
    if not usable:
        label_eligible = False
    else:
        label_eligible = {Verdict.MET: True, Verdict.NOT_MET: False}.get(verdict)
    refractory, class_notes = _refractory_components(regimen.components, ctx.ev, ctx.kb)
    cautions = _cautions(regimen, classes, ctx.kb, ctx.facts, ctx.record)
    rationale = bool(results) and combine([r.verdict for r in results]) is Verdict.MET
    caveats = [c for e in regimen.evidence for c in e.caveats]
    if "bcma_exposed" in ctx.ev.labels and classes & set(_BCMA):
        caveats.append(
            "Prior BCMA-directed therapy: re-targeting BCMA has limited evidence (e.g. elranatamab"
            " MagnetisMM-3 cohort B, ORR 33%)"
        )
    score, reasons = _score(
        ctx,
        kind,
        verdict,
        status,
        regimen.components,
        refractory,
        class_notes,
        cautions,
        regimen.evidence,
        rationale,
    )
    return Option(
        regimen=regimen.id,
        name=regimen.name,
        kind=kind,
        status=status,
        regulator=indication.regulator if indication else ctx.regulator,
        label_eligible=label_eligible,
        indication=indication,
        criteria=results,
        refractory_components=refractory,
        class_notes=class_notes,
        cautions=cautions,
        evidence=regimen.evidence,
        caveats=tuple(notes + caveats),
        supportive_care=_supportive(regimen, classes, ctx.kb, ctx.facts, ctx.record),
        score=score,
        rank_reasons=reasons,
        unverified=_unverified(indication, cautions, regimen.evidence),
        components=regimen.components,
    )


def _relapse_after(course: LineCourse, next_start: date | None) -> tuple[date | None, str]:
    end = course.line.end
    if course.progression is not None and end is not None and course.progression.date > end:
        return course.progression.date, f"progression on {course.progression.date}"
    if next_start is not None:
        return next_start, f"next line started {next_start}"
    return None, "no relapse recorded after it"


def _retreatment_options(ctx: _Context) -> list[Option]:
    policy = ctx.kb.policy
    minimum = Category(policy.retreatment_min_response)
    options = []
    courses = ctx.ev.courses
    refractory = set(ctx.ev.refractory_drugs)
    conditioning = {d for p in ctx.record.procedures for d in p.conditioning}
    for index, course in enumerate(courses):
        line = course.line
        drugs = tuple(
            name
            for name in line.drugs
            if ctx.kb.catalog.get(name).antimyeloma
            and not ctx.kb.catalog.get(name).cell_therapy
            and name not in conditioning
        )
        active = [n for n in drugs if DrugClass.STEROID not in ctx.kb.catalog.get(n).classes]
        cell_therapy = any(ctx.kb.catalog.get(n).cell_therapy for n in line.drugs)
        if not active or line.end is None or cell_therapy:
            continue
        next_start = courses[index + 1].line.start if index + 1 < len(courses) else None
        relapse, how = _relapse_after(course, next_start)
        results = [
            CriterionResult(
                f"best confirmed response {minimum} or better",
                Verdict.MET
                if course.best_response.rank >= minimum.rank
                else (Verdict.UNKNOWN if course.best_response is Category.NE else Verdict.NOT_MET),
                f"line {line.number}: best confirmed response {course.best_response}",
            ),
            CriterionResult(
                "not refractory to any component",
                Verdict.NOT_MET if set(active) & refractory else Verdict.MET,
                f"refractory to {', '.join(sorted(set(active) & refractory))}"
                if set(active) & refractory
                else "no component is refractory",
            ),
        ]
        if relapse is None:
            results.append(
                CriterionResult(
                    f"relapse at least {policy.retreatment_min_months:g} months after it ended",
                    Verdict.UNKNOWN,
                    how,
                )
            )
        else:
            months = (relapse - line.end).days / _MONTH
            results.append(
                CriterionResult(
                    f"relapse at least {policy.retreatment_min_months:g} months after it ended",
                    Verdict.MET if months >= policy.retreatment_min_months else Verdict.NOT_MET,
                    f"ended {line.end}; {how} ({months:.1f} months later)",
                )
            )
        verdict = combine([r.verdict for r in results])
        if verdict is Verdict.NOT_MET:
            continue
        match = _matching_regimen(active, ctx.kb)
        regimen_id = f"{match.id}-retreatment" if match else f"line-{line.number}-retreatment"
        name = f"retreatment with line {line.number} ({line.regimen})"
        fake = Regimen(regimen_id, name, drugs, "combination", ())
        classes = _classes(drugs, ctx.kb)
        cautions = _cautions(match or fake, classes, ctx.kb, ctx.facts, ctx.record)
        evidence = match.evidence if match else ()
        score, reasons = _score(
            ctx, OptionKind.RETREATMENT, verdict, "retreatment", drugs, (), (), cautions, evidence
        )
        indication: Indication | None = None
        label_eligible: bool | None = None
        if match is not None:
            indication, _, label_verdict, _ = _indication(
                match, ctx.regulator, ctx.ev, ctx.record, ctx.kb
            )
            usable = indication is not None and indication.usable
            label_eligible = {Verdict.MET: True, Verdict.NOT_MET: False}.get(label_verdict)
            label_eligible = label_eligible if usable else False
        options.append(
            Option(
                regimen=regimen_id,
                name=name,
                kind=OptionKind.RETREATMENT,
                status="retreatment",
                regulator=ctx.regulator,
                label_eligible=label_eligible,
                indication=indication,
                criteria=tuple(results),
                refractory_components=(),
                class_notes=(),
                cautions=cautions,
                evidence=evidence,
                caveats=(
                    "The retreatment threshold is a heuristic: ESH calls relapse within 6-12 months"
                    " of stopping early (switch class)",
                ),
                supportive_care=_supportive(match or fake, classes, ctx.kb, ctx.facts, ctx.record),
                score=score,
                rank_reasons=reasons,
                unverified=() if policy.retreatment_verified else ("retreatment threshold",),
                components=drugs,
            )
        )
    return options


def _matching_regimen(active: Sequence[str], kb: KnowledgeBase) -> Regimen | None:
    wanted = set(active)
    for regimen in kb.regimens:
        core = {n for n in regimen.components if DrugClass.STEROID not in kb.catalog.get(n).classes}
        if core == wanted and regimen.kind != "transplant":
            return regimen
    return None


def _transplant_option(ctx: _Context) -> Option | None:
    try:
        regimen = ctx.kb.regimen("ASCT")
    except KeyError:
        return None
    policy = ctx.kb.policy
    transplants = sorted(
        (p for p in ctx.record.procedures if p.kind is ProcedureKind.AUTOLOGOUS_TRANSPLANT),
        key=lambda p: p.date,
    )
    results: list[CriterionResult] = []
    relapsed = any(c.progression is not None for c in ctx.ev.courses)
    results.append(
        CriterionResult(
            "relapsed disease",
            Verdict.MET if relapsed else Verdict.NOT_MET,
            "progression recorded" if relapsed else "no progression recorded",
        )
    )
    if transplants:
        last = transplants[-1]
        course = next(
            (
                c
                for c in ctx.ev.courses
                if c.line.start <= last.date and (c.until is None or last.date < c.until)
            ),
            None,
        )
        if course is None or course.progression is None:
            results.append(
                CriterionResult(
                    f"remission of at least {policy.transplant_min_months:g} months after the last"
                    " transplant",
                    Verdict.UNKNOWN,
                    "no progression recorded after the transplant",
                )
            )
        else:
            months = (course.progression.date - last.date).days / _MONTH
            results.append(
                CriterionResult(
                    f"remission of at least {policy.transplant_min_months:g} months after the last"
                    " transplant",
                    Verdict.MET if months >= policy.transplant_min_months else Verdict.NOT_MET,
                    f"transplant {last.date}; progression {course.progression.date}"
                    f" ({months:.1f} months)",
                )
            )
    else:
        results.append(
            CriterionResult(
                "no transplant yet (transplant at relapse)",
                Verdict.MET,
                "no autologous transplant recorded",
            )
        )
    age = "age not recorded" if ctx.facts.age is None else f"age {ctx.facts.age}"
    ecog = "ECOG not recorded" if ctx.facts.ecog is None else f"ECOG {ctx.facts.ecog}"
    results.append(
        CriterionResult(
            "fit for high-dose melphalan (clinical judgement)",
            Verdict.UNKNOWN,
            f"{age}, {ecog}; stem cells in storage?",
        )
    )
    verdict = combine([r.verdict for r in results])
    classes = _classes(regimen.components, ctx.kb)
    cautions = _cautions(regimen, classes, ctx.kb, ctx.facts, ctx.record)
    score, reasons = _score(
        ctx,
        OptionKind.TRANSPLANT,
        verdict,
        "procedure",
        regimen.components,
        (),
        (),
        cautions,
        regimen.evidence,
    )
    label = {Verdict.MET: True, Verdict.NOT_MET: False}.get(verdict)
    return Option(
        regimen=regimen.id,
        name=regimen.name,
        kind=OptionKind.TRANSPLANT,
        status="procedure",
        regulator=ctx.regulator,
        label_eligible=label,
        indication=None,
        criteria=tuple(results),
        refractory_components=(),
        class_notes=(),
        cautions=cautions,
        evidence=regimen.evidence,
        caveats=tuple(c for e in regimen.evidence for c in e.caveats),
        supportive_care=_supportive(regimen, classes, ctx.kb, ctx.facts, ctx.record),
        score=score,
        rank_reasons=reasons,
        components=regimen.components,
    )


def _trial_option(ctx: _Context, eligible_labelled: int) -> Option | None:
    reasons = []
    if "triple_class_exposed" in ctx.ev.labels:
        reasons.append("triple-class exposed")
    if eligible_labelled == 0 and ctx.ev.lines:
        reasons.append("no label-eligible option left")
    if not reasons:
        return None
    w = ctx.kb.policy.weights
    return Option(
        regimen="clinical-trial",
        name="clinical trial",
        kind=OptionKind.TRIAL,
        status="trial",
        regulator=ctx.regulator,
        label_eligible=None,
        indication=None,
        criteria=(CriterionResult("offered because", Verdict.MET, "; ".join(reasons)),),
        refractory_components=(),
        class_notes=(),
        cautions=(),
        evidence=(),
        caveats=(
            "Real-world outcomes of triple-class exposed patients on standard regimens are"
            " poor (LocoMMotion); trials give access to new agents.",
        ),
        supportive_care=(),
        score=w["trial"],
        rank_reasons=(f"clinical trial: {'; '.join(reasons)} ({w['trial']:+.0f})",),
    )


def treatment_options(
    ev: Evaluation, record: PatientRecord, kb: KnowledgeBase, regulator: str, as_of: date
) -> OptionsResult:
    """Every option for the patient, ranked, with criteria, cautions and supportive care."""
    facts = patient_facts(record, as_of)
    ctx = _Context(ev, record, kb, facts, regulator)
    options: list[Option] = [
        _regimen_option(regimen, ctx) for regimen in kb.regimens if regimen.kind != "transplant"
    ]
    options += _retreatment_options(ctx)
    transplant = _transplant_option(ctx)
    if transplant is not None:
        options.append(transplant)
    eligible = sum(1 for o in options if o.kind is OptionKind.LABELLED and o.label_eligible)
    trial = _trial_option(ctx, eligible)
    if trial is not None:
        options.append(trial)
    ordered = sorted(options, key=lambda o: (-o.score, o.regimen))
    ranked = tuple(replace(option, rank=i + 1) for i, option in enumerate(ordered))
    notes = [
        f"prior lines of therapy: {len(ev.lines)}; status {ev.status.status}",
        f"creatinine clearance: {facts.creatinine_clearance_source}",
    ]
    if not ev.lines:
        notes.append("untreated patient: relapsed-setting options are shown for reference only")
    return OptionsResult(as_of, kb.version, regulator, len(ev.lines), ranked, tuple(notes))
