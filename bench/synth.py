"""Time the synthetic cohort generator: `python -m bench.synth [--patients N] [--workers W]`.

Writes Parquet to a temporary folder, prints wall time, rows per second (all tables) and the
peak resident set size of this process and its worker processes.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

from rrmm.cohort.synth import OutputFormat, generate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--format", choices=[f.value for f in OutputFormat], default="parquet")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        counts = generate(
            args.patients, args.seed, Path(folder), OutputFormat(args.format), workers=args.workers
        )
        elapsed = time.perf_counter() - started
        size = sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())
    rows = sum(counts.values())
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    for table, count in counts.items():
        print(f"{table:24} {count:>14,}")
    print(
        f"{args.patients:,} persons, {rows:,} rows in {elapsed:.1f} s:"
        f" {rows / elapsed:,.0f} rows/s, {args.patients / elapsed:,.0f} persons/s,"
        f" {size / 2**20:,.0f} MiB on disk"
    )
    print(f"peak RSS: {own:,.0f} MiB (this process), {children:,.0f} MiB (largest worker)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
