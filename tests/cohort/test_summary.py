"""``rrmm cohort summary``: Kaplan-Meier against a textbook and properties, counts and
transitions recomputed by hand, the PFS and time-on-line rules on tiny tables, the CLI end to end.
"""

from __future__ import annotations

import itertools
import json
import math
import shutil
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

np = pytest.importorskip("numpy")
pa = pytest.importorskip("pyarrow")
pytest.importorskip("duckdb")
pytest.importorskip("scipy")
pytest.importorskip("matplotlib")

import typer  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from rrmm.cli.cohort_summary import summary  # noqa: E402
from rrmm.cohort.summary import (  # noqa: E402
    DAYS_PER_MONTH,
    DISCLAIMER,
    LABELS,
    KaplanMeier,
    cohort,
    counts_by_line,
    kaplan_meier,
    lines_from_arrow,
    median_text,
    persons_from_arrow,
    pfs_outcome,
    read_run,
    summarise,
    time_on_line_outcome,
    transitions,
)
from rrmm.render.cohort_charts import CHART_STEMS, charts, figure_bytes  # noqa: E402
from tests.cohort.conftest import AS_OF, SMALL, sorted_table  # noqa: E402
from tests.render.page_text import outside_references, visible_text  # noqa: E402

# ---------------------------------------------------------------------------------------------
# Kaplan-Meier: Freireich et al., Blood 1963, 6-MP arm (weeks in remission; + = censored), as
# tabulated in Kleinbaum & Klein, Survival Analysis (3rd ed.), ch. 2, and Collett, Modelling
# Survival Data in Medical Research.

SIX_MP_EVENTS = [6, 6, 6, 7, 10, 13, 16, 22, 23]
SIX_MP_CENSORED = [6, 9, 10, 11, 17, 19, 20, 25, 32, 32, 34, 35]
#: Kleinbaum & Klein's KM table for the 6-MP group: S(t) at each event time.
SIX_MP_SURVIVAL = {6: 0.8571, 7: 0.8067, 10: 0.7529, 13: 0.6902, 16: 0.6275, 22: 0.5378, 23: 0.4482}
PLACEBO = [1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23]


def _six_mp() -> KaplanMeier:
    days = SIX_MP_EVENTS + SIX_MP_CENSORED
    event = [True] * len(SIX_MP_EVENTS) + [False] * len(SIX_MP_CENSORED)
    return kaplan_meier(days, event)


def _at(km: KaplanMeier, t: float) -> float:
    value = km.survival_at(t)
    assert value is not None
    return value


def test_km_matches_the_textbook_6mp_table():
    km = _six_mp()
    assert (km.n, km.events) == (21, 9)
    for week, expected in SIX_MP_SURVIVAL.items():
        assert km.survival_at(week) == pytest.approx(expected, abs=5e-5)
        assert _at(km, week - 0.5) > _at(km, week)
    assert km.survival_at(5.9) == 1.0
    assert km.survival_at(35) == pytest.approx(0.4482, abs=5e-5)
    assert km.survival_at(36) is None  # beyond the last observation
    assert km.median == 23.0
    assert km.median_high is None  # the upper limit is not reached
    assert km.median_low is not None
    assert median_text(km) == f"{23 / DAYS_PER_MONTH:.1f} ({km.median_low / DAYS_PER_MONTH:.1f}–NR)"


def _greenwood_log_log(days: list[int], event: list[bool]) -> dict[float, tuple[float, float]]:
    """Pointwise 95 % limits at each event time, from the formulas (the test's own reckoning)."""
    z = 1.959963984540054
    survival, total = 1.0, 0.0
    limits: dict[float, tuple[float, float]] = {}
    for t in sorted({d for d, e in zip(days, event, strict=True) if e}):
        at_risk = sum(d >= t for d in days)
        deaths = sum(d == t and e for d, e in zip(days, event, strict=True))
        survival *= 1 - deaths / at_risk
        total += deaths / (at_risk * (at_risk - deaths))
        sigma = math.sqrt(total) / abs(math.log(survival))
        limits[t] = (survival ** math.exp(z * sigma), survival ** math.exp(-z * sigma))
    return limits


def test_km_band_is_greenwood_on_the_log_log_scale_and_gives_the_median_interval():
    km = _six_mp()
    days = SIX_MP_EVENTS + SIX_MP_CENSORED
    event = [True] * len(SIX_MP_EVENTS) + [False] * len(SIX_MP_CENSORED)
    limits = _greenwood_log_log(days, event)
    for t, (low, high) in limits.items():
        i = int(np.searchsorted(km.times, t))
        assert km.low[i] == pytest.approx(low, rel=1e-9)
        assert km.high[i] == pytest.approx(high, rel=1e-9)
    assert km.median_low == min(t for t, (low, _) in limits.items() if low <= 0.5)
    assert km.median_low == 13.0


def test_km_without_censoring_is_one_minus_the_empirical_cdf_placebo_arm():
    km = kaplan_meier(PLACEBO, [True] * len(PLACEBO))
    assert km.median == 8.0  # Freireich placebo arm: median 8 weeks
    for week in range(0, 24):
        assert km.survival_at(week) == pytest.approx(sum(d > week for d in PLACEBO) / 21)


def test_km_edge_cases():
    empty = kaplan_meier([], [])
    assert (empty.n, empty.median, median_text(empty)) == (0, None, "-")
    assert empty.survival_at(1.0) is None
    censored = kaplan_meier([3, 5, 9], [False, False, False])
    assert censored.events == 0
    assert censored.median is None
    assert np.all(censored.survival == 1.0)
    assert np.all(censored.low == 1.0)
    assert np.all(censored.high == 1.0)
    assert median_text(censored).startswith("NR")
    assert censored.at_risk(0) == 3
    assert censored.at_risk(5) == 2
    assert censored.at_risk(10) == 0
    everyone = kaplan_meier([2, 4], [True, True])
    assert everyone.survival_at(4) == 0.0
    assert np.all((everyone.low >= 0) & (everyone.high <= 1))


_DAYS = st.lists(st.tuples(st.integers(1, 40), st.booleans()), min_size=1, max_size=40)


def _curve(km: KaplanMeier, grid: range) -> list[float]:
    return [km.survival_at(t) or 0.0 for t in grid]


@settings(max_examples=80, deadline=None)
@given(_DAYS)
def test_km_is_a_survival_function(observations):
    days = [d for d, _ in observations]
    event = [e for _, e in observations]
    km = kaplan_meier(days, event)
    assert np.all(np.diff(km.survival) <= 1e-12)
    assert np.all((km.survival >= 0) & (km.survival <= 1))
    assert np.all((km.low <= km.survival + 1e-12) & (km.survival <= km.high + 1e-12))
    assert np.all((km.low >= 0) & (km.high <= 1))
    if km.median is not None:
        assert _at(km, km.median) <= 0.5
        assert _at(km, km.median - 1e-9) > 0.5


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(1, 40), min_size=1, max_size=40))
def test_km_without_censoring_equals_one_minus_the_ecdf(days):
    km = kaplan_meier(days, [True] * len(days))
    for t in range(0, max(days) + 1):
        assert km.survival_at(t) == pytest.approx(sum(d > t for d in days) / len(days))


@settings(max_examples=80, deadline=None)
@given(_DAYS, st.integers(1, 40), st.data())
def test_censoring_never_lowers_the_curve(observations, extra, data):
    days = [d for d, _ in observations]
    event = [e for _, e in observations]
    grid = range(0, max(days) + 1)
    before = _curve(kaplan_meier(days, event), grid)
    # an event turned into a censoring at the same time
    events = [i for i, e in enumerate(event) if e]
    if events:
        i = data.draw(st.sampled_from(events))
        turned = kaplan_meier(days, [e and j != i for j, e in enumerate(event)])
        assert all(a >= b - 1e-12 for a, b in zip(_curve(turned, grid), before, strict=True))
    # one more person censored at ``extra``: the curve up to there is not lower
    added = kaplan_meier([*days, extra], [*event, False])
    upto = range(0, min(extra, max(days)) + 1)
    assert all(
        a >= b - 1e-12
        for a, b in zip(_curve(added, upto), _curve(kaplan_meier(days, event), upto), strict=True)
    )


# ---------------------------------------------------------------------------------------------
# PFS and time on line on hand-made tables

D = date(2020, 1, 1)


def _d(days: int | None) -> date | None:
    return None if days is None else D + timedelta(days=days)


def _lines(rows: list[tuple[Any, ...]]) -> Any:
    """(person, line, start, end, progression, regimen, labels) with dates as days from D."""
    return pa.table(
        {
            "person_id": pa.array([r[0] for r in rows], pa.int64()),
            "line_number": pa.array([r[1] for r in rows], pa.int32()),
            "start_date": pa.array([_d(r[2]) for r in rows], pa.date32()),
            "end_date": pa.array([_d(r[3]) for r in rows], pa.date32()),
            "progression_date": pa.array([_d(r[4]) for r in rows], pa.date32()),
            "regimen": pa.array([r[5] for r in rows], pa.string()),
            "labels_at_start": pa.array([r[6] for r in rows], pa.list_(pa.string())),
        }
    )


def _persons(rows: list[tuple[Any, ...]]) -> Any:
    """(person, status, last_record, death, reason) with dates as days from D."""
    return pa.table(
        {
            "person_id": pa.array([r[0] for r in rows], pa.int64()),
            "status": pa.array([r[1] for r in rows], pa.string()),
            "not_evaluable_reason": pa.array([r[4] for r in rows], pa.string()),
            "last_record": pa.array([_d(r[2]) for r in rows], pa.date32()),
            "death_date": pa.array([_d(r[3]) for r in rows], pa.date32()),
        }
    )


TINY_LINES = [
    # progression on a single line: event at the progression
    (1, 1, 0, 100, 60, "A", []),
    # single (last) line, no progression, death after the last record: event at death
    (2, 1, 0, 30, None, "A", []),
    # death after the next line started: line 1 censored at line 2's start, line 2 has it
    (3, 2, 91, None, None, "C", ["triple_class_refractory"]),
    (3, 1, 0, 80, None, "A", ["lenalidomide_refractory"]),
    # death before the next line starts: an event of line 1
    (4, 1, 0, 50, None, "A", []),
    (4, 2, 121, 150, None, "B", ["triple_class_exposed"]),
    # ongoing last line, alive: censored at the last record
    (5, 1, 10, None, None, "B", []),
    # ongoing, no last record: censored at the run's as-of date
    (6, 1, 0, None, None, "B", []),
    # progression before death: the progression counts
    (7, 1, 0, 40, 20, "A", []),
    # progression after the next line started still ends PFS of that line
    (8, 1, 0, 60, 70, "A", []),
    (8, 2, 61, None, None, "B", ["bcma_exposed", "penta_refractory"]),
    # a person the run could not assess (no lines in practice; excluded anyway)
    (9, 1, 0, None, 5, "A", []),
]
TINY_PERSONS = [
    (1, "relapsed", 200, None, None),
    (2, "responding", 20, 45, None),
    (3, "relapsed", 100, 152, None),
    (4, "relapsed", 150, 60, None),
    (5, "responding", 182, None, None),
    (6, "responding", None, None, None),
    (7, "relapsed", 90, 30, None),
    (8, "relapsed", 100, None, None),
    (9, "not_evaluable", None, None, "ValueError: no diagnosis"),
]
TINY_AS_OF = D + timedelta(days=365)


def _tiny() -> Any:
    return cohort(lines_from_arrow(_lines(TINY_LINES)), persons_from_arrow(_persons(TINY_PERSONS)))


def _by_line(c: Any, outcome: Any) -> dict[tuple[int, int], tuple[float, bool]]:
    keys = zip(c.lines.person_id.tolist(), c.lines.number.tolist(), strict=True)
    values = zip(outcome.days.tolist(), outcome.event.tolist(), strict=True)
    return dict(zip(keys, values, strict=True))


def test_pfs_event_and_censoring_rules():
    c = _tiny()
    assert (c.excluded_persons, c.excluded_lines) == (1, 1)
    assert _by_line(c, pfs_outcome(c, TINY_AS_OF)) == {
        (1, 1): (60.0, True),  # progression
        (2, 1): (45.0, True),  # death after the last line, even past the last record
        (3, 1): (91.0, False),  # death came after line 2 started: censored at line 2's start
        (3, 2): (61.0, True),  # ...and is an event of line 2
        (4, 1): (60.0, True),  # death before the next line
        (4, 2): (29.0, False),  # a death before this line started is not its event
        (5, 1): (172.0, False),  # censored at the last record
        (6, 1): (365.0, False),  # no last record: censored at as-of
        (7, 1): (20.0, True),  # progression before death
        (8, 1): (70.0, True),  # the line's progression, even after the next line started
        (8, 2): (39.0, False),  # censored at the last record
    }


def test_time_on_line_rules():
    c = _tiny()
    assert _by_line(c, time_on_line_outcome(c, TINY_AS_OF)) == {
        (1, 1): (101.0, True),  # end - start + 1
        (2, 1): (31.0, True),
        (3, 1): (81.0, True),
        (3, 2): (10.0, False),  # ongoing: last record 100 - start 91 + 1
        (4, 1): (51.0, True),
        (4, 2): (30.0, True),
        (5, 1): (173.0, False),
        (6, 1): (366.0, False),  # ongoing, no last record: as-of
        (7, 1): (41.0, True),
        (8, 1): (61.0, True),
        (8, 2): (40.0, False),
    }


def test_tiny_counts_and_transitions():
    c = _tiny()
    counts = counts_by_line(c.lines)
    assert [(x.line, x.persons) for x in counts[:3]] == [("1", 8), ("2", 3), ("3", 0)]
    assert counts[1].labelled == {
        "triple_class_exposed": 1,
        "triple_class_refractory": 1,
        "penta_refractory": 1,
        "bcma_exposed": 1,
    }
    assert counts[1].percent("triple_class_refractory") == pytest.approx(100 / 3)
    assert counts[2].percent("bcma_exposed") is None
    moves = transitions(c.lines, top=10, last=2)
    assert [(t.source, t.target, t.count) for t in moves.overall.top] == [
        ("A", "B", 2),
        ("A", "C", 1),
    ]
    assert moves.by_line[0].moved_on == 3
    assert moves.by_line[0].persons_at_line == 8
    assert moves.by_line[0].top[0].percent == pytest.approx(200 / 3)
    assert moves.by_line[1].top == ()


# ---------------------------------------------------------------------------------------------
# The small run: counts and transitions recomputed in plain Python


@pytest.fixture(scope="module")
def small_summary(small_run: Path) -> Any:
    return summarise(read_run(small_run))


def _plain_lines(small_run: Path) -> dict[int, list[dict[str, Any]]]:
    by_person: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in sorted_table(small_run, "line_result").to_pylist():
        by_person[row["person_id"]].append(row)
    return by_person


def test_counts_by_line_match_a_plain_recount(small_run, small_summary):
    by_person = _plain_lines(small_run)
    expected: dict[str, Counter[str]] = defaultdict(Counter)
    for lines in by_person.values():
        seen = set()
        for row in lines:
            group = str(row["line_number"]) if row["line_number"] <= 8 else "9+"
            if group in seen:
                continue
            seen.add(group)
            expected[group]["persons"] += 1
            for key, _ in LABELS:
                expected[group][key] += key in (row["labels_at_start"] or [])
    assert [c.line for c in small_summary.counts] == [*map(str, range(1, 9)), "9+"]
    for count in small_summary.counts:
        assert count.persons == expected[count.line]["persons"]
        assert count.labelled == {key: expected[count.line][key] for key, _ in LABELS}
    assert small_summary.totals.persons == SMALL
    assert small_summary.totals.lines == sum(len(v) for v in by_person.values())
    assert small_summary.counts[0].persons == len(by_person)


def _top(pairs: Counter[tuple[str, str]], n: int) -> list[tuple[str, str, int]]:
    ranked = sorted(pairs.items(), key=lambda item: (-item[1], item[0][0], item[0][1]))
    return [(a, b, count) for (a, b), count in ranked[:n]]


def test_transitions_match_a_plain_recount(small_run, small_summary):
    overall: Counter[tuple[str, str]] = Counter()
    per_line: dict[int, Counter[tuple[str, str]]] = defaultdict(Counter)
    for lines in _plain_lines(small_run).values():
        for here, after in itertools.pairwise(lines):
            if after["line_number"] == here["line_number"] + 1:
                overall[(here["regimen"], after["regimen"])] += 1
                per_line[here["line_number"]][(here["regimen"], after["regimen"])] += 1
    found = small_summary.transitions
    assert [(t.source, t.target, t.count) for t in found.overall.top] == _top(overall, 10)
    assert found.overall.moved_on == sum(overall.values())
    for block in found.by_line:
        assert block.line is not None
        expected = per_line[block.line]
        assert [(t.source, t.target, t.count) for t in block.top] == _top(expected, 10)
        assert block.moved_on == sum(expected.values())
        for t in block.top:
            assert t.percent == pytest.approx(100 * t.count / block.moved_on)


def test_small_run_km_groups_hold_every_line(small_summary):
    lines = small_summary.totals.lines
    assert sum(g.km.n for g in small_summary.pfs) == lines
    assert sum(g.km.n for g in small_summary.time_on_line) == lines
    assert [g.line for g in small_summary.pfs] == ["1", "2", "3", "4", "5", "6+"]
    assert small_summary.pfs[0].km.median is not None


def test_unfinished_partitions_are_ignored(small_run, tmp_path):
    copy = tmp_path / "run"
    shutil.copytree(small_run, copy)
    (copy / "_done" / "part-00002.json").unlink()
    data = read_run(copy)
    assert data.info.partitions == 2
    assert data.info.partitions_ignored == 1
    assert data.persons.person_id.size == 200


def test_charts_are_deterministic(small_summary):
    first = [figure_bytes(c.figure, "svg") for c in charts(small_summary)]
    second = [figure_bytes(c.figure, "svg") for c in charts(small_summary)]
    assert first == second


# ---------------------------------------------------------------------------------------------
# The command


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command("summary")(summary)

    @app.callback()
    def main() -> None:
        """Test app."""

    return app


def _invoke(*args: str) -> Any:
    return CliRunner().invoke(_app(), ["summary", *args])


def test_cli_tables(small_run):
    result = _invoke(str(small_run))
    assert result.exit_code == 0, result.output
    for heading in (
        "Persons",
        "Counts by line",
        "Regimen transitions",
        "Time on each line (Kaplan-Meier)",
        "Progression-free survival by line (Kaplan-Meier)",
        "Methods",
        "not a prescription",
    ):
        assert heading in result.stdout
    assert "2026-01-01" in result.stdout


def test_cli_json(small_run, small_summary):
    result = _invoke(str(small_run), "--json", "--top", "3")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["run"]["as_of"] == AS_OF.isoformat()
    assert document["totals"]["persons"] == SMALL
    assert document["disclaimer"] == DISCLAIMER
    assert document["methods"]
    assert len(document["transitions"]["overall"]["top"]) == 3
    assert [c["persons"] for c in document["counts_by_line"]] == [
        c.persons for c in small_summary.counts
    ]
    first = document["pfs"][0]
    km = small_summary.pfs[0].km
    assert (first["n"], first["events"]) == (km.n, km.events)
    assert first["median_months"] == round(km.median / DAYS_PER_MONTH, 2)


def test_cli_charts(small_run, small_summary, tmp_path):
    out = tmp_path / "charts"
    result = _invoke(str(small_run), "--json", "--charts", str(out))
    assert result.exit_code == 0, result.output
    for stem in CHART_STEMS:
        assert (out / f"{stem}.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
        root = ET.fromstring((out / f"{stem}.svg").read_bytes())
        assert root.tag.endswith("svg")
    html = (out / "summary.html").read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    assert "http://" not in html
    assert "https://" not in html
    assert outside_references(html) == []
    assert html.count("<svg") == len(CHART_STEMS)
    text = visible_text(html)
    assert DISCLAIMER in text
    for group in (*small_summary.pfs, *small_summary.time_on_line):
        assert median_text(group.km) in text
    assert "Methods and definitions" in text
    names = {f"{stem}.{ext}" for stem in CHART_STEMS for ext in ("png", "svg")}
    assert sorted(json.loads(result.stdout)["charts"]) == sorted(
        str(out / name) for name in {*names, "summary.html"}
    )


@pytest.mark.parametrize("kind", ["missing", "source", "file"])
def test_cli_bad_folder(kind, small, tmp_path):
    target = {
        "missing": tmp_path / "nowhere",
        "source": small,
        "file": small / "cdm.duckdb",
    }[kind]
    result = _invoke(str(target))
    assert result.exit_code == 2
    assert str(target) in result.output
    assert "Traceback" not in result.output
    if kind == "source":
        assert "_run.json" in result.output


def test_cli_partition_marked_done_without_its_file(small_run, tmp_path):
    copy = tmp_path / "run"
    shutil.copytree(small_run, copy)
    (copy / "line_result" / "part-00001.parquet").unlink()
    result = _invoke(str(copy))
    assert result.exit_code == 2
    assert "line_result/part-00001.parquet" in result.output


def test_cli_empty_run(small_run, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    shutil.copy(small_run / "_run.json", empty / "_run.json")
    result = _invoke(str(empty))
    assert result.exit_code == 0, result.output
    assert "0 persons" in result.stdout
    result = _invoke(str(empty), "--json", "--charts", str(tmp_path / "charts"))
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["totals"]["persons"] == 0
    assert all(g["n"] == 0 and g["median_months"] is None for g in document["pfs"])
    html = (tmp_path / "charts" / "summary.html").read_text(encoding="utf-8")
    assert "0 persons" in html
