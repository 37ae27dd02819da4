"""Shared cohort fixtures: one small synthetic OMOP source (Parquet + DuckDB) and its run."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

AS_OF = date(2026, 1, 1)
SMALL = 300
PART = 100
KEYS: dict[str, tuple[str, ...]] = {
    "person_result": ("person_id",),
    "line_result": ("person_id", "line_number"),
    "episode": ("episode_id",),
    "episode_event": ("episode_id", "event_id"),
    "option_result": ("person_id", "rank"),
}


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
    return pq.read_table(out / name).sort_by([(c, "ascending") for c in KEYS[name] if c in names])
