"""Reading rrmm.patient/1: the clinician's example reads unchanged; every error is located."""

from __future__ import annotations

import json
from datetime import date

import pytest

from rrmm.adapters.native.read import read_patient, read_patient_file
from rrmm.adapters.problems import Severity
from rrmm.core.analytes import Analyte
from rrmm.core.model import Measurement, ProcedureKind, StopReason
from rrmm.core.units import Quantity
from tests.conftest import AS_OF, SHARED_EXAMPLE

HEAD = "format: rrmm.patient/1\nid: p1\n"


def read(text, catalog, syntax="yaml"):
    return read_patient(text, syntax=syntax, catalog=catalog, as_of=AS_OF)


def only_error(result):
    assert result.record is None
    errors = result.errors
    assert len(errors) == 1, errors
    return errors[0]


def test_clinician_example_reads_unchanged(catalog):
    result = read_patient_file(SHARED_EXAMPLE, catalog=catalog, as_of=AS_OF)
    assert result.problems == ()
    record = result.record
    assert record is not None
    assert record.birth_date == date(1956, 2, 14)
    assert [t.drug_names for t in record.therapies] == [
        ("bortezomib", "lenalidomide", "dexamethasone"),
        ("lenalidomide",),
    ]
    assert record.therapies[1].stop_reason is StopReason.PROGRESSION
    assert record.procedures[0].kind is ProcedureKind.AUTOLOGOUS_TRANSPLANT
    assert len(record.labs) == 9
    first = record.labs[0].get(Analyte.SERUM_M_PROTEIN)
    assert first == Measurement(Analyte.SERUM_M_PROTEIN, Quantity(3.1, "g/dL"))
    assert record.findings[0].t4_14 is True
    assert record.findings[0].del17p is False
    assert record.findings[0].tp53_mutation is None


def test_both_quantity_forms_are_accepted(catalog):
    text = HEAD + (
        "labs:\n"
        "  - date: 2020-01-01\n"
        "    serum_m_protein: 31 g/L\n"
        "    kappa_flc: {value: 41, unit: mg/dL, reference_low: 0.33, reference_high: 1.94}\n"
        "    lambda_flc: <0.5 mg/dL\n"
        "    flc_ratio: 82\n"
    )
    record = read(text, catalog).record
    assert record is not None
    panel = record.labs[0]
    assert panel.get(Analyte.SERUM_M_PROTEIN) == Measurement(
        Analyte.SERUM_M_PROTEIN, Quantity(31.0, "g/L")
    )
    assert panel.get(Analyte.KAPPA_FLC) == Measurement(
        Analyte.KAPPA_FLC, Quantity(41.0, "mg/dL"), 0.33, 1.94
    )
    assert panel.get(Analyte.LAMBDA_FLC) == Measurement(
        Analyte.LAMBDA_FLC, Quantity(0.5, "mg/dL", "<")
    )
    assert panel.get(Analyte.FLC_RATIO) == Measurement(Analyte.FLC_RATIO, Quantity(82.0, "1"))


def test_brand_names_map_to_generic_and_keep_what_was_written(catalog):
    text = HEAD + (
        "therapies:\n"
        "  - drugs: [Darzalex Faspro, Pomalyst, dex]\n"
        "    start: 2021-01-01\n"
        "    stop_reason: ongoing\n"
    )
    result = read(text, catalog)
    assert result.record is not None
    drugs = result.record.therapies[0].drugs
    assert [d.name for d in drugs] == ["daratumumab", "pomalidomide", "dexamethasone"]
    assert [d.written for d in drugs] == ["Darzalex Faspro", "Pomalyst", "dex"]
    notes = [p.message for p in result.problems if p.severity is Severity.NOTE]
    assert "drug 'Darzalex Faspro' read as daratumumab" in notes


LOCATED_ERRORS = [
    pytest.param(
        "therapies:\n  - drugs: [Revlimdi]\n    start: 2020-01-01\n    end: 2020-02-01\n",
        "/therapies/0/drugs/0/name",
        4,
        "unknown drug 'Revlimdi'; did you mean lenalidomide?",
        id="unknown-drug-with-closest-names",
    ),
    pytest.param(
        "labs:\n  - date: 2020-01-01\n    serum_m_protein: -0.4 g/dL\n",
        "/labs/0/serum_m_protein",
        5,
        "serum M-protein (SPEP) cannot be negative (-0.4 g/dL)",
        id="negative-m-protein",
    ),
    pytest.param(
        "labs:\n  - date: 2020-01-01\n    hemoglobin: 98 g/dL\n",
        "/labs/0/hemoglobin",
        5,
        "haemoglobin of 98 g/dL is outside the possible range 1–25 g/dL; was it 98 g/L?",
        id="haemoglobin-98-g-per-dl",
    ),
    pytest.param(
        "therapies:\n  - drugs: [lenalidomide]\n    start: 2020-03-01\n    end: 2020-01-01\n",
        "/therapies/0/end",
        6,
        "end 2020-01-01 is before start 2020-03-01",
        id="end-before-start",
    ),
    pytest.param(
        "labs:\n  - date: 2020-01-01\n    calcium: 2.5 mmol/dL/s\n",
        "/labs/0/calcium",
        5,
        "unknown unit 'mmol/dL/s' for serum calcium; expected one of: mg/dL, mmol/L",
        id="unknown-unit",
    ),
    pytest.param(
        "labs:\n  - date: 2020-01-01\n    urine_m_protein: 300 mg/dL\n",
        "/labs/0/urine_m_protein",
        5,
        "unit 'mg/dL' is a mass concentration but urine M-protein (24-h UPEP) is a mass per"
        " time; expected one of: mg/24h, g/24h, mg/d, g/d",
        id="wrong-dimension-unit",
    ),
    pytest.param(
        "labs:\n  - date: 2027-01-01\n    ldh: 200 U/L\n",
        "/labs/0/date",
        4,
        "date 2027-01-01 is in the future (today is 2026-11-21)",
        id="date-in-the-future",
    ),
    pytest.param(
        "labs:\n  - date: 2020-01-01\n    kappa_flc: 400\n",
        "/labs/0/kappa_flc",
        5,
        "serum free kappa light chain needs a unit (one of: mg/L, mg/dL), got 400",
        id="missing-unit",
    ),
    pytest.param(
        "labs:\n  - date: 2020-01-01\n    serum_m_protein: 3,1 g/dL\n",
        "/labs/0/serum_m_protein",
        5,
        "expected 'VALUE UNIT' for serum M-protein (SPEP) (e.g. '3.1 g/dL'), got '3,1 g/dL'",
        id="decimal-comma-is-not-guessed",
    ),
    pytest.param(
        "therapies:\n  - drugs: [lenalidomide]\n    start: 20200101\n",
        "/therapies/0/start",
        5,
        "expected a date written YYYY-MM-DD, got 20200101",
        id="number-is-not-a-date",
    ),
    pytest.param(
        "labs:\n  - date: 2020-01-01T08:30:00\n    ldh: 200 U/L\n",
        "/labs/0/date",
        4,
        "expected a date (YYYY-MM-DD), got a date and time '2020-01-01T08:30:00'",
        id="date-time-is-not-a-date",
    ),
    pytest.param(
        "labs:\n  - date: 2024-13-01\n    ldh: 200 U/L\n",
        "/labs/0/date",
        4,
        "'2024-13-01' is not a calendar date (month must be in 1..12)",
        id="impossible-yaml-date-is-a-problem-not-a-crash",
    ),
    pytest.param(
        "therapies:\n  - drugs: [lenalidomide]\n    start: 2020-01-01\n    dose: 25 mg\n",
        "/therapies/0/dose",
        6,
        "unknown field 'dose' (fields here: drugs, start, end, regimen, intent, stop_reason,"
        " line, id, notes)",
        id="unknown-field",
    ),
    pytest.param(
        "therapies:\n  - drugs: [lenalidomide]\n    start: 2020-01-01\n    intnt: maintenance\n",
        "/therapies/0/intnt",
        6,
        "unknown field 'intnt'; did you mean 'intent'?",
        id="misspelt-field",
    ),
    pytest.param(
        "sex: femal\n",
        "/sex",
        3,
        "'femal' is not allowed here; expected one of 'female', 'male', 'other' or 'unknown'",
        id="bad-enum",
    ),
    pytest.param(
        "therapies:\n  - drugs: [lenalidomide]\n    start: 2020-01-01\n    end: 2020-02-01\n"
        "    id: c1\n  - procedure: autologous_transplant\n    date: 2020-03-01\n    id: c1\n",
        "/therapies/1/id",
        10,
        "duplicate id 'c1', already used at /therapies/0/id",
        id="duplicate-id",
    ),
    pytest.param(
        "labs:\n  - date: 2020-01-01\n    serum_immunofixation: pos\n",
        "/labs/0/serum_immunofixation",
        5,
        "serum immunofixation must be one of ['positive', 'negative'], got 'pos'",
        id="immunofixation-word",
    ),
    pytest.param(
        "therapies:\n  - drugs: [lenalidomide]\n    start: 2020-01-01\n    end: 2020-02-01\n"
        "    stop_reason: ongoing\n",
        "/therapies/0/stop_reason",
        7,
        "stop_reason is 'ongoing' but the course has an end date",
        id="ongoing-with-end",
    ),
    pytest.param(
        "therapies:\n  - drugs: [bortezomib, lenalidomide]\n    start: 2020-01-01\n"
        "    end: 2020-06-01\n  - drugs:\n      - {name: bortezomib, end: 2020-01-01}\n"
        "      - lenalidomide\n    start: 2020-02-01\n    end: 2020-06-01\n",
        "/therapies/1/drugs/0/end",
        8,
        "end 2020-01-01 is before start 2020-02-01",
        id="drug-end-before-course-start",
    ),
]


@pytest.mark.parametrize(("body", "pointer", "line", "message"), LOCATED_ERRORS)
def test_each_error_is_located_and_explained(catalog, body, pointer, line, message):
    problem = only_error(read(HEAD + body, catalog))
    assert problem.message == message
    assert problem.pointer == pointer
    assert problem.line == line


def test_every_problem_is_reported_not_just_the_first(catalog):
    body = (
        "sex: femal\n"
        "labs:\n  - date: 2020-01-01\n    hemoglobin: 98 g/dL\n    calcium: 9 mg\n"
        "therapies:\n  - drugs: [Revlimdi]\n    start: 2020-01-01\n"
    )
    result = read(HEAD + body, catalog)
    assert [p.pointer for p in result.errors] == [
        "/sex",
        "/labs/0/hemoglobin",
        "/labs/0/calcium",
        "/therapies/0/drugs/0/name",
    ]


def test_json_errors_carry_json_pointers(catalog):
    document = {
        "format": "rrmm.patient/1",
        "id": "p1",
        "labs": [{"date": "2020-01-01", "creatinine": "100 mmol/L"}],
    }
    problem = only_error(read(json.dumps(document), catalog, syntax="json"))
    assert problem.pointer == "/labs/0/creatinine"
    assert problem.message == (
        "serum creatinine of 100 mmol/L is outside the possible range 0.05–30 mg/dL;"
        " was it 100 umol/L?"
    )


def test_json_duplicate_keys_are_an_error_not_a_silent_overwrite(catalog):
    text = '{"format": "rrmm.patient/1", "id": "a", "id": "b"}'
    problem = only_error(read(text, catalog, syntax="json"))
    assert "duplicate key 'id'" in problem.message


def test_yaml_duplicate_keys_are_an_error(catalog):
    problem = only_error(read(HEAD + "sex: female\nsex: male\n", catalog))
    assert "duplicate key" in problem.message
    assert problem.line == 4


def test_yaml_syntax_error_names_the_line(catalog):
    problem = only_error(read(HEAD + "labs: [\n  - date: 2020\n", catalog))
    assert problem.message.startswith("not valid YAML")
    assert problem.line is not None


def test_wrong_format_and_missing_id(catalog):
    result = read("format: rrmm.patient/2\n", catalog)
    messages = sorted(p.message for p in result.errors)
    assert messages == [
        "'rrmm.patient/2' is not allowed here; expected 'rrmm.patient/1'",
        "required field 'id' is missing",
    ]


def test_not_a_mapping(catalog):
    assert only_error(read("- 1\n- 2\n", catalog)).message == (
        "expected a mapping with the patient's fields"
    )


def test_course_without_end_is_a_warning_not_an_error(catalog):
    result = read(HEAD + "therapies:\n  - drugs: [lenalidomide]\n    start: 2020-01-01\n", catalog)
    assert result.record is not None
    assert [(p.severity, p.pointer) for p in result.problems] == [
        (Severity.WARNING, "/therapies/0/end")
    ]


def test_oversized_file_is_refused(tmp_path, catalog):
    big = tmp_path / "big.yaml"
    big.write_text("#" * (10 * 1024 * 1024 + 1))
    problem = only_error(read_patient_file(big, catalog=catalog, as_of=AS_OF))
    assert "limit" in problem.message


def test_missing_file(tmp_path, catalog):
    problem = only_error(read_patient_file(tmp_path / "none.yaml", catalog=catalog, as_of=AS_OF))
    assert problem.message.startswith("cannot read file")
