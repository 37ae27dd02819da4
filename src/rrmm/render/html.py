"""HTML rendering with Jinja2 (autoescaped), self-contained pages.

The stylesheet is inline and the chart is inline SVG, so nothing is fetched from anywhere.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from rrmm.adapters.problems import Problem
from rrmm.core.assess import Evaluation
from rrmm.core.drugs import DrugCatalog
from rrmm.core.model import PatientRecord
from rrmm.core.options import OptionsResult
from rrmm.render.chart import timeline_svg
from rrmm.render.patient_text import patient_sections
from rrmm.render.views import clinician_view

__all__ = [
    "DISCLAIMER",
    "PATIENT_DISCLAIMER",
    "render_clinician",
    "render_page",
    "render_patient",
    "render_report",
    "render_template",
]

DISCLAIMER = (
    "Decision support for clinicians, not a prescription: check every verdict and option"
    " against the patient, the source data and the current labels and guidelines."
)
PATIENT_DISCLAIMER = (
    "This report is for information. It is not medical advice. Talk with your care team"
    " before you make any choice about your treatment."
)


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("rrmm.render", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


@cache
def _css() -> str:
    return resources.files("rrmm.render").joinpath("templates/style.css").read_text("utf-8")


def render_template(name: str, **context: Any) -> str:
    """Render one template with the shared stylesheet."""
    return _environment().get_template(name).render(css=_css(), **context)


def render_page(**context: Any) -> str:
    """The clinician page (the loader forms, and the patient when one is loaded)."""
    context.setdefault("v", None)
    context.setdefault("error", None)
    return render_template("page.html.j2", disclaimer=DISCLAIMER, **context)


def render_clinician(view: dict[str, Any]) -> str:
    """The one-to-two-page clinician report from :func:`rrmm.render.views.clinician_view`."""
    return render_template("clinician.html.j2", disclaimer=DISCLAIMER, v=view)


def render_patient(
    record: PatientRecord, ev: Evaluation, options: OptionsResult | None, catalog: DrugCatalog
) -> str:
    """The plain-language patient report as HTML."""
    return render_template(
        "patient.html.j2",
        disclaimer=PATIENT_DISCLAIMER,
        sections=patient_sections(record, ev, options, catalog),
        chart=timeline_svg(ev, record) if ev.courses else "",
        as_of=ev.as_of,
    )


def render_report(
    audience: str,
    record: PatientRecord,
    ev: Evaluation,
    options: OptionsResult | None,
    catalog: DrugCatalog,
    problems: tuple[Problem, ...] = (),
    kb_version: str = "",
) -> str:
    """The report for ``audience`` (``patient`` or ``clinician``) as one self-contained page."""
    if audience == "patient":
        return render_patient(record, ev, options, catalog)
    return render_clinician(clinician_view(record, ev, options, problems, kb_version))
