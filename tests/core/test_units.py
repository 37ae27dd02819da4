"""Unit conversion, both ways, for every analyte; unknown and wrong-dimension units fail."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rrmm.core.analytes import (
    ANALYTES,
    Analyte,
    ValueKind,
    check_unit,
    from_canonical,
    plausibility_problem,
    to_canonical,
)
from rrmm.core.units import Quantity, UnitError, canonical_code, lookup_unit

QUANTITATIVE = [a for a, info in ANALYTES.items() if info.kind is ValueKind.QUANTITY]
PAIRS = [(a, unit) for a in QUANTITATIVE for unit in ANALYTES[a].common_units]


# (analyte, value, unit, expected canonical value, arithmetic)
HAND_CONVERSIONS = [
    (Analyte.SERUM_M_PROTEIN, 10, "g/L", 1.0, "10 g/L / 10 = 1 g/dL"),
    (Analyte.SERUM_M_PROTEIN, 500, "mg/dL", 0.5, "500 mg/dL / 1000 = 0.5 g/dL"),
    (Analyte.URINE_M_PROTEIN, 0.2, "g/24h", 200.0, "0.2 g/24h x 1000 = 200 mg/24h"),
    (Analyte.URINE_M_PROTEIN, 350, "mg/d", 350.0, "mg/d is mg per 24 h"),
    (Analyte.KAPPA_FLC, 10, "mg/dL", 100.0, "10 mg/dL x 10 = 100 mg/L"),
    (Analyte.LAMBDA_FLC, 2.5, "mg/dL", 25.0, "2.5 mg/dL x 10 = 25 mg/L"),
    (Analyte.CALCIUM, 2.75, "mmol/L", 11.02, "2.75 mmol/L x 40.078 g/mol / 10 = 11.02 mg/dL"),
    (Analyte.CALCIUM, 2.5, "mmol/L", 10.02, "2.5 x 4.0078 = 10.02 mg/dL"),
    (Analyte.CREATININE, 177, "umol/L", 2.002, "177 umol/L x 113.12 / 10000 = 2.002 mg/dL"),
    (Analyte.CREATININE, 106.08, "µmol/L", 1.2, "MMRF CGS cut-off 1.2 mg/dL = 106.08 umol/L"),
    (Analyte.HEMOGLOBIN, 100, "g/L", 10.0, "100 g/L / 10 = 10 g/dL"),
    (Analyte.HEMOGLOBIN, 6.206, "mmol/L", 10.0, "6.206 mmol/L x 16114.5 / 10000 = 10.0 g/dL"),
    (Analyte.ALBUMIN, 35, "g/L", 3.5, "ISS albumin cut-off 3.5 g/dL = 35 g/L"),
    (Analyte.BETA2_MICROGLOBULIN, 0.55, "mg/dL", 5.5, "0.55 mg/dL x 10 = 5.5 mg/L"),
    (Analyte.BILIRUBIN, 17.1, "umol/L", 1.0, "17.1 umol/L x 584.66 / 10000 = 1.0 mg/dL"),
    (Analyte.LDH, 5, "ukat/L", 300.0, "1 ukat/L = 60 U/L"),
    (Analyte.ANC, 1500, "/uL", 1.5, "1500 per uL = 1.5 x 10^9/L"),
    (Analyte.PLATELETS, 75, "10*3/uL", 75.0, "10^3/uL = 10^9/L"),
    (Analyte.WEIGHT, 154, "[lb_av]", 69.85, "154 lb x 0.45359 = 69.85 kg"),
    (Analyte.IGG, 4, "g/L", 400.0, "4 g/L = 400 mg/dL"),
]


@pytest.mark.parametrize(
    ("analyte", "value", "unit", "expected", "arithmetic"),
    HAND_CONVERSIONS,
    ids=[f"{row[0]}-{row[2]}" for row in HAND_CONVERSIONS],
)
def test_conversion_matches_hand_arithmetic(analyte, value, unit, expected, arithmetic):
    assert to_canonical(analyte, Quantity(value, unit)) == pytest.approx(expected, rel=1e-3), (
        arithmetic
    )


@pytest.mark.parametrize(("analyte", "unit"), PAIRS, ids=[f"{a}-{u}" for a, u in PAIRS])
def test_every_analyte_converts_both_ways(analyte, unit):
    info = ANALYTES[analyte]
    low, high = info.plausible
    canonical = (low + min(high, low + 100)) / 2
    there = from_canonical(analyte, canonical, unit)
    assert there.unit == unit
    assert to_canonical(analyte, there) == pytest.approx(canonical, rel=1e-12)


@pytest.mark.parametrize("analyte", QUANTITATIVE)
@given(fraction=st.floats(min_value=0, max_value=1))
def test_conversion_round_trip_is_identity(analyte, fraction):
    info = ANALYTES[analyte]
    low, high = info.plausible
    canonical = low + fraction * (min(high, 1e6) - low)
    for unit in info.common_units:
        back = to_canonical(analyte, from_canonical(analyte, canonical, unit))
        assert math.isclose(back, canonical, rel_tol=1e-9, abs_tol=1e-12)


def test_case_and_micro_sign_are_read_without_rewriting_the_unit():
    assert canonical_code("mg/dl") == "mg/dL"
    assert canonical_code("µmol/L") == "umol/L"
    assert canonical_code("mg/24h") == "mg/(24.h)"
    quantity = Quantity(1.0, "mg/dl")
    assert to_canonical(Analyte.CREATININE, quantity) == pytest.approx(1.0)
    assert quantity.unit == "mg/dl"


@pytest.mark.parametrize("unit", ["g/dk", "mmol", "gram per litre", "", "mg/L/L"])
def test_unknown_unit_is_an_error(unit):
    with pytest.raises(UnitError, match="unknown unit"):
        to_canonical(Analyte.SERUM_M_PROTEIN, Quantity(1.0, unit))
    with pytest.raises(UnitError):
        lookup_unit(unit)


@pytest.mark.parametrize(
    ("analyte", "unit", "words"),
    [
        (Analyte.SERUM_M_PROTEIN, "mmol/L", "substance concentration"),
        (Analyte.URINE_M_PROTEIN, "g/dL", "mass concentration"),
        (Analyte.KAPPA_FLC, "mg/24h", "mass per time"),
        (Analyte.LDH, "mg/dL", "mass concentration"),
        (Analyte.BONE_MARROW_PLASMA_CELLS, "mg/L", "mass concentration"),
        (Analyte.ALBUMIN, "mmol/L", "substance concentration"),
    ],
)
def test_wrong_dimension_is_an_error_never_a_guess(analyte, unit, words):
    message = check_unit(analyte, unit)
    assert message is not None
    assert words in message
    with pytest.raises(UnitError):
        to_canonical(analyte, Quantity(1.0, unit))


def test_impossible_values_name_the_likely_unit_slip():
    message = plausibility_problem(Analyte.HEMOGLOBIN, Quantity(98, "g/dL"))
    assert message == (
        "haemoglobin of 98 g/dL is outside the possible range 1–25 g/dL; was it 98 g/L?"
    )
    assert plausibility_problem(Analyte.SERUM_M_PROTEIN, Quantity(-0.1, "g/dL")) == (
        "serum M-protein (SPEP) cannot be negative (-0.1 g/dL)"
    )
    assert plausibility_problem(Analyte.HEMOGLOBIN, Quantity(98, "g/L")) is None


def test_quantity_prints_as_written():
    assert str(Quantity(3.1, "g/dL")) == "3.1 g/dL"
    assert str(Quantity(250.0, "mg/24h")) == "250 mg/24h"
    assert str(Quantity(5.0, "mg/L", "<")) == "<5 mg/L"
    assert str(Quantity(1.5, "1")) == "1.5"
