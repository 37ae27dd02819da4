"""Charts and the self-contained HTML page of ``rrmm cohort summary``.

Matplotlib's object API only (:class:`~matplotlib.figure.Figure` with its own Agg canvas, never
pyplot's global figures), with the Okabe-Ito colour-blind-safe palette (Okabe M, Ito K, "Color
Universal Design", 2008) and, so that nothing is told by colour alone, a line style or hatch per
series and direct labels. The SVG is deterministic (fixed ``svg.hashsalt``, no date); the page
inlines it without the XML prologue, metadata or namespace URLs, with ids made unique per chart,
so it needs nothing from outside: no script, no font, no URL. What the figures show is defined
in :mod:`rrmm.cohort.summary` (Kaplan-Meier: Kaplan & Meier, JASA 1958; PFS: IMWG, Kumar et al.,
Lancet Oncol 2016; labels: MAMMOTH, Gandhi et al., Leukemia 2019).
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any, Final

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import StrMethodFormatter

from rrmm.cohort.summary import (
    DAYS_PER_MONTH,
    LABELS,
    KMGroup,
    Summary,
    median_text,
    summary_view,
)

__all__ = [
    "CHART_STEMS",
    "PALETTE",
    "Chart",
    "charts",
    "counts_chart",
    "figure_bytes",
    "inline_svg",
    "km_chart",
    "render_charts",
    "summary_html",
    "transitions_chart",
]

#: Okabe-Ito palette (black first: the first line is the reference).
PALETTE: Final = (
    "#000000",
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#0072B2",
    "#D55E00",
    "#CC79A7",
    "#F0E442",
)
_STYLES: Final[tuple[Any, ...]] = ("-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1)))
_HATCHES: Final = ("", "//", "\\\\", "xx", "..")
_SALT: Final = "rrmm-cohort-summary"
CHART_STEMS: Final = ("pfs_by_line", "time_on_line", "counts_by_line", "transitions")
_LABEL_WIDTH: Final = 56


@dataclass(frozen=True, slots=True)
class Chart:
    """One chart: file stem, title and caption, and the figure."""

    stem: str
    title: str
    caption: str
    figure: Figure


def _figure(width: float, height: float) -> Figure:
    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _no_data(ax: Axes, text: str) -> None:
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", fontsize=12)
    ax.set_xticks([])
    ax.set_yticks([])


def _style(k: int) -> tuple[str, Any]:
    return PALETTE[k % len(PALETTE)], _STYLES[k % len(_STYLES)]


# ---------------------------------------------------------------------------------------------
# Kaplan-Meier


def _tick_step(span: float) -> float:
    """Months between ticks: at most 12 ticks."""
    return next((step for step in (1.0, 2.0, 3.0, 6.0, 12.0) if span / step <= 12), 24.0)


def _span(groups: Sequence[KMGroup]) -> float:
    """Months shown: until 99 % of each line's observations have ended (the tail is thin)."""
    ends = [float(g.km.durations[int(0.99 * (g.km.n - 1))]) for g in groups if g.km.n]
    return max(max(ends) / DAYS_PER_MONTH, 1.0)


def _censor_marks(group: KMGroup, span: float) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Censoring times in months within ``span`` (at most one mark per 1/150 of it), S there."""
    km = group.km
    width = max(span / 150.0, 0.25)
    marks = np.unique(np.round(km.censored / DAYS_PER_MONTH / width) * width)
    marks = marks[marks <= span]
    index = np.searchsorted(km.times / DAYS_PER_MONTH, marks, side="right") - 1
    heights = np.where(index >= 0, km.survival[np.maximum(index, 0)], 1.0)
    return marks, heights


def _curve(ax: Axes, group: KMGroup, k: int, span: float) -> None:
    km = group.km
    colour, style = _style(k)
    x = np.concatenate(([0.0], km.times, [km.durations[-1]])) / DAYS_PER_MONTH
    y = np.concatenate(([1.0], km.survival, [km.survival[-1] if km.survival.size else 1.0]))
    label = f"Line {group.line}: n={km.n:,}, median {median_text(km)} mo"
    ax.step(x, y, where="post", color=colour, linestyle=style, linewidth=1.6, label=label)
    marks, heights = _censor_marks(group, span)
    ax.plot(marks, heights, linestyle="none", marker="|", markersize=5, color=colour)


def _at_risk(ax: Axes, groups: Sequence[KMGroup], ticks: np.ndarray[Any, Any]) -> None:
    ax.set_title("Number at risk", loc="left", fontsize=9)
    for row, group in enumerate(groups):
        colour, _ = _style(row)
        for tick in ticks.tolist():
            ax.text(
                tick,
                row,
                f"{group.km.at_risk(tick * DAYS_PER_MONTH):,}",
                ha="center",
                va="center",
                fontsize=7,
                color=colour,
            )
    ax.set_ylim(len(groups) - 0.5, -0.5)
    ax.set_yticks(range(len(groups)), [f"Line {g.line}" for g in groups], fontsize=8)
    ax.tick_params(axis="y", length=0, pad=24)
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)


def km_chart(groups: Sequence[KMGroup], stem: str, title: str, ylabel: str, caption: str) -> Chart:
    """Kaplan-Meier step curves per line, censoring ticks, the 0.5 line, number at risk."""
    figure = _figure(9.0, 6.4)
    ax, risk = figure.subplots(2, 1, sharex=True, height_ratios=(4.0, 1.4))
    shown = [g for g in groups if g.km.n]
    ax.set_title(title)
    if not shown:
        _no_data(ax, "No lines of therapy in this run")
        risk.set_axis_off()
        return Chart(stem, title, caption, figure)
    span = _span(shown)
    for k, group in enumerate(groups):
        if group.km.n:
            _curve(ax, group, k, span)
    step = _tick_step(span)
    ticks = np.arange(0.0, span + step / 2, step)
    ax.axhline(0.5, color="#777777", linewidth=0.8, linestyle=":")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlim(0.0, float(ticks[-1]))
    ax.set_ylabel(ylabel)
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    ax.legend(loc="upper right", fontsize=8, title="ticks: censored", title_fontsize=8)
    _at_risk(risk, groups, ticks)
    risk.set_xticks(ticks)
    risk.set_xlabel(
        "Months from the start of the line (30.4375 days/month; shown until 99 % of each"
        " line's observations ended)"
    )
    return Chart(stem, title, caption, figure)


# ---------------------------------------------------------------------------------------------
# Bars


def counts_chart(summary: Summary) -> Chart:
    """Persons starting each line, and those carrying each label at its start (grouped bars)."""
    title = "Persons starting each line, and their labels at line start"
    caption = (
        "Persons starting each line of therapy (lines 9 and later pooled, once per person) and,"
        " of them, those triple-class exposed, triple-class refractory, penta-refractory or"
        " BCMA-exposed when the line started."
    )
    figure = _figure(10.0, 5.4)
    ax = figure.subplots()
    ax.set_title(title)
    counts = summary.counts
    if not any(c.persons for c in counts):
        _no_data(ax, "No lines of therapy in this run")
        return Chart("counts_by_line", title, caption, figure)
    series = [("started the line", [c.persons for c in counts])]
    series += [(name, [c.labelled[key] for c in counts]) for key, name in LABELS]
    x = np.arange(len(counts), dtype=np.float64)
    width = 0.8 / len(series)
    for k, (name, values) in enumerate(series):
        bars = ax.bar(
            x + (k - (len(series) - 1) / 2) * width,
            values,
            width,
            label=name,
            color=PALETTE[(k + 1) % len(PALETTE)] if k else "#4d4d4d",
            hatch=_HATCHES[k % len(_HATCHES)],
            edgecolor="#1a1a1a",
            linewidth=0.4,
        )
        if k == 0:
            ax.bar_label(bars, labels=[f"{v:,}" for v in values], fontsize=7, padding=2)
    ax.set_xticks(x, [c.line for c in counts])
    ax.set_xlabel("Line of therapy")
    ax.set_ylabel("Persons (count)")
    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.legend(fontsize=8)
    return Chart("counts_by_line", title, caption, figure)


def _short(text: str) -> str:
    return text if len(text) <= _LABEL_WIDTH else text[: _LABEL_WIDTH - 1] + "…"


def transitions_chart(summary: Summary) -> Chart:
    """Horizontal bars of the most frequent regimen transitions over all lines."""
    overall = summary.transitions.overall
    title = f"Top {len(overall.top)} regimen transitions, line n → line n+1 (all lines)"
    caption = (
        f"The most frequent moves from the regimen of one line to that of the next line, over"
        f" all {overall.moved_on:,} moves (one per person and line); the percentage is of all"
        " moves."
    )
    figure = _figure(11.0, 1.4 + 0.62 * max(len(overall.top), 3))
    figure.suptitle(title)
    ax = figure.subplots()
    if not overall.top:
        _no_data(ax, "No person moved on to a next line")
        return Chart("transitions", title, caption, figure)
    labels = [f"{_short(t.source)}\n→ {_short(t.target)}" for t in overall.top]
    values = [t.count for t in overall.top]
    y = np.arange(len(values))
    bars = ax.barh(y, values, color=PALETTE[4], edgecolor="#1a1a1a", linewidth=0.4)
    ax.bar_label(
        bars,
        labels=[f"{t.count:,} ({t.percent:.1f} %)" for t in overall.top],
        fontsize=8,
        padding=3,
    )
    ax.set_yticks(y, labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("Moves from one line to the next (count)")
    ax.xaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    ax.set_xlim(0, max(values) * 1.25)
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    return Chart("transitions", title, caption, figure)


def charts(summary: Summary) -> tuple[Chart, ...]:
    """The four charts of a summary."""
    pfs = km_chart(
        summary.pfs,
        "pfs_by_line",
        "Progression-free survival by line (Kaplan-Meier)",
        "Progression-free (proportion)",
        "Kaplan-Meier progression-free survival from the start of each line (IMWG: progression or"
        " death from any cause before the next line); ticks mark censored lines; the table gives"
        " the number still at risk.",
    )
    time_on_line = km_chart(
        summary.time_on_line,
        "time_on_line",
        "Time on each line (Kaplan-Meier)",
        "Still on the line (proportion)",
        "Kaplan-Meier time on treatment from the start of each line to its end; ongoing lines"
        " are censored at the last record; the table gives the number still on the line.",
    )
    return (pfs, time_on_line, counts_chart(summary), transitions_chart(summary))


# ---------------------------------------------------------------------------------------------
# Files


def figure_bytes(figure: Figure, fmt: str) -> bytes:
    """PNG (150 dpi) or deterministic SVG bytes of a figure."""
    buffer = io.BytesIO()
    metadata: dict[str, Any] = {"Date": None} if fmt == "svg" else {"Software": None}
    with matplotlib.rc_context({"svg.hashsalt": _SALT, "svg.fonttype": "path"}):
        figure.savefig(buffer, format=fmt, dpi=150, metadata=metadata)
    return buffer.getvalue()


_PROLOGUE = re.compile(r"\A.*?(?=<svg\b)", re.DOTALL)
_DROPPED = re.compile(r"<metadata>.*?</metadata>|<style\b.*?</style>|<!--.*?-->", re.DOTALL)
_NAMESPACE = re.compile(r'\s+xmlns(?::\w+)?="[^"]*"')
_ID = re.compile(r'\bid="([^"]+)"')
_REFERENCE = re.compile(r'(href="#|url\(#)([^")]+)')
_SIZE = re.compile(r'<svg\b([^>]*?)\s+width="[^"]*"\s+height="[^"]*"')


def inline_svg(svg: str, prefix: str, label: str) -> str:
    """An SVG document as an element of an HTML page.

    Without the prologue, metadata, style element, comments or namespace URLs; ``href`` for
    ``xlink:href``; ids prefixed with ``prefix``; scalable; labelled for screen readers.
    """
    text = _DROPPED.sub("", _PROLOGUE.sub("", svg, count=1))
    text = _NAMESPACE.sub("", text).replace("xlink:href=", "href=")
    text = _ID.sub(lambda m: f'id="{prefix}-{m.group(1)}"', text)
    text = _REFERENCE.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", text)
    text = _SIZE.sub(r'<svg\1 width="100%"', text, count=1)
    attributes = f'class="chart-svg" role="img" aria-label="{escape(label, quote=True)}"'
    return text.replace("<svg", f"<svg {attributes}", 1).strip()


def render_charts(summary: Summary) -> dict[str, bytes]:
    """Every output file of ``--charts`` by name: the PNG and SVG of each chart, the page."""
    files: dict[str, bytes] = {}
    figures: dict[str, dict[str, str]] = {}
    for chart in charts(summary):
        svg = figure_bytes(chart.figure, "svg")
        files[f"{chart.stem}.png"] = figure_bytes(chart.figure, "png")
        files[f"{chart.stem}.svg"] = svg
        figures[chart.stem] = {
            "svg": inline_svg(svg.decode("utf-8"), chart.stem, chart.title),
            "title": chart.title,
            "caption": chart.caption,
        }
    files["summary.html"] = summary_html(summary, figures).encode("utf-8")
    return files


# ---------------------------------------------------------------------------------------------
# The page


def summary_html(summary: Summary, figures: Mapping[str, Mapping[str, str]] | None = None) -> str:
    """The self-contained page: tables, inline SVG figures, methods, the disclaimer.

    ``figures``: by chart stem, the inline ``svg``, its ``title`` and ``caption``.
    """
    from rrmm.render.html import render_template

    return render_template(
        "cohort_summary.html.j2", v=summary_view(summary), figures=dict(figures or {})
    )
