"""The synthetic OMOP cohort: schema, determinism, coverage, concept ids and its ground truth.

The strongest check re-derives progression from the generated labs with an independent
IMWG 2016 reading (25% and 0.5 g/dL, or 100 mg/L of involved FLC, above the line's nadir,
confirmed at the next visit) and requires the exact truth date for every line.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

np = pytest.importorskip("numpy")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from rrmm.cohort.concepts import DRUGS, MULTIPLE_MYELOMA_CONCEPT_ID  # noqa: E402
from rrmm.cohort.synth import (  # noqa: E402
    TABLES,
    OutputFormat,
    chunk_tables,
    generate,
    simulate_chunk,
)
from tests.conftest import ROOT  # noqa: E402

Row = dict[str, Any]
Tables = dict[str, Any]
SHARED_OMOP = ROOT / "tests" / "cohort" / "fixtures"
N = 1500
SEED = 7
M_PROTEIN, KAPPA, LAMBDA = "33358-3", "36916-5", "33944-0"

EXPECTED_COLUMNS = {
    "person": {
        "person_id": "int64",
        "gender_concept_id": "int32",
        "year_of_birth": "int32",
        "month_of_birth": "int32",
        "day_of_birth": "int32",
        "birth_datetime": "timestamp[us]",
        "race_concept_id": "int32",
        "ethnicity_concept_id": "int32",
        "person_source_value": "string",
        "gender_source_value": "string",
    },
    "observation_period": {
        "observation_period_id": "int64",
        "person_id": "int64",
        "observation_period_start_date": "date32[day]",
        "observation_period_end_date": "date32[day]",
        "period_type_concept_id": "int32",
    },
    "condition_occurrence": {
        "condition_occurrence_id": "int64",
        "person_id": "int64",
        "condition_concept_id": "int32",
        "condition_start_date": "date32[day]",
        "condition_end_date": "date32[day]",
        "condition_type_concept_id": "int32",
        "condition_source_value": "string",
        "condition_source_concept_id": "int32",
    },
    "drug_exposure": {
        "drug_exposure_id": "int64",
        "person_id": "int64",
        "drug_concept_id": "int32",
        "drug_exposure_start_date": "date32[day]",
        "drug_exposure_end_date": "date32[day]",
        "drug_type_concept_id": "int32",
        "stop_reason": "string",
        "days_supply": "int32",
        "drug_source_value": "string",
        "drug_source_concept_id": "int32",
    },
    "procedure_occurrence": {
        "procedure_occurrence_id": "int64",
        "person_id": "int64",
        "procedure_concept_id": "int32",
        "procedure_date": "date32[day]",
        "procedure_type_concept_id": "int32",
        "procedure_source_value": "string",
        "procedure_source_concept_id": "int32",
    },
    "measurement": {
        "measurement_id": "int64",
        "person_id": "int64",
        "measurement_concept_id": "int32",
        "measurement_date": "date32[day]",
        "measurement_type_concept_id": "int32",
        "value_as_number": "double",
        "unit_concept_id": "int32",
        "range_low": "double",
        "range_high": "double",
        "measurement_source_value": "string",
        "measurement_source_concept_id": "int32",
        "unit_source_value": "string",
    },
    "death": {
        "person_id": "int64",
        "death_date": "date32[day]",
        "death_type_concept_id": "int32",
        "cause_concept_id": "int32",
    },
    "ground_truth_line": {
        "person_id": "int64",
        "line_number": "int32",
        "start_date": "date32[day]",
        "end_date": "date32[day]",
        "regimen": "string",
        "regimen_name": "string",
        "progression_date": "date32[day]",
        "refractory_drugs": "string",
    },
    "ground_truth_person": {
        "person_id": "int64",
        "n_lines": "int32",
        "triple_class_refractory": "bool",
        "penta_refractory": "bool",
        "bcma_exposed": "bool",
        "diagnosis_date": "date32[day]",
        "heavy_chain": "string",
        "light_chain": "string",
        "death_date": "date32[day]",
        "end_of_follow_up": "date32[day]",
    },
}


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Tables:
    out = tmp_path_factory.mktemp("synth")
    generate(N, SEED, out, OutputFormat.PARQUET, chunk_size=600)
    return {name: pq.read_table(out / name) for name in TABLES}


def _rows(table: Any) -> list[Row]:
    rows: list[Row] = table.to_pylist()
    return rows


# ---------------------------------------------------------------------------------------------
# Schema, determinism, output formats


def test_every_table_has_the_omop_columns_and_types(cohort):
    for name, columns in EXPECTED_COLUMNS.items():
        schema = cohort[name].schema
        assert dict(zip(schema.names, map(str, schema.types), strict=True)) == columns, name


def test_the_cohort_has_the_size_asked_and_unique_ids(cohort):
    assert cohort["person"].num_rows == N
    for name in ("drug_exposure", "measurement", "procedure_occurrence"):
        ids = (
            cohort[name]
            .column(
                f"{name.split('_')[0]}_exposure_id"
                if name == "drug_exposure"
                else f"{name}_id"
                if name == "measurement"
                else "procedure_occurrence_id"
            )
            .to_numpy()
        )
        assert np.unique(ids).size == ids.size, name


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*.parquet"))}


def test_same_seed_gives_byte_identical_parquet_and_another_seed_does_not(tmp_path):
    generate(250, 3, tmp_path / "a", chunk_size=100)
    generate(250, 3, tmp_path / "b", chunk_size=100, workers=2)
    generate(250, 4, tmp_path / "c", chunk_size=100)
    a, b, c = (_files(tmp_path / x) for x in "abc")
    assert len(a) == len(TABLES) * 3
    assert a == b
    assert a["measurement/part-00000.parquet"] != c["measurement/part-00000.parquet"]


def test_duckdb_output_holds_every_table(tmp_path):
    duckdb = pytest.importorskip("duckdb")
    counts = generate(120, 1, tmp_path, OutputFormat.BOTH)
    with duckdb.connect(str(tmp_path / "cdm.duckdb"), read_only=True) as con:
        for name in TABLES:
            (rows,) = con.execute(f"SELECT count(*) FROM {name}").fetchone()
            assert rows == counts[name], name
    assert (tmp_path / "person" / "part-00000.parquet").exists()


def test_duckdb_only_leaves_no_parquet(tmp_path):
    pytest.importorskip("duckdb")
    generate(50, 1, tmp_path, OutputFormat.DUCKDB)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cdm.duckdb"]


def test_cli_command_writes_the_cohort(tmp_path):
    import typer
    from typer.testing import CliRunner

    from rrmm.cli.synth import synth_command

    app = typer.Typer()
    app.command("synth")(synth_command)
    app.command("noop")(lambda: None)
    result = CliRunner().invoke(
        app,
        ["synth", "--patients", "40", "--seed", "2", "--out", str(tmp_path), "--format", "parquet"],
    )
    assert result.exit_code == 0, result.output
    assert pq.read_table(tmp_path / "person").num_rows == 40


# ---------------------------------------------------------------------------------------------
# Coverage and concept ids


def test_every_person_has_a_diagnosis_and_an_observation_period_covering_every_event(cohort):
    period = {
        r["person_id"]: (r["observation_period_start_date"], r["observation_period_end_date"])
        for r in _rows(cohort["observation_period"])
    }
    diagnosed = {r["person_id"] for r in _rows(cohort["condition_occurrence"])}
    assert set(period) == diagnosed == set(cohort["person"].column("person_id").to_pylist())
    assert set(cohort["condition_occurrence"].column("condition_concept_id").to_pylist()) == {
        MULTIPLE_MYELOMA_CONCEPT_ID
    }
    dated = {
        "condition_occurrence": ("condition_start_date",),
        "drug_exposure": ("drug_exposure_start_date", "drug_exposure_end_date"),
        "procedure_occurrence": ("procedure_date",),
        "measurement": ("measurement_date",),
        "death": ("death_date",),
    }
    for name, columns in dated.items():
        table = cohort[name]
        people = table.column("person_id").to_pylist()
        for column in columns:
            for person, day in zip(people, table.column(column).to_pylist(), strict=True):
                first, last = period[person]
                assert first <= day <= last, (name, person, day)
    for r in _rows(cohort["drug_exposure"]):
        assert r["drug_exposure_start_date"] <= r["drug_exposure_end_date"]


def _csv(name: str) -> list[dict[str, str]]:
    path = SHARED_OMOP / name
    if not path.exists():
        pytest.skip(f"{path} is not beside this repository")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def test_drug_concept_ids_come_from_the_shared_mapping_or_are_zero(cohort):
    oxford = {
        r["sact_drug_name"]: int(r["omop_drug_source_concept_id"])
        for r in _csv("myeloma_drug_omop_concept_ids_from_oxford_sact_mapping.csv")
    }
    cibmtr = {
        r["name"]: r["rxnorm_cui"] for r in _csv("myeloma_drug_rxnorm_cuis_from_cibmtr_ig.csv")
    }
    for drug in DRUGS:
        assert drug.concept_id == oxford.get(drug.name, 0), drug.name
        if drug.rxnorm_cui is not None:
            assert cibmtr[drug.name] == drug.rxnorm_cui, drug.name
    used = set(
        zip(
            cohort["drug_exposure"].column("drug_source_value").to_pylist(),
            cohort["drug_exposure"].column("drug_concept_id").to_pylist(),
            strict=True,
        )
    )
    assert used <= {(d.name, d.concept_id) for d in DRUGS}
    assert {c for _, c in used} <= set(oxford.values()) | {0}
    assert {"teclistamab", "elotuzumab"} & {n for n, c in used if c == 0}


def test_multiple_myeloma_concept_is_the_standard_snomed_concept_of_the_phenotypes():
    rows = _csv("myeloma_condition_concepts_from_ohdsi_phenotypes.csv")
    found = {
        (r["vocabulary_id"], r["concept_code"], r["standard_concept"], r["domain_id"])
        for r in rows
        if r["concept_id"] == str(MULTIPLE_MYELOMA_CONCEPT_ID)
    }
    assert found == {("SNOMED", "109989006", "S", "Condition")}


def test_measurements_carry_loinc_codes_and_explicit_units(cohort):
    table = cohort["measurement"]
    pairs = set(
        zip(
            table.column("measurement_source_value").to_pylist(),
            table.column("unit_source_value").to_pylist(),
            table.column("unit_concept_id").to_pylist(),
            strict=True,
        )
    )
    assert pairs == {
        (M_PROTEIN, "g/dL", 8713),
        (KAPPA, "mg/L", 8751),
        (LAMBDA, "mg/L", 8751),
        ("17861-6", "mg/dL", 8840),
        ("2160-0", "mg/dL", 8840),
        ("718-7", "g/dL", 8713),
    }


# ---------------------------------------------------------------------------------------------
# Ground truth


def _lines_by_person(table: Any) -> dict[int, list[Row]]:
    found: dict[int, list[Row]] = defaultdict(list)
    for r in _rows(table):
        found[r["person_id"]].append(r)
    return found


def check_truth_is_consistent(tables: Tables) -> None:
    lines = _lines_by_person(tables["ground_truth_line"])
    persons = {r["person_id"]: r for r in _rows(tables["ground_truth_person"])}
    exposures: dict[tuple[int, str], list[tuple[date, date]]] = defaultdict(list)
    for r in _rows(tables["drug_exposure"]):
        exposures[(r["person_id"], r["drug_source_value"])].append(
            (r["drug_exposure_start_date"], r["drug_exposure_end_date"])
        )
    for pid, person in persons.items():
        own = sorted(lines.get(pid, []), key=lambda r: r["line_number"])
        assert person["n_lines"] == len(own)
        assert [r["line_number"] for r in own] == list(range(1, len(own) + 1))
        refractory: set[str] = set()
        for previous, line in zip([None, *own], own, strict=False):
            assert line["start_date"] <= line["end_date"]
            assert line["end_date"] <= person["end_of_follow_up"]
            if previous is not None:
                assert previous["end_date"] < line["start_date"]
                assert previous["progression_date"] is not None  # lines change at progression
            progression = line["progression_date"]
            drugs = set(str(line["regimen"]).split("+"))
            if progression is None:
                assert line["refractory_drugs"] is None
                continue
            assert line["start_date"] < progression <= line["end_date"] + timedelta(days=60)
            for drug in (
                str(line["refractory_drugs"] or "").split("+") if line["refractory_drugs"] else []
            ):
                assert drug in drugs
                spans = exposures[(pid, drug)]
                assert any(s <= progression <= e + timedelta(days=60) for s, e in spans)
                refractory.add(drug)
        pi = refractory & {"bortezomib", "carfilzomib", "ixazomib"}
        imid = refractory & {"lenalidomide", "pomalidomide", "thalidomide"}
        cd38 = refractory & {"daratumumab", "isatuximab"}
        assert person["triple_class_refractory"] == bool(pi and imid and cd38)
        penta = {"bortezomib", "carfilzomib", "lenalidomide", "pomalidomide"} <= refractory
        assert person["penta_refractory"] == (penta and bool(cd38))
        given = {d for r in own for d in str(r["regimen"]).split("+")}
        bcma = {"ciltacabtagene autoleucel", "idecabtagene vicleucel", "teclistamab", "elranatamab"}
        assert person["bcma_exposed"] == bool(given & bcma)


def test_ground_truth_is_internally_consistent(cohort):
    check_truth_is_consistent(cohort)


def imwg_progressions(
    tables: Tables, nadir_mode: str = "lowest"
) -> dict[tuple[int, int], date | None]:
    """Progression per (person, line) read from the labs alone (IMWG 2016, confirmed).

    The nadir is the lowest value since the line's baseline (``lowest``, IMWG 2016) or the
    lowest level held at two consecutive visits (``confirmed``, rrmm's default reading).
    """
    persons = {r["person_id"]: r for r in _rows(tables["ground_truth_person"])}
    series: dict[int, list[tuple[date, float]]] = defaultdict(list)
    m = tables["measurement"]
    for pid, day, code, value in zip(
        m.column("person_id").to_pylist(),
        m.column("measurement_date").to_pylist(),
        m.column("measurement_source_value").to_pylist(),
        m.column("value_as_number").to_pylist(),
        strict=True,
    ):
        person = persons[pid]
        light_only = person["heavy_chain"] == "none"
        involved = KAPPA if person["light_chain"] == "kappa" else LAMBDA
        if code == (involved if light_only else M_PROTEIN):
            series[pid].append((day, value))
    found: dict[tuple[int, int], date | None] = {}
    for pid, lines in _lines_by_person(tables["ground_truth_line"]).items():
        absolute = 100.0 if persons[pid]["heavy_chain"] == "none" else 0.5
        points = sorted(series[pid])
        for line in lines:
            start, end = line["start_date"], line["end_date"]
            before = [v for d, v in points if d <= start]
            values = [(d, v) for d, v in points if start < d <= end]
            nadir = before[-1] if before else float("inf")
            found[(pid, line["line_number"])] = None
            for i, (day, _value) in enumerate(values):
                if i + 1 < len(values) and all(
                    v >= 1.25 * nadir and v - nadir >= absolute for _, v in values[i : i + 2]
                ):
                    found[(pid, line["line_number"])] = day
                    break
                if nadir_mode == "lowest":
                    nadir = min(nadir, values[i][1])
                elif i >= 1:  # the pair (i-1, i) is known once visit i is seen
                    nadir = min(nadir, max(values[i - 1][1], values[i][1]))
    return found


def test_labs_show_progression_exactly_where_the_truth_says(cohort):
    truth = {
        (r["person_id"], r["line_number"]): r["progression_date"]
        for r in _rows(cohort["ground_truth_line"])
    }
    assert imwg_progressions(cohort, "lowest") == truth
    assert imwg_progressions(cohort, "confirmed") == truth
    assert sum(v is not None for v in truth.values()) > N // 2


def test_the_cohort_has_the_variety_it_promises(cohort):
    persons = _rows(cohort["ground_truth_person"])
    lines = _rows(cohort["ground_truth_line"])
    light_only = sum(p["heavy_chain"] == "none" for p in persons) / len(persons)
    assert 0.10 < light_only < 0.20
    assert any(p["triple_class_refractory"] for p in persons)
    assert any(p["bcma_exposed"] for p in persons)
    assert any(p["death_date"] for p in persons)
    names = {r["regimen_name"] for r in lines}
    assert {"VRd-ASCT-R", "DRd", "KRd", "DKd", "Pd", "teclistamab"} <= names
    assert names & {"cilta-cel", "ide-cel"}
    stops = set(cohort["drug_exposure"].column("stop_reason").to_pylist())
    assert {"toxicity", "progression", None} <= stops
    procedures = set(cohort["procedure_occurrence"].column("procedure_source_value").to_pylist())
    assert procedures == {"autologous_transplant", "car_t_infusion"}
    max_lines = max(r["line_number"] for r in lines)
    assert max_lines >= 5


def test_drug_holidays_under_60_days_stay_in_one_line(cohort):
    lines = _lines_by_person(cohort["ground_truth_line"])
    spans: dict[tuple[int, str], list[tuple[date, date]]] = defaultdict(list)
    for r in _rows(cohort["drug_exposure"]):
        spans[(r["person_id"], r["drug_source_value"])].append(
            (r["drug_exposure_start_date"], r["drug_exposure_end_date"])
        )
    holidays = 0
    for (pid, _drug), periods in spans.items():
        periods.sort()
        for (_, end), (start, _) in pairwise(periods):
            gap = (start - end).days - 1
            same_line = any(
                ln["start_date"] <= end and start <= ln["end_date"] for ln in lines[pid]
            )
            if 0 < gap < 60 and same_line:
                holidays += 1
    assert holidays > 10


# ---------------------------------------------------------------------------------------------
# Properties on small cohorts


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**31 - 1), n=st.integers(1, 60))
def test_truth_is_consistent_and_visible_in_the_labs_for_any_seed(seed, n):
    tables = chunk_tables(simulate_chunk(seed, 0, 1, n))
    assert tables["person"].num_rows == n
    check_truth_is_consistent(tables)
    truth = {
        (r["person_id"], r["line_number"]): r["progression_date"]
        for r in _rows(tables["ground_truth_line"])
    }
    assert imwg_progressions(tables, "lowest") == truth
    assert imwg_progressions(tables, "confirmed") == truth


# ---------------------------------------------------------------------------------------------
# rrmm's own assessment of generated persons against the truth

from rrmm.core.analytes import Analyte  # noqa: E402
from rrmm.core.assess import assess  # noqa: E402
from rrmm.core.model import (  # noqa: E402
    Diagnosis,
    DrugUse,
    HeavyChain,
    Intent,
    LabPanel,
    LightChain,
    Measurement,
    PatientRecord,
    Procedure,
    ProcedureKind,
    StopReason,
    Therapy,
)
from rrmm.core.units import Quantity  # noqa: E402

_ANALYTES = {
    M_PROTEIN: Analyte.SERUM_M_PROTEIN,
    KAPPA: Analyte.KAPPA_FLC,
    LAMBDA: Analyte.LAMBDA_FLC,
    "17861-6": Analyte.CALCIUM,
    "2160-0": Analyte.CREATININE,
    "718-7": Analyte.HEMOGLOBIN,
}
_CAR_T = {"ciltacabtagene autoleucel", "idecabtagene vicleucel"}


def _group(table: Any) -> dict[int, list[Row]]:
    found: dict[int, list[Row]] = defaultdict(list)
    for r in _rows(table):
        found[r["person_id"]].append(r)
    return found


def _courses(exposures, procedures, catalog):
    """Therapy courses from drug_exposure rows alone, the way an OMOP reader might build them.

    Rows starting on the same day form one course; melphalan the day before an autologous
    transplant is its conditioning; a course starting within 150 days after a transplant is
    maintenance; a course starting within 14 days before a CAR-T infusion is bridging
    (lymphodepletion); the CAR-T product is the infusion's product. Drugs outside rrmm's
    catalogue (fludarabine) are left out.
    """
    transplants = [
        p["procedure_date"]
        for p in procedures
        if p["procedure_source_value"] == "autologous_transplant"
    ]
    infusions = [
        p["procedure_date"] for p in procedures if p["procedure_source_value"] == "car_t_infusion"
    ]
    by_start: dict[date, list[Row]] = defaultdict(list)
    products: dict[date, str] = {}
    conditioning: dict[date, list[str]] = defaultdict(list)
    for r in exposures:
        name, start = r["drug_source_value"], r["drug_exposure_start_date"]
        if name in _CAR_T:
            products[start] = name
        elif name == "melphalan" and start + timedelta(days=1) in transplants:
            conditioning[start + timedelta(days=1)].append(name)
        elif catalog.resolve(name) is not None:
            by_start[start].append(r)
    therapies = []
    for start, rows in sorted(by_start.items()):
        end = max(r["drug_exposure_end_date"] for r in rows)
        intent = None
        after = any(timedelta(0) < start - t <= timedelta(days=150) for t in transplants)
        if after and {r["drug_source_value"] for r in rows} <= {"lenalidomide", "daratumumab"}:
            intent = Intent.MAINTENANCE
        if any(timedelta(0) < i - start <= timedelta(days=14) for i in infusions):
            intent = Intent.BRIDGING
        uses = tuple(
            DrugUse(
                r["drug_source_value"],
                end=r["drug_exposure_end_date"] if r["drug_exposure_end_date"] != end else None,
                stop_reason=StopReason(r["stop_reason"]) if r["stop_reason"] else None,
            )
            for r in rows
        )
        reasons = {r["stop_reason"] for r in rows if r["drug_exposure_end_date"] == end}
        stop = StopReason.PROGRESSION if "progression" in reasons else StopReason.PLANNED
        therapies.append(Therapy(uses, start, end, intent=intent, stop_reason=stop))
    procs = [
        Procedure(ProcedureKind.AUTOLOGOUS_TRANSPLANT, day, conditioning=tuple(conditioning[day]))
        for day in transplants
    ] + [
        Procedure(ProcedureKind.CAR_T_INFUSION, day, product=products.get(day)) for day in infusions
    ]
    return tuple(therapies), tuple(procs)


def to_records(tables: Tables, catalog) -> list[PatientRecord]:
    exposures = _group(tables["drug_exposure"])
    procedures = _group(tables["procedure_occurrence"])
    labs = _group(tables["measurement"])
    deaths = {r["person_id"]: r["death_date"] for r in _rows(tables["death"])}
    records = []
    for person in _rows(tables["ground_truth_person"]):
        pid = person["person_id"]
        therapies, procs = _courses(exposures[pid], procedures[pid], catalog)
        panels: dict[date, list[Measurement]] = defaultdict(list)
        for r in labs[pid]:
            analyte = _ANALYTES[r["measurement_source_value"]]
            quantity = Quantity(r["value_as_number"], r["unit_source_value"])
            panels[r["measurement_date"]].append(Measurement(analyte, quantity))
        heavy = person["heavy_chain"]
        records.append(
            PatientRecord(
                id=str(pid),
                diagnosis=Diagnosis(
                    person["diagnosis_date"],
                    HeavyChain.NONE if heavy == "none" else HeavyChain(heavy),
                    LightChain(person["light_chain"]),
                ),
                therapies=therapies,
                procedures=procs,
                labs=tuple(
                    LabPanel(
                        day, tuple(sorted(values, key=lambda m: list(Analyte).index(m.analyte)))
                    )
                    for day, values in sorted(panels.items())
                ),
                death_date=deaths.get(pid),
            )
        )
    return records


def compare_with_assess(tables, catalog, criteria):
    truth = _lines_by_person(tables["ground_truth_line"])
    persons = {r["person_id"]: r for r in _rows(tables["ground_truth_person"])}
    result: dict[str, Any] = {
        "persons": 0,
        "n_lines": 0,
        "progressions": 0,
        "lines_compared": 0,
        "refractory": 0,
        "labels": 0,
        "differences": [],
    }
    for record in to_records(tables, catalog):
        pid = int(record.id)
        evaluation = assess(record, catalog, criteria, date(2026, 1, 1))
        own = sorted(truth.get(pid, []), key=lambda r: r["line_number"])
        result["persons"] += 1
        same_lines = len(evaluation.lines) == len(own)
        result["n_lines"] += same_lines
        found = [c.progression.date if c.progression else None for c in evaluation.courses]
        expected = [r["progression_date"] for r in own]
        if same_lines:
            result["lines_compared"] += len(own)
            result["progressions"] += sum(a == b for a, b in zip(found, expected, strict=True))
        refractory = {
            d for r in own if r["refractory_drugs"] for d in r["refractory_drugs"].split("+")
        }
        result["refractory"] += set(evaluation.refractory_drugs) == refractory
        labels = set(evaluation.labels)
        person = persons[pid]
        same_labels = all(
            (label in labels) == person[label]
            for label in ("triple_class_refractory", "penta_refractory", "bcma_exposed")
        )
        result["labels"] += same_labels
        if not same_lines or found != expected or set(evaluation.refractory_drugs) != refractory:
            result["differences"].append(
                (
                    pid,
                    [(ln.start, ln.regimen, ln.start_reason) for ln in evaluation.lines],
                    [(r["start_date"], r["regimen"]) for r in own],
                    found,
                    expected,
                    evaluation.refractory_drugs,
                    sorted(refractory),
                )
            )
    return result


def test_rrmm_assess_agrees_with_the_truth_on_generated_persons(catalog):
    from rrmm.kb import load_criteria

    # On 4 x 500 persons (seeds 0, 3, 5, 11) every count agreed but one refractory verdict:
    # melphalan on the day before a transplant, read here as conditioning dated on the
    # transplant day, which moves its last dose from 61 to 60 days before progression.
    tables = chunk_tables(simulate_chunk(11, 0, 1, 150))
    result = compare_with_assess(tables, catalog, load_criteria())
    persons = result["persons"]
    assert result["n_lines"] >= 0.98 * persons, result["differences"][:3]
    assert result["progressions"] >= 0.98 * result["lines_compared"], result["differences"][:3]
    assert result["refractory"] >= 0.98 * persons, result["differences"][:3]
    assert result["labels"] >= 0.98 * persons, result["differences"][:3]
