"""Load patient files for commands, printing problems the way every command does."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from rrmm.adapters.native.read import ReadResult
from rrmm.adapters.patient_input import read_patient_path
from rrmm.adapters.problems import Problem, Severity
from rrmm.core.model import PatientRecord
from rrmm.kb import load_drug_catalog

__all__ = [
    "EXIT_INVALID",
    "load_record",
    "load_record_with_problems",
    "print_problems",
    "read_file",
]

EXIT_INVALID = 2
_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.NOTE: "cyan"}


def read_file(path: Path, as_of: date | None = None) -> ReadResult:
    """Read one patient file (native, or a FHIR Bundle) against today's date (or ``as_of``)."""
    return read_patient_path(path, catalog=load_drug_catalog(), as_of=as_of or date.today())


def print_problems(console: Console, source: str, problems: tuple[Problem, ...]) -> None:
    """One line per problem: where, severity, what is wrong and the value found."""
    for problem in problems:
        found = f" (found {escape(problem.value)})" if problem.value else ""
        console.print(
            f"{escape(problem.where(source))}: [{_STYLE[problem.severity]}]{problem.severity}"
            f"[/]: {escape(problem.message)}{found}",
            highlight=False,
            soft_wrap=True,
        )


def load_record_with_problems(
    path: Path, console: Console, as_of: date | None = None
) -> tuple[PatientRecord, tuple[Problem, ...]]:
    """The record in ``path`` and the notes met reading it, or print its errors and exit 2."""
    result = read_file(path, as_of)
    errors = result.errors
    if result.record is None or errors:
        print_problems(console, str(path), result.errors or result.problems)
        raise typer.Exit(EXIT_INVALID)
    return result.record, result.problems


def load_record(path: Path, console: Console, as_of: date | None = None) -> PatientRecord:
    """The record in ``path``, or print its errors and exit with status 2."""
    return load_record_with_problems(path, console, as_of)[0]
