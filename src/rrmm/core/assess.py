"""Assess one patient: lines, responses, progression, refractoriness, status and risk.

The one entry point every door uses (CLI, service, cohort): a pure function of
the record, the drug catalogue, a criteria set and the reading date. Every
verdict comes with an explanation naming the values and the rule behind it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from rrmm.core.criteria import Criteria
from rrmm.core.drugs import DrugCatalog, DrugClass
from rrmm.core.line_course import LineCourse, follow_line
from rrmm.core.lines import Line, derive_lines
from rrmm.core.model import PatientRecord
from rrmm.core.outcomes import LineOutcomes, line_outcomes
from rrmm.core.refractory import (
    ClassState,
    DrugState,
    DrugVerdict,
    Observed,
    class_states,
    drug_verdicts,
    labels,
)
from rrmm.core.response import RANK, disease_data
from rrmm.core.risk import RiskProfile, risk_profile
from rrmm.core.status import StatusVerdict, disease_status

__all__ = ["Evaluation", "Explanation", "assess", "last_record_date"]


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a verdict was reached: the values and the rule (an id of the criteria set)."""

    subject: str
    verdict: str
    rule: str
    because: str
    date: date | None = None


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Everything rrmm derives about one patient's disease."""

    patient_id: str
    as_of: date
    last_record: date | None
    criteria: Criteria
    lines: tuple[Line, ...]
    courses: tuple[LineCourse, ...]
    outcomes: tuple[LineOutcomes, ...]
    drugs: tuple[DrugVerdict, ...]
    classes: dict[DrugClass, ClassState]
    labels: tuple[str, ...]
    refractory_class_count: int
    status: StatusVerdict
    risk: RiskProfile
    line_notes: tuple[str, ...]
    explanations: tuple[Explanation, ...]

    @property
    def refractory_drugs(self) -> tuple[str, ...]:
        """Generic names of the drugs the disease is refractory to, sorted."""
        return tuple(sorted(v.drug for v in self.drugs if v.state is DrugState.REFRACTORY))

    @property
    def exposed_drugs(self) -> tuple[str, ...]:
        """Generic names of every drug received, sorted."""
        return tuple(sorted(v.drug for v in self.drugs))


def last_record_date(record: PatientRecord) -> date | None:
    """The latest date anywhere in the record."""
    found = [panel.date for panel in record.labs]
    found += [c.start for c in record.therapies] + [c.end for c in record.therapies if c.end]
    found += [p.date for p in record.procedures] + [s.date for s in record.imaging]
    found += [e.date for e in record.events] + [p.date for p in record.performance]
    if record.death_date:
        found.append(record.death_date)
    return max(found, default=None)


def _line_start_reason(line: Line, previous: LineCourse | None) -> str:
    if previous is None or previous.progression is None:
        return line.start_reason
    if previous.progression.date <= line.start and "progression" not in line.start_reason:
        return f"progression on line {previous.line.number} ({previous.progression.date})"
    return line.start_reason


def _explain_course(course: LineCourse) -> list[Explanation]:
    line = course.line
    subject = f"line {line.number}"
    out = [
        Explanation(subject, f"starts {line.start}", "lines.definition", line.start_reason),
        Explanation(
            subject, "baseline", _measure_rule(course), course.baseline.reason, course.baseline.date
        ),
    ]
    out += [Explanation(subject, "grouping", "lines.definition", note) for note in line.notes]
    for visit in course.visits:
        reading = visit.reading
        category = reading.category
        verdict = str(category)
        if RANK[category] >= 2:
            status = "confirmed" if visit.confirmed else visit.note
            if status:
                verdict = f"{category} ({status})"
        out.append(Explanation(subject, verdict, reading.rule, reading.reason, visit.visit.date))
    out.append(
        Explanation(
            subject,
            f"best confirmed response {course.best_response}",
            "response.confirmation",
            "highest level confirmed by a consecutive assessment"
            + (
                f"; best unconfirmed reading {course.best_unconfirmed}"
                if course.best_unconfirmed.rank > course.best_response.rank
                else ""
            ),
        )
    )
    if course.progression is not None:
        event = course.progression
        out.append(
            Explanation(
                subject, f"progression {event.date}", event.rule, event.evidence, event.date
            )
        )
    out += [
        Explanation(subject, "signal not counted", "pd.confirmation", note)
        for note in course.progression_notes
    ]
    out += [
        Explanation(subject, f"{e.kind}: {e.criterion}", "relapse.clinical", e.evidence, e.date)
        for e in course.clinical
    ]
    if course.relapse_from_cr is not None:
        e = course.relapse_from_cr
        out.append(Explanation(subject, "relapse from CR", "relapse.from_cr", e.evidence, e.date))
    return out


def _measure_rule(course: LineCourse) -> str:
    measures = course.baseline.measures
    if not measures:
        return "measurable.serum"
    return {
        "serum M-protein": "measurable.serum",
        "urine M-protein": "measurable.urine",
        "serum free light chains (dFLC)": "measurable.flc",
        "bone-marrow plasma cells": "measurable.marrow",
    }[measures[0]]


def assess(
    record: PatientRecord, catalog: DrugCatalog, criteria: Criteria, as_of: date
) -> Evaluation:
    """Assess the record with the criteria set, as of ``as_of``."""
    p = criteria.parameters
    lines, line_notes = derive_lines(record, catalog, p.continuation_gap_days)
    data = disease_data(record)
    courses: list[LineCourse] = []
    for index, line in enumerate(lines):
        next_start = lines[index + 1].start if index + 1 < len(lines) else None
        courses.append(follow_line(record, data, line, next_start, p))
    lines = tuple(_relabel(line, courses[i - 1] if i else None) for i, line in enumerate(lines))
    courses = [
        c if c.line is line else replace(c, line=line)
        for c, line in zip(courses, lines, strict=True)
    ]
    last_record = last_record_date(record)
    last_seen = last_record or as_of
    outcomes = tuple(
        line_outcomes(
            course,
            lines[i + 1].start if i + 1 < len(lines) else None,
            record.death_date,
            last_seen,
        )
        for i, course in enumerate(courses)
    )
    observed = [
        Observed(course.line, course.readings, course.progression, course.until)
        for course in courses
    ]
    verdicts = drug_verdicts(observed, catalog, p)
    states = class_states(verdicts, catalog)
    found_labels, count = labels(verdicts, states)
    status = disease_status(courses, p)
    risk = risk_profile(record, p.iss_window_days)
    explanations: list[Explanation] = []
    for course in courses:
        explanations += _explain_course(course)
    explanations += [
        Explanation("lines", "not a line", "lines.steroid_alone", n) for n in line_notes
    ]
    for verdict in verdicts:
        for text in verdict.evidence:
            rule = (
                "refractory.drug"
                if verdict.state is not DrugState.EXPOSED_ONLY
                else "lines.steroid_alone"
            )
            explanations.append(Explanation(verdict.drug, str(verdict.state), rule, text))
    for label in found_labels:
        explanations.append(
            Explanation("labels", label, _label_rule(label), _label_reason(label, verdicts))
        )
    explanations.append(Explanation("status", str(status.status), status.rule, status.reason))
    for stage in (risk.iss, risk.r_iss, risk.r2_iss, risk.ims_imwg_2025):
        verdict_text = stage.value or "not evaluable"
        explanations.append(
            Explanation(f"risk: {stage.name}", verdict_text, stage.rule, stage.reason)
        )
    return Evaluation(
        patient_id=record.id,
        as_of=as_of,
        last_record=last_record,
        criteria=criteria,
        lines=lines,
        courses=tuple(courses),
        outcomes=outcomes,
        drugs=verdicts,
        classes=states,
        labels=found_labels,
        refractory_class_count=count,
        status=status,
        risk=risk,
        line_notes=line_notes,
        explanations=tuple(explanations),
    )


def _relabel(line: Line, previous: LineCourse | None) -> Line:
    reason = _line_start_reason(line, previous)
    return line if reason == line.start_reason else replace(line, start_reason=reason)


def _label_rule(label: str) -> str:
    if label.startswith(("triple_class", "penta_exposed")):
        return "labels.triple_class" if label.startswith("triple") else "labels.penta"
    if label in ("quad_refractory", "penta_refractory"):
        return "labels.penta"
    if label == "double_refractory":
        return "labels.double_refractory"
    return "refractory.drug"


def _label_reason(label: str, verdicts: tuple[DrugVerdict, ...]) -> str:
    refractory = [v.drug for v in verdicts if v.state is DrugState.REFRACTORY]
    exposed = [v.drug for v in verdicts]
    if label.endswith("_exposed"):
        return f"exposed to {', '.join(exposed)}"
    return f"refractory to {', '.join(refractory)}"
