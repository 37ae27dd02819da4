"""Numbers, comparisons and units read from eligibility text, with explicit conversion."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rrmm.core.analytes import Analyte
from rrmm.trials.quantities import canonical_value, normalise, read_threshold, threshold_bound
from rrmm.trials.rules import Op


def _first(text: str):
    norm = normalise(text)
    for start in range(len(norm)):
        found = read_threshold(norm, start)
        if found is not None:
            return found
    return None


@pytest.mark.parametrize(
    ("text", "analyte", "op", "value"),
    [
        ("ANC ≥ 1,000/mm3", Analyte.ANC, Op.GE, 1.0),
        ("ANC >/= 1.5 x 10⁹/L", Analyte.ANC, Op.GE, 1.5),
        ("at least 750/mm^3", Analyte.ANC, Op.GE, 0.75),
        ("platelets ≥ 75,000/µL", Analyte.PLATELETS, Op.GE, 75.0),
        ("platelet count at least 75 x 109/L", Analyte.PLATELETS, Op.GE, 75.0),
        ("≥ 30 x 10^3/µL", Analyte.PLATELETS, Op.GE, 30.0),
        ("haemoglobin ≥ 8 g/dL", Analyte.HEMOGLOBIN, Op.GE, 8.0),
        ("hemoglobin ≥ 80 g/L", Analyte.HEMOGLOBIN, Op.GE, 8.0),
        ("creatinine clearance ≥ 30 mL/min", Analyte.CREATININE_CLEARANCE, Op.GE, 30.0),
        ("creatinine no greater than 3 mg/dL", Analyte.CREATININE, Op.LE, 3.0),
        ("creatinine ≤ 176.8 µmol/L", Analyte.CREATININE, Op.LE, 2.0),
        ("bilirubin < 34.2 umol/L", Analyte.BILIRUBIN, Op.LT, 2.0),
        ("1000/mm3 or more", Analyte.ANC, Op.GE, 1.0),
    ],
)
def test_thresholds_convert_to_canonical_units(text, analyte, op, value) -> None:
    found = _first(text)
    assert found is not None
    bound = threshold_bound(analyte, found)
    assert bound is not None
    assert bound.op is op
    assert bound.value == pytest.approx(value, rel=1e-3)


def test_uln_thresholds_stay_relative() -> None:
    found = _first("bilirubin ≤ 1.5 × ULN")
    assert found is not None
    assert found.relative == "uln"
    bound = threshold_bound(Analyte.BILIRUBIN, found)
    assert bound is not None
    assert bound.value == 1.5
    found = _first("AST no greater than 2.5 times upper limit of normal (ULN)")
    assert found is not None
    assert found.relative == "uln"
    assert found.op is Op.LE


def test_a_number_without_a_unit_is_not_converted() -> None:
    found = _first("ANC ≥ 1000")
    assert found is not None
    assert found.unit is None
    assert threshold_bound(Analyte.ANC, found) is None


def test_a_unit_of_the_wrong_kind_is_not_converted() -> None:
    assert canonical_value(Analyte.PLATELETS, 100, "g/dL") is None
    assert canonical_value(Analyte.CREATININE_CLEARANCE, 30, "mL/min/{1.73_m2}") is None


def test_a_bare_number_is_not_a_threshold() -> None:
    assert read_threshold(normalise("75 x 10^9/L"), 0) is None


@given(st.integers(min_value=1, max_value=999_999))
def test_thousands_separators_never_change_the_value(n: int) -> None:
    written = f"{n:,}"
    found = _first(f"platelets ≥ {written}/mm3")
    assert found is not None
    assert found.value == n
    bound = threshold_bound(Analyte.PLATELETS, found)
    assert bound is not None
    assert bound.value == pytest.approx(n / 1000)


@given(st.decimals(min_value="0.1", max_value="500", places=1))
def test_per_mm3_per_microlitre_and_per_litre_agree(value) -> None:
    per_mm3 = _first(f"platelets ≥ {float(value) * 1000:.0f}/mm3")
    per_ul = _first(f"platelets ≥ {float(value) * 1000:.0f}/µL")
    per_l = _first(f"platelets ≥ {value} × 10^9/L")
    values = []
    for found in (per_mm3, per_ul, per_l):
        assert found is not None
        bound = threshold_bound(Analyte.PLATELETS, found)
        assert bound is not None
        values.append(bound.value)
    assert values[0] == pytest.approx(values[1])
    assert values[0] == pytest.approx(values[2], rel=1e-6)


PHRASES = {
    "≥": Op.GE,
    ">=": Op.GE,
    "> or =": Op.GE,
    "at least": Op.GE,
    "greater than or equal to": Op.GE,
    "no less than": Op.GE,
    ">": Op.GT,
    "greater than": Op.GT,
    "more than": Op.GT,
    "≤": Op.LE,
    "=<": Op.LE,
    "no greater than": Op.LE,
    "no more than": Op.LE,
    "less than or equal to": Op.LE,
    "<": Op.LT,
    "less than": Op.LT,
}


@given(st.sampled_from(sorted(PHRASES)), st.floats(min_value=0.1, max_value=99, allow_nan=False))
def test_comparator_phrases_map_to_one_operator(phrase: str, value: float) -> None:
    found = _first(f"hemoglobin {phrase} {value:.1f} g/dL")
    assert found is not None
    assert found.op is PHRASES[phrase]
    assert found.value == pytest.approx(round(value, 1))


@given(st.text(alphabet="abcdefghij ,.;:()", max_size=40))
def test_normalise_is_idempotent(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once
