"""Refractoriness per drug and the labels built on it (Rajkumar 2011; MAMMOTH; imwg.md 5, 7).

A drug is refractory when confirmed (or clinician-documented) progression came
while on it or within 60 days of its last dose (inclusive), or when no minimal
response was reached after 28 days on it. The MAMMOTH variant also asks for 4 weeks
of exposure before progression counts. Labels: double (PI + IMiD), triple-class
exposed/refractory (PI, IMiD, anti-CD38), quad (anti-CD38 + 3 of bortezomib,
carfilzomib, lenalidomide, pomalidomide), penta (all 4), BCMA and GPRC5D exposure.
"""

from __future__ import annotations

import pytest

from rrmm.core.drugs import DrugClass
from rrmm.core.refractory import ClassState, DrugState
from tests.core.builders import START, course, day, evaluate, lab, patient, procedure, series

REFRACTORY, NOT_REFRACTORY, NOT_EVALUABLE, EXPOSED_ONLY = (
    DrugState.REFRACTORY,
    DrugState.NOT_REFRACTORY,
    DrugState.NOT_EVALUABLE,
    DrugState.EXPOSED_ONLY,
)
RD = ["lenalidomide", "dexamethasone"]


def verdict(evaluation, drug):
    return next(v for v in evaluation.drugs if v.drug == drug)


def test_progression_on_the_drug():
    # baseline 3.0; 1.4, 1.4 (nadir 1.4); 2.0 (+0.6, +43%) on day 84 confirmed by 2.2
    rows = [{"serum_m_protein": f"{v} g/dL"} for v in ("1.4", "1.4", "2.0", "2.2")]
    labs = [lab(day(-5), serum_m_protein="3.0 g/dL"), *series(*rows)]
    evaluation = evaluate(patient(labs=labs))
    lenalidomide = verdict(evaluation, "lenalidomide")
    assert lenalidomide.state is REFRACTORY
    assert lenalidomide.refractory_lines == (1,)
    assert any(f"IMWG progression on {day(84)} while on it" in e for e in lenalidomide.evidence)
    assert verdict(evaluation, "dexamethasone").state is EXPOSED_ONLY
    assert evaluation.refractory_drugs == ("lenalidomide",)


def rd_stopped_then_progression(days_after_last_dose, stop=100):
    """Rd stopped as planned on day ``stop``; PD (1.4 -> 2.0 -> 2.2) ``days_after`` later."""
    rise = stop + days_after_last_dose
    labs = [
        lab(day(-5), serum_m_protein="3.0 g/dL"),
        *series(*[{"serum_m_protein": "1.4 g/dL"}] * 3),
        lab(day(rise), serum_m_protein="2.0 g/dL"),
        lab(day(rise + 28), serum_m_protein="2.2 g/dL"),
    ]
    return evaluate(patient(therapies=[course(RD, START, day(stop), "planned")], labs=labs))


@pytest.mark.parametrize(
    ("days_after", "state", "evidence"),
    [
        pytest.param(0, REFRACTORY, "while on it", id="PD-on-the-last-dose-day"),
        pytest.param(60, REFRACTORY, "60 days after its last dose", id="PD-60-days-after"),
        pytest.param(61, NOT_REFRACTORY, "more than 60 days", id="PD-61-days-after"),
        pytest.param(90, NOT_REFRACTORY, "more than 60 days", id="PD-90-days-after"),
    ],
)
def test_sixty_day_window_after_the_last_dose(days_after, state, evidence):
    evaluation = rd_stopped_then_progression(days_after)
    progression = evaluation.courses[0].progression
    assert progression is not None
    assert progression.date == day(100 + days_after)
    lenalidomide = verdict(evaluation, "lenalidomide")
    assert lenalidomide.state is state
    assert any(evidence in e for e in lenalidomide.evidence), lenalidomide.evidence


@pytest.mark.parametrize(
    ("bortezomib_end", "state"),
    [
        pytest.param(30, REFRACTORY, id="bortezomib-stopped-day30-PD-day90=60-days"),
        pytest.param(29, NOT_REFRACTORY, id="bortezomib-stopped-day29-PD-day90=61-days"),
    ],
)
def test_window_uses_the_drugs_own_last_dose(bortezomib_end, state):
    drugs = [
        {"name": "bortezomib", "end": day(bortezomib_end), "stop_reason": "toxicity"},
        "lenalidomide",
        "dexamethasone",
    ]
    labs = [
        lab(day(-5), serum_m_protein="3.0 g/dL"),
        lab(day(28), serum_m_protein="1.4 g/dL"),
        lab(day(56), serum_m_protein="1.4 g/dL"),
        lab(day(90), serum_m_protein="2.0 g/dL"),
        lab(day(118), serum_m_protein="2.2 g/dL"),
    ]
    evaluation = evaluate(patient(therapies=[course(drugs, START)], labs=labs))
    progression = evaluation.courses[0].progression
    assert progression is not None
    assert progression.date == day(90)
    assert verdict(evaluation, "bortezomib").state is state
    assert verdict(evaluation, "lenalidomide").state is REFRACTORY


def first_reading(offset, serum):
    labs = [lab(day(-5), serum_m_protein="3.0 g/dL"), lab(day(offset), serum_m_protein=serum)]
    return evaluate(patient(labs=labs))


@pytest.mark.parametrize(
    ("offset", "serum", "state", "evidence"),
    [
        pytest.param(
            28,
            "2.6 g/dL",
            REFRACTORY,
            "no minimal response after 28 days",
            id="SD(-13%)-at-day-28-nonresponsive",
        ),
        pytest.param(
            27,
            "2.6 g/dL",
            NOT_REFRACTORY,
            "no progression on it",
            id="SD-at-day-27-only-too-early-for-nonresponse",
        ),
        pytest.param(
            28,
            "2.25 g/dL",
            NOT_REFRACTORY,
            "no progression on it",
            id="MR(-25%)-at-day-28-responds",
        ),
    ],
)
def test_no_minimal_response_after_28_days(offset, serum, state, evidence):
    lenalidomide = verdict(first_reading(offset, serum), "lenalidomide")
    assert lenalidomide.state is state
    assert any(evidence in e for e in lenalidomide.evidence), lenalidomide.evidence


def test_sd_after_stopping_before_28_days_is_not_nonresponse():
    labs = [
        lab(day(-5), serum_m_protein="3.0 g/dL"),
        lab(day(20), serum_m_protein="2.6 g/dL"),
        lab(day(40), serum_m_protein="2.6 g/dL"),
    ]
    therapies = [course(RD, START, day(21), "toxicity")]
    evaluation = evaluate(patient(therapies=therapies, labs=labs))
    assert verdict(evaluation, "lenalidomide").state is not REFRACTORY


def daratumumab_progression(pd_day, last_dose):
    """Dara-dex; serum 2.0 -> 2.6 (+0.6, +30%) on ``pd_day``, confirmed 7 days later."""
    labs = [
        lab(day(-5), serum_m_protein="2.0 g/dL"),
        lab(day(pd_day - 14), serum_m_protein="2.0 g/dL"),
        lab(day(pd_day), serum_m_protein="2.6 g/dL"),
        lab(day(pd_day + 7), serum_m_protein="2.7 g/dL"),
    ]
    therapies = [course(["daratumumab", "dexamethasone"], START, day(last_dose), "progression")]
    return patient(therapies=therapies, labs=labs)


@pytest.mark.parametrize(
    ("pd_day", "mammoth", "state"),
    [
        pytest.param(14, False, REFRACTORY, id="PD-after-2-weeks-default-refractory"),
        pytest.param(14, True, NOT_REFRACTORY, id="PD-after-2-weeks-MAMMOTH-not-refractory"),
        pytest.param(27, True, NOT_REFRACTORY, id="PD-day-27-MAMMOTH-<4-weeks"),
        pytest.param(28, True, REFRACTORY, id="PD-day-28-MAMMOTH-4-weeks"),
    ],
)
def test_mammoth_minimum_exposure_before_progression(pd_day, mammoth, state):
    text = daratumumab_progression(pd_day, last_dose=pd_day)
    evaluation = evaluate(text, minimum_exposure_for_progression=mammoth)
    progression = evaluation.courses[0].progression
    assert progression is not None
    assert progression.date == day(pd_day)
    assert verdict(evaluation, "daratumumab").state is state


def test_drug_without_any_assessment_is_not_evaluable():
    evaluation = evaluate(patient(therapies=[course(RD, START, day(90), "planned")]))
    assert verdict(evaluation, "lenalidomide").state is NOT_EVALUABLE


# ---- labels -----------------------------------------------------------------------------------
# Courses stopped for progression and no laboratory data: clinician-documented progression
# on the last day of each course, so every drug of such a course is refractory.

VRD = ("VRd", ["bortezomib", "lenalidomide", "dexamethasone"])
DPD = ("DPd", ["daratumumab", "pomalidomide", "dexamethasone"])
KD = ("Kd", ["carfilzomib", "dexamethasone"])
RD_ = ("Rd", RD)
DVRD = ("D-VRd", ["daratumumab", "bortezomib", "lenalidomide", "dexamethasone"])
TEC = ("Tec", ["teclistamab"])
TAL = ("Tal", ["talquetamab"])
BELA = ("Bela", ["belantamab mafodotin"])
CYD = ("Cy-dex", ["cyclophosphamide", "dexamethasone"])


def sequence(*steps, procedures=()):
    """Courses of 90 days, one after another; each step is (regimen, stop reason)."""
    therapies = []
    for index, ((name, drugs), stop) in enumerate(steps):
        start = day(100 * index)
        end = None if stop is None else day(100 * index + 90)
        therapies.append(course(drugs, start, end, stop, regimen=name))
    return evaluate(patient(therapies=therapies, procedures=procedures))


P, T, OK = "progression", "toxicity", "planned"

LABELS = [
    pytest.param([(RD_, P)], ("lenalidomide_refractory",), 1, id="Rd-PD:IMiD-only-not-double"),
    pytest.param(
        [(VRD, P)],
        ("double_refractory", "lenalidomide_refractory"),
        2,
        id="VRd-PD:PI+IMiD=double",
    ),
    pytest.param(
        [(VRD, P), (DPD, P)],
        (
            "double_refractory",
            "lenalidomide_refractory",
            "quad_refractory",
            "triple_class_exposed",
            "triple_class_refractory",
        ),
        3,
        id="VRd-PD,DPd-PD:CD38+V+R+P=quad",
    ),
    pytest.param(
        [(VRD, P), (DPD, P), (KD, P)],
        (
            "double_refractory",
            "lenalidomide_refractory",
            "penta_exposed",
            "penta_refractory",
            "triple_class_exposed",
            "triple_class_refractory",
        ),
        3,
        id="+Kd-PD:CD38+V+K+R+P=penta",
    ),
    pytest.param(
        [(VRD, P), (DPD, P), (KD, T)],
        (
            "double_refractory",
            "lenalidomide_refractory",
            "penta_exposed",
            "quad_refractory",
            "triple_class_exposed",
            "triple_class_refractory",
        ),
        3,
        id="+Kd-stopped-for-toxicity:penta-exposed-quad-refractory",
    ),
    pytest.param([(DVRD, OK)], ("triple_class_exposed",), 0, id="D-VRd-planned:TCE-only"),
    pytest.param(
        [(DPD, P)],
        (),
        2,
        id="DPd-PD:CD38+IMiD-refractory-no-PI-no-label",
    ),
    pytest.param([(TEC, None)], ("bcma_exposed",), 0, id="teclistamab:BCMA-exposed"),
    pytest.param([(BELA, OK)], ("bcma_exposed",), 0, id="belantamab:BCMA-exposed"),
    pytest.param([(TAL, None)], ("gprc5d_exposed",), 0, id="talquetamab:GPRC5D-exposed"),
    pytest.param(
        [(VRD, P), (DPD, P), (KD, P), (CYD, P)],
        (
            "double_refractory",
            "lenalidomide_refractory",
            "penta_exposed",
            "penta_refractory",
            "triple_class_exposed",
            "triple_class_refractory",
        ),
        4,
        id="+Cy-dex-PD:alkylator-is-a-4th-refractory-class-steroid-never-counted",
    ),
]


@pytest.mark.parametrize(("steps", "labels", "count"), LABELS)
def test_labels_and_refractory_class_count(steps, labels, count):
    evaluation = sequence(*steps)
    assert evaluation.labels == labels
    assert evaluation.refractory_class_count == count
    assert evaluation.classes[DrugClass.STEROID] is not ClassState.REFRACTORY


def test_car_t_product_makes_bcma_exposed():
    evaluation = sequence(
        (VRD, OK),
        procedures=[
            procedure("apheresis", day(150)),
            procedure("car_t_infusion", day(180), product="idecabtagene vicleucel"),
        ],
    )
    assert "bcma_exposed" in evaluation.labels
    assert evaluation.classes[DrugClass.BCMA_CAR_T] is ClassState.EXPOSED


def test_class_states():
    evaluation = sequence((VRD, P), (KD, T))
    assert evaluation.classes[DrugClass.PROTEASOME_INHIBITOR] is ClassState.REFRACTORY
    assert evaluation.classes[DrugClass.IMMUNOMODULATORY_DRUG] is ClassState.REFRACTORY
    assert evaluation.classes[DrugClass.ANTI_CD38] is ClassState.NAIVE
    assert verdict(evaluation, "carfilzomib").state is NOT_EVALUABLE
    assert verdict(evaluation, "bortezomib").refractory_lines == (1,)
