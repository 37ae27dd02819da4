"""CDS Hooks cards built from an analysis: status, refractoriness, options, missing data."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence

from rrmm.adapters.problems import Severity
from rrmm.core.criteria import Citation
from rrmm.core.drugs import DrugCatalog, DrugClass
from rrmm.core.options import Option, OptionKind
from rrmm.core.refractory import ClassState, DrugState
from rrmm.core.status import DiseaseStatus
from rrmm.service.cds_models import Card, Coding, Source
from rrmm.service.engine import Analysis

__all__ = ["order_select_cards", "patient_view_cards"]

_OVERRIDES = [
    Coding(
        system="https://rrmm.dev/override-reason",
        code="clinical-judgement",
        display="Clinical judgement",
    ),
    Coding(
        system="https://rrmm.dev/override-reason",
        code="data-incomplete",
        display="The record in rrmm is incomplete or wrong",
    ),
    Coding(
        system="https://rrmm.dev/override-reason",
        code="patient-preference",
        display="Patient preference",
    ),
]
_SERIOUS = (DiseaseStatus.RELAPSED_AND_REFRACTORY, DiseaseStatus.PRIMARY_REFRACTORY)
NOTICE = "Decision support for clinicians, not a prescription."


def _card(
    hook_instance: str,
    summary: str,
    detail: str,
    indicator: str,
    source: Citation | None,
    overridable: bool = False,
) -> Card:
    summary = summary if len(summary) <= 140 else summary[:139] + "…"
    key = f"{hook_instance}|{indicator}|{summary}|{detail}"
    label = "rrmm" + (f" · {source.citation.split('.')[0][:80]}" if source else "")
    return Card(
        uuid=str(uuid.uuid5(uuid.NAMESPACE_URL, key)),
        summary=summary,
        detail=f"{detail}\n\n_{NOTICE}_",
        indicator=indicator,
        source=Source(label=label, url=source.url if source else None),
        overrideReasons=_OVERRIDES if overridable else None,
    )


def _rule_source(analysis: Analysis, rule_id: str) -> Citation | None:
    rule = analysis.evaluation.criteria.rules.get(rule_id)
    return next((s for s in rule.sources if s.url), None) if rule else None


def _status_card(analysis: Analysis, hook_instance: str) -> Card:
    ev = analysis.evaluation
    status = ev.status.status
    labels = ", ".join(label.replace("_", "-") for label in ev.labels)
    summary = f"Myeloma: {str(status).replace('_', ' ')} · {len(ev.lines)} line(s)"
    if labels:
        summary += f" · {labels}"
    rows = [f"**Status:** {ev.status.reason} ({ev.criteria.id})", "", "**Lines of therapy**", ""]
    for course in ev.courses:
        line = course.line
        progression = f", progression {course.progression.date}" if course.progression else ""
        rows.append(
            f"{line.number}. {line.regimen} ({line.start} – {line.end or 'ongoing'}): best"
            f" {course.best_response}{progression}"
        )
    risk = ev.risk
    stages = [
        f"{s.name} {s.value or 'not evaluable'}"
        for s in (risk.iss, risk.r_iss, risk.r2_iss, risk.ims_imwg_2025)
    ]
    rows += ["", "**Risk:** " + "; ".join(stages)]
    indicator = "warning" if status in _SERIOUS else "info"
    return _card(
        hook_instance, summary, "\n".join(rows), indicator, _rule_source(analysis, ev.status.rule)
    )


def _refractory_card(analysis: Analysis, hook_instance: str) -> Card | None:
    ev = analysis.evaluation
    classes = [
        str(c).replace("_", " ")
        for c, state in ev.classes.items()
        if state is ClassState.REFRACTORY and c is not DrugClass.STEROID
    ]
    if not classes:
        return None
    rows = [
        f"- **{v.drug}**: {v.evidence[0]}"
        for v in ev.drugs
        if v.state is DrugState.REFRACTORY and v.evidence
    ]
    summary = f"Refractory classes: {', '.join(classes)}"
    return _card(
        hook_instance,
        summary,
        "\n".join(rows),
        "warning",
        _rule_source(analysis, "refractory.drug"),
    )


def _option_lines(options: Iterable[Option]) -> list[str]:
    rows = []
    for option in options:
        reasons = "; ".join(option.rank_reasons[:3])
        refractory = (
            f" — refractory component: {', '.join(option.refractory_components)}"
            if option.refractory_components
            else ""
        )
        rows.append(f"{option.rank}. **{option.regimen}** ({option.kind}): {reasons}{refractory}")
    return rows


def _options_card(analysis: Analysis, hook_instance: str) -> Card | None:
    if analysis.options is None:
        return None
    top = [
        o
        for o in analysis.options.options
        if o.label_eligible or o.kind in (OptionKind.RETREATMENT, OptionKind.TRIAL)
    ][:3]
    if not top:
        return None
    summary = "Options to discuss: " + ", ".join(o.regimen for o in top)
    detail = "\n".join(
        [
            f"Ranked by rrmm's transparent points system ({analysis.options.regulator} labels):",
            "",
            *_option_lines(top),
        ]
    )
    source = next((s for o in top if o.indication for s in o.indication.sources if s.url), None)
    return _card(hook_instance, summary, detail, "info", source, overridable=True)


def _missing_data_card(analysis: Analysis, hook_instance: str) -> Card | None:
    ev = analysis.evaluation
    rows = [
        f"- {p.pointer or 'input'}: {p.message}"
        for p in analysis.problems
        if p.severity is Severity.WARNING
    ]
    if ev.status.status is DiseaseStatus.NOT_EVALUABLE:
        rows.append(f"- status not evaluable: {ev.status.reason}")
    rows += [
        f"- {s.name} not evaluable: missing {', '.join(s.missing)}"
        for s in (ev.risk.iss, ev.risk.r_iss, ev.risk.r2_iss, ev.risk.ims_imwg_2025)
        if s.value is None and s.missing
    ]
    rows += [
        f"- line {c.line.number}: response not evaluable ({c.baseline.reason})"
        for c in ev.courses
        if not c.baseline.evaluable
    ]
    if not rows:
        return None
    return _card(
        hook_instance,
        "Some data are missing or not evaluable",
        "\n".join(rows[:20]),
        "warning",
        None,
    )


def patient_view_cards(analysis: Analysis, hook_instance: str) -> list[Card]:
    """Status, refractory classes, options to discuss, and a missing-data warning."""
    cards = [
        _status_card(analysis, hook_instance),
        _refractory_card(analysis, hook_instance),
        _options_card(analysis, hook_instance),
        _missing_data_card(analysis, hook_instance),
    ]
    return [card for card in cards if card is not None]


def order_select_cards(
    analysis: Analysis,
    proposed: Sequence[str],
    unmapped: Sequence[str],
    hook_instance: str,
    catalog: DrugCatalog,
) -> list[Card]:
    """Check proposed myeloma drugs against the patient: refractory, cautions, label."""
    cards: list[Card] = []
    ev = analysis.evaluation
    verdicts = {v.drug: v for v in ev.drugs}
    for name in proposed:
        verdict = verdicts.get(name)
        if verdict is not None and verdict.state is DrugState.REFRACTORY:
            cards.append(
                _card(
                    hook_instance,
                    f"Disease is refractory to {name}",
                    "\n".join(f"- {text}" for text in verdict.evidence),
                    "warning",
                    _rule_source(analysis, "refractory.drug"),
                    overridable=True,
                )
            )
    active = {n for n in proposed if DrugClass.STEROID not in catalog.get(n).classes}
    match = None
    if analysis.options is not None and active:
        for option in analysis.options.options:
            core = {n for n in option.components if DrugClass.STEROID not in catalog.get(n).classes}
            if core == active and option.kind in (OptionKind.LABELLED, OptionKind.OFF_LABEL):
                match = option
                break
    if match is not None:
        if match.label_eligible is False:
            unmet = [f"- {c.text}: {c.reason}" for c in match.criteria if str(c.verdict) != "met"]
            status = match.indication.status if match.indication else "no indication"
            cards.append(
                _card(
                    hook_instance,
                    f"{match.regimen}: not label-eligible ({match.regulator}, {status})",
                    "\n".join(unmet) or match.status,
                    "warning",
                    match.indication.sources[0]
                    if match.indication and match.indication.sources
                    else None,
                    overridable=True,
                )
            )
        for caution in match.cautions:
            if caution.certain and caution.patient_specific:
                cards.append(
                    _card(
                        hook_instance,
                        f"{match.regimen}: {caution.severity.replace('_', ' ')}",
                        caution.text,
                        "warning",
                        caution.sources[0] if caution.sources else None,
                        overridable=True,
                    )
                )
    elif active:
        cards.append(
            _card(
                hook_instance,
                "No labelled myeloma regimen with exactly these drugs",
                f"Proposed: {', '.join(sorted(proposed))}. rrmm checked each drug against the"
                " patient's refractoriness only.",
                "info",
                None,
            )
        )
    if unmapped:
        cards.append(
            _card(
                hook_instance,
                "Some ordered medications are not in rrmm's catalogue",
                "\n".join(f"- {item}" for item in unmapped),
                "info",
                None,
            )
        )
    if not cards:
        cards.append(
            _card(
                hook_instance,
                "No refractory component or caution found",
                f"Checked: {', '.join(sorted(proposed))}",
                "info",
                None,
            )
        )
    return cards
