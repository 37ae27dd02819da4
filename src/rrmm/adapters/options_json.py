"""The JSON form of treatment options (``rrmm options --json``), with its JSON Schema."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from rrmm.core.criteria import Citation
from rrmm.core.knowledge import Evidence
from rrmm.core.options import Option, OptionsResult

__all__ = ["DISCLAIMER", "OptionsOut", "options_json_schema", "options_to_json"]

DISCLAIMER = (
    "Decision support for clinicians, not a prescription or a recommendation: the ranking is a"
    " transparent heuristic; check every option against the patient, the current label and local"
    " guidelines."
)


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceOut(_Out):
    """A citation."""

    key: str
    citation: str
    url: str | None = None


class CriterionOut(_Out):
    """One label criterion and its verdict for this patient."""

    text: str
    verdict: str = Field(description="met, not_met or unknown")
    reason: str


class CautionOut(_Out):
    """A caution from the patient's record (or one that could not be checked)."""

    text: str
    severity: str
    rule: str
    source: str = Field(description="first citation, for display")
    sources: list[SourceOut]
    verified: bool
    certain: bool


class EvidenceOut(_Out):
    """A trial behind the regimen."""

    trial: str
    phase: str
    n: int | None
    population: str
    comparator: str | None
    orr_percent: float | None
    cr_or_better_percent: float | None
    median_pfs_months: float | None
    comparator_median_pfs_months: float | None
    pfs_hazard_ratio: float | None
    result: str | None
    caveats: list[str]
    sources: list[SourceOut]
    verified: bool


class SupportiveOut(_Out):
    """One item of the supportive-care plan."""

    category: str
    text: str
    rule: str
    sources: list[SourceOut]
    verified: bool


class IndicationOut(_Out):
    """The indication the verdict was judged against."""

    regulator: str
    status: str
    date: str | None
    formulation: str | None
    wording: str
    sources: list[SourceOut]
    verified: bool
    note: str | None


class OptionOut(_Out):
    """One option."""

    regimen: str
    name: str
    kind: str = Field(description="labelled, retreatment, transplant, off_label or trial")
    status: str
    components: list[str]
    label_eligible: bool | None
    indication: IndicationOut | None
    criteria: list[CriterionOut]
    refractory_components: list[str]
    class_notes: list[str]
    cautions: list[CautionOut]
    evidence: list[EvidenceOut]
    caveats: list[str]
    rank: int
    score: float
    rank_reasons: list[str]
    supportive_care: list[SupportiveOut]
    unverified: list[str]


class OptionsOut(_Out):
    """The result of ``rrmm options --json``."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="rrmm options")

    format: str = "rrmm.options/1"
    patient_id: str
    as_of: date
    kb_version: str
    criteria_version: str
    regulator: str
    prior_lines: int
    status: str
    labels: list[str]
    options: list[OptionOut]
    notes: list[str]
    disclaimer: str = DISCLAIMER


def _sources(citations: Sequence[Citation]) -> list[SourceOut]:
    return [SourceOut(key=c.key, citation=c.citation, url=c.url) for c in citations]


def _evidence(item: Evidence) -> EvidenceOut:
    return EvidenceOut(
        trial=item.trial,
        phase=item.phase,
        n=item.n,
        population=item.population,
        comparator=item.comparator,
        orr_percent=item.orr_percent,
        cr_or_better_percent=item.cr_or_better_percent,
        median_pfs_months=item.median_pfs_months,
        comparator_median_pfs_months=item.comparator_median_pfs_months,
        pfs_hazard_ratio=item.pfs_hazard_ratio,
        result=item.result,
        caveats=list(item.caveats),
        sources=_sources(item.sources),
        verified=item.verified,
    )


def _option(option: Option) -> OptionOut:
    indication = option.indication
    return OptionOut(
        regimen=option.regimen,
        name=option.name,
        kind=str(option.kind),
        status=option.status,
        components=list(option.components),
        label_eligible=option.label_eligible,
        indication=None
        if indication is None
        else IndicationOut(
            regulator=indication.regulator,
            status=indication.status,
            date=indication.date,
            formulation=indication.formulation,
            wording=indication.wording,
            sources=_sources(indication.sources),
            verified=indication.verified,
            note=indication.note,
        ),
        criteria=[
            CriterionOut(text=c.text, verdict=str(c.verdict), reason=c.reason)
            for c in option.criteria
        ],
        refractory_components=list(option.refractory_components),
        class_notes=list(option.class_notes),
        cautions=[
            CautionOut(
                text=c.text,
                severity=c.severity,
                rule=c.rule,
                source=c.sources[0].citation if c.sources else "",
                sources=_sources(c.sources),
                verified=c.verified,
                certain=c.certain,
            )
            for c in option.cautions
        ],
        evidence=[_evidence(e) for e in option.evidence],
        caveats=list(option.caveats),
        rank=option.rank,
        score=round(option.score, 2),
        rank_reasons=list(option.rank_reasons),
        supportive_care=[
            SupportiveOut(
                category=s.category,
                text=s.text,
                rule=s.rule,
                sources=_sources(s.sources),
                verified=s.verified,
            )
            for s in option.supportive_care
        ],
        unverified=list(option.unverified),
    )


def options_to_json(
    result: OptionsResult, patient_id: str, criteria_version: str, status: str, labels: list[str]
) -> dict[str, Any]:
    """The options as a JSON-ready dict."""
    out = OptionsOut(
        patient_id=patient_id,
        as_of=result.as_of,
        kb_version=result.kb_version,
        criteria_version=criteria_version,
        regulator=result.regulator,
        prior_lines=result.prior_lines,
        status=status,
        labels=labels,
        options=[_option(o) for o in result.options],
        notes=list(result.notes),
    )
    return out.model_dump(mode="json")


def options_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of ``rrmm options --json``."""
    schema = OptionsOut.model_json_schema(mode="serialization")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
