"""The ``rrmm`` command-line application."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from rrmm import __version__
from rrmm.adapters.native.schema import patient_json_schema
from rrmm.cli.loading import EXIT_INVALID, load_record, print_problems, read_file
from rrmm.cli.timeline import lab_table, record_summary, record_timeline

__all__ = ["app", "main"]

DISCLAIMER = (
    "rrmm is decision support for clinicians, not a prescription: every output must be"
    " checked against the patient and the current prescribing information."
)

app = typer.Typer(
    name="rrmm",
    help=(
        "Clinical decision support for relapsed and refractory multiple myeloma.\n\n" + DISCLAIMER
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)

FileArgument = Annotated[
    Path,
    typer.Argument(help="Patient file in rrmm.patient/1 format (.yaml, .yml or .json)."),
]
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Reading date (YYYY-MM-DD) for the 'date in the future' check; default today.",
    ),
]


def _as_of(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            f"'{text}' is not a date YYYY-MM-DD", param_hint="--as-of"
        ) from None


def _version(value: bool) -> None:
    if value:
        typer.echo(f"rrmm {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Clinical decision support for relapsed and refractory multiple myeloma."""


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="Patient files to check.")],
    as_of: AsOfOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print problems as JSON.")] = False,
) -> None:
    """Check patient files; exit 0 when all are valid and 2 otherwise."""
    console = Console(highlight=False)
    reading_date = _as_of(as_of)
    report = []
    invalid = 0
    for path in files:
        result = read_file(path, reading_date)
        valid = result.record is not None and not result.errors
        invalid += not valid
        if as_json:
            report.append(
                {
                    "file": str(path),
                    "valid": valid,
                    "problems": [
                        {
                            "severity": str(p.severity),
                            "pointer": p.pointer,
                            "line": p.line,
                            "message": p.message,
                            "value": p.value,
                        }
                        for p in result.problems
                    ],
                }
            )
            continue
        print_problems(console, str(path), result.problems)
        verdict = "[green]valid[/]" if valid else "[bold red]invalid[/]"
        console.print(f"{path}: {verdict}")
    if as_json:
        typer.echo(json.dumps(report, indent=2, ensure_ascii=False))
    if invalid:
        raise typer.Exit(EXIT_INVALID)


@app.command()
def schema(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
    ] = None,
) -> None:
    """Print the JSON Schema of the rrmm.patient/1 format."""
    text = json.dumps(patient_json_schema(), indent=2, ensure_ascii=False) + "\n"
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")


@app.command()
def show(
    file: FileArgument,
    as_of: AsOfOption = None,
    width: Annotated[
        int | None, typer.Option(min=20, max=200, help="Width of the time axis.")
    ] = None,
) -> None:
    """Show a patient record as a timeline: therapies as bars, labs as rows."""
    console = Console()
    width = width or max(20, min(80, console.width - 32))
    reading_date = _as_of(as_of)
    record = load_record(file, console, reading_date)
    console.print(record_summary(record))
    console.print(record_timeline(record, reading_date or date.today(), width))
    console.print(lab_table(record))


def main() -> None:
    """Entry point of the ``rrmm`` console script."""
    app()
