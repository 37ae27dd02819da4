"""Terminal view of treatment options: a table a clinician reads in ten seconds."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from rrmm.core.eligibility import Verdict
from rrmm.core.options import Option, OptionKind, OptionsResult

__all__ = ["options_view"]

_MARK = {True: ("yes", "green"), False: ("no", "red"), None: ("?", "yellow")}


def _why(option: Option) -> str:
    failing = [c for c in option.criteria if c.verdict is Verdict.NOT_MET]
    unknown = [c for c in option.criteria if c.verdict is Verdict.UNKNOWN]
    parts = [f"needs {c.text}: {c.reason}" for c in failing[:2]]
    parts += [f"unknown: {c.text} ({c.reason})" for c in unknown[:1]]
    if option.kind is OptionKind.OFF_LABEL and option.indication is not None:
        parts.insert(0, f"{option.indication.regulator} {option.indication.status}")
    if not parts and option.label_eligible:
        parts.append("all label criteria met")
    return "; ".join(parts)


def _evidence(option: Option) -> str:
    shown = []
    for item in option.evidence[:2]:
        bits = [item.trial]
        if item.pfs_hazard_ratio:
            bits.append(f"HR {item.pfs_hazard_ratio:g}")
        if item.median_pfs_months:
            bits.append(f"mPFS {item.median_pfs_months:g} mo")
        shown.append(" ".join(bits))
    return "\n".join(shown)


def options_view(result: OptionsResult, disclaimer: str, limit: int | None) -> RenderableType:
    """The ranked table, supportive care for the top options, notes and the disclaimer."""
    table = Table(
        title=f"Treatment options ({result.regulator} labels) · {result.prior_lines} prior line(s)",
        header_style="bold",
        show_lines=True,
    )
    table.add_column("#", justify="right")
    table.add_column("regimen")
    table.add_column("label", justify="center")
    table.add_column("why / why not", overflow="fold")
    table.add_column("refractory components", overflow="fold")
    table.add_column("cautions", overflow="fold")
    table.add_column("evidence", overflow="fold")
    shown = result.options if limit is None else result.options[:limit]
    for option in shown:
        mark, style = _MARK[option.label_eligible]
        cautions = [c for c in option.cautions if c.certain and c.severity != "monitoring"]
        caution_text = "\n".join(f"{c.severity}: {c.text.split(';')[0][:70]}" for c in cautions[:2])
        if len(cautions) > 2:
            caution_text += f"\n+{len(cautions) - 2} more"
        flag = " [unverified facts]" if option.unverified else ""
        table.add_row(
            str(option.rank),
            f"{option.regimen}\n[dim]{option.kind}{flag}[/]",
            Text(mark, style=style),
            _why(option),
            "\n".join(r.split(" (")[0] for r in option.refractory_components) or "—",
            caution_text or "—",
            _evidence(option),
        )
    parts: list[RenderableType] = [table]
    if limit is not None and len(result.options) > limit:
        parts.append(
            Text(f"{len(result.options) - limit} more options: use --all or --json.", style="dim")
        )
    top = [o for o in result.options if o.label_eligible or o.kind is OptionKind.RETREATMENT][:3]
    for option in top:
        specific = [
            s
            for s in option.supportive_care
            if s.category not in ("pain", "nutrition", "psychosocial", "vaccination", "anaemia")
        ]
        if specific:
            lines = "\n".join(f"  · {s.category}: {s.text}" for s in specific)
            parts.append(Text(f"Supportive care with {option.regimen}:\n{lines}"))
    parts.append(Text("\n".join(result.notes), style="dim"))
    parts.append(Text(disclaimer, style="italic dim"))
    return Group(*parts)
