"""Per-criterion verdicts, trial verdicts and ranking against real example patients."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rrmm.core.analytes import Analyte
from rrmm.core.model import (
    Condition,
    ConditionName,
    LabPanel,
    Measurement,
    PerformanceStatus,
)
from rrmm.core.units import Quantity
from rrmm.trials.matcher import (
    Effect,
    TrialVerdict,
    Verdict,
    judge_criterion,
    match_trial,
    rank,
)
from rrmm.trials.model import Criterion, CriterionKind, ParsedTrial, Trial
from rrmm.trials.patient_context import MatchOptions
from rrmm.trials.rules import (
    Bound,
    ConditionPresent,
    DrugHistory,
    Lab,
    Op,
    Permissive,
    Relation,
    Unrecordable,
)
from rrmm.trials.vocabulary import PI
from tests.trials.conftest import context_for, example

INC, EXC = CriterionKind.INCLUSION, CriterionKind.EXCLUSION


def _criterion(text, kind, vocabulary):
    from rrmm.trials.parser import parse_statement

    return Criterion(text, kind, parse_statement(text, kind, vocabulary).rule)


def test_inclusion_and_exclusion_verdicts_and_effects(catalog, vocabulary) -> None:
    ctx = context_for(example("04-", catalog), catalog)
    met = judge_criterion(_criterion("Refractory to lenalidomide", INC, vocabulary), ctx)
    assert (met.verdict, met.effect) == (Verdict.MET, Effect.FAVOURABLE)
    assert met.evidence.startswith("requirement met — lenalidomide refractory")
    excluded = judge_criterion(_criterion("Refractory to daratumumab", EXC, vocabulary), ctx)
    assert (excluded.verdict, excluded.effect) == (Verdict.MET, Effect.RULES_OUT)
    assert excluded.evidence.startswith("excluding condition present")
    absent = judge_criterion(_criterion("Prior BCMA-directed therapy", EXC, vocabulary), ctx)
    assert (absent.verdict, absent.effect) == (Verdict.NOT_MET, Effect.FAVOURABLE)
    assert absent.evidence.startswith("excluding condition absent")
    unknown = judge_criterion(_criterion("Known CNS involvement", EXC, vocabulary), ctx)
    assert (unknown.verdict, unknown.effect) == (Verdict.UNKNOWN, Effect.UNDECIDED)


def test_unparsed_criteria_are_unknown_and_say_so(catalog) -> None:
    ctx = context_for(example("04-", catalog), catalog)
    for kind in (INC, EXC):
        result = judge_criterion(Criterion("Signed informed consent", kind, None, note="x"), ctx)
        assert result.verdict is Verdict.UNKNOWN
        assert result.evidence.startswith("needs review")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from([INC, EXC]), min_size=1, max_size=8))
def test_unparsed_criteria_are_never_met_and_never_decide(catalog, patient_05, kinds) -> None:
    ctx = patient_05
    criteria = tuple(Criterion(f"free text {i}", k, None) for i, k in enumerate(kinds))
    match = match_trial(ParsedTrial(Trial("NCT00000009"), criteria), ctx)
    assert all(r.verdict is Verdict.UNKNOWN for r in match.results)
    assert match.verdict is TrialVerdict.POSSIBLY_ELIGIBLE
    assert match.unknown_count == len(kinds) == match.review_count


def test_permissions_are_favourable_in_either_list(catalog) -> None:
    ctx = context_for(example("01-", catalog), catalog)
    allowed = Permissive("prior bcma-directed therapy")
    assert judge_criterion(Criterion("x", INC, allowed), ctx).verdict is Verdict.MET
    result = judge_criterion(Criterion("x", EXC, allowed), ctx)
    assert (result.verdict, result.effect) == (Verdict.NOT_MET, Effect.FAVOURABLE)


def test_trial_verdicts_and_ranking(catalog) -> None:
    ctx = context_for(example("04-", catalog), catalog)
    refractory = DrugHistory(PI, Relation.REFRACTORY)
    eligible = ParsedTrial(Trial("NCT00000003"), (Criterion("PI refractory", INC, refractory),))
    possible = ParsedTrial(
        Trial("NCT00000002"),
        (
            Criterion("PI refractory", INC, refractory),
            Criterion("HIV", EXC, ConditionPresent("hiv", ever=True)),
        ),
    )
    excluded = ParsedTrial(Trial("NCT00000001"), (Criterion("PI refractory", EXC, refractory),))
    matches = rank(match_trial(t, ctx) for t in (excluded, possible, eligible))
    assert [m.verdict for m in matches] == [
        TrialVerdict.ELIGIBLE,
        TrialVerdict.POSSIBLY_ELIGIBLE,
        TrialVerdict.EXCLUDED,
    ]
    assert matches[1].unknown_count == 1
    assert matches[2].ruling_out[0].criterion.text == "PI refractory"


def test_possibly_eligible_rank_by_fewest_unknowns(catalog) -> None:
    ctx = context_for(example("04-", catalog), catalog)
    unknown = Criterion("?", INC, Unrecordable("x"))
    few = ParsedTrial(Trial("NCT00000020"), (unknown,))
    many = ParsedTrial(Trial("NCT00000010"), (unknown, unknown, unknown))
    assert [m.trial.nct_id for m in rank(match_trial(t, ctx) for t in (many, few))] == [
        "NCT00000020",
        "NCT00000010",
    ]


def test_labs_convert_units_and_respect_the_window(catalog) -> None:
    record = example("04-", catalog)
    ctx = context_for(record, catalog)
    # haemoglobin recorded as 103 g/L = 10.3 g/dL
    holds, evidence = _eval(Lab(Analyte.HEMOGLOBIN, Bound(Op.GE, 10)), ctx)
    assert holds is True
    assert "103 g/L = 10.3 g/dL" in evidence
    assert _eval(Lab(Analyte.HEMOGLOBIN, Bound(Op.GE, 10.5)), ctx)[0] is False
    later = context_for(record, catalog, as_of=date(2026, 11, 1))
    holds, evidence = _eval(Lab(Analyte.HEMOGLOBIN, Bound(Op.GE, 10)), later)
    assert holds is None
    assert "more than 90 days old" in evidence
    wider = context_for(record, catalog, date(2026, 11, 1), MatchOptions(lab_window_days=400))
    assert _eval(Lab(Analyte.HEMOGLOBIN, Bound(Op.GE, 10)), wider)[0] is True


def test_uln_thresholds_need_the_laboratory_reference(catalog) -> None:
    record = example("12-", catalog)
    ctx = context_for(record, catalog)
    rule = Lab(Analyte.BILIRUBIN, Bound(Op.LE, 1.5), "uln")
    holds, evidence = _eval(rule, ctx)
    assert holds is None
    assert "upper limit of normal is not recorded" in evidence
    panel = LabPanel(
        ctx.as_of,
        (Measurement(Analyte.BILIRUBIN, Quantity(30, "umol/L"), reference_high=21),),
    )
    with_range = replace(record, labs=(*record.labs, panel))
    holds, evidence = _eval(rule, context_for(with_range, catalog, ctx.as_of))
    assert holds is True
    assert "1.4 × ULN" in evidence
    assert (
        _eval(
            Lab(Analyte.BILIRUBIN, Bound(Op.LE, 1.2), "uln"),
            context_for(with_range, catalog, ctx.as_of),
        )[0]
        is False
    )


def test_creatinine_clearance_measured_estimated_or_dialysis(catalog) -> None:
    renal = context_for(example("09-", catalog), catalog)
    holds, evidence = _eval(Lab(Analyte.CREATININE_CLEARANCE, Bound(Op.GE, 30)), renal)
    assert holds is False
    assert "measured 26 mL/min" in evidence
    record = example("12-", catalog)
    without = tuple(
        replace(
            p, values=tuple(v for v in p.values if v.analyte is not Analyte.CREATININE_CLEARANCE)
        )
        for p in record.labs
    )
    estimated = replace(record, labs=without)
    holds, evidence = _eval(
        Lab(Analyte.CREATININE_CLEARANCE, Bound(Op.GE, 30)), context_for(estimated, catalog)
    )
    assert holds is True
    assert "Cockcroft-Gault" in evidence
    on_dialysis = replace(
        record,
        conditions=(*record.conditions, Condition(ConditionName.DIALYSIS, since=date(2026, 1, 1))),
    )
    holds, evidence = _eval(
        Lab(Analyte.CREATININE_CLEARANCE, Bound(Op.GE, 30)), context_for(on_dialysis, catalog)
    )
    assert holds is False
    assert "dialysis" in evidence


def test_conditions_are_unknown_unless_recorded_or_declared_complete(catalog) -> None:
    record = example("10-", catalog)
    ctx = context_for(record, catalog)
    assert _eval(ConditionPresent("peripheral_neuropathy", 2), ctx)[0] is True
    assert _eval(ConditionPresent("peripheral_neuropathy", 3), ctx)[0] is False
    assert _eval(ConditionPresent("cns_involvement"), ctx)[0] is None
    complete = context_for(record, catalog, options=MatchOptions(conditions_complete=True))
    assert _eval(ConditionPresent("cns_involvement"), complete)[0] is False


def test_stale_ecog_is_unknown(catalog) -> None:
    record = example("05-", catalog)
    from rrmm.trials.rules import Performance

    ctx = context_for(record, catalog)
    assert _eval(Performance("ecog", (Bound(Op.LE, 2),)), ctx)[0] is None
    fresh = replace(
        record,
        performance=(*record.performance, PerformanceStatus(ctx.as_of - timedelta(days=3), 1)),
    )
    assert _eval(Performance("ecog", (Bound(Op.LE, 2),)), context_for(fresh, catalog))[0] is True
    assert (
        _eval(Performance("karnofsky", (Bound(Op.GE, 70),)), context_for(fresh, catalog))[0] is True
    )
    assert (
        _eval(Performance("karnofsky", (Bound(Op.GE, 80),)), context_for(fresh, catalog))[0] is None
    )


def test_synthetic_trials_against_examples(catalog, synthetic_trials) -> None:
    teclistamab = context_for(example("13-", catalog), catalog)
    match = match_trial(synthetic_trials["NCT99000001"], teclistamab)
    assert match.verdict is TrialVerdict.EXCLUDED
    assert [r.criterion.text for r in match.ruling_out] == [
        "Documented progression on or after the last regimen",
        "Prior BCMA-directed therapy",
        "Anti-myeloma therapy within 14 days before the first dose",
    ]
    renal = context_for(example("09-", catalog), catalog)
    match = match_trial(synthetic_trials["NCT99000005"], renal)
    assert match.verdict is TrialVerdict.POSSIBLY_ELIGIBLE
    untreated = context_for(example("12-", catalog), catalog)
    assert (
        match_trial(synthetic_trials["NCT99000004"], untreated).verdict
        is TrialVerdict.POSSIBLY_ELIGIBLE
    )


def test_a_thousand_trials_share_rule_outcomes(catalog, csv_trials) -> None:
    ctx = context_for(example("07-", catalog), catalog)
    many = [
        ParsedTrial(replace(t.trial, nct_id=f"NCT{70000000 + i}"), t.criteria)
        for i, t in enumerate(csv_trials * 10)
    ]
    matches = rank(match_trial(t, ctx) for t in many)
    assert len(matches) == 1050
    distinct_rules = {c.rule for t in csv_trials for c in t.criteria if c.rule is not None}
    assert len(ctx.memo) <= 2 * len(distinct_rules)


@pytest.fixture(scope="module")
def patient_05(catalog):
    return context_for(example("05-", catalog), catalog)


def _eval(rule, ctx):
    from rrmm.trials.rule_evaluation import evaluate

    return evaluate(rule, ctx)
