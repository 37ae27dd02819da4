"""``rrmm kb``: check and browse the knowledge base."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from rrmm.adapters.fhir.codes import load_fhir_codes_file
from rrmm.core.knowledge import KnowledgeBase, Regimen
from rrmm.kb import (
    KnowledgeBaseError,
    load_criteria,
    load_knowledge_base,
    unverified_patient_education,
)

__all__ = ["kb_app"]

kb_app = typer.Typer(help="Check and browse the therapy knowledge base.", no_args_is_help=True)


def _load() -> KnowledgeBase:
    try:
        return load_knowledge_base()
    except KnowledgeBaseError as error:
        Console(stderr=True).print(f"[bold red]invalid:[/] {error}")
        raise typer.Exit(2) from None


def _unverified_codes(node: object, path: str = "fhir-codes") -> list[str]:
    """Codes of fhir-codes.yaml marked unverified, named by their place in the file."""
    found: list[str] = []
    if isinstance(node, dict):
        if node.get("verified") is False and "code" in node:
            found.append(f"{path}: {node['code']} {node.get('display', '')}".rstrip())
        for key, value in node.items():
            found += _unverified_codes(value, f"{path}.{key}")
    elif isinstance(node, list):
        for item in node:
            found += _unverified_codes(item, path)
    return found


def unverified_facts(kb: KnowledgeBase) -> list[str]:
    """Every fact marked unverified, named by where it sits."""
    found = []
    for regimen in kb.regimens:
        found += [
            f"regimen {regimen.id}: {i.regulator} indication — {i.note or 'not verified'}"
            for i in regimen.indications
            if not i.verified
        ]
        found += [
            f"regimen {regimen.id}: evidence {e.trial}" for e in regimen.evidence if not e.verified
        ]
    found += [f"caution {c.id}: {c.note or 'not verified'}" for c in kb.cautions if not c.verified]
    found += [
        f"supportive {s.id}: {s.note or 'not verified'}" for s in kb.supportive if not s.verified
    ]
    return found


@kb_app.command()
def validate() -> None:
    """Check every knowledge-base file against its schema and every fact for a source."""
    kb = _load()
    load_criteria()
    try:
        codes = load_fhir_codes_file()
    except Exception as error:
        Console(stderr=True).print(f"[bold red]invalid:[/] fhir-codes.yaml: {error}")
        raise typer.Exit(2) from None
    try:
        education = unverified_patient_education()
    except KnowledgeBaseError as error:
        Console(stderr=True).print(f"[bold red]invalid:[/] {error}")
        raise typer.Exit(2) from None
    console = Console()
    indications = sum(len(r.indications) for r in kb.regimens)
    evidence = sum(len(r.evidence) for r in kb.regimens)
    console.print(
        f"knowledge base {kb.version}: {len(kb.catalog.drugs)} drugs, {len(kb.regimens)} regimens,"
        f" {indications} indications, {evidence} trials, {len(kb.cautions)} cautions,"
        f" {len(kb.supportive)} supportive-care items — every fact has a source"
    )
    marked = unverified_facts(kb) + _unverified_codes(codes.model_dump()) + education
    console.print(f"{len(marked)} fact(s) marked unverified (shown as such wherever used):")
    for item in marked:
        console.print(f"  · {item}", highlight=False)


def _status(regimen: Regimen, regulator: str) -> str:
    found = [i for i in regimen.indications if i.regulator == regulator]
    shown = []
    for i in found:
        text = i.status + (f" {i.date}" if i.date else "")
        shown.append(text + (f" ({i.formulation})" if i.formulation else ""))
    return ", ".join(shown) or "—"


@kb_app.command("list")
def list_regimens(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the regimens with their FDA and EMA status."""
    kb = _load()
    if as_json:
        rows = [
            {
                "id": r.id,
                "name": r.name,
                "kind": r.kind,
                "components": list(r.components),
                "fda": _status(r, "FDA"),
                "ema": _status(r, "EMA"),
                "trials": [e.trial for e in r.evidence],
            }
            for r in kb.regimens
        ]
        typer.echo(json.dumps({"kb_version": kb.version, "regimens": rows}, indent=2))
        return
    table = Table(title=f"Regimens · knowledge base {kb.version}", header_style="bold")
    for column in ("id", "name", "kind", "FDA", "EMA", "trials"):
        table.add_column(column, overflow="fold")
    for r in kb.regimens:
        table.add_row(
            r.id,
            r.name,
            r.kind,
            _status(r, "FDA"),
            _status(r, "EMA"),
            ", ".join(e.trial for e in r.evidence),
        )
    Console().print(table)


@kb_app.command()
def show(regimen_id: Annotated[str, typer.Argument(help="Regimen id, e.g. KRd.")]) -> None:
    """Show one regimen: indications with criteria and sources, evidence, cautions."""
    kb = _load()
    try:
        regimen = kb.regimen(regimen_id)
    except KeyError:
        known = ", ".join(r.id for r in kb.regimens)
        Console(stderr=True).print(f"unknown regimen '{regimen_id}'; known: {known}")
        raise typer.Exit(2) from None
    console = Console()
    console.print(f"[bold]{regimen.id}[/] — {regimen.name} ({regimen.kind})")
    console.print(f"components: {', '.join(regimen.components)}")
    for schedule in regimen.schedules:
        console.print(f"schedule: {schedule}")
    for i in regimen.indications:
        flag = "" if i.verified else " [yellow][unverified][/]"
        console.print(
            f"\n[bold]{i.regulator}[/] {i.status} {i.date or ''} {i.formulation or ''}{flag}\n"
            f"  {i.wording}"
        )
        for source in i.sources:
            console.print(f"  source: {source.citation} {source.url or ''}", highlight=False)
    for e in regimen.evidence:
        bits = [f"{e.trial} (phase {e.phase}, n={e.n})", e.population]
        if e.comparator:
            bits.append(f"vs {e.comparator}")
        if e.pfs_hazard_ratio:
            bits.append(f"PFS HR {e.pfs_hazard_ratio:g}")
        if e.median_pfs_months:
            bits.append(f"mPFS {e.median_pfs_months:g} mo")
        if e.orr_percent:
            bits.append(f"ORR {e.orr_percent:g}%")
        console.print("\nevidence: " + "; ".join(bits), highlight=False)
        for caveat in e.caveats:
            console.print(f"  caveat: {caveat}", highlight=False)
    classes = {c for name in regimen.components for c in kb.catalog.get(name).classes}
    rules = [
        c
        for c in kb.cautions
        if set(c.drugs) & set(regimen.components)
        or set(c.classes) & classes
        or regimen.kind in c.kinds
    ]
    if rules:
        console.print("\n[bold]cautions[/]")
        for c in rules:
            console.print(f"  {c.severity}: {c.text}", highlight=False)
