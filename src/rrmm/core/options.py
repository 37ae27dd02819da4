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
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final, NamedTuple

from rrmm.core.assess import Evaluation
from rrmm.core.criteria import Citation
from rrmm.core.drugs import DrugClass
from rrmm.core.eligibility import (
    CriteriaCheck,
    CriterionResult,
    EqualCriteria,
    Verdict,
    combine,
)
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
from rrmm.core.refractory import ClassState, DrugState, DrugVerdict
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


@dataclass(frozen=True, slots=True)
class _Rules:
    """The caution and supportive-care rules that apply to a regimen (its drugs and kind).

    Positions in the knowledge base's ``cautions`` and ``supportive``, in their order.
    """

    cautions: tuple[int, ...]
    supportive: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class _RegimenFacts:
    """What the options engine reads from a regimen of the knowledge base."""

    classes: set[DrugClass]
    rules: _Rules
    caveats: tuple[str, ...]
    bcma: bool


@dataclass(frozen=True, slots=True)
class _ComponentFacts:
    """What ranking reads from a list of drugs: its novel classes and active drugs."""

    novel: tuple[DrugClass, ...]
    active: int
    bcma: bool
    non_bcma_tce: bool


@dataclass(frozen=True, slots=True)
class _EvidenceFacts:
    """The best phase 3 PFS hazard ratio and the best response rate of a regimen's trials."""

    hazard_ratio: float | None
    response: tuple[float, str] | None
    hazard_ratio_text: str = ""
    response_text: str = ""


class _KbFacts:
    """Patient-independent facts of one knowledge base, each worked out once, when first read.

    Keyed by the identity of regimens and evidence tuples of the (immutable) knowledge base,
    which it keeps alive; ranking weights (a dict) are read at each use, not kept here.
    """

    __slots__ = (
        "_components",
        "_cores",
        "_evidence",
        "_indications",
        "_positions",
        "_regimens",
        "_rules",
        "criteria",
        "kb",
    )

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.criteria = EqualCriteria()
        self._regimens: dict[int, tuple[Regimen, _RegimenFacts]] = {}
        self._rules: dict[tuple[tuple[str, ...], str, frozenset[DrugClass]], _Rules] = {}
        self._components: dict[tuple[str, ...], _ComponentFacts] = {}
        self._evidence: dict[int, tuple[Sequence[Evidence], _EvidenceFacts]] = {}
        self._indications: dict[
            tuple[int, str], tuple[Regimen, tuple[Indication, ...], tuple[str, ...]]
        ] = {}
        self._cores: dict[int, set[str]] = {}
        self._positions: dict[tuple[int, ...], tuple[int, ...]] = {}

    def regimen(self, regimen: Regimen) -> _RegimenFacts:
        """Classes, applicable rules and caveats of a knowledge-base regimen."""
        found = self._regimens.get(id(regimen))
        if found is not None and found[0] is regimen:
            return found[1]
        classes = _classes(regimen.components, self.kb)
        facts = _RegimenFacts(
            classes,
            self.rules(regimen, classes),
            tuple(c for e in regimen.evidence for c in e.caveats),
            bool(classes & set(_BCMA)),
        )
        self._regimens[id(regimen)] = (regimen, facts)
        return facts

    def rules(self, regimen: Regimen, classes: set[DrugClass]) -> _Rules:
        """The caution and supportive rules that apply to ``regimen`` with these classes."""
        key = (regimen.components, regimen.kind, frozenset(classes))
        found = self._rules.get(key)
        if found is None:
            cautions = tuple(
                i for i, r in enumerate(self.kb.cautions) if _applies(r, regimen, classes)
            )
            supportive = tuple(
                i for i, r in enumerate(self.kb.supportive) if _applies(r, regimen, classes)
            )
            # Equal lists of positions are one object, so a patient's hits for them are
            # worked out once (see _Context.cautions and _Context.supportive).
            found = _Rules(
                self._positions.setdefault(cautions, cautions),
                self._positions.setdefault(supportive, supportive),
            )
            self._rules[key] = found
        return found

    def components(self, components: tuple[str, ...]) -> _ComponentFacts:
        """Novel classes and the count of non-steroid drugs of a list of drugs."""
        found = self._components.get(components)
        if found is None:
            catalog = self.kb.catalog
            classes = {c for name in components for c in catalog.get(name).classes} - set(
                _NOT_NOVEL
            )
            active = [n for n in components if DrugClass.STEROID not in catalog.get(n).classes]
            found = _ComponentFacts(
                tuple(classes),
                len(active),
                bool(set(classes) & set(_BCMA)),
                bool(set(classes) & set(_NON_BCMA_TCE)),
            )
            self._components[components] = found
        return found

    def evidence(self, evidence: Sequence[Evidence]) -> _EvidenceFacts:
        """The strongest hazard ratio and response rate of the trials."""
        found = self._evidence.get(id(evidence))
        if found is not None and found[0] is evidence:
            return found[1]
        ratios = [
            e.pfs_hazard_ratio for e in evidence if e.pfs_hazard_ratio and e.phase.startswith("3")
        ]
        rates = [(e.orr_percent, e.trial) for e in evidence if e.orr_percent is not None]
        best = min(ratios) if ratios else None
        response = max(rates) if rates else None
        facts = _EvidenceFacts(
            best,
            response,
            f"phase 3 PFS hazard ratio {best:g}" if best is not None else "",
            f"response rate {response[0]:g}% ({response[1]})" if response is not None else "",
        )
        self._evidence[id(evidence)] = (evidence, facts)
        return facts

    def indications(
        self, regimen: Regimen, regulator: str
    ) -> tuple[tuple[Indication, ...], tuple[str, ...]]:
        """The regimen's indications under ``regulator`` (or the FDA's), with a note."""
        found = self._indications.get((id(regimen), regulator))
        if found is not None and found[0] is regimen:
            return found[1], found[2]
        notes: tuple[str, ...] = ()
        candidates = [i for i in regimen.indications if i.regulator == regulator]
        if not candidates and regulator != "FDA":
            candidates = [i for i in regimen.indications if i.regulator == "FDA"]
            notes = (
                f"no {regulator}-specific entry: the FDA indication is shown (the knowledge base"
                " records other regulators only where they differ)",
            )
        self._indications[(id(regimen), regulator)] = (regimen, tuple(candidates), notes)
        return tuple(candidates), notes

    def matching(self, active: Sequence[str]) -> Regimen | None:
        """The first non-transplant regimen whose non-steroid drugs are exactly ``active``."""
        wanted = set(active)
        catalog = self.kb.catalog
        for index, regimen in enumerate(self.kb.regimens):
            core = self._cores.get(index)
            if core is None:
                core = {
                    n for n in regimen.components if DrugClass.STEROID not in catalog.get(n).classes
                }
                self._cores[index] = core
            if core == wanted and regimen.kind != "transplant":
                return regimen
        return None


_KB_FACTS: list[_KbFacts] = []


def _kb_facts(kb: KnowledgeBase) -> _KbFacts:
    """The facts of ``kb`` (the few most recent knowledge bases are kept)."""
    for facts in reversed(_KB_FACTS):
        if facts.kb is kb:
            return facts
    facts = _KbFacts(kb)
    _KB_FACTS.append(facts)
    del _KB_FACTS[:-4]
    return facts


@dataclass(frozen=True, slots=True)
class _CautionSummary:
    """Counts of certain contraindications and patient-specific cautions, and the unverified."""

    serious: int
    specific: int
    unverified: tuple[str, ...]


def _summarise(cautions: Sequence[CautionHit]) -> _CautionSummary:
    serious = [c for c in cautions if c.certain and c.severity == "contraindication"]
    patient_specific = [
        c
        for c in cautions
        if c.certain
        and c.severity in ("warning", "caution", "dose_adjustment")
        and not c.rule.endswith(("-thrombosis", "-embryo-fetal", "-crs-icans", "-ocular"))
    ]
    unverified = tuple(f"caution {c.rule}" for c in cautions if not c.verified)
    return _CautionSummary(len(serious), len(patient_specific), unverified)


class _Context:
    """One patient's options: the inputs, and what several options read, worked out once."""

    __slots__ = (
        "_caution_lists",
        "_caution_summaries",
        "_components",
        "_indications",
        "_new_classes",
        "_refractory_classes",
        "_supportive_lists",
        "_verdicts",
        "caution_hits",
        "check",
        "ev",
        "facts",
        "kb",
        "kbf",
        "record",
        "regulator",
        "supportive_hits",
    )

    def __init__(
        self,
        ev: Evaluation,
        record: PatientRecord,
        kb: KnowledgeBase,
        facts: PatientFacts,
        regulator: str,
    ) -> None:
        self.ev = ev
        self.record = record
        self.kb = kb
        self.facts = facts
        self.regulator = regulator
        self.kbf = _kb_facts(kb)
        self.check = CriteriaCheck(ev, record, kb.catalog, self.kbf.criteria)
        # Each rule's hit for this patient, the same for every regimen it applies to (False:
        # not worked out yet), by position in the knowledge base.
        self.caution_hits: list[CautionHit | bool | None] = [False] * len(kb.cautions)
        self.supportive_hits: list[SupportiveHit | bool | None] = [False] * len(kb.supportive)
        self._indications: dict[
            int,
            tuple[
                Regimen, tuple[Indication | None, tuple[CriterionResult, ...], Verdict, list[str]]
            ],
        ] = {}
        self._verdicts: dict[str, DrugVerdict] | None = None
        self._refractory_classes: set[DrugClass] | None = None
        self._caution_lists: dict[int, tuple[CautionHit, ...]] = {}
        self._supportive_lists: dict[int, tuple[SupportiveHit, ...]] = {}
        self._caution_summaries: dict[int, tuple[tuple[CautionHit, ...], _CautionSummary]] = {}
        self._components: dict[str, tuple[str | None, str | None]] = {}
        self._new_classes: dict[int, tuple[_ComponentFacts, list[DrugClass]]] = {}

    @property
    def fit(self) -> bool:
        ecog = self.facts.ecog
        return ecog is not None and ecog <= self.kb.policy.fit_ecog_at_most

    @property
    def verdicts(self) -> dict[str, DrugVerdict]:
        if self._verdicts is None:
            self._verdicts = {v.drug: v for v in self.ev.drugs}
        return self._verdicts

    @property
    def refractory_classes(self) -> set[DrugClass]:
        if self._refractory_classes is None:
            self._refractory_classes = {
                c for c, s in self.ev.classes.items() if s is ClassState.REFRACTORY
            }
        return self._refractory_classes

    def cautions(self, rules: _Rules) -> tuple[CautionHit, ...]:
        """The patient's caution hits for these rules (one tuple per distinct list)."""
        found = self._caution_lists.get(id(rules.cautions))
        if found is None:
            found = _cautions(rules, self)
            self._caution_lists[id(rules.cautions)] = found
        return found

    def supportive(self, rules: _Rules) -> tuple[SupportiveHit, ...]:
        """The patient's supportive-care items for these rules (one per distinct list)."""
        found = self._supportive_lists.get(id(rules.supportive))
        if found is None:
            found = _supportive(rules, self)
            self._supportive_lists[id(rules.supportive)] = found
        return found

    def caution_summary(self, cautions: tuple[CautionHit, ...]) -> _CautionSummary:
        """What ranking and the unverified list read from a tuple of caution hits."""
        found = self._caution_summaries.get(id(cautions))
        if found is not None and found[0] is cautions:
            return found[1]
        summary = _summarise(cautions)
        self._caution_summaries[id(cautions)] = (cautions, summary)
        return summary

    def component(self, name: str) -> tuple[str | None, str | None]:
        """A regimen component's note: refractory to it, or in a refractory class (or none)."""
        found = self._components.get(name)
        if found is None:
            found = _component_note(name, self)
            self._components[name] = found
        return found

    def new_classes(self, drugs: _ComponentFacts) -> list[DrugClass]:
        """The drugs' novel classes the patient is naive to."""
        found = self._new_classes.get(id(drugs))
        if found is not None and found[0] is drugs:
            return found[1]
        states = self.ev.classes
        new = [c for c in drugs.novel if states.get(c) is ClassState.NAIVE]
        self._new_classes[id(drugs)] = (drugs, new)
        return new

    def indication(
        self, regimen: Regimen
    ) -> tuple[Indication | None, tuple[CriterionResult, ...], Verdict, list[str]]:
        """:func:`_indication` of a knowledge-base regimen for this patient."""
        found = self._indications.get(id(regimen))
        if found is not None and found[0] is regimen:
            return found[1]
        result = _indication(regimen, self)
        self._indications[id(regimen)] = (regimen, result)
        return result


def _caution_hit(
    rule: CautionRule, facts: PatientFacts, record: PatientRecord
) -> CautionHit | None:
    holds = _test(rule.when, facts, record)
    if holds is True:
        return CautionHit(
            rule.id,
            rule.severity,
            rule.text,
            rule.sources,
            rule.verified,
            patient_specific=rule.when.kind != "always",
        )
    if holds is None:
        missing = {
            "creatinine_clearance_below": facts.creatinine_clearance_source,
            "lvef_below": "no ejection fraction recorded",
            "igg_below_mg_dl": "no IgG recorded",
            "finding_not": f"{', '.join(rule.when.names)} not tested",
        }.get(rule.when.kind, "the record cannot tell")
        return CautionHit(
            rule.id,
            "check",
            f"Cannot check: {rule.text} ({missing})",
            rule.sources,
            rule.verified,
            certain=False,
        )
    return None


def _supportive_hit(
    rule: SupportiveRule, facts: PatientFacts, record: PatientRecord
) -> SupportiveHit | None:
    if rule.when is not None and _test(rule.when, facts, record) is not True:
        return None
    if rule.unless is not None and _test(rule.unless, facts, record) is not False:
        return None
    return SupportiveHit(rule.id, rule.category, rule.text, rule.sources, rule.verified)


def _cautions(rules: _Rules, ctx: _Context) -> tuple[CautionHit, ...]:
    known = ctx.caution_hits
    hits = []
    for index in rules.cautions:
        hit = known[index]
        if hit is False:
            hit = known[index] = _caution_hit(ctx.kb.cautions[index], ctx.facts, ctx.record)
        if isinstance(hit, CautionHit):
            hits.append(hit)
    return tuple(hits)


def _supportive(rules: _Rules, ctx: _Context) -> tuple[SupportiveHit, ...]:
    known = ctx.supportive_hits
    hits = []
    for index in rules.supportive:
        hit = known[index]
        if hit is False:
            hit = known[index] = _supportive_hit(ctx.kb.supportive[index], ctx.facts, ctx.record)
        if isinstance(hit, SupportiveHit):
            hits.append(hit)
    return tuple(hits)


_VERDICT_ORDER: Final = {Verdict.MET: 0, Verdict.UNKNOWN: 1, Verdict.NOT_MET: 2}


def _indication(
    regimen: Regimen, ctx: _Context
) -> tuple[Indication | None, tuple[CriterionResult, ...], Verdict, list[str]]:
    regulator = ctx.regulator
    candidates, notes = ctx.kbf.indications(regimen, regulator)
    if not candidates:
        return None, (), Verdict.UNKNOWN, [f"no {regulator} indication recorded"]
    order = _VERDICT_ORDER
    evaluated = []
    for indication in candidates:
        results = ctx.check.check(indication.criteria)
        verdict = combine([r.verdict for r in results]) if indication.usable else Verdict.NOT_MET
        evaluated.append((order[verdict], not indication.usable, indication, results, verdict))
    if len(evaluated) > 1:
        evaluated.sort(key=lambda item: (item[0], item[1]))
    _, _, indication, results, verdict = evaluated[0]
    return indication, results, verdict, list(notes)


def _refractory_components(
    components: Sequence[str], ctx: _Context
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    direct, by_class = [], []
    for name in components:
        refractory, shared = ctx.component(name)
        if refractory is not None:
            direct.append(refractory)
        elif shared is not None:
            by_class.append(shared)
    return tuple(direct), tuple(by_class)


def _component_note(name: str, ctx: _Context) -> tuple[str | None, str | None]:
    """(refractory note, shared-class note) of one component; it depends on the patient only."""
    ev, kb = ctx.ev, ctx.kb
    drug = kb.catalog.get(name)
    if DrugClass.STEROID in drug.classes:
        return None, None
    verdict = ctx.verdicts.get(name)
    if verdict is not None and verdict.state is DrugState.REFRACTORY:
        lines = ", ".join(str(n) for n in verdict.refractory_lines)
        return f"{name} (refractory: line {lines}; {verdict.evidence[0]})", None
    refractory_classes = ctx.refractory_classes
    shared = [c for c in drug.classes if c in refractory_classes and c not in _NOT_NOVEL]
    if not shared:
        return None, None
    others = [
        v.drug
        for v in ev.drugs
        if v.state is DrugState.REFRACTORY and set(kb.catalog.get(v.drug).classes) & set(shared)
    ]
    shared_names = ", ".join(str(c) for c in shared)
    return None, (
        f"{name} shares a class ({shared_names}) with {', '.join(others)}, to which the"
        " disease is refractory"
    )


def _score(
    ctx: _Context,
    kind: OptionKind,
    verdict: Verdict,
    status: str,
    components: Sequence[str],
    refractory: Sequence[str],
    class_notes: Sequence[str],
    cautions: tuple[CautionHit, ...],
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
    drugs = ctx.kbf.components(tuple(components))
    new = ctx.new_classes(drugs)
    if new:
        points.append((w["new_class"] * len(new), f"new class(es): {', '.join(sorted(new))}"))
    if ctx.fit and drugs.active >= 2 and kind in (OptionKind.LABELLED, OptionKind.RETREATMENT):
        points.append((w["triplet_for_fit"], f"triplet for a fit patient (ECOG {ctx.facts.ecog})"))
    if "bcma_exposed" in ctx.ev.labels:
        if drugs.bcma:
            points.append((w["bcma_retargeting"], "BCMA re-targeting after BCMA-directed therapy"))
        elif drugs.non_bcma_tce:
            points.append((w["non_bcma_after_bcma"], "non-BCMA target after BCMA-directed therapy"))
    summary = ctx.caution_summary(cautions)
    if summary.serious:
        points.append((w["contraindication"] * summary.serious, "contraindication from the record"))
    if summary.specific:
        points.append(
            (
                w["warning_or_caution"] * summary.specific,
                f"{summary.specific} caution(s) from the record",
            )
        )
    points.extend(_evidence_points(ctx.kbf.evidence(evidence), w))
    total = sum(p for p, _ in points)
    return total, tuple([_reason(p, text) for p, text in points])


#: Ranking reasons already written, by (points, text): the same few hundred recur for every
#: patient. Only non-zero finite points are kept (0.0 and -0.0 compare equal but print "+0"
#: and "-0").
_REASONS: dict[tuple[float, str], str] = {}


def _reason(points: float, text: str) -> str:
    """``f"{text} ({points:+.0f})"``, shared when written before."""
    if not points or points != points:
        return f"{text} ({points:+.0f})"
    key = (points, text)
    found = _REASONS.get(key)
    if found is None:
        if len(_REASONS) >= 10_000:
            _REASONS.clear()
        found = f"{text} ({points:+.0f})"
        _REASONS[key] = found
    return found


def _evidence_points(evidence: _EvidenceFacts, w: dict[str, float]) -> list[tuple[float, str]]:
    """The stronger of: a phase 3 PFS hazard ratio, or the best response rate reported."""
    candidates: list[tuple[float, str]] = []
    if evidence.hazard_ratio is not None:
        best = evidence.hazard_ratio
        candidates.append(((1 - best) * w["evidence_hr"], evidence.hazard_ratio_text))
    if evidence.response is not None:
        rate, _ = evidence.response
        candidates.append((rate / 100 * w["evidence_orr"], evidence.response_text))
    return [max(candidates)] if candidates else []


def _unverified(
    indication: Indication | None,
    cautions: _CautionSummary,
    evidence: Sequence[Evidence],
) -> tuple[str, ...]:
    found = []
    if indication is not None and not indication.verified:
        found.append(f"indication ({indication.regulator}): {indication.note or 'not verified'}")
    found += cautions.unverified
    found += [f"evidence {e.trial}" for e in evidence if not e.verified]
    return tuple(found)


def _regimen_option(regimen: Regimen, ctx: _Context) -> _Draft:
    facts = ctx.kbf.regimen(regimen)
    indication, results, verdict, notes = ctx.indication(regimen)
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
    refractory, class_notes = _refractory_components(regimen.components, ctx)
    cautions = ctx.cautions(facts.rules)
    rationale = bool(results) and combine([r.verdict for r in results]) is Verdict.MET
    caveats = list(facts.caveats)
    if "bcma_exposed" in ctx.ev.labels and facts.bcma:
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
    return _Draft(
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
        supportive_care=ctx.supportive(facts.rules),
        score=score,
        rank_reasons=reasons,
        unverified=_unverified(indication, ctx.caution_summary(cautions), regimen.evidence),
        components=regimen.components,
    )


def _relapse_after(course: LineCourse, next_start: date | None) -> tuple[date | None, str]:
    end = course.line.end
    if course.progression is not None and end is not None and course.progression.date > end:
        return course.progression.date, f"progression on {course.progression.date}"
    if next_start is not None:
        return next_start, f"next line started {next_start}"
    return None, "no relapse recorded after it"


def _retreatment_options(ctx: _Context) -> list[_Draft]:
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
        match = ctx.kbf.matching(active)
        regimen_id = f"{match.id}-retreatment" if match else f"line-{line.number}-retreatment"
        name = f"retreatment with line {line.number} ({line.regimen})"
        fake = Regimen(regimen_id, name, drugs, "combination", ())
        classes = _classes(drugs, ctx.kb)
        rules = ctx.kbf.rules(match or fake, classes)
        cautions = ctx.cautions(rules)
        evidence = match.evidence if match else ()
        score, reasons = _score(
            ctx, OptionKind.RETREATMENT, verdict, "retreatment", drugs, (), (), cautions, evidence
        )
        indication: Indication | None = None
        label_eligible: bool | None = None
        if match is not None:
            indication, _, label_verdict, _ = ctx.indication(match)
            usable = indication is not None and indication.usable
            label_eligible = {Verdict.MET: True, Verdict.NOT_MET: False}.get(label_verdict)
            label_eligible = label_eligible if usable else False
        options.append(
            _Draft(
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
                supportive_care=ctx.supportive(rules),
                score=score,
                rank_reasons=reasons,
                unverified=() if policy.retreatment_verified else ("retreatment threshold",),
                components=drugs,
            )
        )
    return options


def _transplant_option(ctx: _Context) -> _Draft | None:
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
    facts = ctx.kbf.regimen(regimen)
    cautions = ctx.cautions(facts.rules)
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
    return _Draft(
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
        caveats=facts.caveats,
        supportive_care=ctx.supportive(facts.rules),
        score=score,
        rank_reasons=reasons,
        components=regimen.components,
    )


def _trial_option(ctx: _Context, eligible_labelled: int) -> _Draft | None:
    reasons = []
    if "triple_class_exposed" in ctx.ev.labels:
        reasons.append("triple-class exposed")
    if eligible_labelled == 0 and ctx.ev.lines:
        reasons.append("no label-eligible option left")
    if not reasons:
        return None
    w = ctx.kb.policy.weights
    return _Draft(
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


class _Draft(NamedTuple):
    """An option before ranking: the fields of :class:`Option` but its rank."""

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
    unverified: tuple[str, ...] = ()
    components: tuple[str, ...] = ()


def _ranked(option: _Draft, rank: int) -> Option:
    """The option at its rank (each option is made once, when its rank is known)."""
    return Option(
        option.regimen,
        option.name,
        option.kind,
        option.status,
        option.regulator,
        option.label_eligible,
        option.indication,
        option.criteria,
        option.refractory_components,
        option.class_notes,
        option.cautions,
        option.evidence,
        option.caveats,
        option.supportive_care,
        option.score,
        option.rank_reasons,
        rank,
        option.unverified,
        option.components,
    )


def treatment_options(
    ev: Evaluation, record: PatientRecord, kb: KnowledgeBase, regulator: str, as_of: date
) -> OptionsResult:
    """Every option for the patient, ranked, with criteria, cautions and supportive care."""
    facts = patient_facts(record, as_of)
    ctx = _Context(ev, record, kb, facts, regulator)
    options: list[_Draft] = [
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
    ranked = tuple(_ranked(option, i + 1) for i, option in enumerate(ordered))
    notes = [
        f"prior lines of therapy: {len(ev.lines)}; status {ev.status.status}",
        f"creatinine clearance: {facts.creatinine_clearance_source}",
    ]
    if not ev.lines:
        notes.append("untreated patient: relapsed-setting options are shown for reference only")
    return OptionsResult(as_of, kb.version, regulator, len(ev.lines), ranked, tuple(notes))
