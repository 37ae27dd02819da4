"""``rrmm cohort summary DIR``: what a cohort run found, for real-world-evidence research.

Register with ``cohort_app.command("summary")(summary)``. Counts by line with the labels at line
start (MAMMOTH, Gandhi et al., Leukemia 2019), regimen sequences, time on each line and
progression-free survival by line (IMWG, Kumar et al., Lancet Oncol 2016) as Kaplan-Meier
estimates (Kaplan & Meier, JASA 1958): the definitions are in :mod:`rrmm.cohort.summary`, the
charts and the page in :mod:`rrmm.render.cohort_charts`. This module is the shell: it reads the
run folder, prints and writes; the computations are pure.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from rich.console import RenderableType

    from rrmm.cohort.summary import Summary

__all__ = ["summary", "summary_tables"]


def _table(
    title: str, headers: list[tuple[str, bool]], rows: list[list[str]], *, header: bool = True
) -> Any:
    from rich.table import Table

    table = Table(title=title, title_justify="left", header_style="bold", show_header=header)
    for name, numeric in headers:
        table.add_column(name, justify="right" if numeric else "left")
    for row in rows:
        table.add_row(*row)
    return table


def _km_table(title: str, rows: list[dict[str, str]], what: str) -> Any:
    return _table(
        title,
        [
            ("line", False),
            ("lines (n)", True),
            ("events", True),
            ("censored", True),
            (f"median {what}, months (95 % CI)", True),
            ("at 12 mo", True),
            ("at 24 mo", True),
        ],
        [
            [r["line"], r["n"], r["events"], r["censored"], r["median"], r["at12"], r["at24"]]
            for r in rows
        ],
    )


def summary_tables(result: Summary) -> RenderableType:
    """The summary as titled rich tables, the methods and the disclaimer."""
    from rich.console import Group
    from rich.text import Text

    from rrmm.cohort.summary import summary_view

    v = summary_view(result)
    parts: list[Any] = [
        Text(f"Cohort summary of {v['run'].path} (as of {v['as_of']})", style="bold"),
    ]
    if v["empty"]:
        parts.append(Text("This run holds 0 persons: there is nothing to summarise.", "bold"))
    totals = [list(r) for r in v["totals"]]
    parts.append(_table("Persons", [("", False), ("", True)], totals, header=False))
    if v["statuses"]:
        statuses = [list(r) for r in v["statuses"]]
        parts.append(_table("Status", [("status", False), ("persons", True)], statuses))
    if v["reasons"]:
        reasons = [list(r) for r in v["reasons"]]
        parts.append(
            _table("Not evaluable: reasons", [("reason", False), ("persons", True)], reasons)
        )
    parts.append(
        _table(
            "Counts by line (labels at line start)",
            [("line", False), ("persons starting", True)] + [(n, True) for n in v["labels"]],
            [[c["line"], c["persons"], *c["labelled"]] for c in v["counts"]],
        )
    )
    for block in v["transitions"]:
        parts.append(
            _table(
                f"Regimen transitions · {block['title']}",
                [("line n", False), ("line n+1", False), ("count", True), ("%", True)],
                [list(r) for r in block["rows"]],
            )
        )
    parts.append(_km_table("Time on each line (Kaplan-Meier)", v["time_on_line"], "time on line"))
    parts.append(_km_table("Progression-free survival by line (Kaplan-Meier)", v["pfs"], "PFS"))
    parts.append(Text("Methods", style="bold"))
    parts.extend(Text(f"- {paragraph}") for paragraph in v["methods"])
    parts.append(Text(v["disclaimer"], style="bold"))
    return Group(*parts)


def _write_charts(result: Summary, folder: Path) -> list[Path]:
    from rrmm.render.cohort_charts import render_charts

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in render_charts(result).items():
        target = folder / name
        target.write_bytes(content)
        written.append(target)
    return written


def _fail(message: str, code: int) -> typer.Exit:
    typer.echo(f"rrmm cohort summary: {message}", err=True)
    return typer.Exit(code)


def summary(
    run_dir: Annotated[
        Path,
        typer.Argument(metavar="DIR", help="A folder written by `rrmm cohort run --out`."),
    ],
    json_output: Annotated[
        bool, typer.Option("--json", help="One JSON document on stdout instead of tables.")
    ] = False,
    charts: Annotated[
        Path | None,
        typer.Option(
            "--charts",
            metavar="FOLDER",
            help="Also write PNG and SVG charts and a self-contained summary.html into FOLDER.",
        ),
    ] = None,
    top: Annotated[int, typer.Option("--top", min=1, help="Transitions listed per table.")] = 10,
    lines: Annotated[
        int,
        typer.Option(
            "--lines",
            min=1,
            max=30,
            help="Lines shown one by one in the transition and Kaplan-Meier tables;"
            " later lines are pooled.",
        ),
    ] = 5,
) -> None:
    """Counts by line, regimen sequences, time on line and PFS by line of a cohort run."""
    try:
        from rrmm.cohort.summary import SummaryError, read_run, summarise, summary_json
    except ImportError as error:
        raise _fail(
            f"needs numpy, pyarrow, duckdb and scipy (the cohort extra): {error}", 2
        ) from None
    try:
        data = read_run(run_dir)
    except SummaryError as error:
        raise _fail(str(error), 2) from None
    result = summarise(data, top, lines)
    written: list[Path] = []
    if charts is not None:
        try:
            written = _write_charts(result, charts)
        except ImportError as error:
            raise _fail(f"--charts needs matplotlib and jinja2: {error}", 2) from None
        except OSError as error:
            raise _fail(f"cannot write the charts into {charts}: {error}", 1) from None
    if json_output:
        document = summary_json(result)
        if charts is not None:
            document["charts"] = [str(path) for path in written]
        typer.echo(json.dumps(document, indent=2, ensure_ascii=False))
        return
    from rich.console import Console

    Console().print(summary_tables(result))
    if written:
        typer.echo(
            f"{len(written)} files written to {charts}: " + ", ".join(p.name for p in written)
        )
