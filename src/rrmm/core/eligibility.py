"""Label criteria checked against the patient's assessment: met, not met, or unknown.

"Prior lines" are the lines of therapy the patient has received (IMWG 2015
counting). Exposure is any dose; refractoriness is the IMWG engine's verdict.
A criterion the record cannot decide is "unknown" and says what is missing;
an unknown is never counted as met.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from rrmm.core.assess import Evaluation
from rrmm.core.drugs import DrugCatalog
from rrmm.core.knowledge import CriterionKind, LabelCriterion, Target
from rrmm.core.model import PatientRecord
from rrmm.core.refractory import DrugState

__all__ = ["CriterionResult", "Verdict", "check_criteria", "combine"]


class Verdict(StrEnum):
    """Outcome of one criterion."""

    MET = "met"
    NOT_MET = "not_met"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class CriterionResult:
    """A criterion, its verdict and the reason drawn from the record."""

    text: str
    verdict: Verdict
    reason: str


def combine(verdicts: Sequence[Verdict]) -> Verdict:
    """All must be met: any not met fails; otherwise any unknown leaves it unknown."""
    if Verdict.NOT_MET in verdicts:
        return Verdict.NOT_MET
    if Verdict.UNKNOWN in verdicts:
        return Verdict.UNKNOWN
    return Verdict.MET


def _matching(target: Target, names: Sequence[str], catalog: DrugCatalog) -> list[str]:
    if target.drug is not None:
        return [n for n in names if n == target.drug]
    assert target.drug_class is not None
    return [n for n in names if target.drug_class in catalog.get(n).classes]


def _count(needed: int, found: int, undecided: int) -> Verdict:
    if found >= needed:
        return Verdict.MET
    if found + undecided >= needed:
        return Verdict.UNKNOWN
    return Verdict.NOT_MET


def _check_one(
    criterion: LabelCriterion,
    ev: Evaluation,
    record: PatientRecord,
    catalog: DrugCatalog,
    window_days: int,
) -> CriterionResult:
    prior = len(ev.lines)
    kind = criterion.kind
    if kind is CriterionKind.PRIOR_AT_LEAST:
        needed = criterion.number or 0
        verdict = Verdict.MET if prior >= needed else Verdict.NOT_MET
        return CriterionResult(
            f"at least {needed} prior line(s)", verdict, f"patient has {prior} line(s) of therapy"
        )
    if kind is CriterionKind.PRIOR_AT_MOST:
        limit = criterion.number or 0
        verdict = Verdict.MET if prior <= limit else Verdict.NOT_MET
        return CriterionResult(
            f"at most {limit} prior lines", verdict, f"patient has {prior} line(s) of therapy"
        )
    if kind in (CriterionKind.EXPOSED, CriterionKind.NOT_EXPOSED):
        assert criterion.target is not None
        found = _matching(criterion.target, [v.drug for v in ev.drugs], catalog)
        verdict = _count(criterion.target.at_least, len(found), 0)
        what = f"exposure to {criterion.target}"
        reason = f"received {', '.join(found)}" if found else "none received"
        if kind is CriterionKind.NOT_EXPOSED:
            verdict = Verdict.NOT_MET if verdict is Verdict.MET else Verdict.MET
            what = f"no prior {criterion.target}"
        return CriterionResult(what, verdict, reason)
    if kind in (CriterionKind.REFRACTORY, CriterionKind.NOT_REFRACTORY):
        assert criterion.target is not None
        target = criterion.target
        refractory = [v for v in ev.drugs if v.state is DrugState.REFRACTORY]
        undecided = [v for v in ev.drugs if v.state is DrugState.NOT_EVALUABLE]
        hits = _matching(target, [v.drug for v in refractory], catalog)
        maybe = _matching(target, [v.drug for v in undecided], catalog)
        verdict = _count(target.at_least, len(hits), len(maybe))
        evidence = {v.drug: v.evidence[0] for v in refractory if v.evidence}
        if hits:
            reason = "; ".join(f"{name}: {evidence.get(name, 'refractory')}" for name in hits)
        else:
            reason = "not refractory to any"
        if maybe:
            reason += f"; not evaluable for {', '.join(maybe)}"
        what = f"refractory to {target}"
        if kind is CriterionKind.NOT_REFRACTORY:
            verdict = {Verdict.MET: Verdict.NOT_MET, Verdict.NOT_MET: Verdict.MET}.get(
                verdict, Verdict.UNKNOWN
            )
            what = f"not refractory to {target}"
        return CriterionResult(what, verdict, reason)
    if kind is CriterionKind.PROGRESSION_ON_LAST:
        return _progression_on_last(ev, window_days)
    if kind is CriterionKind.FINDING:
        name = criterion.finding or ""
        values = [getattr(f, name) for f in record.findings if getattr(f, name, None) is not None]
        if any(values):
            return CriterionResult(f"{name} present", Verdict.MET, f"{name} found by cytogenetics")
        if values:
            return CriterionResult(f"{name} present", Verdict.NOT_MET, f"{name} tested negative")
        return CriterionResult(f"{name} present", Verdict.UNKNOWN, f"{name} not tested")
    groups = []
    for alternative in criterion.alternatives:
        results = [_check_one(c, ev, record, catalog, window_days) for c in alternative]
        groups.append((combine([r.verdict for r in results]), results))
    verdicts = [verdict for verdict, _ in groups]
    if Verdict.MET in verdicts:
        overall = Verdict.MET
    elif Verdict.UNKNOWN in verdicts:
        overall = Verdict.UNKNOWN
    else:
        overall = Verdict.NOT_MET
    text = " OR ".join("(" + " and ".join(r.text for r in results) + ")" for _, results in groups)
    reason = " | ".join(
        f"{verdict}: " + "; ".join(r.reason for r in results) for verdict, results in groups
    )
    return CriterionResult(text, overall, reason)


def _progression_on_last(ev: Evaluation, window_days: int) -> CriterionResult:
    text = "progression on or within 60 days of the last therapy"
    if not ev.courses:
        return CriterionResult(text, Verdict.NOT_MET, "no therapy recorded")
    last = ev.courses[-1]
    event = last.progression
    if event is None:
        if last.best_response.rank < 0:
            return CriterionResult(
                text, Verdict.UNKNOWN, f"line {last.line.number}: response not evaluable"
            )
        return CriterionResult(
            text, Verdict.NOT_MET, f"no progression recorded on line {last.line.number}"
        )
    end = last.line.end
    if end is None or event.date <= end + timedelta(days=window_days):
        return CriterionResult(
            text, Verdict.MET, f"line {last.line.number}: progression on {event.date}"
        )
    return CriterionResult(
        text,
        Verdict.NOT_MET,
        f"line {last.line.number}: progression on {event.date}, more than {window_days} days"
        f" after it ended ({end})",
    )


def check_criteria(
    criteria: Sequence[LabelCriterion],
    ev: Evaluation,
    record: PatientRecord,
    catalog: DrugCatalog,
) -> tuple[CriterionResult, ...]:
    """Each label criterion's verdict against the patient."""
    window = ev.criteria.parameters.refractory_window_days
    return tuple(_check_one(c, ev, record, catalog, window) for c in criteria)
