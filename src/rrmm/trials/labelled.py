"""The labelled set and how the matcher is scored against it (pure).

A labelled set names patients, trials and, for every criterion of every trial, the gold
verdict for each patient with the reason. Scoring compares the matcher's verdict on each
(patient, trial, criterion) with the gold one:

- **criterion-level accuracy**: share of gold labels the matcher reproduces exactly
  (met / not_met / unknown), also given for the gold labels that are decidable
  (met or not_met) and as a confusion matrix;
- **unparsed counted as met**: criteria without a rule that the matcher called met —
  must be zero;
- **trial level**: the gold trial verdict follows from the gold criterion labels by the
  matcher's own rule (any ruling-out criterion excludes; all favourable is eligible;
  otherwise possibly eligible). Precision and recall are reported for "not excluded"
  (eligible or possibly eligible: the trials a screener would look at) and for
  "excluded", with the exact three-way agreement.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from rrmm.trials.matcher import TrialMatch, TrialVerdict, Verdict
from rrmm.trials.model import CriterionKind

__all__ = [
    "EvaluationReport",
    "GoldCriterion",
    "GoldTrial",
    "LabelledSet",
    "Mistake",
    "PrecisionRecall",
    "gold_trial_verdict",
    "normalise_text",
    "score",
]


def normalise_text(text: str) -> str:
    """Whitespace-collapsed, case-folded text: how criteria are matched to gold labels."""
    return " ".join(text.split()).casefold()


@dataclass(frozen=True, slots=True)
class GoldCriterion:
    """One criterion's text, kind and gold verdict (with the reason) per patient."""

    text: str
    kind: CriterionKind
    labels: Mapping[str, tuple[Verdict, str]]


@dataclass(frozen=True, slots=True)
class GoldTrial:
    """A labelled trial: its id, where its record is, and its labelled criteria."""

    nct_id: str
    source: str
    criteria: tuple[GoldCriterion, ...]


@dataclass(frozen=True, slots=True)
class LabelledSet:
    """Patients (key → record file) and labelled trials."""

    patients: Mapping[str, str]
    trials: tuple[GoldTrial, ...]
    as_of: str = "last-record"
    description: str = ""

    @property
    def label_count(self) -> int:
        """Number of (patient, trial, criterion) gold labels."""
        return sum(len(c.labels) for t in self.trials for c in t.criteria)


@dataclass(frozen=True, slots=True)
class Mistake:
    """A gold label the matcher did not reproduce."""

    patient: str
    nct_id: str
    text: str
    gold: str
    predicted: str
    reason: str
    evidence: str


@dataclass(frozen=True, slots=True)
class PrecisionRecall:
    """Precision and recall for one positive class."""

    positive: str
    true_positive: int
    false_positive: int
    false_negative: int

    @property
    def precision(self) -> float:
        """TP / (TP + FP); 1.0 when nothing was predicted positive."""
        predicted = self.true_positive + self.false_positive
        return self.true_positive / predicted if predicted else 1.0

    @property
    def recall(self) -> float:
        """TP / (TP + FN); 1.0 when nothing is positive."""
        actual = self.true_positive + self.false_negative
        return self.true_positive / actual if actual else 1.0


@dataclass
class EvaluationReport:
    """Everything ``rrmm trials evaluate`` reports."""

    labels: int = 0
    correct: int = 0
    decidable: int = 0
    decidable_correct: int = 0
    missing: int = 0
    unlabelled: int = 0
    unparsed_met: int = 0
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    mistakes: list[Mistake] = field(default_factory=list)
    trials: int = 0
    trial_exact: int = 0
    trial_confusion: Counter[tuple[str, str]] = field(default_factory=Counter)

    @property
    def accuracy(self) -> float:
        """Criterion-level accuracy over all gold labels."""
        return self.correct / self.labels if self.labels else 0.0

    @property
    def decidable_accuracy(self) -> float:
        """Accuracy over the gold labels that are met or not_met."""
        return self.decidable_correct / self.decidable if self.decidable else 0.0

    def trial_pr(self, positive: str) -> PrecisionRecall:
        """Precision/recall of the trial verdict for ``not_excluded`` or ``excluded``."""

        def is_positive(verdict: str) -> bool:
            excluded = verdict == TrialVerdict.EXCLUDED.value
            return excluded if positive == "excluded" else not excluded

        tp = fp = fn = 0
        for (gold, predicted), count in self.trial_confusion.items():
            if is_positive(predicted) and is_positive(gold):
                tp += count
            elif is_positive(predicted):
                fp += count
            elif is_positive(gold):
                fn += count
        return PrecisionRecall(positive, tp, fp, fn)


def gold_trial_verdict(verdicts: Iterable[tuple[CriterionKind, Verdict]]) -> TrialVerdict:
    """The trial verdict the gold criterion labels imply (the matcher's own rule)."""
    effects = []
    for kind, verdict in verdicts:
        if verdict is Verdict.UNKNOWN:
            effects.append("undecided")
        elif (verdict is Verdict.MET) == (kind is CriterionKind.INCLUSION):
            effects.append("favourable")
        else:
            effects.append("rules_out")
    if "rules_out" in effects:
        return TrialVerdict.EXCLUDED
    if all(e == "favourable" for e in effects):
        return TrialVerdict.ELIGIBLE
    return TrialVerdict.POSSIBLY_ELIGIBLE


def score(gold: LabelledSet, matches: Mapping[tuple[str, str], TrialMatch]) -> EvaluationReport:
    """Compare the matcher's results (keyed by (patient, nct_id)) with the gold labels."""
    report = EvaluationReport()
    for trial in gold.trials:
        for patient in gold.patients:
            match = matches.get((patient, trial.nct_id))
            predicted: dict[str, list[tuple[Verdict, str, bool]]] = {}
            if match is not None:
                for result in match.results:
                    predicted.setdefault(normalise_text(result.criterion.text), []).append(
                        (result.verdict, result.evidence, result.criterion.rule is not None)
                    )
                    if result.criterion.rule is None and result.verdict is Verdict.MET:
                        report.unparsed_met += 1
            gold_verdicts: list[tuple[CriterionKind, Verdict]] = []
            used: Counter[str] = Counter()
            for criterion in trial.criteria:
                label = criterion.labels.get(patient)
                if label is None:
                    continue
                verdict, reason = label
                gold_verdicts.append((criterion.kind, verdict))
                key = normalise_text(criterion.text)
                candidates = predicted.get(key, [])
                report.labels += 1
                if verdict is not Verdict.UNKNOWN:
                    report.decidable += 1
                if used[key] >= len(candidates):
                    report.missing += 1
                    report.confusion[(verdict.value, "missing")] += 1
                    report.mistakes.append(
                        Mistake(
                            patient,
                            trial.nct_id,
                            criterion.text,
                            verdict.value,
                            "missing",
                            reason,
                            "criterion not produced by the matcher",
                        )
                    )
                    continue
                got, evidence, _ = candidates[used[key]]
                used[key] += 1
                report.confusion[(verdict.value, got.value)] += 1
                if got is verdict:
                    report.correct += 1
                    if verdict is not Verdict.UNKNOWN:
                        report.decidable_correct += 1
                else:
                    report.mistakes.append(
                        Mistake(
                            patient,
                            trial.nct_id,
                            criterion.text,
                            verdict.value,
                            got.value,
                            reason,
                            evidence,
                        )
                    )
            report.unlabelled += sum(
                max(0, len(items) - used[key]) for key, items in predicted.items()
            )
            if match is not None and gold_verdicts:
                expected = gold_trial_verdict(gold_verdicts)
                report.trials += 1
                report.trial_confusion[(expected.value, match.verdict.value)] += 1
                report.trial_exact += expected is match.verdict
    return report
