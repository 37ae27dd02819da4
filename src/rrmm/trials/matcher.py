"""Match parsed trials against one patient: a verdict per criterion, per trial, and a ranking.

Convention for the criterion verdict (the JSON ``verdict``): **met** means the
statement in the criterion text is true of the patient, **not_met** that it is false,
**unknown** that the record cannot decide it (or the criterion needs review). For an
inclusion criterion met is in the patient's favour; for an exclusion criterion the
text describes the excluding condition, so met means the patient is excluded. Each
result also carries its ``effect`` (favourable, rules_out, undecided) and evidence that
says which way it cuts.

Trial verdict: **excluded** when any criterion rules the patient out; **eligible**
when every criterion is decided in the patient's favour; otherwise **possibly
eligible** with the number of undecided criteria. Ranking: eligible first, then
possibly eligible by fewest unknowns, then excluded; ties by NCT id.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property

from rrmm.trials.model import Criterion, CriterionKind, ParsedTrial, Trial
from rrmm.trials.patient_context import PatientContext
from rrmm.trials.rule_evaluation import evaluate
from rrmm.trials.rules import Permissive, Rule

__all__ = [
    "CriterionResult",
    "Effect",
    "TrialMatch",
    "TrialVerdict",
    "Verdict",
    "judge_criterion",
    "match_trial",
    "match_trials",
    "rank",
]


class Verdict(StrEnum):
    """Whether the criterion's statement is true of the patient."""

    MET = "met"
    NOT_MET = "not_met"
    UNKNOWN = "unknown"


class Effect(StrEnum):
    """What a criterion's verdict means for the patient's eligibility."""

    FAVOURABLE = "favourable"
    RULES_OUT = "rules_out"
    UNDECIDED = "undecided"


class TrialVerdict(StrEnum):
    """Overall verdict for one trial."""

    ELIGIBLE = "eligible"
    POSSIBLY_ELIGIBLE = "possibly_eligible"
    EXCLUDED = "excluded"


@dataclass(frozen=True, slots=True)
class CriterionResult:
    """A criterion with its verdict, effect and the evidence from the record."""

    criterion: Criterion
    verdict: Verdict
    effect: Effect
    evidence: str


Judgement = tuple[Verdict, Effect, str]


@dataclass(frozen=True)
class TrialMatch:
    """One trial matched against one patient.

    ``judgements`` holds (verdict, effect, evidence) per criterion, shared between
    trials with the same criterion; ``results`` pairs them with the criteria on demand.
    """

    trial: Trial
    verdict: TrialVerdict
    criteria: tuple[Criterion, ...]
    judgements: tuple[Judgement, ...]

    @cached_property
    def results(self) -> tuple[CriterionResult, ...]:
        """Each criterion with its verdict, effect and evidence."""
        return tuple(
            CriterionResult(c, *j) for c, j in zip(self.criteria, self.judgements, strict=True)
        )

    @property
    def unknown_count(self) -> int:
        """How many criteria are undecided (including those that need review)."""
        return sum(1 for j in self.judgements if j[1] is Effect.UNDECIDED)

    @property
    def ruling_out(self) -> tuple[CriterionResult, ...]:
        """The criteria that exclude the patient."""
        return tuple(r for r in self.results if r.effect is Effect.RULES_OUT)

    @property
    def review_count(self) -> int:
        """How many criteria the parser could not read (needs review)."""
        return sum(1 for c in self.criteria if c.rule is None)


_PREFIX = {
    (CriterionKind.EXCLUSION, Verdict.MET): "excluding condition present — ",
    (CriterionKind.EXCLUSION, Verdict.NOT_MET): "excluding condition absent — ",
    (CriterionKind.INCLUSION, Verdict.MET): "requirement met — ",
    (CriterionKind.INCLUSION, Verdict.NOT_MET): "requirement not met — ",
}


def _judgement(kind: CriterionKind, rule: Rule | None, note: str, ctx: PatientContext) -> Judgement:
    if rule is None:
        shown = f" ({note})" if note else ""
        return Verdict.UNKNOWN, Effect.UNDECIDED, f"needs review: not parsed{shown}"
    if isinstance(rule, Permissive):
        verdict = Verdict.MET if kind is CriterionKind.INCLUSION else Verdict.NOT_MET
        return verdict, Effect.FAVOURABLE, "a permission; it restricts nothing"
    holds, evidence = evaluate(rule, ctx)
    if holds is None:
        return Verdict.UNKNOWN, Effect.UNDECIDED, f"cannot tell — {evidence}"
    verdict = Verdict.MET if holds else Verdict.NOT_MET
    favourable = holds if kind is CriterionKind.INCLUSION else not holds
    effect = Effect.FAVOURABLE if favourable else Effect.RULES_OUT
    return verdict, effect, _PREFIX[(kind, verdict)] + evidence


def judge_criterion(criterion: Criterion, ctx: PatientContext) -> CriterionResult:
    """The verdict on one criterion; a criterion without a rule is unknown (needs review)."""
    return CriterionResult(criterion, *_judge(criterion, ctx))


def _judge(criterion: Criterion, ctx: PatientContext) -> Judgement:
    """The judgement, memoised per patient by (kind, rule object, note).

    The parser interns rules, so the same criterion in many trials is judged once; a rule
    built elsewhere only misses the memo.
    """
    key = (criterion.kind, id(criterion.rule), criterion.note)
    found = ctx.judgements.get(key)
    if found is None or found[0] is not criterion.rule:
        judged = _judgement(criterion.kind, criterion.rule, criterion.note, ctx)
        ctx.judgements[key] = (criterion.rule, judged)
        return judged
    return found[1]  # type: ignore[no-any-return]


def match_trial(parsed: ParsedTrial, ctx: PatientContext) -> TrialMatch:
    """Judge every criterion of a trial and give the trial's verdict."""
    judgements = tuple([_judge(c, ctx) for c in parsed.criteria])
    effects = {j[1] for j in judgements}
    if Effect.RULES_OUT in effects:
        verdict = TrialVerdict.EXCLUDED
    elif effects <= {Effect.FAVOURABLE}:
        verdict = TrialVerdict.ELIGIBLE
    else:
        verdict = TrialVerdict.POSSIBLY_ELIGIBLE
    return TrialMatch(parsed.trial, verdict, parsed.criteria, judgements)


_ORDER = {TrialVerdict.ELIGIBLE: 0, TrialVerdict.POSSIBLY_ELIGIBLE: 1, TrialVerdict.EXCLUDED: 2}


def rank(matches: Iterable[TrialMatch]) -> tuple[TrialMatch, ...]:
    """Eligible first, then possibly eligible by fewest unknowns, then excluded."""

    def key(match: TrialMatch) -> tuple[int, int, str]:
        second = len(match.ruling_out) if match.verdict is TrialVerdict.EXCLUDED else 0
        if match.verdict is TrialVerdict.POSSIBLY_ELIGIBLE:
            second = match.unknown_count
        return _ORDER[match.verdict], second, match.trial.nct_id

    return tuple(sorted(matches, key=key))


def match_trials(trials: Iterable[ParsedTrial], ctx: PatientContext) -> tuple[TrialMatch, ...]:
    """Match every trial against the patient and rank the results."""
    return rank(match_trial(parsed, ctx) for parsed in trials)
