"""Time one-patient assessment in process: `python -m bench.run` (or `make bench`).

For every example record: median and 95th percentile of `assess()` over many runs
(the record already parsed), and of read + assess from the YAML text. Target from
issue 3: assessing one patient in at most 5 ms.
"""

from __future__ import annotations

import gc
import platform
import statistics
import sys
import time
from datetime import date
from pathlib import Path

from rrmm.adapters.native.read import read_patient
from rrmm.core.assess import assess
from rrmm.kb import load_criteria, load_drug_catalog

ROOT = Path(__file__).resolve().parents[1]
AS_OF = date(2026, 11, 21)
TARGET_MS = 5.0


def _time(function, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def main(repeat: int = 300) -> int:
    catalog = load_drug_catalog()
    criteria = load_criteria()
    files = sorted((ROOT / "examples").glob("*.yaml"))
    print(
        f"rrmm assess benchmark · Python {platform.python_version()} · {platform.machine()}"
        f" · {repeat} runs per patient"
    )
    print(f"{'example':45} {'assess p50':>11} {'p95':>8} {'read+assess p50':>16}")
    worst = 0.0
    gc.collect()
    for path in files:
        text = path.read_text()
        record = read_patient(text, syntax="yaml", catalog=catalog, as_of=AS_OF).record
        assert record is not None
        assess(record, catalog, criteria, AS_OF)
        core = _time(lambda r=record: assess(r, catalog, criteria, AS_OF), repeat)
        full = _time(
            lambda t=text: assess(
                read_patient(t, syntax="yaml", catalog=catalog, as_of=AS_OF).record,  # type: ignore[arg-type]
                catalog,
                criteria,
                AS_OF,
            ),
            max(20, repeat // 10),
        )
        p50 = statistics.median(core)
        p95 = statistics.quantiles(core, n=20)[-1]
        worst = max(worst, p95)
        print(f"{path.stem:45} {p50:9.2f}ms {p95:6.2f}ms {statistics.median(full):14.2f}ms")
    verdict = "meets" if worst <= TARGET_MS else "MISSES"
    print(f"worst p95 of assess(): {worst:.2f} ms — {verdict} the {TARGET_MS:g} ms target")
    return 0 if worst <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 300))
