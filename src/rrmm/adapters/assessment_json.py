"""The JSON form of an assessment (``rrmm assess --json``), with its JSON Schema.

The models below are the documented contract; ``evaluation_to_json`` fills them
from the core's :class:`rrmm.core.assess.Evaluation` and resolves every rule id
to its text and sources, marking rules that are not verified.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from rrmm.adapters.problems import Problem
from rrmm.core.assess import Evaluation
from rrmm.core.criteria import Criteria
from rrmm.core.risk import Stage

__all__ = ["AssessmentOut", "assessment_json_schema", "evaluation_to_json"]

DISCLAIMER = (
    "Decision support for clinicians, not a prescription. Verify every verdict against the"
    " source data and the current criteria before acting on it."
)


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceOut(_Out):
    """A citation."""

    key: str
    citation: str
    url: str | None = None


class RuleOut(_Out):
    """A rule of the criteria set used in this assessment."""

    id: str
    text: str
    verified: bool
    sources: list[SourceOut]
    note: str | None = None


class ProgressionOut(_Out):
    """A progression event (the one used for TTP and PFS of its line)."""

    date: date
    line: int
    criterion: str
    rule: str
    confirmed: bool
    confirmed_on: datetime.date | None
    documented: bool = Field(description="clinician-documented (therapy stopped for progression)")
    evidence: str


class EventOut(_Out):
    """A clinical relapse or relapse from CR finding (not used for PFS)."""

    date: date
    line: int
    kind: str
    criterion: str
    evidence: str


class AssessmentPointOut(_Out):
    """The response read at one assessment."""

    date: date
    line: int
    response: str = Field(description="sCR, CR, VGPR, PR, MR, SD, PD or NE")
    confirmed: bool
    confirmed_level: str | None
    reason: str
    note: str
    rule: str
    after_progression: bool
    mrd_negative: bool
    values: dict[str, float | str | None]


class TimeOut(_Out):
    """Days from the line's start (or first response) to the event or to censoring."""

    days: int
    event: bool
    end: date


class LineOut(_Out):
    """A line of therapy with its course."""

    number: int
    start: date
    end: date | None
    regimen: str
    drugs: list[str]
    start_reason: str
    end_reason: str
    user_line: int | None
    baseline: dict[str, float | str | None]
    measurable: list[str]
    best_response: str
    best_response_date: date | None
    best_unconfirmed: str
    refractory: list[str]
    progression_date: date | None
    ttp: TimeOut | None
    pfs: TimeOut | None
    duration_of_response: TimeOut | None
    time_to_next_treatment: TimeOut | None
    notes: list[str]


class DrugOut(_Out):
    """Exposure and refractoriness of one drug."""

    drug: str
    state: str = Field(description="refractory, not_refractory, not_evaluable or exposed_only")
    lines: list[int]
    refractory_lines: list[int]
    first_exposure: date
    evidence: list[str]


class StageOut(_Out):
    """A risk stage, or null with the missing inputs."""

    value: str | None
    reason: str
    rule: str
    missing: list[str]
    recorded: str | None = Field(default=None, description="the stage written in the record")


class ExplanationOut(_Out):
    """One step of the explanation trail."""

    subject: str
    verdict: str
    rule: str
    because: str
    date: date | None


class InputProblemOut(_Out):
    """A warning or note from reading the input (e.g. a FHIR resource that was not mapped)."""

    pointer: str
    message: str
    severity: str


class AssessmentOut(_Out):
    """The result of ``rrmm assess --json``."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="rrmm assessment")

    format: str = "rrmm.assessment/1"
    patient_id: str
    as_of: date
    last_record: date | None
    criteria_version: str
    kb_version: str
    parameters: dict[str, float | int | bool | str]
    lines_of_therapy: int
    status: str
    status_reason: str
    refractory_drugs: list[str]
    exposed_drugs: list[str]
    class_status: dict[str, str]
    labels: list[str]
    refractory_class_count: int
    progressions: list[ProgressionOut]
    clinical_events: list[EventOut]
    assessments: list[AssessmentPointOut]
    lines: list[LineOut]
    drugs: list[DrugOut]
    risk: dict[str, StageOut]
    explanations: list[ExplanationOut]
    rules: list[RuleOut]
    unverified_rules_used: list[str]
    input_problems: list[InputProblemOut] = []
    disclaimer: str = DISCLAIMER


def _point(value: Any) -> float | None:
    return None if value is None else round(value.value, 6)


def _stage(stage: Stage) -> StageOut:
    return StageOut(
        value=stage.value,
        reason=stage.reason,
        rule=stage.rule,
        missing=list(stage.missing),
        recorded=stage.given,
    )


def _time(value: Any) -> TimeOut | None:
    if value is None:
        return None
    return TimeOut(days=value.days, event=value.event, end=value.end)


def _rules(criteria: Criteria, used: set[str]) -> list[RuleOut]:
    return [
        RuleOut(
            id=rule.id,
            text=rule.text,
            verified=rule.verified,
            sources=[SourceOut(key=s.key, citation=s.citation, url=s.url) for s in rule.sources],
            note=rule.note,
        )
        for rule_id, rule in sorted(criteria.rules.items())
        if rule_id in used
    ]


def build_assessment(
    evaluation: Evaluation, kb_version: str, problems: Sequence[Problem] = ()
) -> AssessmentOut:
    """Fill the output model from an evaluation."""
    ev = evaluation
    refractory_by_line: dict[int, list[str]] = {}
    for verdict in ev.drugs:
        for number in verdict.refractory_lines:
            refractory_by_line.setdefault(number, []).append(verdict.drug)
    lines = []
    points = []
    for course, outcome in zip(ev.courses, ev.outcomes, strict=True):
        line, base = course.line, course.baseline
        lines.append(
            LineOut(
                number=line.number,
                start=line.start,
                end=line.end,
                regimen=line.regimen,
                drugs=list(line.drugs),
                start_reason=line.start_reason,
                end_reason=line.end_reason,
                user_line=line.user_line,
                baseline={
                    "serum_m_protein_g_dl": _point(base.serum),
                    "urine_m_protein_mg_24h": _point(base.urine),
                    "kappa_flc_mg_l": _point(base.kappa),
                    "lambda_flc_mg_l": _point(base.lambda_),
                    "bone_marrow_plasma_cells_percent": _point(base.marrow),
                    "involved_chain": str(base.involved) if base.involved else None,
                    "reason": base.reason,
                },
                measurable=[str(m) for m in base.measures],
                best_response=str(course.best_response),
                best_response_date=course.best_response_date,
                best_unconfirmed=str(course.best_unconfirmed),
                refractory=sorted(refractory_by_line.get(line.number, [])),
                progression_date=course.progression.date if course.progression else None,
                ttp=_time(outcome.ttp),
                pfs=_time(outcome.pfs),
                duration_of_response=_time(outcome.dor),
                time_to_next_treatment=_time(outcome.ttnt),
                notes=list(line.notes),
            )
        )
        for visit in course.visits:
            a = visit.visit
            points.append(
                AssessmentPointOut(
                    date=a.date,
                    line=line.number,
                    response=str(visit.reading.category),
                    confirmed=visit.confirmed,
                    confirmed_level=str(visit.confirmed_level) if visit.confirmed_level else None,
                    reason=visit.reading.reason,
                    note=visit.note,
                    rule=visit.reading.rule,
                    after_progression=visit.after_progression,
                    mrd_negative=visit.reading.mrd_negative,
                    values={
                        "serum_m_protein_g_dl": _point(a.serum),
                        "urine_m_protein_mg_24h": _point(a.urine),
                        "kappa_flc_mg_l": _point(a.kappa),
                        "lambda_flc_mg_l": _point(a.lambda_),
                        "bone_marrow_plasma_cells_percent": _point(a.marrow),
                        "serum_immunofixation": None
                        if a.serum_ife is None
                        else ("positive" if a.serum_ife else "negative"),
                        "urine_immunofixation": None
                        if a.urine_ife is None
                        else ("positive" if a.urine_ife else "negative"),
                    },
                )
            )
    progressions = [
        ProgressionOut(
            date=c.progression.date,
            line=c.line.number,
            criterion=c.progression.criterion,
            rule=c.progression.rule,
            confirmed=c.progression.confirmed,
            confirmed_on=c.progression.confirmed_on,
            documented=c.progression.documented,
            evidence=c.progression.evidence,
        )
        for c in ev.courses
        if c.progression is not None
    ]
    events = [
        EventOut(
            date=e.date, line=c.line.number, kind=e.kind, criterion=e.criterion, evidence=e.evidence
        )
        for c in ev.courses
        for e in (*c.clinical, *([c.relapse_from_cr] if c.relapse_from_cr else []))
    ]
    used = {e.rule for e in ev.explanations} | {p.rule for p in points}
    rules = _rules(ev.criteria, used)
    return AssessmentOut(
        patient_id=ev.patient_id,
        as_of=ev.as_of,
        last_record=ev.last_record,
        criteria_version=ev.criteria.id,
        kb_version=kb_version,
        parameters={
            name: getattr(ev.criteria.parameters, name)
            for name in ev.criteria.parameters.__dataclass_fields__
        },
        lines_of_therapy=len(ev.lines),
        status=str(ev.status.status),
        status_reason=ev.status.reason,
        refractory_drugs=list(ev.refractory_drugs),
        exposed_drugs=list(ev.exposed_drugs),
        class_status={str(k): str(v) for k, v in ev.classes.items()},
        labels=list(ev.labels),
        refractory_class_count=ev.refractory_class_count,
        progressions=progressions,
        clinical_events=events,
        assessments=points,
        lines=lines,
        drugs=[
            DrugOut(
                drug=v.drug,
                state=str(v.state),
                lines=list(v.lines),
                refractory_lines=list(v.refractory_lines),
                first_exposure=v.first_exposure,
                evidence=list(v.evidence),
            )
            for v in ev.drugs
        ],
        risk={
            "iss": _stage(ev.risk.iss),
            "r_iss": _stage(ev.risk.r_iss),
            "r2_iss": _stage(ev.risk.r2_iss),
            "ims_imwg_2025": _stage(ev.risk.ims_imwg_2025),
        },
        explanations=[
            ExplanationOut(
                subject=e.subject, verdict=e.verdict, rule=e.rule, because=e.because, date=e.date
            )
            for e in ev.explanations
        ],
        rules=rules,
        unverified_rules_used=[rule.id for rule in rules if not rule.verified],
        input_problems=[
            InputProblemOut(pointer=p.pointer, message=p.message, severity=str(p.severity))
            for p in problems
        ],
    )


def evaluation_to_json(
    evaluation: Evaluation, kb_version: str, problems: Sequence[Problem] = ()
) -> dict[str, Any]:
    """The assessment as a JSON-ready dict (with the problems met reading the input)."""
    return build_assessment(evaluation, kb_version, problems).model_dump(mode="json")


def assessment_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of ``rrmm assess --json``."""
    schema = AssessmentOut.model_json_schema(mode="serialization")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
