"""Screen one patient record against parsed trials: assess, build the context, match, rank.

The single pure entry point the CLI, the service route and the evaluation use. The IMWG
assessment (lines, refractoriness, status) is computed once with the given criteria set
as of the matching date; every trial is then matched against the same context.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from rrmm.core.assess import Evaluation, assess
from rrmm.core.criteria import Criteria
from rrmm.core.drugs import DrugCatalog
from rrmm.core.model import PatientRecord
from rrmm.trials.matcher import TrialMatch, match_trials
from rrmm.trials.model import ParsedTrial
from rrmm.trials.patient_context import MatchOptions, PatientContext, build_context

__all__ = ["Screening", "screen"]


@dataclass(frozen=True)
class Screening:
    """The assessment, the matching context and the ranked matches for one patient."""

    evaluation: Evaluation
    context: PatientContext
    matches: tuple[TrialMatch, ...]


def screen(
    record: PatientRecord,
    trials: Iterable[ParsedTrial],
    catalog: DrugCatalog,
    criteria: Criteria,
    as_of: date,
    options: MatchOptions | None = None,
) -> Screening:
    """Assess the record as of ``as_of`` and match it against every trial, ranked."""
    evaluation = assess(record, catalog, criteria, as_of)
    context = build_context(record, evaluation, catalog, as_of, options)
    return Screening(evaluation, context, match_trials(trials, context))
