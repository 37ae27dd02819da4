"""Invariants of the IMWG engine, checked with hypothesis on the example records.

- appending data after the last record never changes an earlier confirmed verdict;
- writing every lab in another unit changes nothing;
- the order in which the record lists things changes nothing.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rrmm.adapters.native.read import read_patient_file
from rrmm.core.analytes import ANALYTES, Analyte, from_canonical, to_canonical
from rrmm.core.assess import assess, last_record_date
from rrmm.core.model import LabPanel, Measurement
from rrmm.core.units import Quantity
from rrmm.kb import load_criteria, load_drug_catalog
from tests.conftest import AS_OF, EXAMPLES, SHARED_EXAMPLE

CATALOG = load_drug_catalog()
CRITERIA = load_criteria()


def _read(path):
    record = read_patient_file(path, catalog=CATALOG, as_of=AS_OF).record
    assert record is not None
    return record


RECORDS = {path.stem: _read(path) for path in [SHARED_EXAMPLE, *sorted(EXAMPLES.glob("*.yaml"))]}
NAMES = sorted(RECORDS)
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def verdicts(record):
    ev = assess(record, CATALOG, CRITERIA, AS_OF)
    return {
        "status": ev.status.status,
        "lines": [
            (line.start, line.end, line.drugs, line.start_reason, line.end_reason)
            for line in ev.lines
        ],
        "labels": ev.labels,
        "drugs": [(v.drug, v.state, v.refractory_lines) for v in ev.drugs],
        "progressions": [c.progression for c in ev.courses],
        "visits": [
            [(v.visit.date, v.reading.category, v.confirmed, v.confirmed_level) for v in c.visits]
            for c in ev.courses
        ],
        "best": [c.best_response for c in ev.courses],
        "risk": [
            s.value for s in (ev.risk.iss, ev.risk.r_iss, ev.risk.r2_iss, ev.risk.ims_imwg_2025)
        ],
    }


@st.composite
def appended_panels(draw, record):
    last = last_record_date(record)
    assert last is not None
    gap = CRITERIA.parameters.assessment_window_days
    start = last + timedelta(days=gap + 1)
    if start > AS_OF:
        start = AS_OF
    panels = []
    for _ in range(draw(st.integers(1, 4))):
        day = draw(st.dates(min_value=start, max_value=max(start, AS_OF)))
        serum = draw(st.floats(min_value=0, max_value=8).map(lambda v: round(v, 2)))
        values = [Measurement(Analyte.SERUM_M_PROTEIN, Quantity(serum, "g/dL"))]
        if draw(st.booleans()):
            kappa = draw(st.floats(min_value=1, max_value=3000).map(lambda v: round(v, 1)))
            values.append(Measurement(Analyte.KAPPA_FLC, Quantity(kappa, "mg/L")))
            values.append(Measurement(Analyte.LAMBDA_FLC, Quantity(12.0, "mg/L")))
        panels.append(LabPanel(day, tuple(values)))
    return panels


@pytest.mark.parametrize("name", NAMES)
@SETTINGS
@given(data=st.data())
def test_appending_after_the_last_record_keeps_earlier_confirmed_verdicts(name, data):
    record = RECORDS[name]
    cut = last_record_date(record)
    assert cut is not None
    before = assess(record, CATALOG, CRITERIA, AS_OF)
    extra = data.draw(appended_panels(record))
    after = assess(
        dataclasses.replace(record, labs=record.labs + tuple(extra)), CATALOG, CRITERIA, AS_OF
    )
    assert len(after.lines) == len(before.lines)
    for old, new in zip(before.courses, after.courses, strict=True):
        if old.progression is not None and old.progression.confirmed:
            assert new.progression == old.progression
        settled = {
            v.visit.date: v for v in old.visits if v.confirmed or v.confirmed_level is not None
        }
        for visit in new.visits:
            if visit.visit.date in settled and visit.visit.date <= cut:
                old_visit = settled[visit.visit.date]
                assert (visit.reading.category, visit.confirmed, visit.confirmed_level) == (
                    old_visit.reading.category,
                    old_visit.confirmed,
                    old_visit.confirmed_level,
                )


def _convert(record, choose):
    panels = []
    for panel in record.labs:
        values = []
        for value in panel.values:
            info = ANALYTES[value.analyte]
            if isinstance(value, Measurement) and len(info.common_units) > 1:
                unit = choose(info.common_units)
                canonical = to_canonical(value.analyte, value.quantity)
                moved = from_canonical(value.analyte, canonical, unit)
                value = Measurement(
                    value.analyte, Quantity(moved.value, unit, value.quantity.comparator)
                )
            values.append(value)
        panels.append(LabPanel(panel.date, tuple(values), panel.id, panel.notes))
    return dataclasses.replace(record, labs=tuple(panels))


@pytest.mark.parametrize("name", NAMES)
@SETTINGS
@given(data=st.data())
def test_converting_labs_to_other_units_changes_nothing(name, data):
    record = RECORDS[name]
    converted = _convert(record, lambda units: data.draw(st.sampled_from(units)))
    assert verdicts(converted) == verdicts(record)


@pytest.mark.parametrize("name", NAMES)
@SETTINGS
@given(data=st.data())
def test_input_order_changes_nothing(name, data):
    record = RECORDS[name]
    shuffled = dataclasses.replace(
        record,
        labs=tuple(data.draw(st.permutations(record.labs))),
        imaging=tuple(data.draw(st.permutations(record.imaging))),
        findings=tuple(data.draw(st.permutations(record.findings))),
        conditions=tuple(data.draw(st.permutations(record.conditions))),
        events=tuple(data.draw(st.permutations(record.events))),
    )
    assert verdicts(shuffled) == verdicts(record)


@pytest.mark.parametrize("name", NAMES)
@SETTINGS
@given(data=st.data())
def test_therapy_order_changes_no_verdict(name, data):
    record = RECORDS[name]
    shuffled = dataclasses.replace(
        record,
        therapies=tuple(data.draw(st.permutations(record.therapies))),
        procedures=tuple(data.draw(st.permutations(record.procedures))),
    )
    assert verdicts(shuffled) == verdicts(record)
