"""The disease-course chart as SVG.

It shows the measured protein over time, lines of therapy as labelled bands, responses at
each assessment, progression, transplants and CAR-T.

The SVG is self-contained (no script, no font or image from outside) so the same chart
serves the clinician page, the HTML reports and the PDF. Every mark carries a ``<title>``
(the browser shows it on hover and screen readers read it), and nothing is told by colour
alone: bands are labelled, responses are written as text, progression is a labelled line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from html import escape

from rrmm.core.assess import Evaluation
from rrmm.core.model import PatientRecord, ProcedureKind
from rrmm.core.response import Category, Measure

__all__ = ["timeline_svg"]

_BAND = ("#dbe7f3", "#e8e1f0")
_RESPONSE_Y = {
    Category.SCR: 0,
    Category.CR: 0,
    Category.VGPR: 1,
    Category.PR: 1,
    Category.MR: 2,
    Category.SD: 2,
    Category.PD: 3,
    Category.NE: 3,
}


@dataclass(frozen=True, slots=True)
class _Series:
    label: str
    unit: str
    points: tuple[tuple[date, float], ...]


def _series(ev: Evaluation) -> _Series | None:
    measures = [m for c in ev.courses for m in c.baseline.measures]
    serum: list[tuple[date, float]] = []
    flc: list[tuple[date, float]] = []
    marrow: list[tuple[date, float]] = []
    for course in ev.courses:
        base = course.baseline
        visits = [(v.visit.date, v.visit) for v in course.visits]
        if base.serum is not None:
            serum.append((base.serum.date, base.serum.value))
        for day, visit in visits:
            if visit.serum is not None:
                serum.append((day, visit.serum.value))
            involved = (
                visit.kappa if base.involved and str(base.involved) == "kappa" else (visit.lambda_)
            )
            if involved is not None and base.involved is not None:
                flc.append((day, involved.value))
            if visit.marrow is not None:
                marrow.append((day, visit.marrow.value))
    if Measure.FLC in measures and flc:
        return _Series("involved free light chain", "mg/L", tuple(sorted(set(flc))))
    if serum:
        return _Series("serum M-protein", "g/dL", tuple(sorted(set(serum))))
    if marrow:
        return _Series("bone-marrow plasma cells", "%", tuple(sorted(set(marrow))))
    return None


def _dates(ev: Evaluation, record: PatientRecord, series: _Series | None) -> list[date]:
    found = [c.line.start for c in ev.courses] + [c.line.end or ev.as_of for c in ev.courses]
    found += [p.date for p in record.procedures]
    if series is not None:
        found += [day for day, _ in series.points]
    if record.diagnosis is not None:
        found.append(record.diagnosis.date)
    return found or [ev.as_of]


def _nice_max(value: float) -> float:
    for step in (0.5, 1, 2, 2.5, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if value <= step:
            return float(step)
    return value * 1.1


def timeline_svg(ev: Evaluation, record: PatientRecord, width: int = 960, height: int = 400) -> str:
    """The chart as an SVG document fragment (``<svg>…</svg>``)."""
    series = _series(ev)
    days = _dates(ev, record, series)
    first, last = min(days), max(days)
    span = max((last - first).days, 1)
    left, right, top, bottom = 64, 16, 58, 96
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(day: date) -> float:
        return left + (day - first).days / span * plot_w

    top_value = _nice_max(max((v for _, v in series.points), default=1.0)) if series else 1.0

    def y(value: float) -> float:
        return top + plot_h - value / top_value * plot_h

    title = f"Disease course of patient {record.id}"
    summary = (
        f"{len(ev.lines)} line(s) of therapy; status {str(ev.status.status).replace('_', ' ')}"
        + (f"; {series.label} in {series.unit}" if series else "; no measured protein to plot")
    )
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%"'
        f' role="img" aria-labelledby="chart-title chart-desc" class="rrmm-chart"'
        f' font-family="DejaVu Sans, Arial, sans-serif" font-size="11">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<desc id="chart-desc">{escape(summary)}</desc>',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    for index, course in enumerate(ev.courses):
        line = course.line
        x0, x1 = x(line.start), x(line.end or ev.as_of)
        follow = x(course.until or ev.as_of)
        if follow > x1 + 1:
            out.append(
                f'<rect x="{x1:.1f}" y="{top}" width="{follow - x1:.1f}" height="{plot_h}"'
                f' fill="{_BAND[index % 2]}" fill-opacity="0.35"><title>After line'
                f" {line.number} ended: follow-up until the next line or today</title></rect>"
            )
        label = f"L{line.number} {line.regimen}"
        tip = (
            f"Line {line.number}: {line.regimen}, {line.start} to {line.end or 'ongoing'};"
            f" best response {course.best_response}; started: {line.start_reason};"
            f" ended: {line.end_reason}"
        )
        out.append(
            f'<g class="line-band"><title>{escape(tip)}</title>'
            f'<rect x="{x0:.1f}" y="{top}" width="{max(x1 - x0, 2):.1f}" height="{plot_h}"'
            f' fill="{_BAND[index % 2]}" stroke="#5b7fa6" stroke-width="0.5"/>'
            f'<text x="{x0 + 3:.1f}" y="{top - 6 - 13 * (index % 3)}" fill="#1d3557"'
            f' font-weight="bold">{escape(label[:48])}</text></g>'
        )
    out.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}"'
        f' stroke="#333"/><line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}"'
        f' stroke="#333"/>'
    )
    for fraction in (0, 0.25, 0.5, 0.75, 1):
        value = top_value * fraction
        out.append(
            f'<text x="{left - 6}" y="{y(value) + 4:.1f}" text-anchor="end" fill="#333">'
            f"{value:g}</text>"
            f'<line x1="{left}" y1="{y(value):.1f}" x2="{left + plot_w}" y2="{y(value):.1f}"'
            f' stroke="#ccc" stroke-dasharray="2,3"/>'
        )
    if series is not None:
        out.append(
            f'<text x="14" y="{top + plot_h / 2:.0f}" transform="rotate(-90 14'
            f' {top + plot_h / 2:.0f})" text-anchor="middle" fill="#333">'
            f"{escape(series.label)} ({escape(series.unit)})</text>"
        )
        path = " ".join(
            f"{'M' if i == 0 else 'L'}{x(day):.1f},{y(value):.1f}"
            for i, (day, value) in enumerate(series.points)
        )
        out.append(f'<path d="{path}" fill="none" stroke="#1d3557" stroke-width="2"/>')
        for day, value in series.points:
            out.append(
                f'<circle cx="{x(day):.1f}" cy="{y(value):.1f}" r="3" fill="#1d3557">'
                f"<title>{day}: {escape(series.label)} {value:g} {escape(series.unit)}</title>"
                "</circle>"
            )
    label_rows: dict[int, float] = {}
    last_pd_label = -1e9
    pd_row = 0
    for course in ev.courses:
        previous: Category | None = None
        for visit in course.visits:
            reading = visit.reading
            if reading.category is Category.NE or reading.category is previous:
                continue
            previous = reading.category
            cx = x(visit.visit.date)
            row = _RESPONSE_Y[reading.category]
            while row < 6 and cx - label_rows.get(row, -1e9) < 30:
                row += 1
            label_rows[row] = cx
            ty = top + plot_h + 14 + 11 * row
            state = "confirmed" if visit.confirmed else (visit.note or "unconfirmed")
            out.append(
                f'<text x="{cx:.1f}" y="{ty:.1f}" text-anchor="middle" fill="#222"'
                f' class="response"><title>{visit.visit.date}: {reading.category}'
                f" ({escape(state)}) — {escape(reading.reason)}</title>{reading.category}</text>"
            )
        event = course.progression
        if event is not None:
            px = x(event.date)
            pd_row = pd_row + 1 if px - last_pd_label < 95 else 0
            last_pd_label = px
            near_edge = px > left + plot_w - 95
            tx, anchor = (px - 3, "end") if near_edge else (px + 3, "start")
            out.append(
                f'<g class="progression"><title>Progression {event.date}: {escape(event.evidence)}'
                f'</title><line x1="{px:.1f}" y1="{top}" x2="{px:.1f}" y2="{top + plot_h}"'
                f' stroke="#b00020" stroke-width="2" stroke-dasharray="6,3"/>'
                f'<text x="{tx:.1f}" y="{top + 12 + 13 * (pd_row % 3)}" text-anchor="{anchor}"'
                ' fill="#b00020" font-weight="bold">'
                f"PD {event.date}</text></g>"
            )
    marks = {
        ProcedureKind.AUTOLOGOUS_TRANSPLANT: "ASCT",
        ProcedureKind.ALLOGENEIC_TRANSPLANT: "allo-SCT",
        ProcedureKind.CAR_T_INFUSION: "CAR-T",
    }
    for procedure in record.procedures:
        mark = marks.get(procedure.kind)
        if mark is None:
            continue
        label = mark
        px = x(procedure.date)
        product = f" ({procedure.product})" if procedure.product else ""
        out.append(
            f'<g class="procedure"><title>{label}{escape(product)} on {procedure.date}</title>'
            f'<path d="M{px:.1f},{top + plot_h - 2} l-6,-12 h12 z" fill="#2a9d8f"'
            f' stroke="#114b43"/><text x="{px:.1f}" y="{top + plot_h - 18}"'
            f' text-anchor="middle" fill="#114b43" font-weight="bold">{label}</text></g>'
        )
    out.append(
        f'<text x="{left}" y="{height - 6}" fill="#333">{first}</text>'
        f'<text x="{left + plot_w}" y="{height - 6}" text-anchor="end" fill="#333">{last}</text>'
        f'<text x="{left + plot_w / 2:.0f}" y="{height - 6}" text-anchor="middle" fill="#555">'
        "responses (text) under the axis · dashed line: progression · triangle: transplant or"
        " CAR-T</text>"
    )
    out.append("</svg>")
    return "\n".join(out)
