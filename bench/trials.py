"""Time trial matching: 1,000 parsed trials against one patient: `python -m bench.trials`.

The 105 real legacy records (tests/trials/fixtures) and the 8 synthetic v2 records are
parsed once (timed separately), then repeated with distinct NCT ids up to 1,000 trials
(about 26,000 criteria). For every example patient, as of its last record date, the
benchmark times ``screen()`` — IMWG assessment, matching context, every criterion of
every trial, ranking — with a fresh context each run (no memo carried over), and the
matching step alone. Target: 1,000 trials against one patient in at most 100 ms (p95).
The parsed trials are frozen out of the garbage collector's generations (``gc.freeze()``)
as long-lived data; without that, full collections over the ~1.5 million parsed objects
add occasional pauses to the p95.
"""

from __future__ import annotations

import dataclasses
import gc
import platform
import statistics
import sys
import time
from datetime import date
from pathlib import Path

from rrmm.adapters.native.read import read_patient
from rrmm.core.assess import assess, last_record_date
from rrmm.kb import load_criteria, load_drug_catalog
from rrmm.trials.matcher import match_trials
from rrmm.trials.model import ParsedTrial
from rrmm.trials.parser import parse_trial
from rrmm.trials.patient_context import build_context
from rrmm.trials.screen import screen
from rrmm.trials.sources import read_trials
from rrmm.trials.vocabulary import build_vocabulary

ROOT = Path(__file__).resolve().parents[1]
CSV = ROOT / "tests" / "trials" / "fixtures" / "hint_myeloma_trials_criteria.csv"
SYNTHETIC = ROOT / "src" / "rrmm" / "trials" / "data" / "labelled" / "trials"
TRIALS = 1000
TARGET_MS = 100.0


def _trials(catalog) -> tuple[list[ParsedTrial], float]:
    vocabulary = build_vocabulary(catalog)
    start = time.perf_counter()
    base = [parse_trial(t, vocabulary) for t in [*read_trials(CSV), *read_trials(SYNTHETIC)]]
    parse_s = time.perf_counter() - start
    many = []
    for index in range(TRIALS):
        parsed = base[index % len(base)]
        trial = dataclasses.replace(parsed.trial, nct_id=f"NCT{80000000 + index}")
        # the parser interns rules: identical criteria of separately parsed records are
        # the same objects, as they are here
        many.append(ParsedTrial(trial, parsed.criteria))
    return many, parse_s


def main(repeat: int = 15) -> int:
    catalog = load_drug_catalog()
    criteria = load_criteria()
    trials, parse_s = _trials(catalog)
    count = sum(len(t.criteria) for t in trials)
    print(
        f"rrmm trial matching benchmark · Python {platform.python_version()} · {platform.machine()}"
        f" · {TRIALS} trials, {count} criteria · {repeat} runs per patient"
    )
    print(f"parsing the 113 distinct records: {parse_s:.2f} s (once, not timed below)")
    print(f"{'example':45} {'screen p50':>11} {'p95':>8} {'match p50':>10} {'p95':>8}")
    worst = 0.0
    # The parsed trials are long-lived, immutable data: move them out of the collector's
    # generations, as a service that loads its trials once would (gc.freeze, Python 3.7+).
    gc.collect()
    gc.freeze()
    for path in sorted((ROOT / "examples").glob("*.yaml")):
        record = read_patient(
            path.read_text(), syntax="yaml", catalog=catalog, as_of=date(2026, 11, 21)
        ).record
        assert record is not None
        as_of = last_record_date(record) or date.today()
        full, only = [], []
        for _ in range(repeat):
            start = time.perf_counter()
            screen(record, trials, catalog, criteria, as_of)
            full.append((time.perf_counter() - start) * 1000)
            evaluation = assess(record, catalog, criteria, as_of)
            context = build_context(record, evaluation, catalog, as_of)
            start = time.perf_counter()
            match_trials(trials, context)
            only.append((time.perf_counter() - start) * 1000)
        p50, p95 = statistics.median(full), statistics.quantiles(full, n=20)[-1]
        m50, m95 = statistics.median(only), statistics.quantiles(only, n=20)[-1]
        worst = max(worst, p95)
        print(f"{path.stem:45} {p50:9.1f}ms {p95:6.1f}ms {m50:8.1f}ms {m95:6.1f}ms")
    verdict = "OK" if worst <= TARGET_MS else "OVER TARGET"
    print(
        f"worst p95 for {TRIALS} trials against one patient: {worst:.1f} ms"
        f" (target {TARGET_MS:.0f} ms) — {verdict}"
    )
    return 0 if worst <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
