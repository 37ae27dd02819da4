"""Progressive disease (IMWG 2016; imwg.md section 3.1 and the vectors of section 10.2).

Serum: rise >= 0.5 g/dL and >= 25% from the nadir, or >= 1 g/dL when the nadir is
>= 5 g/dL. Urine: >= 200 mg/24h and >= 25%. dFLC (only when serum and urine were
unmeasurable at baseline): > 100 mg/L (10 mg/dL) and >= 25%. Marrow (only when
nothing else is measurable): +10 points, no confirmation. New lesion: immediate.
Laboratory PD needs the next assessment to confirm it; its date is the first one.

Each vector is tested twice: through a full record (baseline, the nadir held at two
assessments, then the rise at two assessments, 28 days apart) and at the function
level (``lab_signals`` against a hand-made nadir).
"""

from __future__ import annotations

import pytest

from rrmm.core.model import LightChain
from rrmm.core.progression import lab_signals
from rrmm.core.response import Category
from tests.core.builders import (
    PARAMS,
    START,
    assessment,
    course,
    day,
    evaluate,
    first_course,
    lab,
    nadirs,
    patient,
    series,
)

KAPPA = LightChain.KAPPA

# Visits at day 28, 56, 84, 112: nadir, nadir, rise, rise -> PD dated day 84.
RISE_DAY, CONFIRM_DAY = day(84), day(112)


def g_l(value):
    return f"{value * 10:g} g/L"


def g_24h(value):
    return f"{value / 1000:g} g/24h"


# (baseline, nadir N, current C, PD expected), g/dL
SERUM = [
    pytest.param(3.0, 1.0, 1.5, True, id="N1.0-C1.5:+0.5=+50%-PD"),
    pytest.param(3.0, 1.0, 1.4, False, id="N1.0-C1.4:+0.4<0.5-no"),
    pytest.param(3.0, 2.0, 2.5, True, id="N2.0-C2.5:+0.5=+25%-exact-PD"),
    pytest.param(3.0, 2.4, 2.9, False, id="N2.4-C2.9:+0.5=+20.8%-no"),
    pytest.param(6.0, 3.2, 4.0, True, id="N3.2-C4.0:+0.8=+25%-decimal-exact-PD"),
    pytest.param(6.0, 3.2, 3.99, False, id="N3.2-C3.99:+0.79=+24.7%-no"),
    pytest.param(8.0, 5.0, 6.0, True, id="N5.0-C6.0:+1.0=+20%-nadir>=5-PD"),
    pytest.param(8.0, 5.0, 5.9, False, id="N5.0-C5.9:+0.9=+18%-no"),
    pytest.param(9.0, 6.0, 6.9, False, id="N6.0-C6.9:+0.9=+15%-no"),
    pytest.param(8.0, 4.9, 5.9, False, id="N4.9<5-C5.9:+1.0=+20.4%-no"),
]


def serum_record(baseline, nadir, current, si=False):
    unit = g_l if si else (lambda v: f"{v:g} g/dL")
    rows = [{"serum_m_protein": unit(v)} for v in (nadir, nadir, current, current)]
    return patient(labs=[lab(day(-5), serum_m_protein=unit(baseline)), *series(*rows)])


@pytest.mark.parametrize("si", [False, True], ids=["g/dL", "g/L"])
@pytest.mark.parametrize(("baseline", "nadir", "current", "expected"), SERUM)
def test_serum_progression_through_a_record(baseline, nadir, current, expected, si):
    course = first_course(evaluate(serum_record(baseline, nadir, current, si)))
    if expected:
        assert course.progression is not None
        assert course.progression.rule == "pd.serum"
        assert course.progression.date == RISE_DAY
        assert course.progression.confirmed_on == CONFIRM_DAY
    else:
        assert course.progression is None


@pytest.mark.parametrize(("baseline", "nadir", "current", "expected"), SERUM)
def test_serum_progression_signal(baseline, nadir, current, expected):
    found = lab_signals(assessment(RISE_DAY, serum=current), nadirs(serum=nadir), KAPPA, PARAMS)
    assert [s.rule for s in found] == (["pd.serum"] if expected else [])


@pytest.mark.parametrize(
    ("current", "expected"),
    [
        pytest.param(0.3, False, id="N0(CR)-C0.3:+0.3<0.5-no-PD-(relapse-from-CR-instead)"),
        pytest.param(0.5, True, id="N0-C0.5:+0.5-PD"),
    ],
)
def test_serum_rise_from_a_zero_nadir(current, expected):
    found = lab_signals(assessment(RISE_DAY, serum=current), nadirs(serum=0.0), KAPPA, PARAMS)
    assert bool(found) is expected


# (nadir N, current C, PD expected), mg/24h; light-chain disease, baseline urine 2000 mg/24h
URINE = [
    pytest.param(100, 300, True, id="N100-C300:+200=+200%-PD"),
    pytest.param(100, 299, False, id="N100-C299:+199<200-no"),
    pytest.param(800, 1000, True, id="N800-C1000:+200=+25%-PD"),
    pytest.param(1000, 1200, False, id="N1000-C1200:+200=+20%-no"),
    pytest.param(50, 240, False, id="N50-C240:+190<200-no"),
]


@pytest.mark.parametrize("si", [False, True], ids=["mg/24h", "g/24h"])
@pytest.mark.parametrize(("nadir", "current", "expected"), URINE)
def test_urine_progression_through_a_record(nadir, current, expected, si):
    unit = g_24h if si else (lambda v: f"{v:g} mg/24h")
    rows = [{"urine_m_protein": unit(v)} for v in (nadir, nadir, current, current)]
    text = patient(
        labs=[lab(day(-5), urine_m_protein=unit(2000)), *series(*rows)], heavy_chain="none"
    )
    course = first_course(evaluate(text))
    if expected:
        assert course.progression is not None
        assert (course.progression.rule, course.progression.date) == ("pd.urine", RISE_DAY)
    else:
        assert course.progression is None


@pytest.mark.parametrize(("nadir", "current", "expected"), URINE)
def test_urine_progression_signal(nadir, current, expected):
    found = lab_signals(assessment(RISE_DAY, urine=current), nadirs(urine=nadir), KAPPA, PARAMS)
    assert [s.rule for s in found] == (["pd.urine"] if expected else [])


# dFLC = kappa - lambda (kappa patient); lambda fixed at 10 mg/L (1 mg/dL).
# (kappa at nadir, kappa now, unit, PD expected)
FLC = [
    pytest.param(60, 165, "mg/L", True, id="dFLC-N50-C155mg/L:+105>100=+210%-PD"),
    pytest.param(60, 160, "mg/L", False, id="dFLC-N50-C150mg/L:+100-not>100-no"),
    pytest.param(6.0, 16.5, "mg/dL", True, id="dFLC-N5-C15.5mg/dL:+10.5>10-PD"),
    pytest.param(6.0, 16.0, "mg/dL", False, id="dFLC-N5-C15mg/dL:+10-not>10-no"),
    pytest.param(15, 25.5, "mg/L", False, id="unit-guard-N5-C15.5-in-mg/L:+10.5mg/L-no"),
]


@pytest.mark.parametrize(("kappa_nadir", "kappa_now", "unit", "expected"), FLC)
def test_flc_progression_through_a_record(kappa_nadir, kappa_now, unit, expected):
    lam = "10 mg/L" if unit == "mg/L" else "1 mg/dL"
    base = "400 mg/L" if unit == "mg/L" else "40 mg/dL"
    rows = [
        {"kappa_flc": f"{k:g} {unit}", "lambda_flc": lam}
        for k in (kappa_nadir, kappa_nadir, kappa_now, kappa_now)
    ]
    text = patient(
        labs=[lab(day(-5), kappa_flc=base, lambda_flc=lam), *series(*rows)], heavy_chain="none"
    )
    course = first_course(evaluate(text))
    assert course.baseline.measures[0].name == "FLC"
    if expected:
        assert course.progression is not None
        assert (course.progression.rule, course.progression.date) == ("pd.flc", RISE_DAY)
    else:
        assert course.progression is None


@pytest.mark.parametrize(
    ("nadir", "kappa", "expected"),
    [
        pytest.param(50.0, 165.0, True, id="N50-C155:+105mg/L-PD"),
        pytest.param(50.0, 160.0, False, id="N50-C150:+100mg/L-no"),
        pytest.param(500.0, 625.0, False, id="N500-C615:+115>100-but-+23%<25%-no"),
        pytest.param(400.0, 511.0, True, id="N400-C501:+101>100-and-+25.25%-PD"),
        pytest.param(400.0, 510.0, False, id="N400-C500:+100=+25%-but-not>100-no"),
    ],
)
def test_flc_progression_signal(nadir, kappa, expected):
    found = lab_signals(
        assessment(RISE_DAY, kappa=kappa, lambda_=10.0), nadirs(dflc=nadir), KAPPA, PARAMS
    )
    assert [s.rule for s in found] == (["pd.flc"] if expected else [])


def test_flc_rise_ignored_when_serum_is_the_measure():
    rows = [
        {"serum_m_protein": "1.0 g/dL", "kappa_flc": f"{k} mg/L", "lambda_flc": "10 mg/L"}
        for k in (60, 60, 400, 400)
    ]
    text = patient(
        labs=[
            lab(day(-5), serum_m_protein="3.0 g/dL", kappa_flc="60 mg/L", lambda_flc="10 mg/L"),
            *series(*rows),
        ]
    )
    assert first_course(evaluate(text)).progression is None


def test_flc_signal_needs_an_flc_nadir():
    found = lab_signals(
        assessment(RISE_DAY, kappa=1000.0, lambda_=10.0), nadirs(serum=1.0), KAPPA, PARAMS
    )
    assert found == []


# ---- confirmation and dates ----------------------------------------------------------------


def serum_visits(*values, baseline=3.0, **parameters):
    rows = [{"serum_m_protein": f"{v:g} g/dL"} for v in values]
    text = patient(labs=[lab(day(-5), serum_m_protein=f"{baseline:g} g/dL"), *series(*rows)])
    return first_course(evaluate(text, **parameters))


def test_single_spike_not_confirmed_is_not_progression():
    course = serum_visits(1.0, 1.0, 1.6, 1.1)  # +0.6 (+60%) on day 84, back to 1.1 on day 112
    assert course.progression is None
    assert any("not confirmed by the next assessment" in n for n in course.progression_notes)
    assert course.visits[2].reading.category is Category.PD  # read, but never confirmed


def test_last_spike_awaits_confirmation():
    course = serum_visits(1.0, 1.0, 1.6)
    assert course.progression is None
    assert any("not yet confirmed" in n for n in course.progression_notes)


def test_progression_date_is_the_first_of_the_two_assessments():
    course = serum_visits(1.0, 1.0, 1.5, 1.6, 2.0)
    event = course.progression
    assert event is not None
    assert (event.date, event.confirmed_on, event.confirmed) == (day(84), day(112), True)
    assert course.visits[3].after_progression is True
    assert course.visits[2].after_progression is False


def test_confirmation_by_a_different_marker():
    # serum +0.6 on day 84; on day 112 serum is not sent but urine rose by 300 (+300%)
    text = patient(
        labs=[
            lab(day(-5), serum_m_protein="3.0 g/dL", urine_m_protein="500 mg/24h"),
            *series(
                {"serum_m_protein": "1.0 g/dL", "urine_m_protein": "100 mg/24h"},
                {"serum_m_protein": "1.0 g/dL", "urine_m_protein": "100 mg/24h"},
                {"serum_m_protein": "1.6 g/dL", "urine_m_protein": "100 mg/24h"},
                {"urine_m_protein": "400 mg/24h"},
            ),
        ]
    )
    event = first_course(evaluate(text)).progression
    assert event is not None
    assert (event.date, event.confirmed_on) == (day(84), day(112))


@pytest.mark.parametrize(
    "between",
    [
        pytest.param({"serum_immunofixation": "positive"}, id="IFE-only-sample-on-day-98"),
        pytest.param({"bone_marrow_plasma_cells": "30 %"}, id="marrow-biopsy-on-day-98"),
    ],
)
def test_pd_confirmation_skips_a_sample_without_the_marker(between):
    labs = [
        lab(day(-5), serum_m_protein="3.0 g/dL"),
        *series({"serum_m_protein": "1.0 g/dL"}, {"serum_m_protein": "1.0 g/dL"}),
        lab(day(84), serum_m_protein="1.6 g/dL"),
        lab(day(98), **between),
        lab(day(112), serum_m_protein="1.7 g/dL"),
    ]
    event = first_course(evaluate(patient(labs=labs))).progression
    assert event is not None
    assert (event.date, event.confirmed_on) == (day(84), day(112))


@pytest.mark.parametrize(
    ("simultaneous", "expected"),
    [
        pytest.param(False, None, id="two-markers-at-one-visit-still-need-a-second-visit"),
        pytest.param(True, RISE_DAY, id="Mayo-2025-option-two-markers-confirm-each-other"),
    ],
)
def test_simultaneous_markers_option(simultaneous, expected):
    text = patient(
        labs=[
            lab(day(-5), serum_m_protein="3.0 g/dL", urine_m_protein="500 mg/24h"),
            *series(
                {"serum_m_protein": "1.0 g/dL", "urine_m_protein": "100 mg/24h"},
                {"serum_m_protein": "1.0 g/dL", "urine_m_protein": "100 mg/24h"},
                {"serum_m_protein": "1.6 g/dL", "urine_m_protein": "400 mg/24h"},
            ),
        ]
    )
    event = first_course(evaluate(text, simultaneous_markers_confirm=simultaneous)).progression
    assert (event.date if event else None) == expected


# ---- marrow and imaging: no confirmation -----------------------------------------------------


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        pytest.param("25 %", True, id="nadir-15%-now-25%:+10-points-PD"),
        pytest.param("24 %", False, id="nadir-15%-now-24%:+9-points-no"),
    ],
)
def test_marrow_progression_needs_no_confirmation(now, expected):
    text = patient(
        labs=[
            lab(day(-5), bone_marrow_plasma_cells="40 %"),
            lab(day(60), bone_marrow_plasma_cells="15 %"),
            lab(day(120), bone_marrow_plasma_cells=now),
        ],
        heavy_chain="none",
        light_chain="none",
    )
    course = first_course(evaluate(text))
    if expected:
        event = course.progression
        assert event is not None
        assert (event.rule, event.date, event.confirmed_on) == ("pd.marrow", day(120), None)
    else:
        assert course.progression is None


def test_marrow_signal_function_level():
    found = lab_signals(assessment(RISE_DAY, marrow=25.0), nadirs(marrow=15.0), None, PARAMS)
    assert [(s.rule, s.confirmation_needed) for s in found] == [("pd.marrow", False)]


def test_new_lesion_on_imaging_is_immediate_progression():
    text = patient(
        labs=[
            lab(day(-5), serum_m_protein="3.0 g/dL"),
            *series({"serum_m_protein": "1.4 g/dL"}, {"serum_m_protein": "1.4 g/dL"}),
        ],
        imaging=[{"date": day(100), "modality": "PET-CT", "new_lesion": True}],
    )
    event = first_course(evaluate(text)).progression
    assert event is not None
    assert (event.rule, event.date, event.confirmed_on) == ("pd.imaging", day(100), None)


def test_new_lesion_false_is_not_progression():
    text = patient(
        labs=[lab(day(-5), serum_m_protein="3.0 g/dL"), *series({"serum_m_protein": "1.4 g/dL"})],
        imaging=[{"date": day(100), "modality": "PET-CT", "new_lesion": False}],
    )
    assert first_course(evaluate(text)).progression is None


@pytest.mark.parametrize(
    ("short_axis", "expected"),
    [
        pytest.param("3 cm", True, id="SPD-nadir-2x2=4-now-2x3=6=+50%-PD"),
        pytest.param("2.9 cm", False, id="SPD-now-2x2.9=5.8=+45%-no"),
    ],
)
def test_plasmacytoma_growth_of_half_is_progression(short_axis, expected):
    text = patient(
        labs=[lab(day(-5), serum_m_protein="3.0 g/dL"), *series({"serum_m_protein": "1.4 g/dL"})],
        imaging=[
            {"date": day(30), "plasmacytomas": [{"long_axis": "2 cm", "short_axis": "2 cm"}]},
            {"date": day(90), "plasmacytomas": [{"long_axis": "2 cm", "short_axis": short_axis}]},
        ],
    )
    event = first_course(evaluate(text)).progression
    assert (event.date if event else None) == (day(90) if expected else None)


# ---- nadir ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        # 3.0 -> 1.0 (lone) -> 2.0 -> 2.0 -> 2.4 -> 2.4
        pytest.param("confirmed", None, id="confirmed-nadir-2.0:2.4=+0.4-no-PD"),
        pytest.param("lowest", day(56), id="lowest-nadir-1.0:2.0=+1.0=+100%-PD-day56"),
    ],
)
def test_nadir_mode_and_a_lone_low_value(mode, expected):
    course = serum_visits(1.0, 2.0, 2.0, 2.4, 2.4, nadir=mode)
    event = course.progression
    assert (event.date if event else None) == expected


def test_confirmed_nadir_is_the_higher_of_two_consecutive_values():
    # 3.0 -> 1.0, 1.2 (held 1.2) -> 1.6 (+0.4 from 1.2): no PD; 1.7 (+0.5, +42%) twice: PD
    assert serum_visits(1.0, 1.2, 1.6, 1.6).progression is None
    event = serum_visits(1.0, 1.2, 1.7, 1.7).progression
    assert event is not None
    assert event.date == day(84)


# ---- progression documented by the clinician ----------------------------------------------


@pytest.mark.parametrize(
    ("evidence", "expected"),
    [
        pytest.param("imwg_or_documented", "pd.documented", id="default-uses-documented-stop"),
        pytest.param("imwg_confirmed", None, id="imwg-only-ignores-the-stop-reason"),
    ],
)
def test_course_stopped_for_progression(evidence, expected):
    text = patient(
        therapies=[course(["lenalidomide", "dexamethasone"], START, day(200), "progression")],
        labs=[lab(day(-5), serum_m_protein="3.0 g/dL"), *series({"serum_m_protein": "1.4 g/dL"})],
    )
    event = first_course(evaluate(text, progression_evidence=evidence)).progression
    assert (event.rule if event else None) == expected
    if event is not None:
        assert event.date == day(200)
        assert event.documented is True
