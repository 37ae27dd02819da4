"""Benchmark ``rrmm cohort run`` end to end on a synthetic OMOP cohort, against a naive baseline.

``python -m bench.cohort --patients 100000 --workers 2`` generates the cohort (or reuses it),
runs the engine (partitions read with DuckDB, columns sliced per person, the pure core per
person) and prints persons/s, wall time and peak RSS. The naive baseline builds each record from
one DuckDB query per table per patient (``WHERE person_id BETWEEN p AND p``, the same adapter
and core), timed on a subset and extrapolated. ``--profile`` runs cProfile on one partition.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import resource
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

from rrmm import compiled
from rrmm.cohort.run import (
    Partition,
    RunConfig,
    SourceKind,
    _connect,
    _engine,
    compute_partition,
    plan_partitions,
    read_partition,
    run_cohort,
)
from rrmm.cohort.synth import OutputFormat, generate

AS_OF = date(2026, 1, 1)


def _peak_mib() -> tuple[float, float]:
    """Peak RSS (MiB) of this process and of the largest finished child (Linux: KiB units)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def _core() -> str:
    import rrmm.core.assess  # noqa: F401

    return "compiled (mypyc)" if compiled.loaded() else "pure Python"


def cohort_source(patients: int, seed: int, root: Path) -> Path:
    """The synthetic cohort (Parquet), generated once and reused."""
    folder = root / f"rrmm-bench-cohort-{patients}-{seed}"
    done = folder / ".complete"
    if not done.exists():
        shutil.rmtree(folder, ignore_errors=True)
        started = time.perf_counter()
        generate(patients, seed, folder, OutputFormat.PARQUET, workers=2)
        done.write_text("ok", encoding="utf-8")
        print(f"generated {patients:,} persons in {time.perf_counter() - started:.1f} s")
    return folder


def naive_rate(source: Path, persons: int, options: bool) -> float:
    """Persons/s when every person is read with its own queries (one per table)."""
    config = RunConfig(str(source), str(SourceKind.PARQUET), AS_OF.isoformat(), options)
    ids = [p.lo for p in plan_partitions(replace(config, partition_size=1))[:persons]]
    engine = _engine(config)
    con = _connect(config, 1)
    started = time.perf_counter()
    try:
        for k, pid in enumerate(ids):
            tables, isotypes = read_partition(con, config, Partition(k, pid, pid, 1))
            compute_partition(tables, isotypes, engine)
    finally:
        con.close()
    return len(ids) / (time.perf_counter() - started)


def profile_partition(source: Path, size: int, options: bool, top: int = 25) -> None:
    """cProfile of reading and assessing one partition of ``size`` persons."""
    config = RunConfig(str(source), str(SourceKind.PARQUET), AS_OF.isoformat(), options)
    part = plan_partitions(replace(config, partition_size=size))[0]
    engine = _engine(config)
    profiler = cProfile.Profile()
    profiler.enable()
    con = _connect(config, 1)
    tables, isotypes = read_partition(con, config, part)
    con.close()
    compute_partition(tables, isotypes, engine)
    profiler.disable()
    for order in ("cumulative", "tottime"):
        stream = io.StringIO()
        pstats.Stats(profiler, stream=stream).sort_stats(order).print_stats(top)
        print(f"--- profile of one partition ({part.persons} persons), by {order}")
        print(stream.getvalue())


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print the numbers."""
    parser = argparse.ArgumentParser(prog="python -m bench.cohort")
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--partition-size", type=int, default=10_000)
    parser.add_argument("--options", action="store_true", help="also list treatment options")
    parser.add_argument("--naive", type=int, default=200, help="persons for the naive baseline")
    parser.add_argument("--profile", type=int, default=0, help="profile one partition of N")
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()))
    args = parser.parse_args(argv)
    source = cohort_source(args.patients, args.seed, args.data)
    if args.profile:
        profile_partition(source, args.profile, args.options)
        return 0
    out = Path(tempfile.mkdtemp(prefix="rrmm-bench-cohort-out-"))
    try:
        started = time.perf_counter()
        summary = run_cohort(
            source,
            out,
            AS_OF,
            workers=args.workers,
            options=args.options,
            partition_size=args.partition_size,
            progress=sys.stderr.isatty(),
        )
        wall = time.perf_counter() - started
    finally:
        shutil.rmtree(out, ignore_errors=True)
    own, child = _peak_mib()
    rate = summary.persons / wall
    print(
        f"engine: {summary.persons:,} persons, {summary.partitions} partitions,"
        f" {args.workers} workers, options={args.options}: {wall:.1f} s wall,"
        f" {rate:,.0f} persons/s; peak RSS main {own:,.0f} MiB, largest worker {child:,.0f} MiB"
        f" (all processes <= {own + args.workers * child:,.0f} MiB);"
        f" {summary.not_evaluable} not evaluable; core {_core()}"
    )
    if args.naive:
        naive = naive_rate(source, args.naive, args.options)
        print(
            f"naive (one query per table per person, 1 process, {args.naive} persons):"
            f" {naive:,.1f} persons/s -> {summary.persons / naive:,.0f} s extrapolated;"
            f" engine is {rate / naive:,.1f}x faster ({rate / args.workers / naive:,.1f}x per"
            " worker)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
