"""Procedure resources: stem-cell transplants, CAR-T infusions, apheresis and radiotherapy."""

from __future__ import annotations

from datetime import date

from rrmm.adapters.fhir.nodes import Node, coding_keys, codings
from rrmm.adapters.fhir.read_common import (
    ADMINISTRATIVE,
    Entry,
    ReadContext,
    read_date,
    read_intent,
    read_notes,
    rrmm_identifier,
)
from rrmm.adapters.fhir.read_medications import drug_from_concept
from rrmm.adapters.fhir.systems import CS_PROCEDURE, EXT_LINE, EXT_PRODUCT, EXT_TANDEM
from rrmm.core.model import Procedure, ProcedureKind

__all__ = ["read_procedure"]

_SKIP_STATUS = ("preparation", "not-done", "entered-in-error")


def _kind(code: Node | None, ctx: ReadContext) -> ProcedureKind | None:
    for system, value, _ in codings(code):
        if system == CS_PROCEDURE and value in ProcedureKind.__members__.values():
            return ProcedureKind(value)
        known = ctx.codes.procedures.get((system, value))
        if known is not None:
            return known[0]
    return None


def _drugs(concepts: list[Node], ctx: ReadContext) -> list[str]:
    found = []
    for concept in concepts:
        drug = drug_from_concept(concept, ctx)
        if drug is None:
            ctx.report.not_mapped(concept.path, "item used is not in the drug catalogue")
        else:
            found.append(drug[0])
    return found


def _product(node: Node, kind: ProcedureKind, used: list[str], ctx: ReadContext) -> str | None:
    extension = node.extension(EXT_PRODUCT)
    concept = extension[0].child("valueCodeableConcept") if extension else None
    if concept is not None:
        found = _drugs([concept], ctx)
        return found[0] if found else None
    if kind is ProcedureKind.CAR_T_INFUSION and used:
        if len(used) > 1:
            ctx.report.not_mapped(node.at("usedCode"), f"more than one product: {used[1:]}")
        return used[0]
    return None


def _flag(node: Node, url: str, key: str) -> object:
    found = node.extension(url)
    return found[0].get(key) if found else None


def _site(node: Node) -> str | None:
    texts = [site.text("text") for site in node.children("bodySite")]
    joined = [text for text in texts if text]
    return "; ".join(joined) if joined else None


def _date(node: Node, ctx: ReadContext) -> date | None:
    period = node.child("performedPeriod")
    if period is not None:
        return read_date(period, "start", ctx)
    return read_date(node, "performedDateTime", ctx)


def read_procedure(entry: Entry, ctx: ReadContext) -> Procedure | None:
    """An rrmm procedure, or None (reported) for other procedures."""
    node = entry.node
    node.skip(*ADMINISTRATIVE, "status", "outcome")
    if node.data.get("status") in _SKIP_STATUS:
        ctx.report.note(node.path, f"procedure not used: status {node.data['status']}")
        return None
    code = node.child("code")
    kind = _kind(code, ctx)
    if kind is None:
        shown = coding_keys(code) or [repr(code.data.get("text") if code else None)]
        ctx.report.not_mapped(node.at("code"), f"procedure {', '.join(shown)} is not known")
        return None
    if code is not None:
        code.skip("text")
    when = _date(node, ctx)
    if when is None:
        ctx.report.not_mapped(node.path, "procedure without a date")
        return None
    used = _drugs(node.children("usedCode"), ctx)
    tandem, line = (
        _flag(node, EXT_TANDEM, "valueBoolean"),
        _flag(node, EXT_LINE, "valuePositiveInt"),
    )
    procedure = Procedure(
        kind=kind,
        date=when,
        product=_product(node, kind, used, ctx),
        tandem=tandem if isinstance(tandem, bool) else None,
        conditioning=tuple(used) if kind is not ProcedureKind.CAR_T_INFUSION else (),
        intent=read_intent(node, ctx),
        site=_site(node),
        line=line if isinstance(line, int) else None,
        id=rrmm_identifier(node),
        notes=read_notes(node),
    )
    node.report_unread(ctx.report)
    return procedure
