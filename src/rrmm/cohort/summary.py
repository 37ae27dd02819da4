"""What a cohort run found, summarised for real-world-evidence research (``rrmm cohort summary``).

A functional core over numpy arrays and Arrow tables, and a thin reader at the edge
(:func:`read_run`: DuckDB over the run's Parquet folders). Nothing here loops over persons or
lines in Python: every rule is a vectorised expression over the columns of ``line_result`` and
``person_result`` (:mod:`rrmm.cohort.run`), sorted once by person and line number.

Definitions and their sources:

- **Lines** and the **labels at line start** are the core's (``labels_at_start``: the labels the
  person carried when the line started). Triple-class exposed / refractory (a proteasome
  inhibitor, an immunomodulatory drug and an anti-CD38 antibody) and penta-refractory (two PIs,
  two IMiDs and an anti-CD38 antibody) follow MAMMOTH: Gandhi UH et al., "Outcomes of patients
  with multiple myeloma refractory to CD38-targeted monoclonal antibody therapy", Leukemia
  2019;33:2266-2275. BCMA-exposed: any anti-BCMA CAR-T, bispecific or antibody-drug conjugate.
- **Progression-free survival** (PFS) of a line: from the line's start to progression (the
  line's ``progression_date``, IMWG criteria) or death from any cause, as defined by the IMWG
  consensus: Kumar S et al., "International Myeloma Working Group consensus criteria for
  response and minimal residual disease assessment in multiple myeloma", Lancet Oncol
  2016;17:e328-e346. Death counts when it occurs before the next line starts (or at any time
  after the last line); otherwise a line without progression is censored at the next line's
  start, or at the person's last record (the run's ``as_of`` when there is none).
- **Time on a line**: from the line's start to its end (``end_date``), both days included; an
  ongoing line is censored at the person's last record (or ``as_of``).
- **Kaplan-Meier** estimator: Kaplan EL, Meier P, "Nonparametric estimation from incomplete
  observations", J Am Stat Assoc 1958;53:457-481, computed by ``scipy.stats.ecdf`` on
  ``scipy.stats.CensoredData``. Pointwise 95 % confidence intervals use Greenwood's variance on
  the log(-log) scale (scipy ``method="log-log"``); the median is the first time the curve is
  at or below 0.5, and its interval the times the pointwise limits reach 0.5 (Brookmeyer R,
  Crowley J, Biometrics 1982;38:29-41). A person contributes one observation per line: the
  pooled group of late lines ("6+") may hold several lines of one person.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Final

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
from scipy import stats  # type: ignore[import-untyped]

__all__ = [
    "COUNT_LINES",
    "DAYS_PER_MONTH",
    "DISCLAIMER",
    "KM_LINES",
    "LABELS",
    "METHODS",
    "Cohort",
    "KMGroup",
    "KaplanMeier",
    "LineCount",
    "Lines",
    "Outcome",
    "Persons",
    "RunData",
    "RunInfo",
    "Summary",
    "SummaryError",
    "Totals",
    "Transition",
    "Transitions",
    "TransitionsFrom",
    "cohort",
    "counts_by_line",
    "group_names",
    "kaplan_meier",
    "km_by_line",
    "line_group",
    "lines_from_arrow",
    "median_text",
    "months",
    "persons_from_arrow",
    "pfs_outcome",
    "read_run",
    "summarise",
    "summary_json",
    "summary_view",
    "time_on_line_outcome",
    "transitions",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: Days per month for medians in months (365.25 / 12).
DAYS_PER_MONTH: Final = 30.4375
#: Lines counted one by one in the counts table; later lines are pooled ("9+").
COUNT_LINES: Final = 8
#: Lines shown one by one in the Kaplan-Meier and per-line transition tables ("6+" pooled).
KM_LINES: Final = 5
TOP: Final = 10
CONFIDENCE: Final = 0.95
LANDMARK_MONTHS: Final = (12, 24)
REASONS_SHOWN: Final = 10
#: The labels at line start that the counts report: (label, how it is written).
LABELS: Final = (
    ("triple_class_exposed", "triple-class exposed"),
    ("triple_class_refractory", "triple-class refractory"),
    ("penta_refractory", "penta-refractory"),
    ("bcma_exposed", "BCMA-exposed"),
)
NOT_EVALUABLE: Final = "not_evaluable"
NOT_RECORDED: Final = "(not recorded)"
_EPOCH: Final = date(1970, 1, 1)

DISCLAIMER: Final = (
    "Research and decision support derived from recorded data, not a prescription: these"
    " figures describe what the records show for this cohort; they do not say what any patient"
    " should receive. Check them against the source data before drawing conclusions."
)
METHODS: Final = (
    "Persons whose record could not be assessed (status not_evaluable) are counted and excluded"
    " from every line-based analysis.",
    "Counts by line: persons starting each line (lines 1 to 8, then 9 or later, counted once per"
    " person); of them, the labels they carried when that line started (the core's"
    " labels_at_start). Triple-class exposed/refractory: a proteasome inhibitor, an"
    " immunomodulatory drug and an anti-CD38 antibody; penta-refractory: two proteasome"
    " inhibitors, two immunomodulatory drugs and an anti-CD38 antibody (MAMMOTH, Gandhi et al.,"
    " Leukemia 2019). BCMA-exposed: any anti-BCMA CAR-T, bispecific or antibody-drug conjugate.",
    "Regimen transitions: the regimen of line n and that of line n+1 of the same person; the"
    " percentage is of the persons who moved on from line n to line n+1 (of all such moves for"
    " the table over all lines).",
    "Time on line: from the start of a line to its end date, both days included (event: the line"
    " ended); an ongoing line is censored at the person's last record, or at the run's as-of"
    " date when there is none.",
    "Progression-free survival (IMWG, Kumar et al., Lancet Oncol 2016): from the start of a line"
    " to the earlier of that line's progression date and death from any cause; death counts when"
    " it occurs before the next line starts (or at any time after the last line). Otherwise the"
    " line is censored at the start of the next line, or at the person's last record (the run's"
    " as-of date when there is none). Months are 30.4375 days.",
    "Kaplan-Meier estimates (Kaplan & Meier, JASA 1958) by scipy.stats.ecdf; 95 % pointwise"
    " confidence intervals by Greenwood's variance on the log(-log) scale; the median is the"
    " first time the curve is at or below 0.5 and its 95 % interval where the pointwise limits"
    " reach 0.5 (Brookmeyer & Crowley 1982); 'not reached' (NR) when they do not. The later"
    " lines are pooled (6 and later by default), so a person may contribute several lines to"
    " that group.",
)


class SummaryError(Exception):
    """A folder that is not a readable ``rrmm cohort run`` output."""


# ---------------------------------------------------------------------------------------------
# Columns


@dataclass(frozen=True, slots=True, eq=False)
class Persons:
    """``person_result`` as arrays, sorted by person_id; dates are days since 1970-01-01."""

    person_id: IntArray
    status: IntArray
    status_names: tuple[str, ...]
    reason: IntArray
    reason_names: tuple[str, ...]
    last_record: FloatArray
    death: FloatArray

    @property
    def evaluable(self) -> BoolArray:
        """Persons whose status is not ``not_evaluable``."""
        bad = [k for k, name in enumerate(self.status_names) if name == NOT_EVALUABLE]
        found: BoolArray = ~np.isin(self.status, bad)
        return found


@dataclass(frozen=True, slots=True, eq=False)
class Lines:
    """``line_result`` as arrays, sorted by (person_id, line_number); NaN for a missing date."""

    person_id: IntArray
    number: IntArray
    start: FloatArray
    end: FloatArray
    progression: FloatArray
    regimen: IntArray
    regimens: tuple[str, ...]
    labels: dict[str, BoolArray] = field(default_factory=dict)

    def take(self, rows: IntArray | BoolArray) -> Lines:
        """The lines at ``rows`` (indices or a mask), order kept."""
        return Lines(
            self.person_id[rows],
            self.number[rows],
            self.start[rows],
            self.end[rows],
            self.progression[rows],
            self.regimen[rows],
            self.regimens,
            {key: flags[rows] for key, flags in self.labels.items()},
        )


def _days(column: Any) -> FloatArray:
    """A date32 column as float days since 1970-01-01 (NaN for null)."""
    days = pc.cast(pc.cast(column, pa.int32()), pa.float64())
    found: FloatArray = np.asarray(
        pc.fill_null(days, float("nan")).to_numpy(zero_copy_only=False), dtype=np.float64
    )
    return found


def _ints(column: Any) -> IntArray:

    found: IntArray = np.asarray(
        pc.fill_null(column, 0).to_numpy(zero_copy_only=False), dtype=np.int64
    )
    return found


def _codes(column: Any, missing: str | None) -> tuple[IntArray, tuple[str, ...]]:
    """Dictionary codes of a string column; null is ``missing`` (or code -1 when None)."""
    if missing is not None:
        column = pc.fill_null(column, missing)
    encoded = pc.dictionary_encode(_combined(column))
    codes = _ints(pc.fill_null(encoded.indices, -1))
    return codes, tuple(str(name) for name in encoded.dictionary.to_pylist())


def _combined(column: Any) -> Any:
    """One Arrow array from a (possibly chunked) column."""
    if isinstance(column, pa.ChunkedArray):
        return column.combine_chunks() if column.num_chunks else pa.array([], column.type)
    return column


def _has_label(column: Any, label: str, rows: int) -> BoolArray:
    """Rows whose list column (one array) holds ``label``; vectorised, no loop over rows."""
    flags = np.zeros(rows, dtype=np.bool_)
    if rows == 0:
        return flags
    values = pc.list_flatten(column)
    parents = _ints(pc.list_parent_indices(column))
    hit = np.asarray(pc.fill_null(pc.equal(values, label), False).to_numpy(zero_copy_only=False))
    flags[parents[hit.astype(np.bool_)]] = True
    return flags


def persons_from_arrow(table: Any) -> Persons:
    """``person_result`` as :class:`Persons`, sorted by person_id.

    Columns read: person_id, status, not_evaluable_reason, last_record, death_date.
    """
    ids = _ints(table.column("person_id"))
    order = np.argsort(ids, kind="stable")
    status, status_names = _codes(table.column("status"), NOT_RECORDED)
    reason, reason_names = _codes(table.column("not_evaluable_reason"), None)
    return Persons(
        ids[order],
        status[order],
        status_names,
        reason[order],
        reason_names,
        _days(table.column("last_record"))[order],
        _days(table.column("death_date"))[order],
    )


def lines_from_arrow(table: Any) -> Lines:
    """``line_result`` as :class:`Lines`, sorted by person and line number.

    Columns read: person_id, line_number, start_date, end_date, progression_date, regimen,
    labels_at_start.
    """
    ids = _ints(table.column("person_id"))
    number = _ints(table.column("line_number"))
    order = np.lexsort((number, ids))
    regimen, regimens = _codes(table.column("regimen"), NOT_RECORDED)
    labels_column = _combined(table.column("labels_at_start"))
    labels = {key: _has_label(labels_column, key, table.num_rows)[order] for key, _ in LABELS}
    return Lines(
        ids[order],
        number[order],
        _days(table.column("start_date"))[order],
        _days(table.column("end_date"))[order],
        _days(table.column("progression_date"))[order],
        regimen[order],
        regimens,
        labels,
    )


# ---------------------------------------------------------------------------------------------
# The evaluable cohort


@dataclass(frozen=True, slots=True, eq=False)
class Cohort:
    """The lines of evaluable persons, each with its person's last record and death date."""

    lines: Lines
    last_record: FloatArray
    death: FloatArray
    excluded_persons: int
    excluded_lines: int


def cohort(lines: Lines, persons: Persons) -> Cohort:
    """Keep the lines whose person is in ``person_result`` and evaluable; count the rest."""
    evaluable = persons.evaluable
    position = np.searchsorted(persons.person_id, lines.person_id)
    position = np.minimum(position, max(persons.person_id.size - 1, 0))
    if persons.person_id.size:
        known = persons.person_id[position] == lines.person_id
        keep = known & evaluable[position]
    else:
        keep = np.zeros(lines.person_id.size, dtype=np.bool_)
    at = position[keep]
    return Cohort(
        lines.take(keep),
        persons.last_record[at],
        persons.death[at],
        int((~evaluable).sum()),
        int((~keep).sum()),
    )


def _day(value: date) -> float:
    return float((value - _EPOCH).days)


def censor_day(last_record: FloatArray, as_of: date) -> FloatArray:
    """The person's last record, or the run's as-of date when there is none."""
    found: FloatArray = np.where(np.isnan(last_record), _day(as_of), last_record)
    return found


def distinct_sorted(values: IntArray) -> int:
    """Number of distinct values of a sorted array (persons of sorted lines)."""
    return int(values.size and 1 + np.count_nonzero(values[1:] != values[:-1]))


def has_next_line(person_id: IntArray) -> BoolArray:
    """Rows followed by another line of the same person (rows sorted by person, line)."""
    found = np.zeros(person_id.size, dtype=np.bool_)
    found[:-1] = person_id[1:] == person_id[:-1]
    return found


def next_line_start(person_id: IntArray, start: FloatArray) -> FloatArray:
    """The start of the same person's next line (NaN after the last line)."""
    found = np.full(start.size, np.nan)
    following = has_next_line(person_id)
    found[:-1][following[:-1]] = start[1:][following[:-1]]
    return found


@dataclass(frozen=True, slots=True, eq=False)
class Outcome:
    """One time-to-event observation per line: ``days`` and whether it ended in the event."""

    days: FloatArray
    event: BoolArray


def time_on_line_outcome(c: Cohort, as_of: date) -> Outcome:
    """Event: the line ended (end_date); ongoing lines censored at last record (or as-of).

    Duration: end (or censoring day) - start + 1 days, at least 1.
    """
    lines = c.lines
    ended = ~np.isnan(lines.end)
    stop = np.where(ended, lines.end, censor_day(c.last_record, as_of))
    return Outcome(np.maximum(stop - lines.start + 1.0, 1.0), ended)


def death_counts(death: FloatArray, start: FloatArray, next_start: FloatArray) -> BoolArray:
    """Death is a PFS event of a line if before the next line starts (or there is none).

    A death recorded before the line's own start (an inconsistent record) is not one of its.
    """
    before_next = np.isnan(next_start) | (death < next_start)
    found: BoolArray = ~np.isnan(death) & (death >= start) & before_next
    return found


def pfs_outcome(c: Cohort, as_of: date) -> Outcome:
    """IMWG progression-free survival of each line.

    Event: the line's progression, or death before the next line starts (at any time after the
    last line), whichever is first. Otherwise censored at the next line's start, or at the last
    record (or as-of) after the last line. Duration: event or censoring day - start, >= 0.
    """
    lines = c.lines
    following = next_line_start(lines.person_id, lines.start)
    death = np.where(death_counts(c.death, lines.start, following), c.death, np.nan)
    event_day = np.fmin(lines.progression, death)  # the earlier; NaN when neither
    event = ~np.isnan(event_day)
    censored = np.where(np.isnan(following), censor_day(c.last_record, as_of), following)
    stop = np.where(event, event_day, censored)
    return Outcome(np.maximum(stop - lines.start, 0.0), event)


# ---------------------------------------------------------------------------------------------
# Counts by line


def line_group(number: IntArray, last: int) -> IntArray:
    """0-based group of a line number: lines 1..last alone, later lines pooled as last + 1."""
    found: IntArray = np.clip(number, 1, last + 1) - 1
    return found


def group_names(last: int) -> tuple[str, ...]:
    """Names of the groups: "1" to str(last), then "(last + 1)+"."""
    return (*(str(k) for k in range(1, last + 1)), f"{last + 1}+")


def first_line_of_group(person_id: IntArray, group: IntArray) -> BoolArray:
    """The first line of each person in each group (rows sorted by person and line)."""
    first = np.ones(person_id.size, dtype=np.bool_)
    first[1:] = (person_id[1:] != person_id[:-1]) | (group[1:] != group[:-1])
    return first


@dataclass(frozen=True, slots=True)
class LineCount:
    """Persons starting one line (group) and how many carried each label at its start."""

    line: str
    persons: int
    labelled: dict[str, int]

    def percent(self, label: str) -> float | None:
        """Percentage of ``persons`` with ``label`` (None when nobody started the line)."""
        return 100.0 * self.labelled[label] / self.persons if self.persons else None


def counts_by_line(lines: Lines, last: int = COUNT_LINES) -> tuple[LineCount, ...]:
    """Persons starting lines 1..last and (last + 1)+, and the labels at that start."""
    group = line_group(lines.number, last)
    first = first_line_of_group(lines.person_id, group)
    size = last + 1
    persons = np.bincount(group[first], minlength=size)
    labelled = {
        key: np.bincount(group[first & lines.labels[key]], minlength=size) for key, _ in LABELS
    }
    return tuple(
        LineCount(name, int(persons[k]), {key: int(v[k]) for key, v in labelled.items()})
        for k, name in enumerate(group_names(last))
    )


# ---------------------------------------------------------------------------------------------
# Regimen transitions


@dataclass(frozen=True, slots=True)
class Transition:
    """Moves from regimen ``source`` at line n to ``target`` at line n + 1.

    One move per person and line n; ``percent`` is of all the moves counted with it.
    """

    source: str
    target: str
    count: int
    percent: float


@dataclass(frozen=True, slots=True)
class TransitionsFrom:
    """The top transitions from one line (``line`` None: from any line)."""

    line: int | None
    persons_at_line: int
    moved_on: int
    top: tuple[Transition, ...]


@dataclass(frozen=True, slots=True)
class Transitions:
    """Top transitions over all lines and from each of the first lines."""

    overall: TransitionsFrom
    by_line: tuple[TransitionsFrom, ...]


def consecutive_lines(lines: Lines) -> BoolArray:
    """Rows whose next row is the same person's line n + 1."""
    following = has_next_line(lines.person_id)
    following[:-1] &= lines.number[1:] == lines.number[:-1] + 1
    return following


def top_pairs(
    source: IntArray, target: IntArray, regimens: Sequence[str], top: int, moved_on: int
) -> tuple[Transition, ...]:
    """The ``top`` most frequent (source, target) regimen pairs; ties by name."""
    if source.size == 0:
        return ()
    size = len(regimens)
    pairs = source * size + target
    if size * size <= 4_000_000:  # a count per possible pair: linear time
        every = np.bincount(pairs, minlength=size * size)
        values = np.flatnonzero(every)
        counts = every[values]
    else:
        values, counts = np.unique(pairs, return_counts=True)
    rank = np.empty(size, dtype=np.int64)
    rank[np.argsort(np.array(regimens, dtype=object), kind="stable")] = np.arange(size)
    order = np.lexsort((rank[values % size], rank[values // size], -counts))[:top]
    return tuple(
        Transition(
            regimens[int(values[i] // size)],
            regimens[int(values[i] % size)],
            int(counts[i]),
            100.0 * float(counts[i]) / moved_on,
        )
        for i in order.tolist()
    )


def transitions(lines: Lines, top: int = TOP, last: int = KM_LINES) -> Transitions:
    """Top ``top`` transitions line n -> n + 1, over all lines and for n = 1..last."""
    moves = np.flatnonzero(consecutive_lines(lines))
    source = lines.regimen[moves]
    target = lines.regimen[moves + 1]
    number = lines.number[moves]
    overall = TransitionsFrom(
        None,
        distinct_sorted(lines.person_id),
        int(moves.size),
        top_pairs(source, target, lines.regimens, top, int(moves.size)),
    )
    by_line = []
    for n in range(1, last + 1):
        here = number == n
        moved = int(here.sum())
        by_line.append(
            TransitionsFrom(
                n,
                int((lines.number == n).sum()),
                moved,
                top_pairs(source[here], target[here], lines.regimens, top, moved),
            )
        )
    return Transitions(overall, tuple(by_line))


# ---------------------------------------------------------------------------------------------
# Kaplan-Meier


@dataclass(frozen=True, slots=True, eq=False)
class KaplanMeier:
    """A Kaplan-Meier curve (days) with its pointwise band and median."""

    n: int
    events: int
    times: FloatArray
    survival: FloatArray
    low: FloatArray
    high: FloatArray
    durations: FloatArray
    censored: FloatArray
    median: float | None
    median_low: float | None
    median_high: float | None

    def survival_at(self, day: float) -> float | None:
        """S(day); None beyond the last observation (or without observations)."""
        if self.n == 0 or day > float(self.durations[-1]):
            return None
        index = int(np.searchsorted(self.times, day, side="right")) - 1
        return 1.0 if index < 0 else float(self.survival[index])

    def at_risk(self, day: float) -> int:
        """Observations with duration >= day."""
        return int(self.n - np.searchsorted(self.durations, day, side="left"))


def _first_at_or_below(times: FloatArray, curve: FloatArray, level: float) -> float | None:
    below = np.flatnonzero(curve <= level)
    return float(times[below[0]]) if below.size else None


def _defined(limit: FloatArray, survival: FloatArray) -> FloatArray:
    """The band where scipy leaves it undefined: 1 before any event, 0 after the last."""
    filled = np.where(np.isnan(limit) & (survival >= 1.0), 1.0, limit)
    found: FloatArray = np.where(np.isnan(filled), survival, filled)
    return found


def kaplan_meier(
    days: npt.ArrayLike, event: npt.ArrayLike, confidence: float = CONFIDENCE
) -> KaplanMeier:
    """Kaplan-Meier estimate by ``scipy.stats.ecdf``.

    With the log-log pointwise band, the median and its Brookmeyer-Crowley interval. ``event``
    False means right-censored at ``days``.
    """
    durations = np.asarray(days, dtype=np.float64)
    events = np.asarray(event, dtype=np.bool_)
    if durations.size == 0:
        empty = np.zeros(0)
        return KaplanMeier(0, 0, empty, empty, empty, empty, empty, empty, None, None, None)
    data = stats.CensoredData(uncensored=durations[events], right=durations[~events])
    sf = stats.ecdf(data).sf
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # undefined where S is 0 or 1
        band = sf.confidence_interval(confidence, method="log-log")
    times = np.asarray(sf.quantiles, dtype=np.float64)
    survival = np.asarray(sf.probabilities, dtype=np.float64)
    low = _defined(np.asarray(band.low.probabilities, dtype=np.float64), survival)
    high = _defined(np.asarray(band.high.probabilities, dtype=np.float64), survival)
    return KaplanMeier(
        int(durations.size),
        int(events.sum()),
        times,
        survival,
        low,
        high,
        np.sort(durations),
        np.unique(durations[~events]),
        _first_at_or_below(times, survival, 0.5),
        _first_at_or_below(times, low, 0.5),
        _first_at_or_below(times, high, 0.5),
    )


@dataclass(frozen=True, slots=True, eq=False)
class KMGroup:
    """The Kaplan-Meier curve of one line (or pooled lines)."""

    line: str
    km: KaplanMeier


def km_by_line(outcome: Outcome, number: IntArray, last: int = KM_LINES) -> tuple[KMGroup, ...]:
    """One curve per line 1..last and one for the pooled later lines."""
    group = line_group(number, last)
    return tuple(
        KMGroup(name, kaplan_meier(outcome.days[group == k], outcome.event[group == k]))
        for k, name in enumerate(group_names(last))
    )


# ---------------------------------------------------------------------------------------------
# The summary


@dataclass(frozen=True, slots=True)
class RunInfo:
    """The run folder and the parameters it was run with."""

    path: str
    as_of: date
    options: bool | None
    partitions: int
    partitions_ignored: int


@dataclass(frozen=True, slots=True, eq=False)
class RunData:
    """What :func:`read_run` found."""

    info: RunInfo
    persons: Persons
    lines: Lines


@dataclass(frozen=True, slots=True)
class Totals:
    """Persons, not evaluable (with reasons), lines."""

    persons: int
    evaluable: int
    not_evaluable: int
    with_lines: int
    lines: int
    statuses: tuple[tuple[str, int], ...]
    reasons: tuple[tuple[str, int], ...]


def _tally(codes: IntArray, names: Sequence[str], shown: int | None) -> tuple[tuple[str, int], ...]:
    """(name, count) by count (descending), then name; the rest as "(other)" past ``shown``."""
    valid = codes[codes >= 0]
    counts = np.bincount(valid, minlength=len(names))
    order = sorted(
        (k for k in range(len(names)) if counts[k]), key=lambda k: (-counts[k], names[k])
    )
    found = [(names[k], int(counts[k])) for k in order]
    if shown is not None and len(found) > shown:
        found = [*found[:shown], ("(other reasons)", sum(c for _, c in found[shown:]))]
    return tuple(found)


def totals(persons: Persons, c: Cohort) -> Totals:
    """Totals of the run: persons, evaluable, not evaluable and why, lines."""
    evaluable = persons.evaluable
    return Totals(
        persons=int(persons.person_id.size),
        evaluable=int(evaluable.sum()),
        not_evaluable=int((~evaluable).sum()),
        with_lines=distinct_sorted(c.lines.person_id),
        lines=int(c.lines.person_id.size),
        statuses=_tally(persons.status, persons.status_names, None),
        reasons=_tally(persons.reason[~evaluable], persons.reason_names, REASONS_SHOWN),
    )


@dataclass(frozen=True, slots=True, eq=False)
class Summary:
    """Everything ``rrmm cohort summary`` reports."""

    run: RunInfo
    totals: Totals
    counts: tuple[LineCount, ...]
    transitions: Transitions
    time_on_line: tuple[KMGroup, ...]
    pfs: tuple[KMGroup, ...]
    excluded_lines: int


def summarise(data: RunData, top: int = TOP, last: int = KM_LINES) -> Summary:
    """The whole summary of a run's data (pure)."""
    c = cohort(data.lines, data.persons)
    number = c.lines.number
    return Summary(
        run=data.info,
        totals=totals(data.persons, c),
        counts=counts_by_line(c.lines),
        transitions=transitions(c.lines, top, last),
        time_on_line=km_by_line(time_on_line_outcome(c, data.info.as_of), number, last),
        pfs=km_by_line(pfs_outcome(c, data.info.as_of), number, last),
        excluded_lines=c.excluded_lines,
    )


# ---------------------------------------------------------------------------------------------
# JSON


def months(days: float | None) -> float | None:
    """Days as months of 30.4375 days, 2 decimals."""
    return None if days is None else round(days / DAYS_PER_MONTH, 2)


def _km_json(group: KMGroup) -> dict[str, Any]:
    km = group.km
    return {
        "line": group.line,
        "n": km.n,
        "events": km.events,
        "censored": km.n - km.events,
        "median_days": km.median,
        "median_months": months(km.median),
        "ci95_low_months": months(km.median_low),
        "ci95_high_months": months(km.median_high),
        "survival_at_months": {
            str(m): (None if (s := km.survival_at(m * DAYS_PER_MONTH)) is None else round(s, 4))
            for m in LANDMARK_MONTHS
        },
    }


def _transitions_json(block: TransitionsFrom) -> dict[str, Any]:
    return {
        "from_line": block.line,
        "persons_at_line": block.persons_at_line,
        "moved_on": block.moved_on,
        "top": [
            {
                "from": t.source,
                "to": t.target,
                "count": t.count,
                "percent": round(t.percent, 2),
            }
            for t in block.top
        ],
    }


def _percent(count: LineCount, label: str) -> float | None:
    value = count.percent(label)
    return None if value is None else round(value, 2)


def summary_json(summary: Summary) -> dict[str, Any]:
    """The summary as one JSON-ready document (with the methods text and the disclaimer)."""
    t = summary.totals
    return {
        "run": {
            "path": summary.run.path,
            "as_of": summary.run.as_of.isoformat(),
            "options": summary.run.options,
            "partitions": summary.run.partitions,
            "partitions_ignored": summary.run.partitions_ignored,
        },
        "totals": {
            "persons": t.persons,
            "evaluable": t.evaluable,
            "not_evaluable": t.not_evaluable,
            "not_evaluable_reasons": [{"reason": r, "persons": n} for r, n in t.reasons],
            "statuses": [{"status": s, "persons": n} for s, n in t.statuses],
            "persons_with_lines": t.with_lines,
            "lines": t.lines,
            "lines_excluded": summary.excluded_lines,
        },
        "counts_by_line": [
            {
                "line": c.line,
                "persons": c.persons,
                **{
                    key: {"persons": c.labelled[key], "percent": _percent(c, key)}
                    for key, _ in LABELS
                },
            }
            for c in summary.counts
        ],
        "transitions": {
            "overall": _transitions_json(summary.transitions.overall),
            "by_line": [_transitions_json(b) for b in summary.transitions.by_line],
        },
        "time_on_line": [_km_json(g) for g in summary.time_on_line],
        "pfs": [_km_json(g) for g in summary.pfs],
        "pfs_excluded_not_evaluable": t.not_evaluable,
        "methods": list(METHODS),
        "disclaimer": DISCLAIMER,
    }


# ---------------------------------------------------------------------------------------------
# Reading a run folder (the edge)

_PERSON_SQL: Final = (
    "SELECT person_id, status, not_evaluable_reason, last_record, death_date"
    " FROM read_parquet($files)"
)
_LINE_SQL: Final = (
    "SELECT person_id, line_number, start_date, end_date, progression_date, regimen,"
    " labels_at_start FROM read_parquet($files)"
)


def _empty(kind: str) -> Any:

    dates = pa.date32()
    if kind == "person_result":
        schema = [
            ("person_id", pa.int64()),
            ("status", pa.string()),
            ("not_evaluable_reason", pa.string()),
            ("last_record", dates),
            ("death_date", dates),
        ]
    else:
        schema = [
            ("person_id", pa.int64()),
            ("line_number", pa.int32()),
            ("start_date", dates),
            ("end_date", dates),
            ("progression_date", dates),
            ("regimen", pa.string()),
            ("labels_at_start", pa.list_(pa.string())),
        ]
    return pa.schema(schema).empty_table()


def _manifest(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise SummaryError(f"{path}: no such folder")
    if not path.is_dir():
        raise SummaryError(f"{path}: not a folder (expected an `rrmm cohort run --out` folder)")
    manifest = path / "_run.json"
    if not manifest.is_file():
        raise SummaryError(f"{path}: not an `rrmm cohort run` output folder: _run.json is missing")
    try:
        found = json.loads(manifest.read_text(encoding="utf-8"))
        date.fromisoformat(found["as_of"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise SummaryError(f"{manifest}: no readable run parameters with as_of ({error})") from None
    if not isinstance(found, dict):
        raise SummaryError(f"{manifest}: not a JSON object")
    return found


def _partition_files(path: Path) -> tuple[list[str], list[str], int]:
    """Person and line files of the finished partitions, and how many others are ignored.

    A partition is finished when ``_done`` has its marker (every Parquet file counts when the
    folder has no ``_done``, e.g. an engine that writes no markers).
    """
    names = {p.stem for p in (path / "person_result").glob("*.parquet")}
    done_folder = path / "_done"
    done = {p.stem for p in done_folder.glob("*.json")} if done_folder.is_dir() else names
    for table in ("person_result", "line_result"):
        missing = sorted(n for n in done if not (path / table / f"{n}.parquet").is_file())
        if missing:
            raise SummaryError(
                f"{path}: partition {missing[0]} is finished but {table}/{missing[0]}.parquet"
                f" is missing ({len(missing)} partition(s) in all)"
            )
    parts = sorted(done)
    persons = [str(path / "person_result" / f"{n}.parquet") for n in parts]
    lines = [str(path / "line_result" / f"{n}.parquet") for n in parts]
    return persons, lines, len(names - done)


def read_run(path: Path, threads: int | None = None) -> RunData:
    """Read a run folder's finished partitions with DuckDB (the only I/O of the summary)."""
    manifest = _manifest(path)
    person_files, line_files, ignored = _partition_files(path)
    if person_files:
        con = duckdb.connect()
        try:
            if threads is not None:
                con.execute(f"SET threads = {max(1, threads)}")
            person_table = con.sql(_PERSON_SQL, params={"files": person_files}).to_arrow_table()
            line_table = con.sql(_LINE_SQL, params={"files": line_files}).to_arrow_table()
        except duckdb.Error as error:
            raise SummaryError(f"{path}: cannot read the run's Parquet files: {error}") from None
        finally:
            con.close()
    else:
        person_table, line_table = _empty("person_result"), _empty("line_result")
    options = manifest.get("options")
    info = RunInfo(
        str(path),
        date.fromisoformat(manifest["as_of"]),
        options if isinstance(options, bool) else None,
        len(person_files),
        ignored,
    )
    return RunData(info, persons_from_arrow(person_table), lines_from_arrow(line_table))


# ---------------------------------------------------------------------------------------------
# Text shared by the terminal table and the HTML page


def median_text(km: KaplanMeier) -> str:
    """Median in months with its 95 % CI, e.g. "24.3 (20.4–26.7)"; NR: not reached."""

    def show(days: float | None) -> str:
        value = months(days)
        return "NR" if value is None else f"{value:.1f}"

    if km.n == 0:
        return "-"
    return f"{show(km.median)} ({show(km.median_low)}–{show(km.median_high)})"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} %"


def _km_rows(groups: Sequence[KMGroup]) -> list[dict[str, str]]:
    return [
        {
            "line": g.line,
            "n": f"{g.km.n:,}",
            "events": f"{g.km.events:,}",
            "censored": f"{g.km.n - g.km.events:,}",
            "median": median_text(g.km),
            "median_days": "-" if g.km.median is None else f"{g.km.median:,.0f}",
            "at12": _survival(g, 12),
            "at24": _survival(g, 24),
        }
        for g in groups
    ]


def _survival(group: KMGroup, at_months: int) -> str:
    value = group.km.survival_at(at_months * DAYS_PER_MONTH)
    return "-" if value is None else f"{100 * value:.1f} %"


def summary_view(summary: Summary) -> dict[str, Any]:
    """The summary as formatted rows for a page or a terminal (pure)."""
    t = summary.totals
    tr = summary.transitions
    return {
        "run": summary.run,
        "as_of": summary.run.as_of.isoformat(),
        "totals": [
            ("Persons", f"{t.persons:,}"),
            ("Evaluable", f"{t.evaluable:,}"),
            ("Not evaluable (excluded)", f"{t.not_evaluable:,}"),
            ("Evaluable persons with at least one line", f"{t.with_lines:,}"),
            ("Lines of therapy", f"{t.lines:,}"),
            ("Partitions read", f"{summary.run.partitions:,}"),
            ("Unfinished partitions ignored", f"{summary.run.partitions_ignored:,}"),
        ],
        "statuses": [(s, f"{n:,}") for s, n in t.statuses],
        "reasons": [(r, f"{n:,}") for r, n in t.reasons],
        "labels": [name for _, name in LABELS],
        "counts": [
            {
                "line": c.line,
                "persons": f"{c.persons:,}",
                "labelled": [f"{c.labelled[key]:,} ({_pct(c.percent(key))})" for key, _ in LABELS],
            }
            for c in summary.counts
        ],
        "transitions": [
            {
                "title": (
                    f"All lines: {b.moved_on:,} moves from one line to the next"
                    if b.line is None
                    else f"Line {b.line} → {b.line + 1}: {b.moved_on:,} of {b.persons_at_line:,}"
                    " persons moved on"
                ),
                "rows": [(m.source, m.target, f"{m.count:,}", f"{m.percent:.1f} %") for m in b.top],
            }
            for b in (tr.overall, *tr.by_line)
        ],
        "time_on_line": _km_rows(summary.time_on_line),
        "pfs": _km_rows(summary.pfs),
        "methods": METHODS,
        "disclaimer": DISCLAIMER,
        "empty": t.persons == 0,
    }
