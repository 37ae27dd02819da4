"""``rrmm synth``: write a synthetic OMOP CDM 5.4 myeloma cohort with its ground truth.

Register with ``app.command("synth")(synth_command)``. The generator and the rules its ground
truth follows (IMWG 2015 lines, IMWG 2016 progression, IMWG refractoriness) are documented in
:mod:`rrmm.cohort.synth`.
"""

from __future__ import annotations

import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["SynthFormat", "synth", "synth_command"]


class SynthFormat(StrEnum):
    """Output format of ``rrmm synth``."""

    PARQUET = "parquet"
    DUCKDB = "duckdb"
    BOTH = "both"


def synth(
    patients: int, seed: int, out: Path, format: SynthFormat = SynthFormat.PARQUET
) -> dict[str, int]:
    """Generate the cohort into ``out``; return the number of rows written per table."""
    from rrmm.cohort.synth import OutputFormat, generate

    return generate(patients, seed, out, OutputFormat(format.value))


def synth_command(
    out: Annotated[
        Path, typer.Option("--out", help="Output folder (created if missing).", file_okay=False)
    ],
    patients: Annotated[int, typer.Option("--patients", min=1, help="Number of persons.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Random seed.")] = 0,
    format: Annotated[
        SynthFormat,
        typer.Option("--format", help="parquet (DIR/<table>/part-*.parquet), duckdb, or both."),
    ] = SynthFormat.PARQUET,
) -> None:
    """Write a synthetic OMOP CDM 5.4 myeloma cohort and its ground truth (deterministic)."""
    started = time.perf_counter()
    try:
        counts = synth(patients, seed, out, format)
    except ImportError as error:
        typer.echo(f"rrmm synth needs numpy and pyarrow (and duckdb): {error}", err=True)
        raise typer.Exit(2) from error
    elapsed = time.perf_counter() - started
    for table, rows in counts.items():
        typer.echo(f"{table:24} {rows:>12,}")
    typer.echo(f"{patients:,} persons written to {out} in {elapsed:.1f} s")
