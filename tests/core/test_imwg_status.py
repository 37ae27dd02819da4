"""Disease status (Rajkumar 2011 uniform reporting; imwg.md section 5).

untreated; responding (MR or better, no progression since); relapsed (progression
more than 60 days after the last dose); relapsed-and-refractory (a response at some
point, then progression on therapy or within 60 days, or no MR on salvage);
primary refractory (never MR: progressive or non-responsive); not evaluable.
Serum-only baselines of 3.0 g/dL: PR = 1.4 (-53%), MR = 2.0 (-33%), SD = 2.6 (-13%).
"""

from __future__ import annotations

import pytest

from rrmm.core.status import DiseaseStatus
from tests.core.builders import START, course, day, evaluate, lab, patient, series

RD = ["lenalidomide", "dexamethasone"]
KD = ["carfilzomib", "dexamethasone"]
BASE = lab(day(-5), serum_m_protein="3.0 g/dL")


def serum(*values):
    return [{"serum_m_protein": f"{v} g/dL"} for v in values]


def status_of(labs, therapies=None):
    return evaluate(patient(labs=labs, therapies=therapies)).status


def test_untreated():
    found = status_of([BASE], therapies=[])
    assert found.status is DiseaseStatus.UNTREATED


def test_dexamethasone_alone_leaves_the_patient_untreated():
    found = status_of([BASE], therapies=[course(["dexamethasone"], START, day(20), "planned")])
    assert found.status is DiseaseStatus.UNTREATED


def test_responding_confirmed_pr():
    found = status_of([BASE, *series(*serum("1.4", "1.4"))])
    assert (found.status, found.rule) == (DiseaseStatus.RESPONDING, "status.responding")
    assert "best confirmed response PR" in found.reason


def test_responding_while_a_response_awaits_confirmation():
    found = status_of([BASE, *series(*serum("2.0"))])
    assert found.status is DiseaseStatus.RESPONDING
    assert "MR" in found.reason


def test_relapsed_and_refractory_progression_on_therapy_after_response():
    # PR 1.4, 1.4; 2.0 (+0.6, +43%) on day 84 confirmed by 2.2
    found = status_of([BASE, *series(*serum("1.4", "1.4", "2.0", "2.2"))])
    assert found.status is DiseaseStatus.RELAPSED_AND_REFRACTORY
    assert "on therapy" in found.reason


@pytest.mark.parametrize(
    ("days_after", "expected"),
    [
        pytest.param(60, DiseaseStatus.RELAPSED_AND_REFRACTORY, id="PD-60-days-after-last-dose"),
        pytest.param(61, DiseaseStatus.RELAPSED, id="PD-61-days-after-last-dose"),
    ],
)
def test_relapsed_after_the_60_day_window(days_after, expected):
    rise = 100 + days_after
    labs = [
        BASE,
        *series(*serum("1.4", "1.4", "1.4")),
        lab(day(rise), serum_m_protein="2.0 g/dL"),
        lab(day(rise + 28), serum_m_protein="2.2 g/dL"),
    ]
    found = status_of(labs, therapies=[course(RD, START, day(100), "planned")])
    assert found.status is expected


def test_primary_refractory_progressive():
    # SD 2.6, 2.6 (nadir 2.6); 3.3 (+0.7, +27%) on day 84 confirmed by 3.5: never MR
    found = status_of([BASE, *series(*serum("2.6", "2.6", "3.3", "3.5"))])
    assert found.status is DiseaseStatus.PRIMARY_REFRACTORY
    assert "progressive" in found.reason


def test_primary_refractory_non_responsive():
    found = status_of([BASE, *series(*serum("2.6", "2.6"))])
    assert found.status is DiseaseStatus.PRIMARY_REFRACTORY
    assert "non-responsive" in found.reason


def test_sd_before_28_days_is_not_yet_primary_refractory():
    found = status_of([BASE, lab(day(20), serum_m_protein="2.6 g/dL")])
    assert found.status is DiseaseStatus.NOT_EVALUABLE


def test_relapsed_and_refractory_non_responsive_on_salvage():
    # line 1 Rd: PR, then PD (2.0 on day 84, 2.2 on day 112); line 2 Kd from day 120:
    # baseline 2.2 (day 112), SD 2.0 (-9%) on day 150 and 178
    labs = [
        BASE,
        *series(*serum("1.4", "1.4", "2.0", "2.2")),
        lab(day(150), serum_m_protein="2.0 g/dL"),
        lab(day(178), serum_m_protein="2.0 g/dL"),
    ]
    therapies = [course(RD, START, day(115), "progression"), course(KD, day(120))]
    found = status_of(labs, therapies)
    assert found.status is DiseaseStatus.RELAPSED_AND_REFRACTORY
    assert "no minimal response on line 2" in found.reason


def test_responding_on_salvage_after_progression():
    labs = [
        BASE,
        *series(*serum("1.4", "1.4", "2.0", "2.2")),
        lab(day(150), serum_m_protein="1.0 g/dL"),
        lab(day(178), serum_m_protein="1.0 g/dL"),
    ]
    therapies = [course(RD, START, day(115), "progression"), course(KD, day(120))]
    found = status_of(labs, therapies)
    assert found.status is DiseaseStatus.RESPONDING
    assert "line 2" in found.reason


def test_no_measurable_disease_is_not_evaluable():
    found = status_of([lab(day(-5), serum_m_protein="0.5 g/dL"), *series(*serum("0.4"))])
    assert found.status is DiseaseStatus.NOT_EVALUABLE
