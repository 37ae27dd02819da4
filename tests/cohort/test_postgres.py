"""A PostgreSQL OMOP source gives row for row what the DuckDB/Parquet source gives.

The test starts a throwaway PostgreSQL server (Debian's ``postgresql`` package, installed by
``make setup``): ``initdb`` into a temporary folder, ``pg_ctl start`` on a free loopback port,
the synthetic cohort loaded into schema ``cdm`` with ADBC bulk ingest and the OMOP CDM's
person_id indexes, then ``rrmm cohort run --source postgresql://…``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from glob import glob
from pathlib import Path
from typing import Any

import pytest

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
pg = pytest.importorskip("adbc_driver_postgresql.dbapi")

from typer.testing import CliRunner  # noqa: E402

from rrmm.cli.app import app  # noqa: E402
from rrmm.cohort.run import OUTPUT_TABLES, CohortError, run_cohort  # noqa: E402
from rrmm.cohort.sources import RAW_COLUMNS, redact_url  # noqa: E402
from tests.cohort.conftest import AS_OF, PART, SMALL, sorted_table  # noqa: E402

TABLES = (*RAW_COLUMNS, "ground_truth_person")


def _binary(name: str) -> str:
    found = shutil.which(name) or next(
        iter(sorted(glob(f"/usr/lib/postgresql/*/bin/{name}"))), None
    )
    if found is None:
        pytest.fail(f"PostgreSQL's {name} is not installed: run `make setup` (Debian postgresql)")
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _as_server_user(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run as the ``postgres`` account then."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    root = Path(tempfile.mkdtemp(prefix="rrmm-pg-"))
    data = root / "data"
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    port = _free_port()
    subprocess.run(
        _as_server_user([_binary("initdb"), "-D", str(data), "-A", "trust", "-U", "rrmm"]),
        check=True,
        capture_output=True,
        stdin=subprocess.DEVNULL,
    )
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
    start = [_binary("pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "log")]
    subprocess.run(
        _as_server_user([*start, "-w", "start"]),
        check=True,
        capture_output=True,
        stdin=subprocess.DEVNULL,
    )
    try:
        yield f"postgresql://rrmm@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as_server_user([_binary("pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            capture_output=True,
            stdin=subprocess.DEVNULL,
        )
        shutil.rmtree(root, ignore_errors=True)


def _load(url: str, source: Path, schema: str, tables: tuple[str, ...]) -> None:
    with pg.connect(url) as connection:
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE SCHEMA {schema}")
            for name in tables:
                table = pq.read_table(source / name)
                cursor.adbc_ingest(name, table, mode="create", db_schema_name=schema)
                if "person_id" in table.column_names:
                    cursor.execute(f"CREATE INDEX ON {schema}.{name} (person_id)")
        connection.commit()


@pytest.fixture(scope="session")
def loaded(postgres_url: str, small: Path) -> str:
    """The small synthetic cohort in schema ``cdm``, with the CDM's person_id indexes."""
    _load(postgres_url, small, "cdm", TABLES)
    return postgres_url


def test_postgres_source_equals_the_parquet_source_row_for_row(
    loaded: str, small_run: Path, tmp_path: Path
) -> None:
    out = tmp_path / "pg-run"
    summary = run_cohort(loaded, out, AS_OF, partition_size=PART, options=True, schema="cdm")
    assert summary.persons == SMALL
    for name in OUTPUT_TABLES:
        found = sorted_table(out, name).to_pylist()
        expected = sorted_table(small_run, name).to_pylist()
        assert found == expected, name


def test_postgres_measurements_coded_by_concept_id_only(
    loaded: str, small_concepts: Path, small_run: Path, tmp_path: Path
) -> None:
    _load(loaded, small_concepts, "cdm_concepts", (*RAW_COLUMNS, "concept"))
    out = tmp_path / "pg-concepts"
    run_cohort(loaded, out, AS_OF, partition_size=PART, options=False, schema="cdm_concepts")
    for name in ("person_result", "line_result", "episode_event"):
        found = sorted_table(out, name).to_pylist()
        assert found == sorted_table(small_run, name).to_pylist(), name


def test_cli_reads_postgres_and_records_no_password(loaded: str, tmp_path: Path) -> None:
    out = tmp_path / "cli-run"
    url = loaded.replace("rrmm@", "rrmm:secret-word@")
    result = CliRunner().invoke(
        app,
        [
            *("cohort", "run", "--source", url, "--schema", "cdm", "--out", str(out)),
            *("--as-of", AS_OF.isoformat(), "--no-options", "--no-progress"),
            *("--isotype-table", "ground_truth_person", "--partition-size", "150"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert f"{SMALL} persons in 2 partitions" in result.output
    manifest = (out / "_run.json").read_text(encoding="utf-8")
    assert "secret-word" not in manifest
    assert redact_url(url) in manifest
    rows: list[dict[str, Any]] = sorted_table(out, "person_result").to_pylist()
    assert sum(r["heavy_chain"] is not None or r["light_chain"] is not None for r in rows) > 0


def test_unreachable_server_is_a_clear_error_without_the_password(tmp_path: Path) -> None:
    url = f"postgresql://someone:hunter2@127.0.0.1:{_free_port()}/cdm"
    with pytest.raises(CohortError) as error:
        run_cohort(url, tmp_path / "out", AS_OF)
    assert "cannot connect" in str(error.value)
    assert "hunter2" not in str(error.value)


def test_missing_person_table_is_named(loaded: str, tmp_path: Path) -> None:
    with pytest.raises(CohortError, match=r"no table public\.person"):
        run_cohort(loaded, tmp_path / "out", AS_OF)
