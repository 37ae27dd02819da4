"""Deterministic synthetic OMOP CDM 5.4 myeloma cohort with a ground-truth table.

Every patient has multiple myeloma diagnosed between 2008 and mid-2024, a course of one to
eight lines of therapy, labs every ~4 weeks and, for some, death; data are cut off at
2025-12-31. The tables follow the OMOP CDM 5.4 column names and types (``person``,
``observation_period``, ``condition_occurrence``, ``drug_exposure``, ``procedure_occurrence``,
``measurement``, ``death``); ``ground_truth_line`` and ``ground_truth_person`` say what a
correct analysis must find. Concept ids and their sources: :mod:`rrmm.cohort.concepts`.

Definitions the truth follows
-----------------------------
- **Lines** (IMWG 2015, Rajkumar et al., *Blood* 2015;126:921): the generator changes the line
  only at confirmed progression. A planned induction → autologous transplant → maintenance
  sequence is ONE line; a toxicity stop of one drug (bortezomib) with the rest going on, and a
  drug holiday of 14-45 days (< 60 days) with the same drugs resumed, do not start a new line.
  A line ends the day before the next starts, or at the end of follow-up (death or cut-off).
- **Progression** (IMWG 2016, Kumar et al., *Lancet Oncol* 2016;17:e328): serum M-protein
  ≥ 25% above the line's nadir AND ≥ 0.5 g/dL absolute; for light-chain-only disease the
  involved free light chain (and the involved-uninvolved difference) ≥ 25% above nadir AND
  ≥ 100 mg/L (10 mg/dL) absolute; confirmed at the next visit. The truth date is the first of
  the two confirming visits. A relapse that would be confirmed only after death or cut-off is
  not generated at all (no unconfirmed rise is ever visible).
- **Refractory** (IMWG consensus, Rajkumar et al., *Blood* 2011;117:4691): progression on a drug
  or within 60 days of its last dose. The truth lists, per line, the drugs whose exposure began
  on or before the progression date and ended no more than 60 days before it; corticosteroids
  are left out. Triple-class refractory: ≥ 1 proteasome inhibitor, ≥ 1 IMiD and ≥ 1 anti-CD38
  antibody; penta-refractory: bortezomib, carfilzomib, lenalidomide, pomalidomide and an
  anti-CD38 antibody; BCMA-exposed: any BCMA CAR-T or BCMA bispecific given.

How the labs obey the truth unambiguously
-----------------------------------------
The tracked marker (serum M-protein in g/dL, or the involved FLC in mg/L for the ~15%
light-chain-only patients, who have no serum M-protein rows) falls on each line as
``N + (V - N) exp(-t/tau)`` (tau 10-25 days) from its value ``V`` at the line's start to a
nadir ``N``. The depth is drawn per line: deep, VGPR-like, PR or MR (PR at least for
light-chain-only disease, which has no IMWG minimal response), so no line is "non-responsive"
and IMWG primary refractoriness never arises; no line starts within 90 days of the end of
follow-up, so every line lasts long enough to show its response. Nadirs are kept ≥ 0.1 g/dL
(≥ 20 mg/L) and ≤ 2.5 g/dL (≤ 1500 mg/L). Relapse begins at an onset day ``R`` ≥ 90 days into
the line with a step to ``L = max(2 M, M + delta)``, where ``M`` is the true value at the
second-to-last visit before ``R`` (``delta`` 1 g/dL or 200 mg/L), then doubles every
60-150 days up to 3x. Because the fall is monotone, the nadir - read as the lowest value
(IMWG 2016) or as the lowest level held at two consecutive visits (rrmm's ``nadir:
confirmed``) - is at most the observed value at that visit. Multiplicative noise has a CV of 4%
clipped to ±8%, so before ``R`` no value exceeds the nadir by 25% (at most 17.4%), and every
value from ``R`` on exceeds it by ≥ 70% and ≥ 0.5 g/dL (≥ 100 mg/L). Calcium, creatinine and
haemoglobin stay inside the IMWG clinical-relapse limits (calcium < 11 mg/dL, creatinine rise
< 2 mg/dL, haemoglobin fall < 2 g/dL). A phase (or a transplant with its melphalan) that would
start on or after the first progression visit is not given.

Volume: one row per continuous drug exposure period (a holiday splits it in two), one
measurement row per analyte per visit (about 270 rows per person in all).

Determinism: chunk ``c`` of ``CHUNK_SIZE`` patients draws from
``numpy.random.default_rng([seed, c])``, so the same seed and size give the same rows and,
written by the same pyarrow, byte-identical Parquet files. Row ids are
``person_id * 100000 + rank`` within the person.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from rrmm.cohort.concepts import (
    ASCT_DAY,
    DRUGS,
    EHR_TYPE_CONCEPT_ID,
    FEMALE_CONCEPT_ID,
    LABS,
    MALE_CONCEPT_ID,
    MULTIPLE_MYELOMA_CONCEPT_ID,
    MULTIPLE_MYELOMA_SNOMED_CODE,
    PROCEDURE_SOURCE_VALUES,
    TEMPLATES,
    Template,
    drug_index,
)

__all__ = [
    "CHUNK_SIZE",
    "CUTOFF",
    "MAX_LINES",
    "TABLES",
    "Chunk",
    "OutputFormat",
    "chunk_tables",
    "generate",
    "simulate_chunk",
]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

CHUNK_SIZE: Final = 25_000
MAX_LINES: Final = 8
CUTOFF: Final = date(2025, 12, 31)
FIRST_DIAGNOSIS: Final = date(2008, 1, 1)
LAST_DIAGNOSIS: Final = date(2024, 6, 30)
NONE: Final = 10**9  # "no such day"
VISIT_DAYS: Final = 28
MISSING_VISIT: Final = 0.08
NOISE_CV: Final = 0.04
NOISE_CLIP: Final = 0.08
REFRACTORY_WINDOW: Final = 60
MIN_ONSET: Final = 90
RELAPSE_MAX_FOLD: Final = 3.0
#: No line starts within this many days of the end of follow-up, so that every line lasts
#: long enough to show its response (a line cut short would read as IMWG "non-responsive").
MIN_LINE_DAYS: Final = 90
_KEY: Final = 1 << 20
ROW_ID_FACTOR: Final = 100_000

HEAVY_CHAINS: Final = ("IgG", "IgA", "none")
LIGHT_CHAINS: Final = ("kappa", "lambda")
STOP_REASONS: Final = ("", "toxicity", "progression")

_CLASS_BITS: Final = {
    cls: sum(1 << i for i, d in enumerate(DRUGS) if d.drug_class == cls)
    for cls in {d.drug_class for d in DRUGS}
}
PI_BITS: Final = _CLASS_BITS["proteasome_inhibitor"]
IMID_BITS: Final = _CLASS_BITS["imid"]
CD38_BITS: Final = _CLASS_BITS["anti_cd38"]
BCMA_BITS: Final = _CLASS_BITS["bcma_car_t"] | _CLASS_BITS["bcma_bispecific"]
STEROID_BITS: Final = _CLASS_BITS["corticosteroid"]
#: A template is not chosen again when the patient is refractory to one of these classes.
_BLOCKING: Final = PI_BITS | IMID_BITS | CD38_BITS | _CLASS_BITS["anti_slamf7"] | BCMA_BITS
PENTA_BITS: Final = (
    (1 << drug_index("bortezomib"))
    | (1 << drug_index("carfilzomib"))
    | (1 << drug_index("lenalidomide"))
    | (1 << drug_index("pomalidomide"))
)


def day_number(value: date) -> int:
    """Days since 1970-01-01."""
    return (value - date(1970, 1, 1)).days


def _template_mask(template: Template) -> int:
    return sum(1 << drug_index(name) for name in template.drugs)


_TEMPLATE_BITS: Final = np.array([_template_mask(t) for t in TEMPLATES], dtype=np.int64)
_TEMPLATE_AVAILABLE: Final = np.array([day_number(t.available) for t in TEMPLATES])
_FALLBACK: Final = next(i for i, t in enumerate(TEMPLATES) if t.name == "DCEP")


@dataclass
class Patients:
    """Per-patient draws for one chunk (index ``i`` is person ``first_id + i``)."""

    person_id: IntArray
    male: BoolArray
    birth: IntArray
    diagnosis: IntArray
    heavy: IntArray
    light: IntArray
    baseline: FloatArray
    delta: FloatArray
    floor: FloatArray
    cap: FloatArray
    uninvolved: FloatArray
    flc_per_unit: FloatArray
    calcium: FloatArray
    creatinine: FloatArray
    hemoglobin: FloatArray
    observation_start: IntArray
    end: IntArray
    died: BoolArray

    @property
    def light_only(self) -> BoolArray:
        """Light-chain-only disease (followed by the involved FLC)."""
        return np.asarray(self.heavy == 2)


@dataclass
class Visits:
    """The visit grid until the cut-off, with the visits that took place (``observed``)."""

    patient: IntArray
    day: IntArray
    observed: BoolArray
    key: IntArray = field(init=False)
    obs_patient: IntArray = field(init=False)
    obs_day: IntArray = field(init=False)

    def __post_init__(self) -> None:
        """Index the observed visits for searches by (patient, day)."""
        self.obs_patient = self.patient[self.observed]
        self.obs_day = self.day[self.observed]
        self.key = self.obs_patient * _KEY + self.obs_day

    def at_or_after(self, patient: IntArray, day: IntArray, skip: int) -> IntArray:
        """Day of the ``skip``-th observed visit on or after ``day`` (``NONE`` if none)."""
        pos = np.searchsorted(self.key, patient * _KEY + day, side="left") + skip
        ok = pos < self.key.size
        pos = np.where(ok, pos, 0)
        ok &= self.obs_patient[pos] == patient
        return np.where(ok, self.obs_day[pos], NONE)

    def before(self, patient: IntArray, day: IntArray, back: int) -> IntArray:
        """Day of the ``back``-th observed visit before ``day`` (1: the last; ``-NONE`` if none)."""
        pos = np.searchsorted(self.key, patient * _KEY + day, side="left") - back
        ok = pos >= 0
        pos = np.where(ok, pos, 0)
        ok &= self.obs_patient[pos] == patient
        return np.where(ok, self.obs_day[pos], -NONE)


@dataclass
class Lines:
    """Per (patient, line) course parameters; ``NONE``/``inf`` where there is no line."""

    start: IntArray
    end: IntArray
    template: IntArray
    top: FloatArray
    nadir: FloatArray
    tau: FloatArray
    onset: FloatArray
    level: FloatArray
    doubling: FloatArray
    progression: IntArray
    refractory: IntArray
    received: IntArray

    @classmethod
    def empty(cls, n: int) -> Lines:
        """No lines yet for ``n`` patients."""

        def ints(value: int) -> IntArray:
            return np.full((n, MAX_LINES + 1), value, dtype=np.int64)

        def floats(value: float) -> FloatArray:
            return np.full((n, MAX_LINES + 1), value, dtype=np.float64)

        return cls(
            start=ints(NONE),
            end=ints(NONE),
            template=ints(-1),
            top=floats(0.0),
            nadir=floats(0.0),
            tau=floats(1.0),
            onset=floats(np.inf),
            level=floats(0.0),
            doubling=floats(1.0),
            progression=ints(NONE),
            refractory=ints(0),
            received=ints(0),
        )

    def marker(self, patient: IntArray, line: IntArray, day: IntArray) -> FloatArray:
        """The noise-free marker on ``day`` of ``line`` (fall to nadir, then relapse growth)."""
        t = day.astype(np.float64)
        top = self.top[patient, line]
        nadir = self.nadir[patient, line]
        onset = self.onset[patient, line]
        fall = nadir + (top - nadir) * np.exp(
            -(t - self.start[patient, line]) / self.tau[patient, line]
        )
        fold = np.exp2(np.maximum(t - onset, 0.0) / self.doubling[patient, line])
        grow = self.level[patient, line] * np.minimum(fold, RELAPSE_MAX_FOLD)
        return np.where(t < onset, fall, grow)


@dataclass
class DrugRows:
    """Drug exposures (one row per continuous period) and procedures of a chunk."""

    patient: list[IntArray] = field(default_factory=list)
    line: list[IntArray] = field(default_factory=list)
    drug: list[IntArray] = field(default_factory=list)
    start: list[IntArray] = field(default_factory=list)
    end: list[IntArray] = field(default_factory=list)
    stop: list[IntArray] = field(default_factory=list)
    proc_patient: list[IntArray] = field(default_factory=list)
    proc_kind: list[IntArray] = field(default_factory=list)
    proc_day: list[IntArray] = field(default_factory=list)

    def add(
        self,
        patient: IntArray,
        line: int,
        drug: int,
        start: IntArray,
        end: IntArray,
        stop: IntArray,
    ) -> None:
        """Append exposure rows for one drug."""
        self.patient.append(patient)
        self.line.append(np.full(patient.size, line, dtype=np.int64))
        self.drug.append(np.full(patient.size, drug, dtype=np.int64))
        self.start.append(start)
        self.end.append(end)
        self.stop.append(stop)


@dataclass
class Chunk:
    """Everything simulated for one chunk, ready to be written as tables."""

    patients: Patients
    visits: Visits
    lines: Lines
    drugs: DrugRows
    died: BoolArray
    labs: LabRows


# ---------------------------------------------------------------------------------------------
# Patients and visits


def _patients(rng: np.random.Generator, first_id: int, n: int) -> Patients:
    lo, hi = day_number(FIRST_DIAGNOSIS), day_number(LAST_DIAGNOSIS)
    diagnosis = rng.integers(lo, hi + 1, n)
    age = np.clip(rng.normal(66.0, 9.0, n), 35.0, 90.0)
    birth = diagnosis - np.round(age * 365.25).astype(np.int64)
    heavy = np.searchsorted(np.array([0.55, 0.85]), rng.random(n), side="right")
    light = (rng.random(n) >= 0.65).astype(np.int64)
    lc = heavy == 2
    baseline = np.where(
        lc,
        np.clip(rng.lognormal(np.log(900.0), 0.6, n), 300.0, 4000.0),
        np.clip(rng.lognormal(np.log(3.5), 0.4, n), 1.5, 8.0),
    )
    uninvolved = rng.uniform(5.0, 15.0, n)
    involved0 = rng.uniform(40.0, 400.0, n)
    male = rng.random(n) < 0.55
    background_death = diagnosis + np.maximum(90, rng.exponential(3650.0, n)).astype(np.int64)
    return Patients(
        person_id=first_id + np.arange(n, dtype=np.int64),
        male=male,
        birth=birth,
        diagnosis=diagnosis,
        heavy=heavy.astype(np.int64),
        light=light,
        baseline=baseline,
        delta=np.where(lc, 200.0, 1.0),
        floor=np.where(lc, 20.0, 0.1),
        cap=np.where(lc, 1500.0, 2.5),
        uninvolved=uninvolved,
        flc_per_unit=(involved0 - uninvolved) / baseline,
        calcium=rng.uniform(8.9, 9.7, n),
        creatinine=rng.uniform(0.6, 1.3, n),
        hemoglobin=np.clip(rng.normal(np.where(male, 13.6, 12.6), 0.6), 11.0, 15.5),
        observation_start=diagnosis - rng.integers(180, 1800, n),
        end=np.minimum(background_death, day_number(CUTOFF)),
        died=background_death <= day_number(CUTOFF),
    )


def _visits(rng: np.random.Generator, diagnosis: IntArray) -> Visits:
    count = (day_number(CUTOFF) - diagnosis) // VISIT_DAYS + 1
    patient = np.repeat(np.arange(diagnosis.size, dtype=np.int64), count)
    first = np.repeat(np.cumsum(count) - count, count)
    k = np.arange(patient.size, dtype=np.int64) - first
    jitter = np.where(k == 0, 0, rng.integers(-3, 4, patient.size))
    day = np.minimum(diagnosis[patient] + k * VISIT_DAYS + jitter, day_number(CUTOFF))
    observed = (k == 0) | (rng.random(patient.size) >= MISSING_VISIT)
    keep = (k == 0) | (day > np.roll(day, 1))  # the cut-off clamp can repeat the last day
    return Visits(patient[keep], day[keep], observed[keep])


# ---------------------------------------------------------------------------------------------
# Lines of therapy


def _choose(
    rng: np.random.Generator,
    line: int,
    age: FloatArray,
    start: IntArray,
    used: IntArray,
    refractory: IntArray,
    previous: IntArray,
) -> IntArray:
    """Pick a template per patient among the eligible ones, by weight (vectorised); -1: none.

    After the first line a template must add a drug other than a corticosteroid to the previous
    line's drugs: a course that only drops drugs is not a new line (IMWG 2015 consensus on lines
    of therapy, Rajkumar et al., Blood 2015), so the ground truth would count a line the record
    does not show. A patient with no such template left gets no further line.
    """
    weights = np.array([t.weight for t in TEMPLATES])[None, :] * np.ones((age.size, 1))
    first = np.array([t.first_line for t in TEMPLATES])
    ok = (first == (line == 0))[None, :] & (_TEMPLATE_AVAILABLE[None, :] <= start[:, None])
    max_age = np.array([t.max_age if t.max_age is not None else 200.0 for t in TEMPLATES])
    min_age = np.array([t.min_age if t.min_age is not None else -1.0 for t in TEMPLATES])
    ok &= (age[:, None] <= max_age[None, :]) & (age[:, None] > min_age[None, :])
    if line > 0:
        blocked = (_TEMPLATE_BITS[None, :] & refractory[:, None] & _BLOCKING) != 0
        reused = ((used[:, None] >> np.arange(len(TEMPLATES))[None, :]) & 1) == 1
        ok &= ~blocked & ~reused
        ok[:, _FALLBACK] = True
        ok &= (_TEMPLATE_BITS[None, :] & ~previous[:, None] & ~STEROID_BITS) != 0
    weights = np.where(ok, weights, 0.0)
    cumulative = np.cumsum(weights, axis=1)
    draw = rng.random(age.size) * cumulative[:, -1]
    chosen = np.asarray((cumulative <= draw[:, None]).sum(axis=1), dtype=np.int64)
    return np.where(ok.any(axis=1), chosen, -1)


def _depth(
    rng: np.random.Generator, potency: FloatArray, light_only: BoolArray
) -> tuple[FloatArray, FloatArray]:
    """Nadir fraction of the line's starting value and its TTP multiplier, per patient.

    Categories: deep (≥ 97% fall), VGPR-like (90-97%), PR (55-88%) and MR (40-50%). No line
    is non-responsive, so IMWG primary refractoriness never arises; light-chain-only disease
    has no minimal response in IMWG 2016, so its weakest category is a PR (60-70% fall).
    """
    u = rng.random(potency.size)
    deep = 0.5 * potency
    category = np.searchsorted(np.array([0.0, 0.25, 0.55]), u - deep, side="right")
    category = np.where(u < deep, 0, category)
    lo = np.array([0.005, 0.03, 0.12, 0.50])[category]
    hi = np.array([0.03, 0.10, 0.45, 0.60])[category]
    weakest = light_only & (category == 3)
    lo = np.where(weakest, 0.30, lo)
    hi = np.where(weakest, 0.40, hi)
    fraction = rng.uniform(lo, hi)
    multiplier = np.array([1.6, 1.0, 0.6, 0.3])[category]
    return fraction, multiplier


def _simulate_lines(
    rng: np.random.Generator, p: Patients, visits: Visits
) -> tuple[Lines, DrugRows]:
    n = p.person_id.size
    lines = Lines.empty(n)
    drugs = DrugRows()
    lines.start[:, 0] = p.diagnosis + rng.integers(7, 36, n)
    lines.top[:, 0] = p.baseline
    used = np.zeros(n, dtype=np.int64)
    refractory = np.zeros(n, dtype=np.int64)
    for k in range(MAX_LINES):
        idx = np.nonzero(lines.start[:, k] + MIN_LINE_DAYS <= p.end)[0]
        if idx.size == 0:
            break
        start = lines.start[idx, k]
        age = (start - p.birth[idx]) / 365.25
        previous = _TEMPLATE_BITS[lines.template[idx, k - 1]] if k else np.zeros_like(idx)
        t = _choose(rng, k, age, start, used[idx], refractory[idx], previous)
        lines.start[idx[t < 0], k] = NONE
        idx, t = idx[t >= 0], t[t >= 0]
        if idx.size == 0:
            break
        lines.template[idx, k] = t
        used[idx] |= np.int64(1) << t
        _course(rng, k, idx, t, p, visits, lines)
        _line_drugs(rng, k, idx, p, lines, drugs)
        refractory[idx] |= lines.refractory[idx, k]
    return lines, drugs


def _course(
    rng: np.random.Generator,
    k: int,
    idx: IntArray,
    t: IntArray,
    p: Patients,
    visits: Visits,
    lines: Lines,
) -> None:
    """Draw line ``k``'s response, relapse, progression and what follows (next line or death)."""
    start = lines.start[idx, k]
    top = lines.top[idx, k]
    potency = np.array([x.potency for x in TEMPLATES])[t]
    fraction, multiplier = _depth(rng, potency, p.light_only[idx])
    nadir = np.minimum(np.clip(fraction * top, p.floor[idx], p.cap[idx]), top)
    tau = rng.uniform(10.0, 25.0, idx.size)
    median = np.array([x.median_ttp for x in TEMPLATES], dtype=np.float64)[t]
    ttp = median * multiplier * 0.9**k * rng.lognormal(0.0, 0.5, idx.size)
    onset = start + np.maximum(MIN_ONSET, ttp).astype(np.int64)
    p1 = visits.at_or_after(idx, onset, 0)
    p2 = visits.at_or_after(idx, onset, 1)
    end = p.end[idx]
    progressed = p2 <= end
    # The reference is the second-to-last visit before the onset: the nadir, whether read as
    # the lowest value or as the lowest level held at two consecutive visits, is at most its
    # observed value (the fall is monotone); with no such visit in the line, the line's start.
    ref = visits.before(idx, onset, 2)
    ref = np.where(ref > start, ref, start).astype(np.float64)
    m_ref = nadir + (top - nadir) * np.exp(-(ref - start) / tau)
    level = np.maximum(2.0 * m_ref, m_ref + p.delta[idx])
    doubling = rng.uniform(60.0, 150.0, idx.size)
    next_start = p2 + rng.integers(7, 29, idx.size)
    censored = progressed & (next_start + MIN_LINE_DAYS > end)
    dies = progressed & ~censored
    dies &= (rng.random(idx.size) < 0.08 + 0.05 * k) | (k == MAX_LINES - 1)
    death = np.minimum(p2 + rng.integers(14, 91, idx.size), end)
    p.end[idx] = np.where(dies, death, end)
    p.died[idx] |= dies
    go_on = progressed & ~censored & ~dies
    lines.end[idx, k] = np.where(go_on, next_start - 1, p.end[idx])
    lines.start[idx, k + 1] = np.where(go_on, next_start, NONE)
    lines.nadir[idx, k] = nadir
    lines.tau[idx, k] = tau
    lines.onset[idx, k] = np.where(progressed, onset.astype(np.float64), np.inf)
    lines.level[idx, k] = level
    lines.doubling[idx, k] = doubling
    lines.progression[idx, k] = np.where(progressed, p1, NONE)
    exponent = np.where(go_on, (next_start - onset) / doubling, 0.0)
    lines.top[idx, k + 1] = np.where(
        go_on, level * np.minimum(np.exp2(exponent), RELAPSE_MAX_FOLD), 0.0
    )


def _line_drugs(
    rng: np.random.Generator, k: int, idx: IntArray, p: Patients, lines: Lines, rows: DrugRows
) -> None:
    """Exposure rows of line ``k`` with toxicity stops and holidays; refractory drugs."""
    start = lines.start[idx, k]
    end = lines.end[idx, k]
    prog = lines.progression[idx, k]
    limit = np.minimum(prog, end)
    tox_day = start + rng.integers(56, 141, idx.size)
    tox = (rng.random(idx.size) < 0.2) & (tox_day < np.minimum(prog - 75, end))
    hol_day = start + rng.integers(90, 361, idx.size)
    hol_len = rng.integers(14, 46, idx.size)
    hol = (rng.random(idx.size) < 0.15) & (hol_day + hol_len + REFRACTORY_WINDOW < limit)
    template = lines.template[idx, k]
    before = len(rows.patient)
    for ti, tmpl in enumerate(TEMPLATES):
        sel = template == ti
        if not sel.any():
            continue
        s = _Sel(idx[sel], start[sel], end[sel], prog[sel], limit[sel])
        for phase in tmpl.phases:
            ps = s.start + phase.start
            pe = s.end if phase.length is None else np.minimum(ps + phase.length - 1, s.end)
            # A phase (or the transplant its conditioning belongs to) is given only if it
            # starts before the first progression visit (or the end of follow-up).
            given = (s.start + ASCT_DAY if phase.conditioning else ps) < s.limit
            for name in phase.drugs:
                d = drug_index(name)
                e = pe.copy()
                stop = np.where((e == s.end) & (s.prog < NONE), 2, 0)
                if name == tmpl.toxicity_drug:
                    cut = tox[sel] & (tox_day[sel] >= ps) & (tox_day[sel] < e)
                    e = np.where(cut, tox_day[sel], e)
                    stop = np.where(cut, 1, stop)
                _add_split(
                    rows,
                    k,
                    d,
                    s.patient[given],
                    ps[given],
                    e[given],
                    stop[given],
                    hol[sel][given] & (phase.length is None),
                    hol_day[sel][given],
                    hol_len[sel][given],
                )
        for kind, offset in tmpl.procedures:
            day = s.start + offset
            ok = day < s.limit
            rows.proc_patient.append(s.patient[ok])
            rows.proc_kind.append(np.full(int(ok.sum()), _PROC_KINDS.index(kind), np.int64))
            rows.proc_day.append(day[ok])
    _line_masks(k, before, lines, rows)


_PROC_KINDS: Final = ("autologous_transplant", "car_t_infusion")


@dataclass
class _Sel:
    patient: IntArray
    start: IntArray
    end: IntArray
    prog: IntArray
    limit: IntArray


def _add_split(
    rows: DrugRows,
    k: int,
    drug: int,
    patient: IntArray,
    start: IntArray,
    end: IntArray,
    stop: IntArray,
    holiday: BoolArray,
    hol_day: IntArray,
    hol_len: IntArray,
) -> None:
    """Add rows, splitting those that span a drug holiday into two periods."""
    resume = hol_day + hol_len
    split = holiday & (start < hol_day) & (end >= resume)
    cut = holiday & (start < hol_day) & (end >= hol_day) & ~split
    first_end = np.where(split | cut, hol_day - 1, end)
    first_stop = np.where(split, 0, stop)
    rows.add(patient, k, drug, start, first_end, first_stop)
    rows.add(patient[split], k, drug, resume[split], end[split], stop[split])


def _line_masks(k: int, before: int, lines: Lines, rows: DrugRows) -> None:
    """Bitmasks of the drugs received in line ``k`` and of those it is refractory to."""
    if len(rows.patient) == before:
        return
    patient = np.concatenate(rows.patient[before:])
    bit = np.int64(1) << np.concatenate(rows.drug[before:])
    start = np.concatenate(rows.start[before:])
    end = np.concatenate(rows.end[before:])
    n = lines.start.shape[0]
    received = np.zeros(n, dtype=np.int64)
    np.bitwise_or.at(received, patient, bit)
    lines.received[:, k] |= received
    prog = lines.progression[patient, k]
    refractory = (prog < NONE) & (start <= prog) & (end >= prog - REFRACTORY_WINDOW)
    refractory &= (bit & STEROID_BITS) == 0
    mask = np.zeros(n, dtype=np.int64)
    np.bitwise_or.at(mask, patient[refractory], bit[refractory])
    lines.refractory[:, k] |= mask


# ---------------------------------------------------------------------------------------------
# Labs


@dataclass
class LabRows:
    """Measurement rows: patient index, day, analyte index (into ``LABS``), value."""

    patient: IntArray
    day: IntArray
    lab: IntArray
    value: FloatArray


def _noise(rng: np.random.Generator, size: int, cv: float, clip: float) -> FloatArray:
    """Multiplicative noise with coefficient of variation ``cv``, clipped to ±``clip``."""
    return np.clip(1.0 + cv * rng.standard_normal(size), 1.0 - clip, 1.0 + clip)


def _line_of(lines: Lines, pat: IntArray, day: IntArray) -> IntArray:
    """Index of the line running on ``day`` (-1 before the first line).

    A line's first day still counts in the line before: its labs precede the first dose.
    """
    line = np.full(pat.size, -1, dtype=np.int64)
    for k in range(MAX_LINES):
        line += lines.start[pat, k] < day
    return line


def _labs(rng: np.random.Generator, p: Patients, visits: Visits, lines: Lines) -> LabRows:
    keep = visits.observed & (visits.day <= p.end[visits.patient])
    pat = visits.patient[keep]
    day = visits.day[keep]
    line = _line_of(lines, pat, day)
    x = np.where(line < 0, p.baseline[pat], lines.marker(pat, np.maximum(line, 0), day))
    del line
    lc = p.light_only[pat]
    size = pat.size
    involved = np.where(lc, x, p.uninvolved[pat] + p.flc_per_unit[pat] * x)
    involved *= _noise(rng, size, NOISE_CV, NOISE_CLIP)
    uninvolved = p.uninvolved[pat] * _noise(rng, size, NOISE_CV, NOISE_CLIP)
    kappa = p.light[pat] == 0
    burden = np.minimum(x / p.baseline[pat], 1.5) / 1.5
    values = np.empty((size, len(LABS)), dtype=np.float64)
    values[:, 0] = x * _noise(rng, size, NOISE_CV, NOISE_CLIP)
    values[:, 1] = np.where(kappa, involved, uninvolved)
    values[:, 2] = np.where(kappa, uninvolved, involved)
    values[:, 3] = p.calcium[pat] * _noise(rng, size, 0.02, 0.04)
    values[:, 4] = p.creatinine[pat] * _noise(rng, size, 0.03, 0.06)
    values[:, 5] = (p.hemoglobin[pat] - 0.8 * burden) * _noise(rng, size, 0.015, 0.03)
    del x, involved, uninvolved, burden
    for i, lab in enumerate(LABS):
        values[:, i] = np.round(values[:, i], lab.decimals)
    has = np.ones((size, len(LABS)), dtype=np.bool_)
    has[:, 0] = ~lc  # no serum M-protein for light-chain-only disease
    flat = np.flatnonzero(has)
    visit = flat // len(LABS)
    return LabRows(pat[visit], day[visit], flat % len(LABS), values.ravel()[flat])


# ---------------------------------------------------------------------------------------------
# One chunk


def simulate_chunk(seed: int, chunk_index: int, first_id: int, n: int) -> Chunk:
    """Simulate ``n`` patients with person ids from ``first_id`` (chunk ``chunk_index``)."""
    rng = np.random.default_rng([seed, chunk_index])
    patients = _patients(rng, first_id, n)
    visits = _visits(rng, patients.diagnosis)
    lines, drugs = _simulate_lines(rng, patients, visits)
    labs = _labs(rng, patients, visits, lines)
    return Chunk(patients, visits, lines, drugs, patients.died, labs)


# ---------------------------------------------------------------------------------------------
# OMOP tables


def _rank_ids(person_id: IntArray) -> IntArray:
    """Row ids ``person_id * 100000 + rank`` for rows sorted by person."""
    first = np.searchsorted(person_id, person_id, side="left")
    return person_id * ROW_ID_FACTOR + (np.arange(person_id.size) - first) + 1


def _dates(days: IntArray, null: BoolArray | None = None) -> pa.Array:
    values = pa.array(days.astype(np.int32), type=pa.int32(), mask=null)
    return values.cast(pa.date32())


def _int32(values: npt.NDArray[np.generic]) -> pa.Array:
    return pa.array(np.asarray(values, dtype=np.int32), type=pa.int32())


def _int64(values: npt.NDArray[np.generic]) -> pa.Array:
    return pa.array(np.asarray(values, dtype=np.int64), type=pa.int64())


def _constant(value: int, size: int) -> pa.Array:
    return _int32(np.full(size, value, dtype=np.int32))


def _strings(names: Sequence[str], index: IntArray, null: BoolArray | None = None) -> pa.Array:
    return pa.array(list(names), type=pa.string()).take(pa.array(index, mask=null))


def _person(p: Patients) -> pa.Table:
    born = p.birth.astype("datetime64[D]")
    year = born.astype("datetime64[Y]").astype(np.int64) + 1970
    month = born.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (born - born.astype("datetime64[M]")).astype(np.int64) + 1
    n = p.person_id.size
    return pa.table(
        {
            "person_id": _int64(p.person_id),
            "gender_concept_id": _int32(np.where(p.male, MALE_CONCEPT_ID, FEMALE_CONCEPT_ID)),
            "year_of_birth": _int32(year),
            "month_of_birth": _int32(month),
            "day_of_birth": _int32(day),
            "birth_datetime": pa.array(born.astype("datetime64[us]"), type=pa.timestamp("us")),
            "race_concept_id": _constant(0, n),
            "ethnicity_concept_id": _constant(0, n),
            "person_source_value": pa.array(p.person_id.astype(str), type=pa.string()),
            "gender_source_value": _strings(("F", "M"), p.male.astype(np.int64)),
        }
    )


def _observation_period(p: Patients) -> pa.Table:
    n = p.person_id.size
    return pa.table(
        {
            "observation_period_id": _int64(p.person_id * ROW_ID_FACTOR + 1),
            "person_id": _int64(p.person_id),
            "observation_period_start_date": _dates(p.observation_start),
            "observation_period_end_date": _dates(p.end),
            "period_type_concept_id": _constant(EHR_TYPE_CONCEPT_ID, n),
        }
    )


def _condition_occurrence(p: Patients) -> pa.Table:
    n = p.person_id.size
    return pa.table(
        {
            "condition_occurrence_id": _int64(p.person_id * ROW_ID_FACTOR + 1),
            "person_id": _int64(p.person_id),
            "condition_concept_id": _constant(MULTIPLE_MYELOMA_CONCEPT_ID, n),
            "condition_start_date": _dates(p.diagnosis),
            "condition_end_date": pa.nulls(n, type=pa.date32()),
            "condition_type_concept_id": _constant(EHR_TYPE_CONCEPT_ID, n),
            "condition_source_value": _strings(
                (MULTIPLE_MYELOMA_SNOMED_CODE,), np.zeros(n, np.int64)
            ),
            "condition_source_concept_id": _constant(0, n),
        }
    )


def _drug_exposure(p: Patients, rows: DrugRows) -> pa.Table:
    pat = _cat(rows.patient)
    drug = _cat(rows.drug)
    start = _cat(rows.start)
    end = _cat(rows.end)
    stop = _cat(rows.stop)
    order = np.lexsort((drug, start, pat))
    pat, drug, start, end, stop = (a[order] for a in (pat, drug, start, end, stop))
    person = p.person_id[pat]
    concept = np.array([d.concept_id for d in DRUGS], dtype=np.int32)
    return pa.table(
        {
            "drug_exposure_id": _int64(_rank_ids(person)),
            "person_id": _int64(person),
            "drug_concept_id": _int32(concept[drug]),
            "drug_exposure_start_date": _dates(start),
            "drug_exposure_end_date": _dates(end),
            "drug_type_concept_id": _constant(EHR_TYPE_CONCEPT_ID, person.size),
            "stop_reason": _strings(STOP_REASONS, stop, stop == 0),
            "days_supply": _int32(end - start + 1),
            "drug_source_value": _strings([d.name for d in DRUGS], drug),
            "drug_source_concept_id": _constant(0, person.size),
        }
    )


def _procedure_occurrence(p: Patients, rows: DrugRows) -> pa.Table:
    pat = _cat(rows.proc_patient)
    kind = _cat(rows.proc_kind)
    day = _cat(rows.proc_day)
    order = np.lexsort((kind, day, pat))
    pat, kind, day = pat[order], kind[order], day[order]
    person = p.person_id[pat]
    return pa.table(
        {
            "procedure_occurrence_id": _int64(_rank_ids(person)),
            "person_id": _int64(person),
            "procedure_concept_id": _constant(0, person.size),
            "procedure_date": _dates(day),
            "procedure_type_concept_id": _constant(EHR_TYPE_CONCEPT_ID, person.size),
            "procedure_source_value": _strings(PROCEDURE_SOURCE_VALUES, kind),
            "procedure_source_concept_id": _constant(0, person.size),
        }
    )


def _measurement(p: Patients, labs: LabRows) -> pa.Table:
    pat, day, lab, value = labs.patient, labs.day, labs.lab, labs.value  # sorted by visit
    person = p.person_id[pat]
    n = person.size
    low = np.array([np.nan if x.range_low is None else x.range_low for x in LABS])[lab]
    high = np.array([np.nan if x.range_high is None else x.range_high for x in LABS])[lab]
    return pa.table(
        {
            "measurement_id": _int64(_rank_ids(person)),
            "person_id": _int64(person),
            "measurement_concept_id": _constant(0, n),
            "measurement_date": _dates(day),
            "measurement_type_concept_id": _constant(EHR_TYPE_CONCEPT_ID, n),
            "value_as_number": pa.array(value, type=pa.float64()),
            "unit_concept_id": _int32(np.array([x.unit_concept_id for x in LABS])[lab]),
            "range_low": pa.array(low, type=pa.float64(), from_pandas=True),
            "range_high": pa.array(high, type=pa.float64(), from_pandas=True),
            "measurement_source_value": _strings([x.loinc for x in LABS], lab),
            "measurement_source_concept_id": _constant(0, n),
            "unit_source_value": _strings([x.unit for x in LABS], lab),
        }
    )


def _death(p: Patients) -> pa.Table:
    dead = np.nonzero(p.died)[0]
    return pa.table(
        {
            "person_id": _int64(p.person_id[dead]),
            "death_date": _dates(p.end[dead]),
            "death_type_concept_id": _constant(EHR_TYPE_CONCEPT_ID, dead.size),
            "cause_concept_id": _constant(0, dead.size),
        }
    )


def _cat(parts: list[IntArray]) -> IntArray:
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


# ---------------------------------------------------------------------------------------------
# Ground truth


def _mask_names(masks: IntArray, order: Sequence[int] | None = None) -> tuple[list[str], IntArray]:
    """'+'-joined drug names per distinct bitmask, and each mask's index into them."""
    unique, inverse = np.unique(masks, return_inverse=True)
    sequence = list(order) if order is not None else list(range(len(DRUGS)))
    names = [
        "+".join(DRUGS[i].name for i in sequence if (int(m) >> i) & 1) for m in unique.tolist()
    ]
    return names, inverse.astype(np.int64)


def _regimen_names(template: IntArray, received: IntArray) -> tuple[list[str], IntArray]:
    """Regimen strings (drugs received, in the template's order) per (template, received)."""
    key = template * (1 << 32) + received
    unique, inverse = np.unique(key, return_inverse=True)
    names = []
    for value in unique.tolist():
        tmpl = TEMPLATES[value >> 32]
        got = value & ((1 << 32) - 1)
        names.append("+".join(d for d in tmpl.drugs if (got >> drug_index(d)) & 1))
    return names, inverse.astype(np.int64)


def _ground_truth_line(p: Patients, lines: Lines) -> pa.Table:
    pat, k = np.nonzero(lines.template[:, :MAX_LINES] >= 0)
    person = p.person_id[pat]
    template = lines.template[pat, k]
    prog = lines.progression[pat, k]
    refractory = lines.refractory[pat, k]
    regimens, regimen_index = _regimen_names(template, lines.received[pat, k])
    refr_names, refr_index = _mask_names(refractory)
    return pa.table(
        {
            "person_id": _int64(person),
            "line_number": _int32(k + 1),
            "start_date": _dates(lines.start[pat, k]),
            "end_date": _dates(lines.end[pat, k]),
            "regimen": _strings(regimens, regimen_index),
            "regimen_name": _strings([t.name for t in TEMPLATES], template),
            "progression_date": _dates(np.where(prog < NONE, prog, 0), prog >= NONE),
            "refractory_drugs": _strings(refr_names, refr_index, refractory == 0),
        }
    )


def _ground_truth_person(p: Patients, lines: Lines) -> pa.Table:
    refractory = np.bitwise_or.reduce(lines.refractory, axis=1)
    received = np.bitwise_or.reduce(lines.received, axis=1)
    has_cd38 = (refractory & CD38_BITS) != 0
    return pa.table(
        {
            "person_id": _int64(p.person_id),
            "n_lines": _int32((lines.template[:, :MAX_LINES] >= 0).sum(axis=1)),
            "triple_class_refractory": pa.array(
                ((refractory & PI_BITS) != 0) & ((refractory & IMID_BITS) != 0) & has_cd38
            ),
            "penta_refractory": pa.array(((refractory & PENTA_BITS) == PENTA_BITS) & has_cd38),
            "bcma_exposed": pa.array((received & BCMA_BITS) != 0),
            "diagnosis_date": _dates(p.diagnosis),
            "heavy_chain": _strings(HEAVY_CHAINS, p.heavy),
            "light_chain": _strings(LIGHT_CHAINS, p.light),
            "death_date": _dates(p.end, ~p.died),
            "end_of_follow_up": _dates(p.end),
        }
    )


TABLES: Final = (
    "person",
    "observation_period",
    "condition_occurrence",
    "drug_exposure",
    "procedure_occurrence",
    "measurement",
    "death",
    "ground_truth_line",
    "ground_truth_person",
)


def chunk_tables(chunk: Chunk) -> dict[str, pa.Table]:
    """The OMOP and ground-truth tables of one simulated chunk, keyed by table name."""
    p = chunk.patients
    return {
        "person": _person(p),
        "observation_period": _observation_period(p),
        "condition_occurrence": _condition_occurrence(p),
        "drug_exposure": _drug_exposure(p, chunk.drugs),
        "procedure_occurrence": _procedure_occurrence(p, chunk.drugs),
        "measurement": _measurement(p, chunk.labs),
        "death": _death(p),
        "ground_truth_line": _ground_truth_line(p, chunk.lines),
        "ground_truth_person": _ground_truth_person(p, chunk.lines),
    }


# ---------------------------------------------------------------------------------------------
# Writing


class OutputFormat(StrEnum):
    """Where the tables go: Parquet parts, a DuckDB file, or both."""

    PARQUET = "parquet"
    DUCKDB = "duckdb"
    BOTH = "both"


def _write_chunk(args: tuple[int, int, int, int, str]) -> dict[str, int]:
    seed, index, first_id, n, directory = args
    tables = chunk_tables(simulate_chunk(seed, index, first_id, n))
    counts = {}
    for name, table in tables.items():
        folder = Path(directory) / name
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, folder / f"part-{index:05d}.parquet", compression="zstd")
        counts[name] = table.num_rows
    return counts


def generate(
    patients: int,
    seed: int,
    out: Path,
    output: OutputFormat = OutputFormat.PARQUET,
    *,
    chunk_size: int = CHUNK_SIZE,
    workers: int = 1,
) -> dict[str, int]:
    """Write a synthetic cohort of ``patients`` persons to ``out``; return rows per table.

    Parquet parts go to ``out/<table>/part-NNNNN.parquet`` (one per chunk of ``chunk_size``
    persons; the content depends on ``seed``, ``patients`` and ``chunk_size`` only, not on
    ``workers``). The DuckDB file is ``out/cdm.duckdb``, built from the parts.
    """
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out) as scratch:
        parquet_dir = scratch if output is OutputFormat.DUCKDB else str(out)
        jobs = [
            (seed, i, 1 + i * chunk_size, min(chunk_size, patients - i * chunk_size), parquet_dir)
            for i in range(-(-patients // chunk_size))
        ]
        if workers > 1 and len(jobs) > 1:
            with ProcessPoolExecutor(max_workers=workers) as pool:
                results = list(pool.map(_write_chunk, jobs))
        else:
            results = [_write_chunk(job) for job in jobs]
        if output is not OutputFormat.PARQUET:
            _load_duckdb(Path(parquet_dir), out / "cdm.duckdb")
    return {name: sum(r[name] for r in results) for name in TABLES}


def _load_duckdb(parquet_dir: Path, database: Path) -> None:
    import duckdb

    database.unlink(missing_ok=True)
    with duckdb.connect(str(database)) as con:
        for name in TABLES:
            pattern = str(parquet_dir / name / "part-*.parquet").replace("'", "''")
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM read_parquet('{pattern}')")
