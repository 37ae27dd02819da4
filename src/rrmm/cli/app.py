"""The ``rrmm`` command-line application."""

from __future__ import annotations

import json
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from rrmm import __version__
from rrmm.adapters.assessment_json import DISCLAIMER as ASSESSMENT_DISCLAIMER
from rrmm.adapters.assessment_json import assessment_json_schema, evaluation_to_json
from rrmm.adapters.fhir import evaluation_to_bundle, record_to_bundle
from rrmm.adapters.native.schema import patient_json_schema
from rrmm.adapters.native.write import write_json, write_yaml
from rrmm.adapters.options_json import DISCLAIMER as OPTIONS_DISCLAIMER
from rrmm.adapters.options_json import options_json_schema, options_to_json
from rrmm.cli.assess_view import evaluation_view
from rrmm.cli.cohort import cohort_app
from rrmm.cli.kb import kb_app
from rrmm.cli.loading import (
    EXIT_INVALID,
    load_record,
    load_record_with_problems,
    print_problems,
    read_file,
)
from rrmm.cli.options_view import options_view
from rrmm.cli.synth import synth_command
from rrmm.cli.timeline import lab_table, record_summary, record_timeline
from rrmm.cli.trials import trials_app
from rrmm.core.assess import assess as assess_record
from rrmm.core.criteria import Criteria
from rrmm.core.options import treatment_options
from rrmm.kb import (
    KnowledgeBaseError,
    kb_version,
    load_criteria,
    load_drug_catalog,
    load_knowledge_base,
)

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


class UrineRule(StrEnum):
    """How a missing 24-h urine is handled."""

    STRICT = "strict"
    RELAXED = "relaxed"


class NadirRule(StrEnum):
    """Which nadir progression is measured from."""

    CONFIRMED = "confirmed"
    LOWEST = "lowest"


FileArgument = Annotated[
    Path,
    typer.Argument(
        help="Patient file: rrmm.patient/1 (.yaml, .yml, .json) or a FHIR R4 Bundle (.json)."
    ),
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


class SchemaKind(StrEnum):
    """Which JSON Schema to print."""

    PATIENT = "patient"
    ASSESSMENT = "assessment"
    OPTIONS = "options"


@app.command()
def schema(
    kind: Annotated[
        SchemaKind, typer.Argument(help="patient (the input format) or assessment (assess --json).")
    ] = SchemaKind.PATIENT,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
    ] = None,
) -> None:
    """Print the JSON Schema of the rrmm.patient/1 format or of the assessment output."""
    chosen = {
        SchemaKind.PATIENT: patient_json_schema,
        SchemaKind.ASSESSMENT: assessment_json_schema,
        SchemaKind.OPTIONS: options_json_schema,
    }[kind]()
    text = json.dumps(chosen, indent=2, ensure_ascii=False) + "\n"
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")


class TargetFormat(StrEnum):
    """What ``rrmm convert`` writes."""

    FHIR = "fhir"
    YAML = "yaml"
    JSON = "json"


@app.command()
def convert(
    file: FileArgument,
    to: Annotated[TargetFormat, typer.Option(help="fhir (R4 Bundle), yaml or json (native).")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
    ] = None,
    as_of: AsOfOption = None,
) -> None:
    """Convert a patient record between the native format and a FHIR R4 Bundle."""
    record = load_record(file, Console(stderr=True), _as_of(as_of))
    if to is TargetFormat.FHIR:
        text = json.dumps(record_to_bundle(record), indent=2, ensure_ascii=False) + "\n"
    elif to is TargetFormat.YAML:
        text = write_yaml(record)
    else:
        text = write_json(record) + "\n"
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


def _criteria(
    name: str, serum: float | None, urine_rule: str | None, nadir: str | None
) -> Criteria:
    try:
        criteria = load_criteria(name)
    except KnowledgeBaseError as error:
        raise typer.BadParameter(str(error), param_hint="--criteria") from None
    changes: dict[str, object] = {}
    if serum is not None:
        changes["serum_measurable_g_dl"] = serum
    if urine_rule is not None:
        changes["urine_rule"] = urine_rule
    if nadir is not None:
        changes["nadir"] = nadir
    return criteria.with_parameters(**changes)


@app.command()
def assess(
    file: FileArgument,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    explain: Annotated[
        bool, typer.Option("--explain", help="Show the rule and values behind every verdict.")
    ] = False,
    criteria: Annotated[
        str, typer.Option(help="Criteria set (a later IMWG revision is a new set).")
    ] = "IMWG2016",
    measurable_serum: Annotated[
        float | None,
        typer.Option(
            "--measurable-serum",
            min=0.1,
            max=5,
            help="Serum M-protein (g/dL) that counts as measurable; IMWG 1.0, many trials 0.5.",
        ),
    ] = None,
    urine_rule: Annotated[
        UrineRule | None,
        typer.Option(
            help="strict: a missing 24-h urine downgrades the response (IMWG); relaxed: serum"
            " or urine (as real-world algorithms do)."
        ),
    ] = None,
    as_fhir: Annotated[
        bool,
        typer.Option("--fhir", help="Print the assessment as a FHIR R4 Bundle (mCODE)."),
    ] = False,
    nadir: Annotated[
        NadirRule | None,
        typer.Option(
            help="confirmed: progression from the lowest value held twice (IMWG 2016);"
            " lowest: from the lowest single value (IMWG 2011)."
        ),
    ] = None,
    as_of: AsOfOption = None,
    width: Annotated[
        int | None, typer.Option(min=20, max=200, help="Width of the time axis.")
    ] = None,
) -> None:
    """Assess disease status, response, progression, refractoriness, lines and risk."""
    console = Console()
    reading_date = _as_of(as_of) or date.today()
    record, problems = load_record_with_problems(file, Console(stderr=True), reading_date)
    chosen = _criteria(
        criteria,
        measurable_serum,
        urine_rule.value if urine_rule else None,
        nadir.value if nadir else None,
    )
    evaluation = assess_record(record, load_drug_catalog(), chosen, reading_date)
    if as_fhir:
        bundle = evaluation_to_bundle(evaluation, record)
        typer.echo(json.dumps(bundle, indent=2, ensure_ascii=False))
        return
    if as_json:
        payload = evaluation_to_json(evaluation, kb_version(), problems)
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    axis = width or max(20, min(80, console.width - 22))
    console.print(evaluation_view(evaluation, reading_date, axis, explain, ASSESSMENT_DISCLAIMER))


class Regulator(StrEnum):
    """Whose labels the options are judged against."""

    FDA = "FDA"
    EMA = "EMA"


@app.command()
def options(
    file: FileArgument,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    regulator: Annotated[
        Regulator, typer.Option(help="Judge label eligibility against FDA or EMA labels.")
    ] = Regulator.FDA,
    show_all: Annotated[bool, typer.Option("--all", help="Show every option.")] = False,
    criteria: Annotated[str, typer.Option(help="IMWG criteria set.")] = "IMWG2016",
    as_of: AsOfOption = None,
) -> None:
    """Treatment options at relapse: eligibility, refractory components, cautions, evidence."""
    console = Console()
    reading_date = _as_of(as_of) or date.today()
    record = load_record(file, Console(stderr=True), reading_date)
    chosen = _criteria(criteria, None, None, None)
    try:
        kb = load_knowledge_base()
    except KnowledgeBaseError as error:
        Console(stderr=True).print(f"[red]knowledge base error:[/] {error}")
        raise typer.Exit(1) from None
    evaluation = assess_record(record, kb.catalog, chosen, reading_date)
    result = treatment_options(evaluation, record, kb, regulator.value, reading_date)
    if as_json:
        payload = options_to_json(
            result, record.id, chosen.id, str(evaluation.status.status), list(evaluation.labels)
        )
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    console.print(options_view(result, OPTIONS_DISCLAIMER, None if show_all else 15))


class Audience(StrEnum):
    """Who a report is written for."""

    PATIENT = "patient"
    CLINICIAN = "clinician"


@app.command()
def report(
    file: FileArgument,
    output: Annotated[
        Path,
        typer.Option(
            "-o", "--output", help="Where to write: .html or .pdf (PDF made without a browser)."
        ),
    ],
    audience: Annotated[
        Audience, typer.Option(help="patient: plain language; clinician: one to two pages.")
    ] = Audience.PATIENT,
    regulator: Annotated[
        Regulator, typer.Option(help="Judge label eligibility against FDA or EMA labels.")
    ] = Regulator.FDA,
    as_of: AsOfOption = None,
) -> None:
    """Write a patient or clinician report (HTML or PDF) with the disease-course chart."""
    from rrmm.render.html import render_report

    suffix = output.suffix.lower()
    if suffix not in (".html", ".htm", ".pdf"):
        raise typer.BadParameter(
            f"{output}: the report is written as .html or .pdf", param_hint="--output"
        )
    errors = Console(stderr=True)
    reading_date = _as_of(as_of) or date.today()
    record, problems = load_record_with_problems(file, errors, reading_date)
    kb = load_knowledge_base()
    evaluation = assess_record(record, kb.catalog, load_criteria("IMWG2016"), reading_date)
    result = treatment_options(evaluation, record, kb, regulator.value, reading_date)
    page = render_report(
        audience.value, record, evaluation, result, kb.catalog, problems, kb_version()
    )
    try:
        if suffix == ".pdf":
            from rrmm.render.pdf import write_pdf

            write_pdf(page, output)
        else:
            output.write_text(page, encoding="utf-8")
    except OSError as error:
        errors.print(f"[red]cannot write {output}:[/] {error}", highlight=False)
        raise typer.Exit(1) from None
    errors.print(f"wrote {audience.value} report to {output}", highlight=False)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to bind (loopback by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    token: Annotated[
        str | None, typer.Option(envvar="RRMM_TOKEN", help="Require this bearer token.")
    ] = None,
    jwt_key: Annotated[
        str | None,
        typer.Option(
            envvar="RRMM_JWT_KEY", help="Verify CDS Hooks JWTs with this secret or PEM key."
        ),
    ] = None,
    jwt_audience: Annotated[str | None, typer.Option(help="Expected JWT audience.")] = None,
    max_body: Annotated[int, typer.Option(min=1024, help="Request body limit in bytes.")] = 2097152,
    feedback_db: Annotated[
        str, typer.Option(help="SQLite file for CDS Hooks feedback.")
    ] = "rrmm-feedback.sqlite3",
    regulator: Annotated[Regulator, typer.Option(help="Labels for options.")] = Regulator.FDA,
    workers: Annotated[int, typer.Option(min=1, max=32, help="Worker processes.")] = 1,
    trials: Annotated[
        Path | None,
        typer.Option(
            exists=True,
            help="Trials for POST /v1/trials/match: a folder of CT.gov v2 JSON or the CSV.",
        ),
    ] = None,
) -> None:
    """Run the REST and CDS Hooks service (FastAPI + uvicorn)."""
    from rrmm.service.runner import serve as run_service
    from rrmm.service.settings import ServiceSettings

    settings = ServiceSettings(
        host=host,
        port=port,
        token=token,
        jwt_key=jwt_key,
        jwt_audience=jwt_audience,
        max_body_bytes=max_body,
        feedback_db=feedback_db,
        regulator=regulator.value,
        trials=str(trials) if trials else None,
    )
    try:
        settings.check()
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--host") from None
    run_service(settings, workers)


app.add_typer(kb_app, name="kb")
app.command("synth")(synth_command)
app.add_typer(trials_app, name="trials")
app.add_typer(cohort_app, name="cohort")


def main() -> None:
    """Entry point of the ``rrmm`` console script."""
    app()
