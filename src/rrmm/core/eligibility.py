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
from typing import TypeVar, cast

from rrmm.core.assess import Evaluation
from rrmm.core.drugs import DrugCatalog, DrugClass
from rrmm.core.knowledge import CriterionKind, LabelCriterion, Target
from rrmm.core.model import PatientRecord
from rrmm.core.refractory import DrugState

__all__ = [
    "CriteriaCheck",
    "CriterionResult",
    "EqualCriteria",
    "Verdict",
    "check_criteria",
    "combine",
]


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


def _count(needed: int, found: int, undecided: int) -> Verdict:
    if found >= needed:
        return Verdict.MET
    if found + undecided >= needed:
        return Verdict.UNKNOWN
    return Verdict.NOT_MET


_T = TypeVar("_T", LabelCriterion, tuple[LabelCriterion, ...])


class EqualCriteria:
    """One object for each distinct criterion (or tuple of criteria) met.

    The indications of a knowledge base repeat many criteria as separate, equal objects; a
    :class:`CriteriaCheck` given the same ``EqualCriteria`` for every patient checks each
    distinct one once per patient. Objects are compared once by their ``repr`` (which tells
    apart values that compare equal but print differently, such as 1 and 1.0), then known by
    identity (they are kept, so an identity is never reused).
    """

    __slots__ = ("_by_id", "_by_value")

    def __init__(self) -> None:
        self._by_id: dict[int, tuple[object, object]] = {}
        self._by_value: dict[str, object] = {}

    def same(self, item: _T) -> _T:
        """The first object met that looks exactly like ``item``."""
        found = self._by_id.get(id(item))
        if found is not None and found[0] is item:
            return cast(_T, found[1])
        shared = self._by_value.setdefault(repr(item), item)
        self._by_id[id(item)] = (item, shared)
        return cast(_T, shared)


class CriteriaCheck:
    """Label criteria checked against one patient's assessment, each criterion once.

    What every criterion reads (the drugs received, refractory and not evaluable, with their
    classes) is gathered once; a criterion met again gives the result already found (results
    depend only on the criterion's value and the patient). With ``shared``, equal criteria
    and equal tuples of criteria count as the same.
    """

    __slots__ = (
        "_catalog",
        "_classes",
        "_evidence",
        "_exposed",
        "_found",
        "_lists",
        "_record",
        "_refractory",
        "_shared",
        "_undecided",
        "_window",
        "ev",
    )

    def __init__(
        self,
        ev: Evaluation,
        record: PatientRecord,
        catalog: DrugCatalog,
        shared: EqualCriteria | None = None,
    ) -> None:
        self.ev = ev
        self._shared = shared
        self._record = record
        self._catalog = catalog
        self._window = ev.criteria.parameters.refractory_window_days
        self._exposed = [v.drug for v in ev.drugs]
        refractory = [v for v in ev.drugs if v.state is DrugState.REFRACTORY]
        self._refractory = [v.drug for v in refractory]
        self._undecided = [v.drug for v in ev.drugs if v.state is DrugState.NOT_EVALUABLE]
        self._evidence = {v.drug: v.evidence[0] for v in refractory if v.evidence}
        self._classes: dict[str, tuple[DrugClass, ...]] = {}
        self._found: dict[int, tuple[LabelCriterion, CriterionResult]] = {}
        self._lists: dict[int, tuple[tuple[LabelCriterion, ...], tuple[CriterionResult, ...]]] = {}

    def check(self, criteria: Sequence[LabelCriterion]) -> tuple[CriterionResult, ...]:
        """Each criterion's verdict against the patient."""
        if self._shared is None or not isinstance(criteria, tuple):
            return tuple([self.one(criterion) for criterion in criteria])
        same = self._shared.same(criteria)
        found = self._lists.get(id(same))
        if found is not None and found[0] is same:
            return found[1]
        results = tuple([self.one(criterion) for criterion in same])
        self._lists[id(same)] = (same, results)
        return results

    def one(self, criterion: LabelCriterion) -> CriterionResult:
        """One criterion's verdict against the patient."""
        if self._shared is not None:
            criterion = self._shared.same(criterion)
        found = self._found.get(id(criterion))
        if found is not None and found[0] is criterion:
            return found[1]
        result = self._check_one(criterion)
        self._found[id(criterion)] = (criterion, result)
        return result

    def _matching(self, target: Target, names: Sequence[str]) -> list[str]:
        if target.drug is not None:
            return [n for n in names if n == target.drug]
        assert target.drug_class is not None
        return [n for n in names if target.drug_class in self._classes_of(n)]

    def _classes_of(self, name: str) -> tuple[DrugClass, ...]:
        found = self._classes.get(name)
        if found is None:
            found = self._catalog.get(name).classes
            self._classes[name] = found
        return found

    def _check_one(self, criterion: LabelCriterion) -> CriterionResult:
        prior = len(self.ev.lines)
        kind = criterion.kind
        if kind is CriterionKind.PRIOR_AT_LEAST:
            needed = criterion.number or 0
            verdict = Verdict.MET if prior >= needed else Verdict.NOT_MET
            return CriterionResult(
                f"at least {needed} prior line(s)",
                verdict,
                f"patient has {prior} line(s) of therapy",
            )
        if kind is CriterionKind.PRIOR_AT_MOST:
            limit = criterion.number or 0
            verdict = Verdict.MET if prior <= limit else Verdict.NOT_MET
            return CriterionResult(
                f"at most {limit} prior lines", verdict, f"patient has {prior} line(s) of therapy"
            )
        if kind in (CriterionKind.EXPOSED, CriterionKind.NOT_EXPOSED):
            assert criterion.target is not None
            found = self._matching(criterion.target, self._exposed)
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
            hits = self._matching(target, self._refractory)
            maybe = self._matching(target, self._undecided)
            verdict = _count(target.at_least, len(hits), len(maybe))
            evidence = self._evidence
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
            return _progression_on_last(self.ev, self._window)
        if kind is CriterionKind.FINDING:
            name = criterion.finding or ""
            values = [
                getattr(f, name)
                for f in self._record.findings
                if getattr(f, name, None) is not None
            ]
            if any(values):
                return CriterionResult(
                    f"{name} present", Verdict.MET, f"{name} found by cytogenetics"
                )
            if values:
                return CriterionResult(
                    f"{name} present", Verdict.NOT_MET, f"{name} tested negative"
                )
            return CriterionResult(f"{name} present", Verdict.UNKNOWN, f"{name} not tested")
        groups = []
        for alternative in criterion.alternatives:
            results = [self.one(c) for c in alternative]
            groups.append((combine([r.verdict for r in results]), results))
        verdicts = [verdict for verdict, _ in groups]
        if Verdict.MET in verdicts:
            overall = Verdict.MET
        elif Verdict.UNKNOWN in verdicts:
            overall = Verdict.UNKNOWN
        else:
            overall = Verdict.NOT_MET
        text = " OR ".join(
            "(" + " and ".join(r.text for r in results) + ")" for _, results in groups
        )
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
    return CriteriaCheck(ev, record, catalog).check(criteria)
