"""``rrmm trials``: fetch ClinicalTrials.gov records, match a patient, evaluate the matcher.

Commands: ``fetch`` (CT.gov API v2 with paging, retries and a local cache), ``match``
(per-criterion verdicts, ranking and a compact table, or ``--json``/``--fhir``),
``parse`` (how the parser reads a source: parsed vs needs-review criteria), and
``evaluate`` (criterion-level accuracy and trial-level precision/recall on the
labelled set).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from rrmm.cli.loading import EXIT_INVALID, load_record
from rrmm.core.assess import last_record_date
from rrmm.kb import KnowledgeBaseError, load_criteria, load_drug_catalog
from rrmm.trials.curated_files import CuratedFileError, load_curated, packaged_curated_dir
from rrmm.trials.labelled_files import LabelledSetError, packaged_labels, run_labelled_set
from rrmm.trials.match_json import DISCLAIMER, match_to_json
from rrmm.trials.matcher import Effect, TrialMatch, TrialVerdict
from rrmm.trials.model import ParsedTrial
from rrmm.trials.parser import parse_trial
from rrmm.trials.patient_context import MatchOptions
from rrmm.trials.research_study import match_to_researchstudy_bundle
from rrmm.trials.rules import Permissive, Rule, Unrecordable, describe
from rrmm.trials.screen import screen
from rrmm.trials.sources import TrialSourceError, read_trials
from rrmm.trials.structured import apply_curation, rule_to_match
from rrmm.trials.vocabulary import build_vocabulary

if TYPE_CHECKING:
    from rrmm.trials.ctgov_client import CtGovClient

__all__ = ["client_factory", "trials_app"]

trials_app = typer.Typer(
    help="Clinical-trial matching: fetch CT.gov records, match a patient, evaluate.",
    no_args_is_help=True,
)

# Tests set a factory that injects httpx.MockTransport; by default the real client is built.
# httpx is imported only when ``fetch`` runs, so the other commands work without it.
client_factory: Callable[..., CtGovClient] | None = None


def _client(**options: Any) -> CtGovClient:
    if client_factory is not None:
        return client_factory(**options)
    from rrmm.trials.ctgov_client import CtGovClient

    return CtGovClient(**options)


_STYLE = {
    TrialVerdict.ELIGIBLE: "bold green",
    TrialVerdict.POSSIBLY_ELIGIBLE: "yellow",
    TrialVerdict.EXCLUDED: "red",
}
_EFFECT_STYLE = {Effect.FAVOURABLE: "green", Effect.RULES_OUT: "red", Effect.UNDECIDED: "yellow"}


def _default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rrmm" / "ctgov"


@trials_app.command()
def fetch(
    out: Annotated[
        Path, typer.Option("--out", help="Folder to write one <NCT id>.json per study.")
    ],
    condition: Annotated[
        str | None, typer.Option(help="Condition (query.cond), e.g. 'multiple myeloma'.")
    ] = None,
    term: Annotated[str | None, typer.Option(help="Other terms (query.term).")] = None,
    status: Annotated[
        list[str] | None,
        typer.Option("--status", help="Overall status filter, repeatable (e.g. RECRUITING)."),
    ] = None,
    page_size: Annotated[int, typer.Option(min=1, max=1000, help="Studies per page.")] = 100,
    max_pages: Annotated[
        int | None, typer.Option(min=1, help="Stop after this many pages.")
    ] = None,
    max_studies: Annotated[int | None, typer.Option(min=1, help="Stop after this many.")] = None,
    cache: Annotated[
        Path | None, typer.Option(help="Cache folder (default $XDG_CACHE_HOME/rrmm/ctgov).")
    ] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Do not use the cache.")] = False,
) -> None:
    """Download study records from the ClinicalTrials.gov API v2 into a folder."""
    from rrmm.trials.ctgov_client import CtGovError, StudyQuery

    if not condition and not term:
        raise typer.BadParameter("give --condition or --term", param_hint="--condition")
    query = StudyQuery(condition, term, tuple(status or ()), page_size)
    cache_dir = None if no_cache else (cache or _default_cache())
    out.mkdir(parents=True, exist_ok=True)
    written = 0
    err = Console(stderr=True)
    try:
        with _client(cache_dir=cache_dir) as client:
            for study in client.studies(query, max_pages, max_studies):
                ident = study.get("protocolSection", {}).get("identificationModule", {})
                nct_id = ident.get("nctId")
                if not isinstance(nct_id, str) or not nct_id.startswith("NCT"):
                    continue
                (out / f"{nct_id}.json").write_text(
                    json.dumps(study, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
                )
                written += 1
            requests, hits = client.requests, client.cache_hits
    except CtGovError as error:
        err.print(f"[bold red]ClinicalTrials.gov:[/] {escape(str(error))}")
        raise typer.Exit(1) from None
    typer.echo(f"wrote {written} studies to {out} ({requests} requests, {hits} from cache)")


def _parsed(source: Path, curated: Path | None, use_packaged: bool) -> list[ParsedTrial]:
    catalog = load_drug_catalog()
    vocabulary = build_vocabulary(catalog)
    try:
        trials = [parse_trial(t, vocabulary) for t in read_trials(source)]
    except TrialSourceError as error:
        raise typer.BadParameter(str(error), param_hint="--trials") from None
    overrides = {}
    try:
        if use_packaged:
            overrides.update(load_curated(packaged_curated_dir(), catalog))
        if curated is not None:
            overrides.update(load_curated(curated, catalog))
    except CuratedFileError as error:
        raise typer.BadParameter(str(error), param_hint="--curated") from None
    return [
        apply_curation(p, overrides[p.trial.nct_id]) if p.trial.nct_id in overrides else p
        for p in trials
    ]


def _as_of(text: str | None, record_last: date | None) -> date:
    if text is None:
        return date.today()
    if text == "record":
        return record_last or date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            f"'{text}' is not a date YYYY-MM-DD or 'record'", param_hint="--as-of"
        ) from None


def _table(matches: tuple[TrialMatch, ...], limit: int | None) -> Table:
    table = Table(title="Trials ranked for this patient", show_lines=False, pad_edge=False)
    table.add_column("#", justify="right")
    table.add_column("trial")
    table.add_column("status")
    table.add_column("verdict")
    table.add_column("unknown", justify="right")
    table.add_column("review", justify="right")
    table.add_column("why / what is open", overflow="fold")
    for rank, match in enumerate(matches[:limit] if limit else matches, start=1):
        if match.ruling_out:
            first = match.ruling_out[0]
            more = len(match.ruling_out) - 1
            reason = f"{first.criterion.kind.value[:3]}: {first.criterion.text[:60]}"
            reason += f" (+{more} more)" if more else ""
        else:
            open_items = [r for r in match.results if r.effect is Effect.UNDECIDED]
            reason = "open: " + "; ".join(r.criterion.text[:35] for r in open_items[:2])
        table.add_row(
            str(rank),
            match.trial.nct_id,
            (match.trial.status or "").lower().replace("_", " "),
            f"[{_STYLE[match.verdict]}]{match.verdict.value.replace('_', ' ')}[/]",
            str(match.unknown_count),
            str(match.review_count),
            escape(reason),
        )
    return table


def _criteria_table(match: TrialMatch) -> Table:
    table = Table(title=f"{match.trial.nct_id}: {match.verdict.value.replace('_', ' ')}")
    table.add_column("kind")
    table.add_column("verdict")
    table.add_column("criterion", overflow="fold")
    table.add_column("evidence", overflow="fold")
    for result in match.results:
        style = _EFFECT_STYLE[result.effect]
        table.add_row(
            result.criterion.kind.value[:3],
            f"[{style}]{result.verdict.value}[/]",
            escape(result.criterion.text[:160]),
            escape(result.evidence[:200]),
        )
    return table


@trials_app.command()
def match(
    patient: Annotated[Path, typer.Argument(help="Patient file (rrmm.patient/1 or FHIR Bundle).")],
    trials: Annotated[
        Path, typer.Option("--trials", help="Folder of CT.gov v2 JSON, a JSON file or the CSV.")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    as_fhir: Annotated[
        bool, typer.Option("--fhir", help="Print a FHIR R4 searchset Bundle of ResearchStudy.")
    ] = False,
    as_of: Annotated[
        str | None,
        typer.Option(help="Matching date YYYY-MM-DD, or 'record' for the record's last date."),
    ] = None,
    curated: Annotated[
        Path | None, typer.Option(help="Curated criteria (YAML file or folder) to apply.")
    ] = None,
    packaged_curated: Annotated[
        bool, typer.Option(help="Apply the curated examples shipped with rrmm.")
    ] = True,
    lab_window: Annotated[
        int, typer.Option(min=1, help="Labs and ECOG older than this many days decide nothing.")
    ] = 90,
    conditions_complete: Annotated[
        bool,
        typer.Option(help="Treat the record's conditions as complete (absent means absent)."),
    ] = False,
    limit: Annotated[int | None, typer.Option(min=1, help="Show this many trials.")] = None,
    details: Annotated[
        int, typer.Option(min=0, help="Show every criterion of the top N trials.")
    ] = 0,
) -> None:
    """Match a patient against trials: per-criterion verdicts, trial verdicts and a ranking."""
    console = Console()
    record = load_record(patient, Console(stderr=True))
    reading = _as_of(as_of, last_record_date(record))
    parsed = _parsed(trials, curated, packaged_curated)
    options = MatchOptions(lab_window, conditions_complete)
    try:
        criteria = load_criteria()
    except KnowledgeBaseError as error:
        Console(stderr=True).print(f"[red]knowledge base error:[/] {escape(str(error))}")
        raise typer.Exit(1) from None
    result = screen(record, parsed, load_drug_catalog(), criteria, reading, options)
    matches = result.matches[:limit] if limit else result.matches
    if as_fhir:
        bundle = match_to_researchstudy_bundle(matches, patient_id=record.id, as_of=reading)
        typer.echo(json.dumps(bundle, indent=2, ensure_ascii=False))
        return
    if as_json:
        payload = match_to_json(
            matches, patient_id=record.id, as_of=reading, options=options, criteria_id=criteria.id
        )
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    counts = Counter(m.verdict for m in result.matches)
    console.print(
        f"[bold]{escape(record.id)}[/] as of {reading}: {len(result.matches)} trials — "
        f"{counts[TrialVerdict.ELIGIBLE]} eligible, {counts[TrialVerdict.POSSIBLY_ELIGIBLE]}"
        f" possibly eligible, {counts[TrialVerdict.EXCLUDED]} excluded",
        highlight=False,
    )
    console.print(_table(result.matches, limit))
    for item in result.matches[:details]:
        console.print(_criteria_table(item))
    console.print(f"[dim]{DISCLAIMER}[/]")


def _kind_of(rule: Rule | None) -> str:
    if rule is None:
        return "needs_review"
    if isinstance(rule, Unrecordable):
        return "parsed_not_in_record"
    if isinstance(rule, Permissive):
        return "parsed_permission"
    return "parsed"


@trials_app.command()
def parse(
    source: Annotated[
        Path, typer.Argument(help="Folder of CT.gov v2 JSON, a JSON file or the CSV.")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print every criterion as JSON.")] = False,
    export: Annotated[
        Path | None,
        typer.Option(help="Write the parser's reading as curated YAML files into this folder."),
    ] = None,
) -> None:
    """Show how the parser reads a source: parsed criteria vs those that need review."""
    parsed = _parsed(source, None, False)
    rows = []
    counts: Counter[str] = Counter()
    notes: Counter[str] = Counter()
    for trial in parsed:
        for criterion in trial.criteria:
            if criterion.origin.value == "registry":
                continue
            kind = _kind_of(criterion.rule)
            counts[kind] += 1
            if criterion.rule is None:
                notes[criterion.note.split(":")[0] or "not parsed"] += 1
            rows.append(
                {
                    "nct_id": trial.trial.nct_id,
                    "kind": criterion.kind.value,
                    "text": criterion.text,
                    "status": kind,
                    "rule": describe(criterion.rule) if criterion.rule is not None else None,
                    "note": criterion.note,
                }
            )
    if export is not None:
        _export(parsed, export)
    total = sum(counts.values())
    summary: dict[str, Any] = {
        "trials": len(parsed),
        "statements": total,
        **{
            key: counts[key]
            for key in ("parsed", "parsed_permission", "parsed_not_in_record", "needs_review")
        },
        "parsed_share": round((total - counts["needs_review"]) / total, 4) if total else 0.0,
        "review_reasons": dict(notes.most_common(10)),
    }
    if as_json:
        typer.echo(json.dumps({"summary": summary, "criteria": rows}, indent=2, ensure_ascii=False))
        return
    console = Console()
    table = Table(title=f"Parser coverage of {source}")
    table.add_column("statements")
    table.add_column("count", justify="right")
    table.add_column("share", justify="right")
    for key in ("parsed", "parsed_permission", "parsed_not_in_record", "needs_review"):
        share = f"{counts[key] / total:.1%}" if total else "-"
        table.add_row(key.replace("_", " "), str(counts[key]), share)
    console.print(f"{len(parsed)} trials, {total} statements (registry age/sex fields not counted)")
    console.print(table)
    for reason, count in notes.most_common(6):
        console.print(f"  needs review — {escape(reason)}: {count}", highlight=False)


def _export(parsed: list[ParsedTrial], folder: Path) -> None:
    from ruamel.yaml import YAML

    folder.mkdir(parents=True, exist_ok=True)
    yaml = YAML()
    yaml.default_flow_style = False
    for trial in parsed:
        criteria = [
            {
                "text": c.text,
                "kind": c.kind.value,
                "match": rule_to_match(c.rule) if c.rule is not None else "review",
            }
            for c in trial.criteria
            if c.origin.value != "registry"
        ]
        document = {
            "format": "rrmm.trial-criteria/1",
            "nct_id": trial.trial.nct_id,
            "mode": "replace",
            "source": "exported from the rrmm parser; correct and keep",
            "criteria": criteria,
        }
        with (folder / f"{trial.trial.nct_id}.yaml").open("w", encoding="utf-8") as handle:
            yaml.dump(document, handle)


@trials_app.command()
def evaluate(
    labels: Annotated[
        Path | None, typer.Option(help="Labelled set (default: the one shipped with rrmm).")
    ] = None,
    patients: Annotated[
        Path, typer.Option(help="Folder of the labelled set's patient files.")
    ] = Path("examples"),
    curated: Annotated[
        Path | None, typer.Option(help="Apply curated criteria (default: parser only).")
    ] = None,
    lab_window: Annotated[int, typer.Option(min=1)] = 90,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    mistakes: Annotated[int, typer.Option(min=0, help="List this many mistakes.")] = 10,
) -> None:
    """Criterion-level accuracy and trial-level precision/recall on the labelled set."""
    try:
        run = run_labelled_set(
            labels or packaged_labels(),
            patients,
            load_drug_catalog(),
            load_criteria(),
            MatchOptions(lab_window),
            curated,
        )
    except (LabelledSetError, CuratedFileError) as error:
        Console(stderr=True).print(f"[bold red]cannot evaluate:[/] {escape(str(error))}")
        raise typer.Exit(EXIT_INVALID) from None
    report = run.report
    kept = report.trial_pr("not_excluded")
    dropped = report.trial_pr("excluded")
    payload = {
        "labels": report.labels,
        "patients": len(run.labelled.patients),
        "trials": len(run.labelled.trials),
        "criterion_accuracy": round(report.accuracy, 4),
        "correct": report.correct,
        "decidable_labels": report.decidable,
        "decidable_accuracy": round(report.decidable_accuracy, 4),
        "unparsed_counted_as_met": report.unparsed_met,
        "missing": report.missing,
        "unlabelled": report.unlabelled,
        "confusion": {f"{g}->{p}": n for (g, p), n in sorted(report.confusion.items())},
        "trial_pairs": report.trials,
        "trial_exact": report.trial_exact,
        "not_excluded": {"precision": round(kept.precision, 4), "recall": round(kept.recall, 4)},
        "excluded": {"precision": round(dropped.precision, 4), "recall": round(dropped.recall, 4)},
        "mistakes": [
            {
                "patient": m.patient,
                "nct_id": m.nct_id,
                "criterion": m.text,
                "gold": m.gold,
                "predicted": m.predicted,
                "reason": m.reason,
                "evidence": m.evidence,
            }
            for m in report.mistakes[:mistakes]
        ],
    }
    if as_json:
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    console = Console()
    console.print(
        f"Labelled set: {payload['patients']} patients × {payload['trials']} trials,"
        f" {report.labels} criterion labels ({report.decidable} decidable)",
        highlight=False,
    )
    console.print(
        f"criterion-level accuracy {report.accuracy:.1%} ({report.correct}/{report.labels});"
        f" on decidable labels {report.decidable_accuracy:.1%};"
        f" unparsed counted as met: {report.unparsed_met}",
        highlight=False,
    )
    console.print(
        f"trial level ({report.trials} patient-trial pairs, {report.trial_exact} exact):"
        f" not excluded P {kept.precision:.2f} R {kept.recall:.2f};"
        f" excluded P {dropped.precision:.2f} R {dropped.recall:.2f}",
        highlight=False,
    )
    for mistake in report.mistakes[:mistakes]:
        console.print(
            f"  {mistake.patient} {mistake.nct_id}: gold {mistake.gold}, got {mistake.predicted}"
            f" — {escape(mistake.text[:90])}",
            highlight=False,
        )
