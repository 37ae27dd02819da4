"""``rrmm cohort run``: the OMOP engine gives what ``rrmm assess``/``rrmm options`` give.

(a) equivalence with the real CLI on exported records, (b) accuracy against the synthetic
cohort's ground truth, (c) resume, (d) Parquet and DuckDB sources agree, (e) bad rows become
input notes, and the adapter's pure mappings.
"""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import pytest

np = pytest.importorskip("numpy")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
pytest.importorskip("duckdb")

from bench.cohort_truth import compare_with_truth  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from rrmm.adapters.native.write import write_json  # noqa: E402
from rrmm.adapters.omop.read import convert_unit, parse_isotype  # noqa: E402
from rrmm.cli.app import app  # noqa: E402
from rrmm.cli.cohort import cohort_app  # noqa: E402
from rrmm.cohort.run import (  # noqa: E402
    OUTPUT_TABLES,
    TREATMENT_REGIMEN_CONCEPT_ID,
    CohortError,
    read_records,
    run_cohort,
)
from rrmm.cohort.synth import OutputFormat, generate  # noqa: E402
from rrmm.core.analytes import Analyte  # noqa: E402
from rrmm.core.model import HeavyChain, LightChain  # noqa: E402
from tests.cohort.conftest import AS_OF, PART, sorted_table  # noqa: E402

Row = dict[str, Any]


def _by_person(rows: list[Row]) -> dict[int, list[Row]]:
    found: dict[int, list[Row]] = defaultdict(list)
    for row in rows:
        found[row["person_id"]].append(row)
    return found


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


# ---------------------------------------------------------------------------------------------
# (a) the same answers as the CLI on the exported record


def test_cohort_results_equal_rrmm_assess_and_options_on_exported_records(
    small: Path, small_run: Path, tmp_path: Path
) -> None:
    persons = {r["person_id"]: r for r in sorted_table(small_run, "person_result").to_pylist()}
    lines = _by_person(sorted_table(small_run, "line_result").to_pylist())
    options = _by_person(sorted_table(small_run, "option_result").to_pylist())
    runner = CliRunner()
    checked = 0
    for built in read_records(small, partition_size=PART):
        pid = int(built.record.id)
        if pid % 23:
            continue
        path = tmp_path / f"{pid}.json"
        path.write_text(write_json(built.record), encoding="utf-8")
        result = runner.invoke(app, ["assess", str(path), "--json", "--as-of", AS_OF.isoformat()])
        assert result.exit_code == 0, result.output
        cli = json.loads(result.stdout)
        mine = persons[pid]
        assert mine["status"] == cli["status"]
        assert mine["n_lines"] == cli["lines_of_therapy"]
        assert mine["labels"] == cli["labels"]
        assert mine["refractory_drugs"] == cli["refractory_drugs"]
        assert mine["exposed_drugs"] == cli["exposed_drugs"]
        refractory_classes = sorted(k for k, v in cli["class_status"].items() if v == "refractory")
        assert mine["refractory_classes"] == refractory_classes
        assert mine["iss"] == cli["risk"]["iss"]["value"]
        expected = [
            (
                ln["number"],
                ln["start"],
                ln["end"],
                ln["regimen"],
                ln["best_response"],
                ln["progression_date"],
                ln["refractory"],
            )
            for ln in cli["lines"]
        ]
        found = [
            (
                r["line_number"],
                _iso(r["start_date"]),
                _iso(r["end_date"]),
                r["regimen"],
                r["best_response"],
                _iso(r["progression_date"]),
                r["refractory_drugs"],
            )
            for r in lines.get(pid, [])
        ]
        assert found == expected, pid
        result = runner.invoke(app, ["options", str(path), "--json", "--as-of", AS_OF.isoformat()])
        assert result.exit_code == 0, result.output
        cli_options = json.loads(result.stdout)["options"]
        assert [
            (o["regimen"], o["kind"], o["label_eligible"], o["refractory_components"])
            for o in cli_options
        ] == [
            (o["regimen"], o["kind"], o["label_eligible"], o["refractory_components"])
            for o in options[pid]
        ]
        checked += 1
    assert checked >= 10


def test_lines_are_written_as_omop_episodes_with_their_events(small_run: Path) -> None:
    episodes = sorted_table(small_run, "episode").to_pylist()
    lines = sorted_table(small_run, "line_result")
    assert len(episodes) == lines.num_rows
    assert {e["episode_concept_id"] for e in episodes} == {TREATMENT_REGIMEN_CONCEPT_ID}
    events = sorted_table(small_run, "episode_event")
    assert set(events.column("episode_id").to_pylist()) == {e["episode_id"] for e in episodes}


# ---------------------------------------------------------------------------------------------
# (b) accuracy against the ground truth


def test_accuracy_against_the_ground_truth(tmp_path: Path) -> None:
    n = 2000
    source = tmp_path / "omop"
    generate(n, 11, source, OutputFormat.PARQUET, chunk_size=1000)
    out = tmp_path / "out"
    run_cohort(source, out, AS_OF, workers=2, options=False, partition_size=500)
    agreement = compare_with_truth(source, out)
    print(f"\n{agreement}")
    lines_rate, progression_rate, class_rate = (
        agreement.lines_rate,
        agreement.progression_rate,
        agreement.class_rate,
    )
    assert lines_rate >= 0.99
    assert progression_rate >= 0.98
    assert class_rate >= 0.99


# ---------------------------------------------------------------------------------------------
# (c) resume, (d) sources


def _tables(out: Path, names: tuple[str, ...] = OUTPUT_TABLES) -> dict[str, Any]:
    return {name: sorted_table(out, name) for name in names}


def test_a_rerun_resumes_and_redoes_only_missing_partitions(
    small: Path, small_run: Path, tmp_path: Path
) -> None:
    out = tmp_path / "resume"
    first = run_cohort(small, out, AS_OF, partition_size=PART, max_partitions=1)
    assert first.computed == 1
    assert len(first.skipped) == 2
    marker = out / "_done" / "part-00000.json"
    stamp = marker.stat().st_mtime_ns
    second = run_cohort(small, out, AS_OF, partition_size=PART)
    assert (second.done_before, second.computed) == (1, 2)
    assert marker.stat().st_mtime_ns == stamp
    (out / "_done" / "part-00001.json").unlink()
    third = run_cohort(small, out, AS_OF, partition_size=PART)
    assert (third.done_before, third.computed) == (2, 1)
    assert _tables(out) == _tables(small_run)
    with pytest.raises(CohortError):
        run_cohort(small, out, AS_OF, partition_size=PART, options=False)


def test_parquet_folder_and_duckdb_file_give_the_same_results(
    small: Path, small_run: Path, tmp_path: Path
) -> None:
    result = CliRunner().invoke(
        cohort_app,
        [
            "run",
            "--source",
            str(small / "cdm.duckdb"),
            "--out",
            str(tmp_path / "db"),
            "--as-of",
            AS_OF.isoformat(),
            "--partition-size",
            str(PART),
            "--no-progress",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "300 persons" in result.output
    assert _tables(tmp_path / "db") == _tables(small_run)


# ---------------------------------------------------------------------------------------------
# (e) bad rows


def _with_rows(table: Any, rows: list[Row]) -> Any:
    extra = pa.Table.from_pylist(
        [{**dict.fromkeys(table.schema.names), **row} for row in rows], schema=table.schema
    )
    return pa.concat_tables([table, extra])


def test_bad_rows_become_input_notes_not_crashes(small: Path, tmp_path: Path) -> None:
    source = tmp_path / "bad"
    day = date(2020, 1, 1)
    bad: dict[str, list[Row]] = {
        "drug_exposure": [
            {
                "drug_exposure_id": 1,
                "person_id": 1,
                "drug_concept_id": 999999,
                "drug_source_value": "mysterymab",
                "drug_exposure_start_date": day,
                "drug_exposure_end_date": day,
            }
        ],
        "measurement": [
            {
                "measurement_id": 1,
                "person_id": 1,
                "measurement_date": day,
                "measurement_source_value": "33358-3",
                "value_as_number": 1.0,
                "unit_source_value": "mmol/L",
            },
            {
                "measurement_id": 2,
                "person_id": 2,
                "measurement_date": day,
                "measurement_source_value": "9999-9",
                "value_as_number": 1.0,
                "unit_source_value": "g/dL",
            },
        ],
        "procedure_occurrence": [
            {
                "procedure_occurrence_id": 1,
                "person_id": 2,
                "procedure_date": day,
                "procedure_source_value": "appendectomy",
            }
        ],
    }
    for name in ("person", "condition_occurrence", "death", *bad):
        table = pq.read_table(small / name)
        table = table.filter(pa.compute.less_equal(table.column("person_id"), 3))
        table = _with_rows(table, bad.get(name, []))
        (source / name).mkdir(parents=True)
        pq.write_table(table, source / name / "part-00000.parquet")
    out = tmp_path / "out"
    summary = run_cohort(source, out, AS_OF, options=False)
    assert summary.persons == 3
    rows = {r["person_id"]: r for r in sorted_table(out, "person_result").to_pylist()}
    one, two = " | ".join(rows[1]["input_notes"]), " | ".join(rows[2]["input_notes"])
    assert "mysterymab" in one
    assert "not in rrmm's drug catalogue" in one
    assert "mmol/L" in one
    assert "9999-9" in two
    assert "appendectomy" in two
    assert "no isotype field" in one
    assert all(r["status"] != "not_evaluable" for r in rows.values())


# ---------------------------------------------------------------------------------------------
# The adapter's pure mappings


@pytest.mark.parametrize(
    ("text", "heavy", "light"),
    [
        ("IgG kappa multiple myeloma", HeavyChain.IGG, LightChain.KAPPA),
        ("Multiple myeloma, IgA lambda", HeavyChain.IGA, LightChain.LAMBDA),
        ("light chain myeloma (kappa)", HeavyChain.NONE, LightChain.KAPPA),
        ("109989006", None, None),
        (None, None, None),
    ],
)
def test_isotype_is_read_from_the_diagnosis_text_only_when_named(
    text: str | None, heavy: HeavyChain | None, light: LightChain | None
) -> None:
    assert parse_isotype(text) == (heavy, light)


def test_units_are_converted_explicitly_to_the_canonical_unit() -> None:
    assert convert_unit(Analyte.SERUM_M_PROTEIN, 31.0, "g/L") == pytest.approx((3.1, "g/dL"))
    assert convert_unit(Analyte.SERUM_M_PROTEIN, 3.1, "g/dL") == (3.1, "g/dL")
    assert convert_unit(Analyte.KAPPA_FLC, 41.0, "mg/dL") == pytest.approx((410.0, "mg/L"))
    assert convert_unit(Analyte.CREATININE, 88.4, "umol/L")[1] == "mg/dL"
    assert isinstance(convert_unit(Analyte.SERUM_M_PROTEIN, 1.0, "mmol/L"), str)
    assert isinstance(convert_unit(Analyte.SERUM_M_PROTEIN, 1.0, "furlong"), str)


def test_each_line_carries_the_labels_held_when_it_started(small_run: Path) -> None:
    persons = {r["person_id"]: r for r in sorted_table(small_run, "person_result").to_pylist()}
    lines = _by_person(sorted_table(small_run, "line_result").to_pylist())
    tcr_later_lines = 0
    for pid, rows in lines.items():
        assert rows[0]["labels_at_start"] == []
        for row in rows:
            assert set(row["labels_at_start"]) - {"quad_refractory"} <= set(persons[pid]["labels"])
            tcr_later_lines += "triple_class_refractory" in row["labels_at_start"]
    assert tcr_later_lines > 0


def test_measurements_coded_only_by_concept_id_are_read_through_the_concept_table(
    small_concepts: Path, small_run: Path, tmp_path: Path
) -> None:
    out = tmp_path / "concepts"
    run_cohort(small_concepts, out, AS_OF, partition_size=PART, options=True)
    for name in OUTPUT_TABLES:
        assert sorted_table(out, name).to_pylist() == sorted_table(small_run, name).to_pylist()


def test_without_the_concept_table_local_codes_are_reported_not_guessed(
    small_concepts: Path, tmp_path: Path
) -> None:
    source = tmp_path / "no-concept"
    shutil.copytree(small_concepts, source, ignore=shutil.ignore_patterns("concept"))
    out = tmp_path / "out"
    run_cohort(source, out, AS_OF, partition_size=PART, options=False)
    rows = sorted_table(out, "person_result").to_pylist()
    notes = [n for r in rows for n in r["input_notes"]]
    assert any("'LAB-" in n and "not a LOINC code" in n for n in notes)
    assert all(r["status"] != "relapsed_and_refractory" for r in rows)
