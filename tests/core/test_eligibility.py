"""Label criteria at their boundaries: prior lines, exposure, refractoriness, progression, findings.

Each case is a patient record whose history is read by the IMWG engine; the
criterion is then checked against the assessment.
"""

from __future__ import annotations

from datetime import date

import pytest

from rrmm.adapters.native.read import read_patient
from rrmm.core.assess import assess
from rrmm.core.drugs import DrugClass
from rrmm.core.eligibility import Verdict, check_criteria, combine
from rrmm.core.knowledge import CriterionKind, LabelCriterion, Target
from rrmm.kb import load_criteria, load_drug_catalog

AS_OF = date(2026, 11, 21)
CATALOG = load_drug_catalog()


def evaluate(text):
    record = read_patient(text, syntax="yaml", catalog=CATALOG, as_of=AS_OF).record
    assert record is not None
    return assess(record, CATALOG, load_criteria(), AS_OF), record


def history(*courses, labs=""):
    body = (
        "format: rrmm.patient/1\nid: e1\n"
        "diagnosis: {date: 2019-01-01, heavy_chain: IgG, light_chain: kappa}\n"
    )
    body += "therapies:\n" + "".join(courses)
    return body + (f"labs:\n{labs}" if labs else "")


def course(drugs, start, end, reason="planned"):
    return (
        f"  - {{drugs: [{', '.join(drugs)}], start: {start}, end: {end}, stop_reason: {reason}}}\n"
    )


LEN_PROGRESSION = course(
    ["lenalidomide", "dexamethasone"], "2019-02-01", "2021-06-01", "progression"
)
VD = course(["bortezomib", "dexamethasone"], "2021-06-10", "2022-06-01", "progression")
KD = course(["carfilzomib", "dexamethasone"], "2022-06-10", "2023-06-01", "progression")
DPD = course(
    ["daratumumab", "pomalidomide", "dexamethasone"], "2023-06-10", "2024-06-01", "progression"
)


def check(criterion, ev_record):
    ev, record = ev_record
    [result] = check_criteria([criterion], ev, record, CATALOG)
    return result


def at_least(n):
    return LabelCriterion(CriterionKind.PRIOR_AT_LEAST, number=n)


def at_most(n):
    return LabelCriterion(CriterionKind.PRIOR_AT_MOST, number=n)


@pytest.mark.parametrize(
    ("courses", "criterion", "expected"),
    [
        pytest.param([LEN_PROGRESSION], at_least(1), Verdict.MET, id="1-line>=1"),
        pytest.param([LEN_PROGRESSION], at_least(2), Verdict.NOT_MET, id="1-line<2"),
        pytest.param([LEN_PROGRESSION, VD], at_least(2), Verdict.MET, id="2-lines>=2"),
        pytest.param([LEN_PROGRESSION, VD, KD], at_most(3), Verdict.MET, id="3-lines<=3"),
        pytest.param([LEN_PROGRESSION, VD, KD, DPD], at_most(3), Verdict.NOT_MET, id="4-lines>3"),
        pytest.param([LEN_PROGRESSION, VD, KD, DPD], at_least(4), Verdict.MET, id="4-lines>=4"),
    ],
)
def test_prior_lines(courses, criterion, expected):
    assert check(criterion, evaluate(history(*courses))).verdict is expected


def exposed(target):
    return LabelCriterion(CriterionKind.EXPOSED, target=target)


def refractory(target):
    return LabelCriterion(CriterionKind.REFRACTORY, target=target)


PI = DrugClass.PROTEASOME_INHIBITOR
IMID = DrugClass.IMMUNOMODULATORY_DRUG


@pytest.mark.parametrize(
    ("courses", "criterion", "expected"),
    [
        pytest.param(
            [LEN_PROGRESSION], exposed(Target(drug="lenalidomide")), Verdict.MET, id="len-exposed"
        ),
        pytest.param(
            [LEN_PROGRESSION], exposed(Target(drug_class=PI)), Verdict.NOT_MET, id="PI-naive"
        ),
        pytest.param(
            [LEN_PROGRESSION, VD],
            exposed(Target(drug_class=PI, at_least=2)),
            Verdict.NOT_MET,
            id="1-PI<2",
        ),
        pytest.param(
            [LEN_PROGRESSION, VD, KD],
            exposed(Target(drug_class=PI, at_least=2)),
            Verdict.MET,
            id="2-PIs>=2",
        ),
        pytest.param(
            [LEN_PROGRESSION],
            refractory(Target(drug="lenalidomide")),
            Verdict.MET,
            id="progression-on-len=len-refractory",
        ),
        pytest.param(
            [LEN_PROGRESSION, VD, KD],
            refractory(Target(drug_class=PI, at_least=2)),
            Verdict.MET,
            id="progression-on-V-and-K=2-PIs-refractory",
        ),
        pytest.param(
            [LEN_PROGRESSION, VD],
            refractory(Target(drug_class=IMID, at_least=2)),
            Verdict.NOT_MET,
            id="1-IMiD-refractory<2",
        ),
    ],
)
def test_exposure_and_refractoriness(courses, criterion, expected):
    assert check(criterion, evaluate(history(*courses))).verdict is expected


def test_refractoriness_not_evaluable_is_unknown_never_met():
    # lenalidomide stopped as planned; no disease assessment on it or within 60 days
    ev_record = evaluate(
        history(course(["lenalidomide", "dexamethasone"], "2019-02-01", "2019-08-01"))
    )
    result = check(refractory(Target(drug="lenalidomide")), ev_record)
    assert result.verdict is Verdict.UNKNOWN
    assert "not evaluable for lenalidomide" in result.reason


def test_not_refractory_inverts():
    criterion = LabelCriterion(
        CriterionKind.NOT_REFRACTORY, target=Target(drug_class=DrugClass.ANTI_CD38)
    )
    assert check(criterion, evaluate(history(LEN_PROGRESSION))).verdict is Verdict.MET
    assert (
        check(criterion, evaluate(history(LEN_PROGRESSION, VD, KD, DPD))).verdict is Verdict.NOT_MET
    )


LABS = (
    "  - {date: 2021-01-01, serum_m_protein: 2.0 g/dL}\n"
    "  - {date: 2021-03-01, serum_m_protein: 1.0 g/dL}\n"
    "  - {date: 2021-05-01, serum_m_protein: 1.0 g/dL}\n"
)


@pytest.mark.parametrize(
    ("second", "third", "expected"),
    [
        # lenalidomide ended 2021-06-01; nadir 1.0 g/dL held twice; 1.6 and 1.7 confirm PD
        pytest.param("2021-07-31", "2021-08-30", Verdict.MET, id="PD-60-days-after-end"),
        pytest.param("2021-08-01", "2021-08-31", Verdict.NOT_MET, id="PD-61-days-after-end"),
    ],
)
def test_progression_on_last_therapy_window(second, third, expected):
    text = history(
        course(["lenalidomide", "dexamethasone"], "2020-12-15", "2021-06-01"),
        labs=LABS + f"  - {{date: {second}, serum_m_protein: 1.6 g/dL}}\n"
        f"  - {{date: {third}, serum_m_protein: 1.7 g/dL}}\n",
    )
    criterion = LabelCriterion(CriterionKind.PROGRESSION_ON_LAST)
    assert check(criterion, evaluate(text)).verdict is expected


@pytest.mark.parametrize(
    ("finding", "expected"),
    [
        pytest.param(
            "findings:\n  - {date: 2019-01-01, method: FISH, t11_14: true}\n",
            Verdict.MET,
            id="t11;14-present",
        ),
        pytest.param(
            "findings:\n  - {date: 2019-01-01, method: FISH, t11_14: false}\n",
            Verdict.NOT_MET,
            id="t11;14-negative",
        ),
        pytest.param("", Verdict.UNKNOWN, id="t11;14-not-tested"),
    ],
)
def test_finding(finding, expected):
    criterion = LabelCriterion(CriterionKind.FINDING, finding="t11_14")
    assert check(criterion, evaluate(history(LEN_PROGRESSION) + finding)).verdict is expected


def test_any_of_alternatives_as_in_the_daratumumab_monotherapy_label():
    # >= 3 prior lines including a PI and an IMiD, OR double-refractory to a PI and an IMiD
    criterion = LabelCriterion(
        CriterionKind.ANY,
        alternatives=(
            (at_least(3), exposed(Target(drug_class=PI)), exposed(Target(drug_class=IMID))),
            (refractory(Target(drug_class=PI)), refractory(Target(drug_class=IMID))),
        ),
    )
    # two lines, progression on len then on bortezomib: double-refractory -> met via the 2nd set
    assert check(criterion, evaluate(history(LEN_PROGRESSION, VD))).verdict is Verdict.MET
    # one line: neither set
    assert check(criterion, evaluate(history(LEN_PROGRESSION))).verdict is Verdict.NOT_MET


def test_combine():
    assert combine([Verdict.MET, Verdict.MET]) is Verdict.MET
    assert combine([Verdict.MET, Verdict.UNKNOWN]) is Verdict.UNKNOWN
    assert combine([Verdict.UNKNOWN, Verdict.NOT_MET]) is Verdict.NOT_MET
