"""Shared cohort fixtures: one small synthetic OMOP source (Parquet + DuckDB) and its run."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from rrmm.cohort.run import OUTPUT_KEYS

AS_OF = date(2026, 1, 1)
SMALL = 300
PART = 100


@pytest.fixture(scope="session")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """300 synthetic persons (seed 5) as Parquet tables and a DuckDB file."""
    pytest.importorskip("duckdb")
    from rrmm.cohort.synth import OutputFormat, generate

    source = tmp_path_factory.mktemp("omop")
    generate(SMALL, 5, source, OutputFormat.BOTH, chunk_size=150)
    return source


@pytest.fixture(scope="session")
def small_run(small: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The DuckDB engine's run over ``small`` (with options)."""
    from rrmm.cohort.run import run_cohort

    out = tmp_path_factory.mktemp("run")
    summary = run_cohort(small, out, AS_OF, partition_size=PART, options=True)
    assert summary.persons == SMALL
    assert summary.computed == SMALL // PART
    return out


def sorted_table(out: Path, name: str) -> Any:
    """An output table of a run, sorted by its key columns."""
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    names = pq.read_schema(next((out / name).glob("*.parquet"))).names
    return pq.read_table(out / name).sort_by(
        [(c, "ascending") for c in OUTPUT_KEYS[name] if c in names]
    )


LOCAL_CONCEPTS = 2_000_000_001  # OMOP: ids above 2,000,000,000 are site-local concepts


@pytest.fixture(scope="session")
def small_concepts(small: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``small`` as a site would code it: measurements and units by concept id only.

    Each LOINC code becomes a local concept (vocabulary LOINC, concept_code the LOINC code) and
    the measurement's source value a local lab code rrmm cannot read; each unit becomes a UCUM
    concept with no unit source value. A run must read it exactly as it reads ``small``.
    """
    import shutil

    import pyarrow as pa
    import pyarrow.compute as pc  # type: ignore[import-untyped]
    import pyarrow.parquet as pq

    out = tmp_path_factory.mktemp("omop-concepts")
    for folder in small.iterdir():
        if folder.is_dir() and folder.name != "measurement":
            shutil.copytree(folder, out / folder.name)
    measurement = pq.read_table(small / "measurement")
    codes = sorted(set(measurement.column("measurement_source_value").drop_null().to_pylist()))
    units = sorted(set(measurement.column("unit_source_value").drop_null().to_pylist()))
    code_ids = {code: LOCAL_CONCEPTS + k for k, code in enumerate(codes)}
    unit_ids = {unit: LOCAL_CONCEPTS + 100_000 + k for k, unit in enumerate(units)}
    code_column = measurement.column("measurement_source_value").to_pylist()
    unit_column = measurement.column("unit_source_value").to_pylist()
    measurement = (
        measurement.set_column(
            measurement.schema.get_field_index("measurement_concept_id"),
            "measurement_concept_id",
            pa.array([code_ids.get(c, 0) if c else 0 for c in code_column], pa.int32()),
        )
        .set_column(
            measurement.schema.get_field_index("unit_concept_id"),
            "unit_concept_id",
            pa.array([unit_ids[u] if u else 0 for u in unit_column], pa.int32()),
        )
        .set_column(
            measurement.schema.get_field_index("measurement_source_value"),
            "measurement_source_value",
            pc.binary_join_element_wise("LAB-", measurement.column("measurement_source_value"), ""),
        )
        .set_column(
            measurement.schema.get_field_index("unit_source_value"),
            "unit_source_value",
            pa.nulls(measurement.num_rows, pa.string()),
        )
    )
    (out / "measurement").mkdir()
    pq.write_table(measurement, out / "measurement" / "part-00000.parquet")
    rows = [(i, c, "LOINC") for c, i in code_ids.items()] + [
        (i, u, "UCUM") for u, i in unit_ids.items()
    ]
    concept = pa.table(
        {
            "concept_id": pa.array([r[0] for r in rows], pa.int32()),
            "concept_name": pa.array([r[1] for r in rows]),
            "concept_code": pa.array([r[1] for r in rows]),
            "vocabulary_id": pa.array([r[2] for r in rows]),
        }
    )
    (out / "concept").mkdir()
    pq.write_table(concept, out / "concept" / "part-00000.parquet")
    return out
