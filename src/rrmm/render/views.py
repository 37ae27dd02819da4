"""View models: what the clinician page and the reports show, as plain values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rrmm.adapters.problems import Problem
from rrmm.core.assess import Evaluation
from rrmm.core.eligibility import Verdict
from rrmm.core.model import PatientRecord
from rrmm.core.options import OptionsResult
from rrmm.core.refractory import ClassState, DrugState
from rrmm.core.status import DiseaseStatus
from rrmm.render.chart import timeline_svg

__all__ = ["clinician_view"]

_MARKS = {Verdict.MET: "✔", Verdict.NOT_MET: "✘", Verdict.UNKNOWN: "?"}


@dataclass(frozen=True, slots=True)
class _Line:
    number: int
    start: str
    end: str | None
    regimen: str
    best: str
    progression: str | None
    refractory: list[str]
    start_reason: str
    end_reason: str


def clinician_view(
    record: PatientRecord,
    ev: Evaluation,
    options: OptionsResult | None,
    problems: tuple[Problem, ...] = (),
    kb_version: str = "",
) -> dict[str, Any]:
    """Everything the clinician page and report display."""
    refractory_by_line: dict[int, list[str]] = {}
    for verdict in ev.drugs:
        for number in verdict.refractory_lines:
            refractory_by_line.setdefault(number, []).append(verdict.drug)
    lines = [
        _Line(
            number=c.line.number,
            start=str(c.line.start),
            end=str(c.line.end) if c.line.end else None,
            regimen=c.line.regimen,
            best=str(c.best_response)
            + (
                f" ({c.best_unconfirmed} unconfirmed)"
                if c.best_unconfirmed.rank > c.best_response.rank
                else ""
            ),
            progression=(
                f"{c.progression.date}" + ("" if c.progression.confirmed else " (documented)")
            )
            if c.progression
            else None,
            refractory=sorted(refractory_by_line.get(c.line.number, [])),
            start_reason=c.line.start_reason,
            end_reason=c.line.end_reason,
        )
        for c in ev.courses
    ]
    risk = ev.risk
    status = str(ev.status.status).replace("_", " ")
    option_rows = []
    supportive = []
    if options is not None:
        for o in options.options:
            option_rows.append(
                {
                    "rank": o.rank,
                    "regimen": o.regimen,
                    "kind": str(o.kind),
                    "label_eligible": o.label_eligible,
                    "criteria": [
                        {"mark": _MARKS[c.verdict], "text": c.text, "reason": c.reason}
                        for c in o.criteria
                    ],
                    "refractory": [r.split(" (")[0] for r in o.refractory_components],
                    "cautions": [
                        f"{c.severity.replace('_', ' ')}: {c.text}"
                        for c in o.cautions
                        if c.certain and c.severity != "monitoring"
                    ][:4],
                    "evidence": [
                        e.trial
                        + (f" HR {e.pfs_hazard_ratio:g}" if e.pfs_hazard_ratio else "")
                        + (f", ORR {e.orr_percent:g}%" if e.orr_percent else "")
                        for e in o.evidence[:2]
                    ],
                    "sources": sorted(
                        {
                            s.citation.split(".")[0][:70]
                            for s in (o.indication.sources if o.indication else ())
                        }
                    ),
                    "unverified": list(o.unverified),
                }
            )
        top = [o for o in options.options if o.label_eligible][:3]
        supportive = [
            {
                "regimen": o.regimen,
                "entries": [
                    {
                        "category": s.category.replace("_", " "),
                        "text": s.text,
                        "source": s.sources[0].citation.split(".")[0][:60] if s.sources else "",
                    }
                    for s in o.supportive_care
                ],
            }
            for o in top
        ]
    rules = ev.criteria.rules
    explanations = [
        {
            "subject": e.subject,
            "verdict": e.verdict,
            "because": e.because,
            "rule": e.rule,
            "verified": rules[e.rule].verified if e.rule in rules else True,
            "source": rules[e.rule].sources[0].citation.split(".")[0][:80]
            if e.rule in rules and rules[e.rule].sources
            else "",
        }
        for e in ev.explanations
    ]
    used = {e.rule for e in ev.explanations}
    rule_sources = sorted(
        {
            s.citation.split(".")[0]
            for rule_id in used
            if rule_id in rules
            for s in rules[rule_id].sources
        }
    )
    return {
        "patient_id": record.id,
        "as_of": str(ev.as_of),
        "summary": f"{status} · {len(ev.lines)} line(s) · "
        + (", ".join(ev.labels) or "no refractoriness labels"),
        "status": status,
        "status_reason": ev.status.reason,
        "serious": ev.status.status
        in (DiseaseStatus.RELAPSED_AND_REFRACTORY, DiseaseStatus.PRIMARY_REFRACTORY),
        "lines": lines,
        "refractory_drugs": [v.drug for v in ev.drugs if v.state is DrugState.REFRACTORY],
        "labels": list(ev.labels),
        "classes": [
            f"{str(c).replace('_', ' ')} {s}"
            for c, s in ev.classes.items()
            if s is not ClassState.NAIVE
        ],
        "risk": [
            f"{s.name} {s.value or 'not evaluable'}"
            for s in (risk.iss, risk.r_iss, risk.r2_iss, risk.ims_imwg_2025)
        ],
        "criteria": ev.criteria.id,
        "kb_version": kb_version,
        "chart": timeline_svg(ev, record),
        "chart_caption": (
            "M-protein (or the measure that follows the disease) over time, lines of therapy as"
            " labelled bands, IMWG responses as text under the axis, progression as dashed"
            " lines, transplant and CAR-T as triangles."
        ),
        "regulator": options.regulator if options else "",
        "options": option_rows,
        "supportive": supportive,
        "explanations": explanations,
        "rule_sources": rule_sources,
        "input_problems": [f"{p.pointer}: {p.message}" for p in problems],
    }
