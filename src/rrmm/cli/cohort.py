"""``rrmm cohort``: assess every person of an OMOP CDM source with rrmm's core.

Register with ``app.add_typer(cohort_app, name="cohort")``. The engine and its outputs are
documented in :mod:`rrmm.cohort.run`.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from rrmm.cli.cohort_summary import summary

__all__ = ["cohort_app", "run"]

cohort_app = typer.Typer(
    help="Assess a whole OMOP CDM cohort (DuckDB file, Parquet folder or PostgreSQL) with"
    " rrmm's core, and summarise the run.",
    no_args_is_help=True,
    add_completion=False,
)


class Engine(StrEnum):
    """Which engine runs the core over the cohort."""

    DUCKDB = "duckdb"
    SPARK = "spark"


def _as_of(text: str | None) -> date:
    if text is None:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            f"'{text}' is not a date YYYY-MM-DD", param_hint="--as-of"
        ) from None


@cohort_app.command("run")
def run(
    source: Annotated[
        str,
        typer.Option(
            "--source",
            help="OMOP CDM: a DuckDB file, a folder of <table>/*.parquet, or a PostgreSQL URL"
            " (postgresql://user@host:port/db; a password is better given as PGPASSWORD).",
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="Output folder (results per partition).")],
    workers: Annotated[int, typer.Option("--workers", min=1, help="Worker processes.")] = 1,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Reading date YYYY-MM-DD; default today.")
    ] = None,
    options: Annotated[
        bool, typer.Option("--options/--no-options", help="Also list treatment options.")
    ] = True,
    isotype_table: Annotated[
        str | None,
        typer.Option(
            "--isotype-table",
            help="A non-OMOP side table (person_id, heavy_chain, light_chain) with the isotype,"
            " e.g. the synthetic cohort's ground_truth_person. A real CDM has none.",
        ),
    ] = None,
    partition_size: Annotated[
        int, typer.Option("--partition-size", min=1, help="Persons per partition.")
    ] = 10_000,
    max_partitions: Annotated[
        int | None,
        typer.Option("--max-partitions", min=1, help="Stop after this many new partitions."),
    ] = None,
    progress: Annotated[bool, typer.Option("--progress/--no-progress")] = True,
    schema: Annotated[
        str, typer.Option("--schema", help="PostgreSQL schema holding the CDM tables.")
    ] = "public",
    engine: Annotated[
        Engine,
        typer.Option(
            "--engine",
            help="duckdb (default; resumable partitions) or spark (local mode, Parquet sources;"
            " needs the spark extra and Java).",
        ),
    ] = Engine.DUCKDB,
) -> None:
    """Derive lines, progression, refractoriness, status (and options) for every person."""
    from rrmm.cohort.run import CohortError, run_cohort

    try:
        if engine is Engine.SPARK:
            from rrmm.cohort.spark import run_spark

            summary = run_spark(
                source,
                out,
                _as_of(as_of),
                workers=workers,
                options=options,
                isotype_table=isotype_table,
                batch_size=partition_size,
            )
        else:
            summary = run_cohort(
                source,
                out,
                _as_of(as_of),
                workers=workers,
                options=options,
                isotype_table=isotype_table,
                partition_size=partition_size,
                max_partitions=max_partitions,
                progress=progress,
                schema=schema,
            )
    except CohortError as error:
        typer.echo(f"rrmm cohort run: {error}", err=True)
        raise typer.Exit(2) from None
    rate = summary.persons / summary.seconds if summary.seconds else 0.0
    typer.echo(
        f"{summary.persons:,} persons in {summary.partitions} partitions"
        f" ({summary.done_before} done before, {summary.computed} computed now,"
        f" {len(summary.skipped)} left); {summary.not_evaluable} not evaluable;"
        f" {summary.seconds:.1f} s ({rate:,.0f} persons/s overall)"
    )


cohort_app.command("summary")(summary)
