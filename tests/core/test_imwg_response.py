"""Response at one assessment against the baseline, and confirmation (IMWG 2016).

Baseline serum 3.0 g/dL (30 g/L) and urine 500 mg/24h (0.5 g/24h), both
measurable; imwg.md section 10.2 gives the vectors. Reductions are from baseline:
VGPR serum >= 90% with urine < 100 mg/24h; PR serum >= 50% with urine >= 90% or
< 200 mg/24h; MR serum >= 25% with urine >= 50%; the lowest parameter wins; a
missing urine value downgrades one level (strict rule). Every case runs in the
conventional units and in SI units (g/L, g/24h) with the same expected level.
"""

from __future__ import annotations

import pytest

from rrmm.core.response import Category
from tests.core.builders import day, evaluate, first_course, lab, patient, series

SCR, CR, VGPR, PR, MR, SD, PD, NE = (
    Category.SCR,
    Category.CR,
    Category.VGPR,
    Category.PR,
    Category.MR,
    Category.SD,
    Category.PD,
    Category.NE,
)

BASELINE = {
    "conventional": {"serum_m_protein": "3.0 g/dL", "urine_m_protein": "500 mg/24h"},
    "SI": {"serum_m_protein": "30 g/L", "urine_m_protein": "0.5 g/24h"},
}


def _si_serum(text):
    value, unit = text.split()
    assert unit == "g/dL"
    return f"{float(value) * 10:g} g/L"


def _si_urine(text):
    value, unit = text.split()
    assert unit == "mg/24h"
    return f"{float(value) / 1000:g} g/24h"


def _in_units(values, units):
    if units == "conventional":
        return dict(values)
    converted = dict(values)
    if "serum_m_protein" in values:
        converted["serum_m_protein"] = _si_serum(values["serum_m_protein"])
    if "urine_m_protein" in values:
        converted["urine_m_protein"] = _si_urine(values["urine_m_protein"])
    return converted


def reading(visit, units="conventional", baseline=None, **parameters):
    """The reading at the first assessment (day 28) of a lenalidomide-dex line."""
    base = baseline or BASELINE[units]
    text = patient(labs=[lab(day(-5), **base), *series(_in_units(visit, units))])
    course = first_course(evaluate(text, **parameters))
    return course.visits[0].reading


UNITS = ["conventional", "SI"]

# (serum, urine, expected): hand arithmetic in the id, from baseline 3.0 g/dL, 500 mg/24h.
TABLE = [
    pytest.param("0.25 g/dL", "80 mg/24h", VGPR, id="s0.25(-91.7%)-u80(<100)-VGPR"),
    pytest.param("0.8 g/dL", "40 mg/24h", PR, id="s0.8(-73%)-u40(-92%)-PR"),
    pytest.param("1.4 g/dL", "250 mg/24h", MR, id="s1.4(-53%)-u250(-50%,>=200)-MR-by-urine"),
    pytest.param("2.0 g/dL", "200 mg/24h", MR, id="s2.0(-33%)-u200(-60%)-MR"),
    pytest.param("2.5 g/dL", "450 mg/24h", SD, id="s2.5(-17%)-u450(-10%)-SD"),
    # serum boundaries (urine 40 mg/24h is at VGPR level, so serum decides)
    pytest.param("0.3 g/dL", "40 mg/24h", VGPR, id="s0.3=(3.0-0.3)/3.0=90%-VGPR"),
    pytest.param("0.31 g/dL", "40 mg/24h", PR, id="s0.31=89.7%-PR"),
    pytest.param("1.5 g/dL", "40 mg/24h", PR, id="s1.5=(3.0-1.5)/3.0=50%-PR"),
    pytest.param("1.51 g/dL", "40 mg/24h", MR, id="s1.51=49.7%-MR"),
    pytest.param("2.25 g/dL", "40 mg/24h", MR, id="s2.25=(3.0-2.25)/3.0=25%-MR"),
    pytest.param("2.26 g/dL", "40 mg/24h", SD, id="s2.26=24.7%-SD"),
    # urine boundaries (serum 0.25 g/dL is at VGPR level, so urine decides)
    pytest.param("0.25 g/dL", "99 mg/24h", VGPR, id="u99<100-VGPR"),
    pytest.param("0.25 g/dL", "100 mg/24h", PR, id="u100-not<100-but<200-PR"),
    pytest.param("0.25 g/dL", "199 mg/24h", PR, id="u199<200-PR"),
    pytest.param("0.25 g/dL", "200 mg/24h", MR, id="u200=(500-200)/500=60%-MR"),
    pytest.param("0.25 g/dL", "250 mg/24h", MR, id="u250=50%-MR"),
    pytest.param("0.25 g/dL", "251 mg/24h", SD, id="u251=49.8%-SD"),
]


@pytest.mark.parametrize("units", UNITS)
@pytest.mark.parametrize(("serum", "urine", "expected"), TABLE)
def test_response_table_and_boundaries(serum, urine, expected, units):
    found = reading({"serum_m_protein": serum, "urine_m_protein": urine}, units)
    assert found.category is expected, found.reason


@pytest.mark.parametrize("units", UNITS)
@pytest.mark.parametrize(
    ("urine", "expected"),
    [
        pytest.param("300 mg/24h", PR, id="u300=(3000-300)/3000=90%-PR-although->=200"),
        pytest.param("301 mg/24h", MR, id="u301=89.97%-and->=200-MR"),
        pytest.param("1500 mg/24h", MR, id="u1500=50%-MR"),
        pytest.param("1501 mg/24h", SD, id="u1501=49.97%-SD"),
    ],
)
def test_urine_90_percent_reduction_from_a_large_baseline(urine, expected, units):
    baseline = {
        "conventional": {"serum_m_protein": "3.0 g/dL", "urine_m_protein": "3000 mg/24h"},
        "SI": {"serum_m_protein": "30 g/L", "urine_m_protein": "3 g/24h"},
    }[units]
    found = reading({"serum_m_protein": "0.25 g/dL", "urine_m_protein": urine}, units, baseline)
    assert found.category is expected, found.reason


# Reductions that are exact in decimal but not in binary floating point: the threshold is
# inclusive, so each must land on the higher level (serum-only baselines).
DECIMAL_EXACT = [
    pytest.param("2.8 g/dL", "0.28 g/dL", VGPR, id="(2.8-0.28)/2.8=90%-VGPR"),
    pytest.param("28 g/L", "2.8 g/L", VGPR, id="(28-2.8)/28=90%-in-g/L-VGPR"),
    pytest.param("1.2 g/dL", "0.6 g/dL", PR, id="(1.2-0.6)/1.2=50%-PR"),
    pytest.param("12 g/L", "6 g/L", PR, id="(12-6)/12=50%-in-g/L-PR"),
    pytest.param("2.4 g/dL", "1.8 g/dL", MR, id="(2.4-1.8)/2.4=25%-MR"),
    pytest.param("24 g/L", "18 g/L", MR, id="(24-18)/24=25%-in-g/L-MR"),
    pytest.param("2.8 g/dL", "2.1 g/dL", MR, id="(2.8-2.1)/2.8=25%-MR"),
]


@pytest.mark.parametrize(("base", "now", "expected"), DECIMAL_EXACT)
def test_inclusive_thresholds_hold_for_decimal_values(base, now, expected):
    found = reading({"serum_m_protein": now}, baseline={"serum_m_protein": base})
    assert found.category is expected, found.reason


def test_electrophoresis_zero_with_positive_immunofixation_is_vgpr():
    found = reading(
        {
            "serum_m_protein": "0 g/dL",
            "urine_m_protein": "0 mg/24h",
            "serum_immunofixation": "positive",
            "urine_immunofixation": "positive",
        }
    )
    assert found.category is VGPR


NEGATIVE_IFE = {
    "serum_m_protein": "0 g/dL",
    "urine_m_protein": "0 mg/24h",
    "serum_immunofixation": "negative",
    "urine_immunofixation": "negative",
}
MRD_NEGATIVE = {"result": "negative", "method": "NGF", "sensitivity": 0.00001}
MRD_SHALLOW = {"result": "negative", "method": "NGF", "sensitivity": 0.0001}

# (extra values at the assessment, expected): CR needs negative serum and urine IFE and
# marrow < 5%; sCR (rrmm) adds a normal FLC ratio 0.26-1.65 and an MRD-negative marrow
# at 1e-5 or better as the evidence of no clonal plasma cells.
COMPLETE = [
    pytest.param({}, VGPR, id="IFE-neg-no-marrow-stays-VGPR"),
    pytest.param({"bone_marrow_plasma_cells": "3 %"}, CR, id="IFE-neg-marrow-3%-CR"),
    pytest.param({"bone_marrow_plasma_cells": "4.9 %"}, CR, id="marrow-4.9%<5-CR"),
    pytest.param({"bone_marrow_plasma_cells": "5 %"}, VGPR, id="marrow-5%-not<5-VGPR"),
    pytest.param(
        {"bone_marrow_plasma_cells": "3 %", "kappa_flc": "25 mg/L", "lambda_flc": "10 mg/L"},
        CR,
        id="marrow-3%-ratio-2.5-abnormal-CR-not-sCR",
    ),
    pytest.param(
        {
            "bone_marrow_plasma_cells": "3 %",
            "kappa_flc": "25 mg/L",
            "lambda_flc": "10 mg/L",
            "mrd": MRD_NEGATIVE,
        },
        CR,
        id="MRD-neg-but-ratio-2.5-CR",
    ),
    pytest.param(
        {
            "bone_marrow_plasma_cells": "3 %",
            "kappa_flc": "12 mg/L",
            "lambda_flc": "10 mg/L",
            "mrd": MRD_NEGATIVE,
        },
        SCR,
        id="ratio-1.2-normal-MRD-neg-1e-5-sCR",
    ),
    pytest.param(
        {"bone_marrow_plasma_cells": "3 %", "kappa_flc": "1.2 mg/dL", "lambda_flc": "1 mg/dL"},
        CR,
        id="ratio-1.2-without-MRD-CR",
    ),
    pytest.param(
        {
            "bone_marrow_plasma_cells": "3 %",
            "kappa_flc": "12 mg/L",
            "lambda_flc": "10 mg/L",
            "mrd": MRD_SHALLOW,
        },
        CR,
        id="MRD-neg-at-1e-4-too-shallow-CR",
    ),
    pytest.param(
        {
            "bone_marrow_plasma_cells": "3 %",
            "kappa_flc": "16.5 mg/L",
            "lambda_flc": "10 mg/L",
            "mrd": MRD_NEGATIVE,
        },
        SCR,
        id="ratio-1.65-upper-limit-sCR",
    ),
    pytest.param(
        {
            "bone_marrow_plasma_cells": "3 %",
            "kappa_flc": "16.6 mg/L",
            "lambda_flc": "10 mg/L",
            "mrd": MRD_NEGATIVE,
        },
        CR,
        id="ratio-1.66-CR",
    ),
    pytest.param(
        {
            "bone_marrow_plasma_cells": "3 %",
            "kappa_flc": "2.6 mg/L",
            "lambda_flc": "10 mg/L",
            "mrd": MRD_NEGATIVE,
        },
        SCR,
        id="ratio-0.26-lower-limit-sCR",
    ),
    pytest.param(
        {
            "bone_marrow_plasma_cells": "3 %",
            "kappa_flc": "2.5 mg/L",
            "lambda_flc": "10 mg/L",
            "mrd": MRD_NEGATIVE,
        },
        CR,
        id="ratio-0.25-CR",
    ),
]


@pytest.mark.parametrize(("extra", "expected"), COMPLETE)
def test_complete_and_stringent_complete_response(extra, expected):
    found = reading({**NEGATIVE_IFE, **extra})
    assert found.category is expected, found.reason


def test_cr_needs_urine_immunofixation():
    visit = {**NEGATIVE_IFE, "bone_marrow_plasma_cells": "3 %"}
    del visit["urine_immunofixation"]
    found = reading(visit)
    assert found.category is VGPR
    assert "urine immunofixation" in found.reason


def test_positive_urine_immunofixation_blocks_cr():
    visit = {**NEGATIVE_IFE, "urine_immunofixation": "positive", "bone_marrow_plasma_cells": "3 %"}
    assert reading(visit).category is VGPR


def test_marrow_from_earlier_in_the_line_counts_for_cr():
    text = patient(
        labs=[
            lab(day(-5), **BASELINE["conventional"]),
            lab(day(28), serum_m_protein="0.2 g/dL", bone_marrow_plasma_cells="2 %"),
            lab(day(56), **NEGATIVE_IFE),
        ]
    )
    course = first_course(evaluate(text))
    assert course.visits[1].reading.category is CR


def test_vgpr_needs_urine_below_100_even_when_urine_was_not_measurable():
    # baseline serum 3.0 (measurable), urine 150 (not measurable); now serum 0.25 (-92%),
    # urine still 150 mg/24h (>= 100): not VGPR; PR (serum >= 50%, urine < 200)
    found = reading(
        {"serum_m_protein": "0.25 g/dL", "urine_m_protein": "150 mg/24h"},
        baseline={"serum_m_protein": "3.0 g/dL", "urine_m_protein": "150 mg/24h"},
    )
    assert found.category is PR, found.reason


# FLC-only disease: kappa 400 mg/L, lambda 10 mg/L at baseline, dFLC = 390 mg/L.
# dFLC: VGPR >= 90% (<= 39), PR >= 50% (<= 195); there is no MR by dFLC.
FLC_LEVELS = [
    pytest.param("49 mg/L", VGPR, id="dFLC-39=(390-39)/390=90%-VGPR"),
    pytest.param("50 mg/L", PR, id="dFLC-40=89.7%-PR"),
    pytest.param("205 mg/L", PR, id="dFLC-195=50%-PR"),
    pytest.param("206 mg/L", SD, id="dFLC-196=49.7%-SD-no-MR-by-FLC"),
    pytest.param("4.9 mg/dL", VGPR, id="kappa-4.9mg/dL=49mg/L-VGPR"),
    pytest.param("5 mg/dL", PR, id="kappa-5mg/dL=50mg/L-PR"),
    pytest.param("20.5 mg/dL", PR, id="kappa-20.5mg/dL=205mg/L-PR"),
    pytest.param("20.6 mg/dL", SD, id="kappa-20.6mg/dL=206mg/L-SD"),
]


def flc_reading(visit):
    lam = "1 mg/dL" if "mg/dL" in visit.get("kappa_flc", "") else "10 mg/L"
    text = patient(
        labs=[
            lab(day(-5), kappa_flc="400 mg/L", lambda_flc="10 mg/L"),
            *series({"lambda_flc": lam, **visit}),
        ],
        heavy_chain="none",
    )
    return first_course(evaluate(text)).visits[0].reading


@pytest.mark.parametrize(("kappa", "expected"), FLC_LEVELS)
def test_flc_only_disease_levels(kappa, expected):
    found = flc_reading({"kappa_flc": kappa})
    assert found.category is expected, found.reason


@pytest.mark.parametrize(
    ("kappa", "expected"),
    [
        pytest.param("12 mg/L", CR, id="ratio-1.2-normal-CR"),
        pytest.param("30 mg/L", VGPR, id="dFLC-20=-94.9%-but-ratio-3.0-abnormal-VGPR"),
    ],
)
def test_flc_only_disease_cr_needs_a_normal_ratio(kappa, expected):
    found = flc_reading(
        {
            "kappa_flc": kappa,
            "serum_immunofixation": "negative",
            "urine_immunofixation": "negative",
            "bone_marrow_plasma_cells": "2 %",
        }
    )
    assert found.category is expected, found.reason


# Missing 24-h urine at an assessment (urine measurable at baseline).
MISSING_URINE = [
    pytest.param("0.25 g/dL", PR, VGPR, id="s0.25-VGPR-downgraded-to-PR"),
    pytest.param("0.8 g/dL", MR, PR, id="s0.8-PR-downgraded-to-MR"),
    pytest.param("2.0 g/dL", SD, MR, id="s2.0-MR-downgraded-to-SD"),
    pytest.param("2.5 g/dL", SD, SD, id="s2.5-SD-stays-SD"),
]


@pytest.mark.parametrize("units", UNITS)
@pytest.mark.parametrize(("serum", "strict", "relaxed"), MISSING_URINE)
def test_missing_urine_downgrades_one_level_unless_relaxed(serum, strict, relaxed, units):
    visit = {"serum_m_protein": serum}
    strict_found = reading(visit, units)
    relaxed_found = reading(visit, units, urine_rule="relaxed")
    assert strict_found.category is strict, strict_found.reason
    assert relaxed_found.category is relaxed, relaxed_found.reason
    if strict is not relaxed:
        assert strict_found.rule == "response.downgrade"
        assert "downgraded" in strict_found.reason


def test_urine_only_visit_with_serum_measurable_downgrades():
    # serum measurable at baseline but not measured now; urine 40 alone is VGPR level
    found = reading({"urine_m_protein": "40 mg/24h"})
    assert found.category is PR
    assert "serum M-protein" in found.reason


def test_visit_without_any_measure_is_not_evaluable():
    found = reading({"serum_immunofixation": "positive"})
    assert found.category is NE


# ---- confirmation --------------------------------------------------------------------------

SERUM_ONLY = {"serum_m_protein": "3.0 g/dL"}
LEVEL = {VGPR: "0.25 g/dL", PR: "1.4 g/dL", MR: "2.0 g/dL", SD: "2.6 g/dL"}


def course_of(*levels):
    """A serum-only line (baseline 3.0 g/dL) with one assessment per level, 28 days apart."""
    rows = [{"serum_m_protein": LEVEL[level]} if level is not NE else {} for level in levels]
    rows = [row or {"serum_immunofixation": "positive"} for row in rows]
    text = patient(labs=[lab(day(-5), **SERUM_ONLY), *series(*rows)])
    return first_course(evaluate(text))


CONFIRMATION = [
    # (levels read, confirmed level of the first, best confirmed response)
    pytest.param((PR, PR), PR, PR, id="PR-PR-confirmed-PR"),
    pytest.param((PR, VGPR), PR, PR, id="PR-then-VGPR-confirms-PR"),
    pytest.param((PR, MR), MR, MR, id="PR-then-MR-confirmed-at-MR"),
    pytest.param((PR, SD), None, SD, id="PR-then-SD-unconfirmed-best-SD"),
    pytest.param((VGPR, PR, PR), PR, PR, id="VGPR-then-PR-confirmed-at-PR"),
    pytest.param((MR, PR), MR, MR, id="MR-then-PR-confirms-MR"),
    pytest.param((VGPR, VGPR), VGPR, VGPR, id="VGPR-VGPR"),
    pytest.param((PR, NE, PR), PR, PR, id="PR-NE-PR-skips-the-NE-assessment"),
    pytest.param((SD, SD), SD, SD, id="SD-SD"),
]


@pytest.mark.parametrize(("levels", "first_level", "best"), CONFIRMATION)
def test_confirmation_by_the_next_assessment(levels, first_level, best):
    course = course_of(*levels)
    assert [v.reading.category for v in course.visits] == list(levels)
    assert course.visits[0].confirmed_level is first_level
    assert course.visits[0].confirmed is (first_level is levels[0])
    assert course.best_response is best


def test_single_unconfirmed_pr_is_not_a_best_response():
    course = course_of(PR)
    assert course.visits[0].confirmed is False
    assert "awaiting" in course.visits[0].note
    assert course.best_response is SD
    assert course.best_unconfirmed is PR


def test_best_response_date_is_the_first_confirmed_assessment():
    course = course_of(MR, PR, PR, PR)
    assert course.best_response is PR
    assert course.best_response_date == day(56)
    assert course.response_start == day(56)


# ---- plasmacytoma ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("short_axis", "expected"),
    [
        pytest.param("1.5 cm", PR, id="SPD-4x3=12-to-4x1.5=6=-50%-PR-kept"),
        pytest.param("16 mm", SD, id="SPD-12-to-4x1.6=6.4=-46.7%-SD"),
    ],
)
def test_plasmacytoma_needs_half_reduction_for_pr(short_axis, expected):
    text = patient(
        labs=[lab(day(-5), **SERUM_ONLY), lab(day(28), serum_m_protein="1.4 g/dL")],
        imaging=[
            {"date": day(-3), "plasmacytomas": [{"long_axis": "4 cm", "short_axis": "3 cm"}]},
            {"date": day(27), "plasmacytomas": [{"long_axis": "4 cm", "short_axis": short_axis}]},
        ],
    )
    found = first_course(evaluate(text)).visits[0].reading
    assert found.category is expected, found.reason
