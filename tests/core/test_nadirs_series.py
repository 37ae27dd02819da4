"""The linear-time nadir scan equals the per-assessment definition (IMWG 2016 nadir rules)."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from rrmm.core.model import LightChain
from rrmm.core.progression import nadirs_before, nadirs_series
from rrmm.core.response import Assessment, Baseline, Measure
from rrmm.core.series import Point

START = date(2020, 1, 1)
values = st.none() | st.floats(min_value=0, max_value=8, allow_nan=False).map(lambda v: round(v, 2))


def _point(day: date, value: float | None) -> Point | None:
    return None if value is None else Point(day, value)


@st.composite
def courses(draw: st.DrawFn) -> tuple[Baseline, list[Assessment]]:
    measures = tuple(draw(st.sets(st.sampled_from(list(Measure)), min_size=1)))
    baseline = Baseline(
        date=START,
        serum=_point(START, draw(values)),
        urine=_point(START, draw(values)),
        kappa=_point(START, draw(values)),
        lambda_=_point(START, draw(values)),
        marrow=_point(START, draw(values)),
        spd=None,
        involved=draw(st.sampled_from([LightChain.KAPPA, LightChain.LAMBDA, None])),
        measures=measures,
        reason="test",
    )
    visits = []
    for index in range(draw(st.integers(min_value=0, max_value=12))):
        day = START + timedelta(days=28 * (index + 1))
        visits.append(
            Assessment(
                date=day,
                serum=_point(day, draw(values)),
                urine=_point(day, draw(values)),
                kappa=_point(day, draw(values)),
                lambda_=_point(day, draw(values)),
                marrow=_point(day, draw(values)),
                serum_ife=None,
                urine_ife=None,
                new_lesion=False,
            )
        )
    return baseline, visits


@settings(max_examples=300)
@given(courses(), st.sampled_from(["confirmed", "lowest"]))
def test_series_equals_nadirs_before_at_every_assessment(course, mode):
    baseline, visits = course
    series = nadirs_series(baseline, visits, mode)
    assert len(series) == len(visits) + 1
    for index in range(len(visits) + 1):
        assert series[index] == nadirs_before(baseline, visits, index, mode)
