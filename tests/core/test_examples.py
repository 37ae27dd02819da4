"""Every example in examples/ gives the verdicts its comment block promises."""

from __future__ import annotations

from datetime import date

import pytest
from ruamel.yaml import YAML

from rrmm.adapters.native.read import read_patient_file
from rrmm.core.assess import assess
from rrmm.kb import load_criteria
from tests.conftest import AS_OF, EXAMPLES, SHARED_EXAMPLE

FILES = sorted(EXAMPLES.glob("*.yaml"))


def expectations(path):
    comments = [
        line[2:] if line.startswith("# ") else line[1:]
        for line in path.read_text().splitlines()
        if line.startswith("#")
    ]
    start = comments.index("expect:")
    block = []
    for line in comments[start:]:
        if not line.strip():
            break
        block.append(line)
    return YAML(typ="safe", pure=True).load("\n".join(block))["expect"]


def evaluate(path, catalog):
    result = read_patient_file(path, catalog=catalog, as_of=AS_OF)
    assert result.record is not None, result.problems
    return assess(result.record, catalog, load_criteria(), AS_OF)


def test_there_are_at_least_twelve_examples():
    assert len(FILES) >= 12


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_example_verdicts(path, catalog):
    expected = expectations(path)
    ev = evaluate(path, catalog)
    assert len(ev.lines) == expected["lines_of_therapy"]
    assert str(ev.status.status) == expected["status"], ev.status.reason
    assert list(ev.refractory_drugs) == (expected.get("refractory_drugs") or [])
    assert list(ev.labels) == (expected.get("labels") or [])
    found = [c.progression.date for c in ev.courses if c.progression is not None]
    assert found == [date.fromisoformat(str(d)) for d in expected.get("progressions") or []]


def test_clinician_example(catalog):
    ev = evaluate(SHARED_EXAMPLE, catalog)
    assert len(ev.lines) == 1
    assert ev.lines[0].regimen == "VRd → ASCT → lenalidomide"
    assert str(ev.status.status) == "relapsed_and_refractory"
    assert ev.refractory_drugs == ("lenalidomide",)
    assert ev.labels == ("lenalidomide_refractory",)
    course = ev.courses[0]
    # nadir 0.2 g/dL (2019-12-01 and 2021-06-01 held twice); 0.6 on 2022-03-01 is +0.4 (< 0.5);
    # 0.9 on 2022-04-05 is +0.7 g/dL and +350%, confirmed by 1.3 on 2022-05-05
    assert course.progression is not None
    assert course.progression.date == date(2022, 4, 5)
    assert course.progression.confirmed_on == date(2022, 5, 5)
    # VGPR: 0.25 g/dL is -92% of 3.1 with urine 0 mg/24h, confirmed by 0.2 g/dL on 2019-12-01
    assert str(course.best_response) == "VGPR"
    assert course.best_response_date == date(2019, 7, 15)
    # ISS II: beta-2 microglobulin 4.2 mg/L is between 3.5 and 5.5
    assert ev.risk.iss.value == "II"
    # IMS/IMWG 2025: t(4;14) with 1q gain is high risk
    assert ev.risk.ims_imwg_2025.value == "high"
    # R2-ISS needs LDH relative to its upper limit of normal, which the record does not give
    assert ev.risk.r2_iss.value is None
    assert "LDH above ULN" in ev.risk.r2_iss.missing


def test_no_gain_of_1q_also_rules_out_amplification(catalog):
    from tests.core.builders import evaluate

    text = """format: rrmm.patient/1
id: q1
diagnosis: {date: 2024-01-10, heavy_chain: IgG, light_chain: kappa}
findings:
  - {date: 2024-01-10, method: FISH, del17p: false, t4_14: true, t14_16: false, t14_20: false,
     gain1q: false, del1p32: false, tp53_mutation: false}
labs:
  - {date: 2024-01-10, beta2_microglobulin: 2.9 mg/L, albumin: 4.0 g/dL, creatinine: 0.9 mg/dL,
     ldh: {value: 180, unit: U/L, reference_high: 250}}
"""
    ev = evaluate(text)
    # t(4;14) without 1q+ or del(1p32), del(17p) absent, TP53 wild type, beta-2 microglobulin
    # below 5.5: every IMS/IMWG 2025 criterion is false -> standard risk
    assert ev.risk.ims_imwg_2025.value == "standard"
    # R2-ISS: ISS I (0) + t(4;14) (1) = 1 point -> II
    assert ev.risk.r2_iss.value == "II"
    assert ev.risk.iss.value == "I"
