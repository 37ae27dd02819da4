"""Measurable disease at baseline (IMWG 2016; imwg.md section 1).

Serum M-protein >= 1.0 g/dL (10 g/L; 0.5 g/dL as the trial option), urine
>= 200 mg/24h (0.2 g/24h), involved FLC >= 100 mg/L (10 mg/dL) with an abnormal
kappa/lambda ratio only when serum and urine are both unmeasurable, marrow
plasma cells only when nothing else is; PR by marrow needs a baseline >= 30%.
Every case gives its value in the unit written and, where it differs, in the
canonical unit the rule compares (the hand conversion is in the id).
"""

from __future__ import annotations

import pytest

from rrmm.core.response import Category, Measure
from tests.core.builders import day, evaluate, first_course, lab, patient, series

SERUM, URINE, FLC, MARROW = Measure.SERUM, Measure.URINE, Measure.FLC, Measure.MARROW


def measures(light_chain="kappa", heavy_chain="IgG", when=-5, **values):
    """The measures line 1 follows, from one baseline lab row ``when`` days before START."""
    text = patient(
        labs=[lab(day(when), **values)], light_chain=light_chain, heavy_chain=heavy_chain
    )
    return first_course(evaluate(text)).baseline.measures


# (values at baseline, measures expected)
SERUM_URINE = [
    pytest.param({"serum_m_protein": "1.0 g/dL"}, (SERUM,), id="serum-1.0g/dL-at-threshold"),
    pytest.param({"serum_m_protein": "0.99 g/dL"}, (), id="serum-0.99g/dL-just-below"),
    pytest.param({"serum_m_protein": "1.01 g/dL"}, (SERUM,), id="serum-1.01g/dL-just-above"),
    pytest.param({"serum_m_protein": "10 g/L"}, (SERUM,), id="serum-10g/L=1.0g/dL"),
    pytest.param({"serum_m_protein": "9.9 g/L"}, (), id="serum-9.9g/L=0.99g/dL"),
    pytest.param({"urine_m_protein": "200 mg/24h"}, (URINE,), id="urine-200mg-at-threshold"),
    pytest.param({"urine_m_protein": "199 mg/24h"}, (), id="urine-199mg-just-below"),
    pytest.param({"urine_m_protein": "0.2 g/24h"}, (URINE,), id="urine-0.2g/24h=200mg"),
    pytest.param({"urine_m_protein": "0.199 g/24h"}, (), id="urine-0.199g/24h=199mg"),
    pytest.param(
        {"serum_m_protein": "1.0 g/dL", "urine_m_protein": "200 mg/24h"},
        (SERUM, URINE),
        id="serum-and-urine-both-measurable",
    ),
    pytest.param(
        {"serum_m_protein": "0.99 g/dL", "urine_m_protein": "0.2 g/24h"},
        (URINE,),
        id="serum-0.99-not-urine-0.2g-yes",
    ),
]


@pytest.mark.parametrize(("values", "expected"), SERUM_URINE)
def test_serum_and_urine_measurability(values, expected):
    assert measures(**values) == expected


TRIAL = [
    pytest.param("0.5 g/dL", (SERUM,), id="0.5g/dL-at-trial-threshold"),
    pytest.param("0.49 g/dL", (), id="0.49g/dL-just-below"),
    pytest.param("5 g/L", (SERUM,), id="5g/L=0.5g/dL"),
    pytest.param("4.9 g/L", (), id="4.9g/L=0.49g/dL"),
    pytest.param("0.99 g/dL", (SERUM,), id="0.99g/dL-measurable-under-trial-rule"),
]


@pytest.mark.parametrize(("serum", "expected"), TRIAL)
def test_trial_serum_threshold_half_gram(serum, expected):
    text = patient(labs=[lab(day(-5), serum_m_protein=serum)])
    course = first_course(evaluate(text, serum_measurable_g_dl=0.5))
    assert course.baseline.measures == expected


# Serum 0.5 g/dL and urine 150 mg/24h are unmeasurable in all FLC cases.
UNMEASURABLE = {"serum_m_protein": "0.5 g/dL", "urine_m_protein": "150 mg/24h"}
FLC_CASES = [
    pytest.param("kappa", "100 mg/L", "10 mg/L", (FLC,), id="kappa-100mg/L-ratio-10"),
    pytest.param("kappa", "99 mg/L", "10 mg/L", (), id="kappa-99mg/L-ratio-9.9-below-100"),
    pytest.param("kappa", "10 mg/dL", "1 mg/dL", (FLC,), id="kappa-10mg/dL=100mg/L"),
    pytest.param("kappa", "9.9 mg/dL", "1 mg/dL", (), id="kappa-9.9mg/dL=99mg/L"),
    pytest.param("kappa", "100 mg/L", "80 mg/L", (), id="kappa-100-ratio-1.25-normal"),
    pytest.param("kappa", "165 mg/L", "100 mg/L", (), id="ratio-1.65-upper-normal-limit"),
    pytest.param("kappa", "166 mg/L", "100 mg/L", (FLC,), id="ratio-1.66-abnormal"),
    pytest.param("lambda", "5 mg/L", "100 mg/L", (FLC,), id="lambda-100mg/L-ratio-0.05"),
    pytest.param("lambda", "5 mg/L", "99 mg/L", (), id="lambda-99mg/L-below-100"),
    pytest.param("lambda", "26 mg/L", "100 mg/L", (), id="lambda-ratio-0.26-lower-normal-limit"),
    pytest.param("lambda", "25 mg/L", "100 mg/L", (FLC,), id="lambda-ratio-0.25-abnormal"),
]


@pytest.mark.parametrize(("chain", "kappa", "lambda_", "expected"), FLC_CASES)
def test_flc_measurable_needs_100mg_l_and_abnormal_ratio(chain, kappa, lambda_, expected):
    found = measures(light_chain=chain, kappa_flc=kappa, lambda_flc=lambda_, **UNMEASURABLE)
    assert found == expected


HIERARCHY = [
    pytest.param(
        {"serum_m_protein": "1.0 g/dL", "kappa_flc": "400 mg/L", "lambda_flc": "10 mg/L"},
        (SERUM,),
        id="serum-measurable-so-FLC-not-used",
    ),
    pytest.param(
        {"urine_m_protein": "200 mg/24h", "kappa_flc": "400 mg/L", "lambda_flc": "10 mg/L"},
        (URINE,),
        id="urine-measurable-so-FLC-not-used",
    ),
    pytest.param(
        {"serum_m_protein": "0.99 g/dL", "kappa_flc": "400 mg/L", "lambda_flc": "10 mg/L"},
        (FLC,),
        id="serum-0.99-unmeasurable-so-FLC-used",
    ),
    pytest.param(
        {"serum_m_protein": "1.0 g/dL", "bone_marrow_plasma_cells": "40 %"},
        (SERUM,),
        id="serum-measurable-so-marrow-not-used",
    ),
    pytest.param(
        {"kappa_flc": "400 mg/L", "lambda_flc": "10 mg/L", "bone_marrow_plasma_cells": "40 %"},
        (FLC,),
        id="FLC-measurable-so-marrow-not-used",
    ),
    pytest.param(
        {"kappa_flc": "99 mg/L", "lambda_flc": "10 mg/L", "bone_marrow_plasma_cells": "40 %"},
        (MARROW,),
        id="FLC-99-unmeasurable-so-marrow-used",
    ),
    pytest.param({"bone_marrow_plasma_cells": "40 %"}, (MARROW,), id="marrow-only"),
]


@pytest.mark.parametrize(("values", "expected"), HIERARCHY)
def test_flc_only_when_serum_and_urine_unmeasurable_and_marrow_last(values, expected):
    assert measures(**values) == expected


@pytest.mark.parametrize(
    ("days_before", "expected"),
    [
        pytest.param(60, (SERUM,), id="60-days-before-start-is-baseline"),
        pytest.param(61, (), id="61-days-before-start-is-too-old"),
    ],
)
def test_baseline_lookback_window_60_days(days_before, expected):
    assert measures(when=-days_before, serum_m_protein="3.0 g/dL") == expected


def test_no_measurable_disease_reads_not_evaluable():
    text = patient(
        labs=[lab(day(-5), serum_m_protein="0.8 g/dL"), *series({"serum_m_protein": "0.2 g/dL"})]
    )
    course = first_course(evaluate(text))
    assert course.baseline.measures == ()
    assert [v.reading.category for v in course.visits] == [Category.NE]
    assert "no measurable disease" in course.baseline.reason


# Non-secretory disease followed by marrow plasma cells only.
MARROW_PR = [
    pytest.param("30 %", "15 %", Category.PR, id="base-30-now-15=-50%-PR"),
    pytest.param("30 %", "16 %", Category.SD, id="base-30-now-16=-46.7%-SD"),
    pytest.param("29 %", "14 %", Category.SD, id="base-29-below-30-no-PR-by-marrow"),
    pytest.param("40 %", "20 %", Category.PR, id="base-40-now-20=-50%-PR"),
    pytest.param("40 %", "21 %", Category.SD, id="base-40-now-21=-47.5%-SD"),
    pytest.param("25 %", "5 %", Category.SD, id="base-25-now-5=-80%-still-no-PR"),
]


@pytest.mark.parametrize(("base", "now", "expected"), MARROW_PR)
def test_pr_by_marrow_needs_baseline_of_30_percent(base, now, expected):
    text = patient(
        labs=[
            lab(day(-5), bone_marrow_plasma_cells=base),
            lab(day(60), bone_marrow_plasma_cells=now),
        ],
        heavy_chain="none",
        light_chain="none",
    )
    course = first_course(evaluate(text))
    assert course.baseline.measures == (MARROW,)
    assert course.visits[0].reading.category is expected
