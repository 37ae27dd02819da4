"""Clinical relapse and relapse from CR (Kumar 2016; imwg.md sections 3.2 and 3.3).

Clinical relapse after a response: calcium > 11 mg/dL (2.75 mmol/L = 11.02 mg/dL),
haemoglobin fall >= 2 g/dL (20 g/L; 1.25 mmol/L) from the line's best value,
creatinine rise >= 2 mg/dL (177 umol/L) from the start of therapy, a new lesion,
hyperviscosity. Relapse
from CR: M-protein back on immunofixation or electrophoresis, or marrow >= 5%.
Neither is progression (not used for PFS).

Every record: serum-only baseline 3.0 g/dL; PR (1.4 g/dL) on day 28 and 56, the
finding on day 84 (serum still 1.4: no progression).
"""

from __future__ import annotations

import pytest

from rrmm.core.response import Category
from tests.core.builders import day, evaluate, first_course, lab, patient, series


def clinical(day28=None, day84=None, start=None):
    """Clinical relapse findings of line 1 with extra values at the start, day 28 and day 84."""
    rows = [
        {"serum_m_protein": "1.4 g/dL", **(day28 or {})},
        {"serum_m_protein": "1.4 g/dL"},
        {"serum_m_protein": "1.4 g/dL", **(day84 or {})},
    ]
    baseline = lab(day(-5), serum_m_protein="3.0 g/dL", **(start or {}))
    text = patient(labs=[baseline, *series(*rows)])
    found = first_course(evaluate(text))
    assert found.progression is None
    return [(event.criterion, event.date) for event in found.clinical]


CALCIUM = [
    pytest.param("11.0 mg/dL", False, id="11.0mg/dL-not>11"),
    pytest.param("11.1 mg/dL", True, id="11.1mg/dL>11"),
    pytest.param("2.75 mmol/L", True, id="2.75mmol/L=2.75x4.0078=11.02mg/dL>11"),
    pytest.param("2.74 mmol/L", False, id="2.74mmol/L=10.98mg/dL"),
]


@pytest.mark.parametrize(("calcium", "expected"), CALCIUM)
def test_hypercalcaemia(calcium, expected):
    found = clinical(day84={"calcium": calcium})
    assert found == ([("hypercalcaemia", day(84))] if expected else [])


HEMOGLOBIN = [
    pytest.param("12.0 g/dL", "10.0 g/dL", True, id="12.0-10.0=2.0g/dL-fall"),
    pytest.param("12.0 g/dL", "10.1 g/dL", False, id="12.0-10.1=1.9g/dL"),
    pytest.param("9.2 g/dL", "7.2 g/dL", True, id="9.2-7.2=2.0g/dL-decimal-exact"),
    pytest.param("120 g/L", "100 g/L", True, id="120-100=20g/L=2.0g/dL"),
    pytest.param("120 g/L", "101 g/L", False, id="120-101=19g/L=1.9g/dL"),
    pytest.param("7.45 mmol/L", "6.2 mmol/L", True, id="1.25mmol/L=2.014g/dL"),
    pytest.param("7.45 mmol/L", "6.21 mmol/L", False, id="1.24mmol/L=1.998g/dL"),
]


@pytest.mark.parametrize(("best", "now", "expected"), HEMOGLOBIN)
def test_haemoglobin_fall(best, now, expected):
    found = clinical(day28={"hemoglobin": best}, day84={"hemoglobin": now})
    assert found == ([("haemoglobin fall", day(84))] if expected else [])


CREATININE = [
    pytest.param("1.0 mg/dL", "3.0 mg/dL", True, id="1.0->3.0=+2.0mg/dL"),
    pytest.param("1.0 mg/dL", "2.9 mg/dL", False, id="1.0->2.9=+1.9mg/dL"),
    pytest.param("1.3 mg/dL", "3.3 mg/dL", True, id="1.3->3.3=+2.0mg/dL-decimal-exact"),
    pytest.param("88.4 umol/L", "265.4 umol/L", True, id="+177umol/L=+2.002mg/dL"),
    pytest.param("88.4 umol/L", "264.4 umol/L", False, id="+176umol/L=+1.991mg/dL"),
]


@pytest.mark.parametrize(("at_start", "now", "expected"), CREATININE)
def test_creatinine_rise(at_start, now, expected):
    found = clinical(start={"creatinine": at_start}, day84={"creatinine": now})
    assert found == ([("creatinine rise", day(84))] if expected else [])


@pytest.mark.parametrize(
    ("at_start", "on_therapy", "expected"),
    [
        pytest.param(
            "1.0 mg/dL",
            None,
            [("creatinine rise", day(84))],
            id="start-1.0-day84-3.0=+2.0-from-start:relapse",
        ),
        pytest.param(
            "4.0 mg/dL", "1.0 mg/dL", [], id="start-4.0-low-1.0-day84-3.0=-1.0-from-start:none"
        ),
    ],
)
def test_creatinine_rise_is_measured_from_the_start_of_therapy(at_start, on_therapy, expected):
    rows = [
        {"serum_m_protein": "1.4 g/dL", "creatinine": on_therapy},
        {"serum_m_protein": "1.4 g/dL"},
        {"serum_m_protein": "1.4 g/dL", "creatinine": "3.0 mg/dL"},
    ]
    labs = [lab(day(-5), serum_m_protein="3.0 g/dL", creatinine=at_start), *series(*rows)]
    found = first_course(evaluate(patient(labs=labs)))
    assert [(e.criterion, e.date) for e in found.clinical] == expected


def test_new_lesion_after_response_is_also_a_clinical_relapse():
    text = patient(
        labs=[lab(day(-5), serum_m_protein="3.0 g/dL"), *series({"serum_m_protein": "1.4 g/dL"})],
        imaging=[{"date": day(90), "new_lesion": True}],
    )
    found = first_course(evaluate(text))
    assert [(e.criterion, e.date) for e in found.clinical] == [("new lesion", day(90))]
    assert found.progression is not None
    assert found.progression.rule == "pd.imaging"


def test_hyperviscosity_event_after_response():
    text = patient(
        labs=[lab(day(-5), serum_m_protein="3.0 g/dL"), *series({"serum_m_protein": "1.4 g/dL"})],
        events=[
            {
                "date": day(70),
                "text": "hyperviscosity needing plasmapheresis",
                "kind": "hyperviscosity",
            }
        ],
    )
    found = first_course(evaluate(text))
    assert [(e.criterion, e.date) for e in found.clinical] == [("hyperviscosity", day(70))]


def test_findings_before_the_first_response_are_not_relapse():
    # calcium 11.5 on day 14, before the first response on day 28
    text = patient(
        labs=[
            lab(day(-5), serum_m_protein="3.0 g/dL"),
            lab(day(14), calcium="11.5 mg/dL"),
            *series({"serum_m_protein": "1.4 g/dL"}, {"serum_m_protein": "1.4 g/dL"}),
        ]
    )
    assert first_course(evaluate(text)).clinical == ()


# ---- relapse from CR -------------------------------------------------------------------------

CR_VISIT = {
    "serum_m_protein": "0 g/dL",
    "serum_immunofixation": "negative",
    "urine_immunofixation": "negative",
    "bone_marrow_plasma_cells": "2 %",
}


def after_cr(later, cr_visits=2):
    rows = [dict(CR_VISIT)] * cr_visits + [later]
    text = patient(labs=[lab(day(-5), serum_m_protein="3.0 g/dL"), *series(*rows)])
    return first_course(evaluate(text))


RELAPSE_FROM_CR = [
    pytest.param(
        {**CR_VISIT, "serum_immunofixation": "positive"}, "immunofixation", id="serum-IFE-positive"
    ),
    pytest.param(
        {**CR_VISIT, "urine_immunofixation": "positive"}, "immunofixation", id="urine-IFE-positive"
    ),
    pytest.param(
        {**CR_VISIT, "serum_m_protein": "0.3 g/dL"},
        "electrophoresis",
        id="serum-0.3g/dL-back-on-SPEP-(not-PD:+0.3<0.5)",
    ),
    pytest.param(
        {**CR_VISIT, "bone_marrow_plasma_cells": "5 %"}, "marrow", id="marrow-5%-at-threshold"
    ),
    pytest.param({**CR_VISIT, "bone_marrow_plasma_cells": "4 %"}, None, id="marrow-4%-below-5"),
    pytest.param(dict(CR_VISIT), None, id="still-in-CR"),
]


@pytest.mark.parametrize(("later", "criterion"), RELAPSE_FROM_CR)
def test_relapse_from_confirmed_cr(later, criterion):
    course = after_cr(later)
    assert course.best_response is Category.CR
    assert course.progression is None
    event = course.relapse_from_cr
    assert (event.criterion if event else None) == criterion
    if event is not None:
        assert event.date == day(84)
        assert event.kind == "relapse from CR"


def test_no_relapse_from_cr_without_a_confirmed_cr():
    course = after_cr({**CR_VISIT, "serum_immunofixation": "positive"}, cr_visits=1)
    assert course.best_response is not Category.CR
    assert course.relapse_from_cr is None
