"""The Spark engine (local mode) gives the DuckDB engine's results row for row."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest.importorskip("pyspark")
pytest.importorskip("pandas")

from rrmm.cohort.run import OUTPUT_TABLES, CohortError
from rrmm.cohort.spark import run_spark
from tests.cohort.conftest import AS_OF, SMALL, sorted_table

#: py4j (Spark's Python-JVM bridge) leaves its client sockets to the garbage collector after
#: ``SparkSession.stop()``; that is its behaviour, not rrmm's, so its ResourceWarning is ignored.
pytestmark = [
    pytest.mark.filterwarnings("ignore:unclosed <socket.socket:ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]


@pytest.fixture(scope="module")
def spark_run(small: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("java") is None:
        pytest.fail("Java is not installed: run `make setup` (it installs a Java 17 runtime)")
    out = tmp_path_factory.mktemp("spark") / "run"
    summary = run_spark(
        small, out, AS_OF, workers=2, options=True, batch_size=70, shuffle_partitions=3
    )
    assert summary.persons == SMALL
    assert summary.not_evaluable == 0
    return out


@pytest.mark.parametrize("table", OUTPUT_TABLES)
def test_spark_equals_duckdb_row_for_row(spark_run: Path, small_run: Path, table: str) -> None:
    found = sorted_table(spark_run, table)
    expected = sorted_table(small_run, table)
    assert found.num_rows == expected.num_rows > 0
    assert found.to_pylist() == expected.to_pylist()


def test_spark_records_its_parameters(spark_run: Path) -> None:
    text = (spark_run / "_run.json").read_text(encoding="utf-8")
    assert '"engine": "spark"' in text
    assert AS_OF.isoformat() in text


def test_spark_refuses_a_duckdb_file_and_a_used_folder(small: Path, spark_run: Path) -> None:
    with pytest.raises(CohortError, match="folder of OMOP Parquet tables"):
        run_spark(small / "cdm.duckdb", spark_run.parent / "other", AS_OF)
    with pytest.raises(CohortError, match="not empty"):
        run_spark(small, spark_run, AS_OF)


def test_cli_engine_spark_names_what_it_reads(small: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from rrmm.cli.app import app

    result = CliRunner().invoke(
        app,
        [
            "cohort",
            "run",
            "--engine",
            "spark",
            "--source",
            str(small / "cdm.duckdb"),
            "--out",
            str(tmp_path / "out"),
            "--no-progress",
        ],
    )
    assert result.exit_code == 2
    assert "Spark engine reads a folder of OMOP Parquet tables" in result.output


def test_spark_reads_measurements_coded_by_concept_id_only(
    small_concepts: Path, small_run: Path, tmp_path: Path
) -> None:
    out = tmp_path / "concepts"
    run_spark(small_concepts, out, AS_OF, workers=2, options=False, shuffle_partitions=2)
    for table in ("person_result", "line_result", "episode_event"):
        found = sorted_table(out, table).to_pylist()
        assert found == sorted_table(small_run, table).to_pylist(), table
