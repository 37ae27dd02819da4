"""Benchmark the Spark engine (local mode) on a synthetic cohort, and check it against DuckDB.

``python -m bench.cohort_spark --patients 100000 --workers 2`` generates the cohort once (shared
with ``bench.cohort``), runs ``rrmm cohort run --engine spark`` over it and prints the wall time
and persons/s. With ``--compare DIR`` (a DuckDB-engine run of the same cohort with the same
options and as-of date) it also checks that every output table is equal row for row.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq  # type: ignore[import-untyped]

from bench.cohort import AS_OF, cohort_source
from rrmm.cohort.run import OUTPUT_KEYS, OUTPUT_TABLES
from rrmm.cohort.spark import run_spark


def _sorted(out: Path, name: str) -> object:
    table = pq.read_table(out / name)
    return table.sort_by([(c, "ascending") for c in OUTPUT_KEYS[name]])


def same_rows(first: Path, second: Path) -> dict[str, tuple[int, bool]]:
    """Per output table: rows, and whether both runs hold exactly the same rows."""
    found = {}
    for name in OUTPUT_TABLES:
        a, b = _sorted(first, name), _sorted(second, name)
        found[name] = (a.num_rows, a.to_pylist() == b.to_pylist())  # type: ignore[attr-defined]
    return found


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print the numbers."""
    parser = argparse.ArgumentParser(prog="python -m bench.cohort_spark")
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch-size", type=int, default=2_000)
    parser.add_argument("--options", action="store_true", help="also list treatment options")
    parser.add_argument("--compare", type=Path, help="a DuckDB-engine run to compare with")
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()))
    args = parser.parse_args(argv)
    source = cohort_source(args.patients, args.seed, args.data)
    out = Path(tempfile.mkdtemp(prefix="rrmm-bench-spark-")) / "run"
    try:
        started = time.perf_counter()
        summary = run_spark(
            source,
            out,
            AS_OF,
            workers=args.workers,
            options=args.options,
            batch_size=args.batch_size,
        )
        wall = time.perf_counter() - started
        print(
            f"spark local[{args.workers}]: {summary.persons:,} persons, options={args.options}:"
            f" {wall:.1f} s wall, {summary.persons / wall:,.0f} persons/s;"
            f" {summary.not_evaluable} not evaluable"
        )
        if args.compare is not None:
            for name, (rows, same) in same_rows(out, args.compare).items():
                print(f"  {name}: {rows:,} rows, {'identical' if same else 'DIFFERENT'}")
    finally:
        shutil.rmtree(out.parent, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
