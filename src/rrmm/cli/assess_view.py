"""Terminal view of an assessment: status, lines, a timeline with the M-protein and responses."""

from __future__ import annotations

from datetime import date

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from rrmm.cli.timeline import TimeAxis
from rrmm.core.assess import Evaluation
from rrmm.core.refractory import ClassState
from rrmm.core.response import Category, Measure

__all__ = ["evaluation_view"]

_SPARK = "▁▂▃▄▅▆▇█"
_MARK = {
    Category.SCR: "S",
    Category.CR: "C",
    Category.VGPR: "V",
    Category.PR: "P",
    Category.MR: "M",
    Category.SD: "s",
    Category.PD: "X",
    Category.NE: "?",
}
_STATUS_STYLE = {
    "untreated": "green",
    "responding": "green",
    "relapsed": "yellow",
    "relapsed_and_refractory": "bold red",
    "primary_refractory": "bold red",
    "not_evaluable": "magenta",
}


def _summary(ev: Evaluation) -> RenderableType:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    status = str(ev.status.status)
    grid.add_row("Status", Text(status.replace("_", " "), style=_STATUS_STYLE.get(status, "")))
    grid.add_row("", Text(ev.status.reason, style="dim"))
    grid.add_row("Lines of therapy", str(len(ev.lines)))
    grid.add_row("Refractory to", ", ".join(ev.refractory_drugs) or "none")
    grid.add_row("Labels", ", ".join(ev.labels) or "none")
    classes = [f"{c} {s}" for c, s in ev.classes.items() if s is not ClassState.NAIVE]
    grid.add_row("Classes", "; ".join(classes) or "all naive")
    risk = ev.risk
    parts = [
        f"{stage.name} {stage.value or 'not evaluable'}"
        for stage in (risk.iss, risk.r_iss, risk.r2_iss, risk.ims_imwg_2025)
    ]
    grid.add_row("Risk", " · ".join(parts))
    title = f"rrmm assessment · patient {ev.patient_id} · as of {ev.as_of}"
    subtitle = f"criteria {ev.criteria.id}"
    return Panel(grid, title=title, subtitle=subtitle, title_align="left", subtitle_align="right")


def _lines(ev: Evaluation) -> RenderableType:
    if not ev.lines:
        return Text("No line of therapy.", style="italic")
    table = Table(title="Lines of therapy", header_style="bold", show_lines=True)
    table.add_column("#", justify="right")
    table.add_column("dates", no_wrap=True)
    table.add_column("regimen")
    table.add_column("best response")
    table.add_column("progression")
    table.add_column("why it started / ended")
    refractory: dict[int, list[str]] = {}
    for verdict in ev.drugs:
        for number in verdict.refractory_lines:
            refractory.setdefault(number, []).append(verdict.drug)
    for course, outcome in zip(ev.courses, ev.outcomes, strict=True):
        line = course.line
        best = str(course.best_response)
        if course.best_unconfirmed.rank > course.best_response.rank:
            best += f" ({course.best_unconfirmed} unconfirmed)"
        progression = "—"
        if course.progression is not None:
            kind = "" if course.progression.confirmed else " (documented)"
            progression = f"{course.progression.date}{kind}"
            if outcome.ttp is not None:
                progression += f"\nTTP {outcome.ttp.days / 30.44:.1f} mo"
        refr = refractory.get(line.number)
        regimen = line.regimen + (f"\nrefractory: {', '.join(refr)}" if refr else "")
        table.add_row(
            str(line.number),
            f"{line.start}\n{line.end or 'ongoing'}",
            regimen,
            best,
            progression,
            f"{line.start_reason}\n→ {line.end_reason}",
        )
    return table


def _axis(ev: Evaluation, today: date) -> tuple[date, date]:
    days = [c.line.start for c in ev.courses] + [c.line.end or today for c in ev.courses]
    days += [v.visit.date for c in ev.courses for v in c.visits]
    days += [c.baseline.date for c in ev.courses]
    return min(days), max(days)


def _timeline(ev: Evaluation, today: date, width: int) -> RenderableType:
    if not ev.courses:
        return Text("")
    first, last = _axis(ev, today)
    axis = TimeAxis(first, last, width)

    table = Table.grid(padding=(0, 1))
    table.add_column(no_wrap=True, style="bold")
    table.add_column(no_wrap=True)
    for course in ev.courses:
        bar = axis.bar(course.line.start, course.line.end or today)
        table.add_row(f"line {course.line.number}", Text(bar, style="cyan"))
    values: list[tuple[date, float]] = []
    unit = ""
    for course in ev.courses:
        measure = course.baseline.measures[0] if course.baseline.measures else None
        for visit in course.visits:
            a = visit.visit
            if measure is Measure.SERUM and a.serum is not None:
                values.append((a.date, a.serum.value))
                unit = "g/dL"
            elif measure is Measure.URINE and a.urine is not None:
                values.append((a.date, a.urine.value))
                unit = unit or "mg/24h"
    if values:
        top = max(v for _, v in values) or 1.0
        spark = axis.marks([(day, _SPARK[min(7, int(v / top * 7.999))]) for day, v in values])
        table.add_row(f"M-protein ({unit})", Text(spark, style="yellow"))
    points = [(v.visit.date, _MARK[v.reading.category]) for c in ev.courses for v in c.visits]
    points += [(c.progression.date, "X") for c in ev.courses if c.progression is not None]
    table.add_row("response", Text(axis.marks(points), style="magenta"))
    legend = Text(
        f"{first} → {last} · responses: S sCR, C CR, V VGPR, P PR, M MR, s SD, X progression,"
        " ? not evaluable",
        style="dim",
    )
    return Group(Text("Timeline", style="bold"), table, legend)


def _assessments(ev: Evaluation) -> RenderableType:
    table = Table(title="Assessments", header_style="bold")
    table.add_column("date", no_wrap=True)
    table.add_column("line", justify="right")
    table.add_column("response")
    table.add_column("confirmation")
    table.add_column("values and reason", overflow="fold")
    for course in ev.courses:
        for visit in course.visits:
            table.add_row(
                str(visit.visit.date),
                str(course.line.number),
                str(visit.reading.category),
                _confirmation(
                    visit.confirmed, visit.confirmed_level, visit.note, visit.reading.category
                ),
                visit.reading.reason,
            )
    return table


def _confirmation(confirmed: bool, level: Category | None, note: str, category: Category) -> str:
    if confirmed:
        return "yes"
    if level is not None:
        return f"as {level}"
    if note.startswith("awaiting") or note.startswith("not yet"):
        return "awaiting"
    return "no" if note else "—"


def _explanations(ev: Evaluation) -> RenderableType:
    table = Table(title="Explanation trail", header_style="bold")
    table.add_column("subject", no_wrap=True)
    table.add_column("verdict")
    table.add_column("because", overflow="fold")
    table.add_column("rule (source)", overflow="fold")
    for item in ev.explanations:
        rule = ev.criteria.rules.get(item.rule)
        source = rule.sources[0].citation.split(".")[0] if rule and rule.sources else ""
        flag = "" if rule is None or rule.verified else " [unverified]"
        table.add_row(item.subject, item.verdict, item.because, f"{item.rule}{flag}\n{source}")
    return table


def evaluation_view(
    ev: Evaluation, today: date, width: int, explain: bool, disclaimer: str
) -> RenderableType:
    """The whole terminal report."""
    parts: list[RenderableType] = [_summary(ev), _lines(ev), _timeline(ev, today, width)]
    if ev.courses:
        parts.append(_assessments(ev))
    if explain:
        parts.append(_explanations(ev))
    else:
        parts.append(
            Text("Run with --explain for the rule and values behind every verdict.", style="dim")
        )
    parts.append(Text(disclaimer, style="italic dim"))
    return Group(*parts)
