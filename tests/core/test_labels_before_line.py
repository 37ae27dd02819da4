"""Labels at the start of each line: the whole-record labels applied to earlier lines only.

They only grow, except that quad-refractory (exactly three of the four PI/IMiD drugs) gives way
to penta-refractory when the fourth becomes refractory.
"""

from __future__ import annotations

from itertools import pairwise

import pytest

from rrmm.core.refractory import labels_before_line
from tests.core.test_examples import FILES, evaluate


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_labels_grow_line_by_line_up_to_the_record_labels(path, catalog):
    ev = evaluate(path, catalog)
    per_line = [labels_before_line(ev.drugs, n, catalog) for n in range(1, len(ev.lines) + 2)]
    assert per_line[0] == ()
    assert per_line[-1] == ev.labels
    for before, after in pairwise(per_line):
        lost = set(before) - set(after)
        assert lost <= {"quad_refractory"}
        if lost:
            assert "penta_refractory" in after


def test_penta_refractory_patient_was_triple_class_refractory_before_car_t(catalog):
    path = next(p for p in FILES if p.stem.startswith("05-"))
    ev = evaluate(path, catalog)
    car_t = next(line for line in ev.lines if "cel" in line.regimen)
    found = labels_before_line(ev.drugs, car_t.number, catalog)
    assert "triple_class_refractory" in found
    assert "bcma_exposed" not in found
