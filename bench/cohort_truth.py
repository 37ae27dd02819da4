"""Agreement of a cohort run with the synthetic generator's ground truth.

``python -m bench.cohort_truth --source OMOP_DIR --out RUN_DIR`` prints, over every person: lines
of therapy exact (same start dates), progression dates exact (over the lines of persons whose
lines agree), and refractory classes exact (triple-class, penta, BCMA-exposed labels).
"""

from __future__ import annotations

import argparse
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.dataset as ds  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

LABELS = ("triple_class_refractory", "penta_refractory", "bcma_exposed")


@dataclass
class Agreement:
    persons: int = 0
    same_lines: int = 0
    lines_compared: int = 0
    same_progressions: int = 0
    same_classes: int = 0
    differences: Counter[str] = field(default_factory=Counter)

    @property
    def lines_rate(self) -> float:
        return self.same_lines / self.persons

    @property
    def progression_rate(self) -> float:
        return self.same_progressions / max(self.lines_compared, 1)

    @property
    def class_rate(self) -> float:
        return self.same_classes / self.persons

    def __str__(self) -> str:
        return (
            f"vs truth on {self.persons:,} persons: lines exact {self.lines_rate:.2%}, progression"
            f" dates exact {self.progression_rate:.2%} of {self.lines_compared:,} lines,"
            f" refractory classes exact {self.class_rate:.2%}"
        )


def _by_person(rows: list[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    grouped: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        grouped.setdefault(row["person_id"], []).append(row)
    return grouped


def _read(folder: Path, columns: list[str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = (
        ds.dataset(folder, format="parquet").to_table(columns=columns).to_pylist()
    )
    return rows


def compare_with_truth(source: Path, out: Path) -> Agreement:
    """Compare ``out`` (a cohort run) with the ground truth beside the OMOP tables in ``source``."""
    truth = _by_person(
        pq.read_table(
            source / "ground_truth_line",
            columns=["person_id", "line_number", "start_date", "progression_date", "regimen"],
        ).to_pylist()
    )
    people = pq.read_table(source / "ground_truth_person", columns=["person_id", *LABELS])
    found = _by_person(
        _read(out / "line_result", ["person_id", "line_number", "start_date", "progression_date"])
    )
    results = {
        r["person_id"]: set(r["labels"])
        for r in _read(out / "person_result", ["person_id", "labels"])
    }
    agreement = Agreement()
    for person in people.to_pylist():
        pid = person["person_id"]
        agreement.persons += 1
        want = sorted(truth.get(pid, []), key=lambda r: r["line_number"])
        got = sorted(found.get(pid, []), key=lambda r: r["line_number"])
        if [r["start_date"] for r in want] == [r["start_date"] for r in got]:
            agreement.same_lines += 1
            agreement.lines_compared += len(want)
            agreement.same_progressions += sum(
                a["progression_date"] == b["progression_date"]
                for a, b in zip(want, got, strict=True)
            )
        else:
            agreement.differences[f"lines: truth {len(want)}, rrmm {len(got)}"] += 1
        labels = results.get(pid, set())
        if all((label in labels) == person[label] for label in LABELS):
            agreement.same_classes += 1
        else:
            agreement.differences["refractory classes"] += 1
    return agreement


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--source", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    agreement = compare_with_truth(args.source, args.out)
    print(agreement)
    for reason, count in agreement.differences.most_common(10):
        print(f"  {count:6,}  {reason}")


if __name__ == "__main__":
    main()
