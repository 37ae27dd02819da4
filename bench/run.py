"""Time one-patient assessment and options in process: `python -m bench.run` (`make bench`).

For every example record: median and 95th percentile of `assess()` over many runs
(the record already parsed), of `assess()` + `treatment_options()`, and of read +
assess from the YAML text. Targets: assessment at most 5 ms (issue 3); options
including assessment at most 10 ms (issue 4).
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
from rrmm.core.options import treatment_options
from rrmm.kb import load_criteria, load_drug_catalog, load_knowledge_base

ROOT = Path(__file__).resolve().parents[1]
AS_OF = date(2026, 11, 21)
TARGET_MS = 5.0
OPTIONS_TARGET_MS = 10.0


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
    kb = load_knowledge_base()
    files = sorted((ROOT / "examples").glob("*.yaml"))
    print(
        f"rrmm assess benchmark · Python {platform.python_version()} · {platform.machine()}"
        f" · {repeat} runs per patient"
    )
    print(
        f"{'example':45} {'assess p50':>11} {'p95':>8} {'+options p50':>13} {'p95':>8}"
        f" {'read+assess p50':>16}"
    )
    worst = worst_options = 0.0
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
        both = _time(
            lambda r=record: treatment_options(
                assess(r, catalog, criteria, AS_OF), r, kb, "FDA", AS_OF
            ),
            max(50, repeat // 3),
        )
        p50 = statistics.median(core)
        p95 = statistics.quantiles(core, n=20)[-1]
        o50 = statistics.median(both)
        o95 = statistics.quantiles(both, n=20)[-1]
        worst = max(worst, p95)
        worst_options = max(worst_options, o95)
        print(
            f"{path.stem:45} {p50:9.2f}ms {p95:6.2f}ms {o50:11.2f}ms {o95:6.2f}ms"
            f" {statistics.median(full):14.2f}ms"
        )
    ok = worst <= TARGET_MS and worst_options <= OPTIONS_TARGET_MS
    print(
        f"worst p95: assess() {worst:.2f} ms (target {TARGET_MS:g}); assess() + options"
        f" {worst_options:.2f} ms (target {OPTIONS_TARGET_MS:g}) — {'met' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 300))
