"""Write an assessment back as FHIR: mCODE CancerDiseaseStatus and lines of therapy.

The bundle holds the record's resources (as :func:`record_to_bundle` writes them) plus:

- one mCODE **CancerDiseaseStatus** Observation (LOINC 97509-4, profile
  mcode-cancer-disease-status) per assessed response of each line and per progression date.
  The value is the mCODE ConditionStatusTrendVS concept: sCR, CR, VGPR, PR and MR are
  *improved* (268910001), SD *stable* (359746009), PD and progression *worsened* (271299001),
  NE *undetermined* (709137006); the IMWG category, its confirmation and the reason are in
  ``valueCodeableConcept.text`` and ``note``. ``focus`` is the myeloma Condition and the
  evidence type is laboratory data interpretation (SNOMED CT 386344002).
- one **line-of-therapy** Observation per line (mCODE has no line-of-therapy profile, so rrmm
  defines this representation): code ``https://rrmm.dev/fhir/CodeSystem/observation#
  line-of-therapy`` (text "line of therapy"), category ``therapy``, ``effectivePeriod`` = the
  line's start and end, ``valueInteger`` = the line number, ``focus`` = the line's
  MedicationStatements and Procedures, ``hasMember`` = its CancerDiseaseStatus observations,
  and components (rrmm codes) ``regimen``, ``start-reason``, ``end-reason``,
  ``best-response`` (rrmm imwg-response code), ``best-response-date``,
  ``progression-date`` and one ``refractory-drug`` per drug the line made refractory.
- one **disease-status** Observation (rrmm code) dated the assessment date: the status
  (untreated, responding, relapsed, relapsed_and_refractory, primary_refractory...), the
  labels as components, the reason and criteria set in ``note``, ``hasMember`` = the lines.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from rrmm.adapters.fhir.codes import load_fhir_codes
from rrmm.adapters.fhir.systems import (
    CS_DISEASE_STATUS,
    CS_LABEL,
    CS_OBSERVATION,
    CS_RESPONSE,
)
from rrmm.adapters.fhir.write import BundleWriter, category, concept, rrmm_coding
from rrmm.core.assess import Evaluation
from rrmm.core.line_course import LineCourse
from rrmm.core.model import PatientRecord
from rrmm.core.response import Category
from rrmm.kb import load_drug_catalog

__all__ = ["evaluation_to_bundle", "trend_of"]

JSON = dict[str, Any]
_IMPROVED = (Category.SCR, Category.CR, Category.VGPR, Category.PR, Category.MR)


def trend_of(category_: Category) -> str:
    """The mCODE condition-status trend of an IMWG response category."""
    if category_ in _IMPROVED:
        return "improved"
    if category_ is Category.SD:
        return "stable"
    if category_ is Category.PD:
        return "worsened"
    return "undetermined"


def _component(code: str, **value: Any) -> JSON:
    return {"code": concept(rrmm_coding(CS_OBSERVATION, code), text=code), **value}


class _AssessmentWriter:
    """Adds the assessment's resources to a writer that already holds the record."""

    def __init__(self, writer: BundleWriter, evaluation: Evaluation) -> None:
        self.writer = writer
        self.evaluation = evaluation
        self.codes = writer.codes

    def status(self, local: str, day: date, trend: str, text: str, note: str) -> str:
        """One mCODE CancerDiseaseStatus Observation."""
        mcode = self.codes.file.mcode
        code = self.codes.term(mcode.cancer_disease_status)
        evidence = self.codes.term(mcode.evidence_laboratory)
        value = self.codes.disease_status[trend]
        focus = [{"reference": self.writer.diagnosis_url}] if self.writer.diagnosis_url else []
        body: JSON = {
            "meta": {"profile": [mcode.profiles.cancer_disease_status]},
            "extension": [
                {
                    "url": mcode.extensions.evidence_type,
                    "valueCodeableConcept": concept(evidence.coding(), text=evidence.display),
                }
            ],
            "status": "final",
            "code": concept(code.coding(), text=code.display),
            "subject": self.writer.subject(),
            **({"focus": focus} if focus else {}),
            "effectiveDateTime": day.isoformat(),
            "valueCodeableConcept": concept(value.coding(), text=text),
            "note": [{"text": note}],
        }
        return self.writer.add("Observation", local, body)

    def line_statuses(self, course: LineCourse) -> list[str]:
        """The CancerDiseaseStatus observations of one line (visits, then progression)."""
        number = course.line.number
        urls: dict[date, str] = {}
        progression = course.progression
        for visit in course.visits:
            day, reading = visit.visit.date, visit.reading
            if progression is not None and day == progression.date:
                continue
            confirmed = ", confirmed" if visit.confirmed else ""
            text = f"IMWG 2016 response {reading.category}{confirmed}"
            local = f"status-line-{number}-{day.isoformat()}"
            urls[day] = self.status(local, day, trend_of(reading.category), text, reading.reason)
        if progression is not None:
            day = progression.date
            text = f"progression (IMWG 2016): {progression.criterion}"
            local = f"status-line-{number}-{day.isoformat()}"
            urls[day] = self.status(local, day, "worsened", text, progression.evidence)
        return [urls[day] for day in sorted(urls)]

    def line(self, course: LineCourse, refractory: list[str], members: list[str]) -> str:
        """The line-of-therapy Observation."""
        line = course.line
        focus = [url for index in line.courses for url in self.writer.course_urls[index]]
        focus += [self.writer.procedure_urls[index] for index in line.procedures]
        best = course.best_response
        components = [
            _component("regimen", valueString=line.regimen),
            _component("start-reason", valueString=line.start_reason),
            *([_component("end-reason", valueString=line.end_reason)] if line.end_reason else []),
            _component(
                "best-response",
                valueCodeableConcept=concept(rrmm_coding(CS_RESPONSE, best.value), text=best.value),
            ),
        ]
        if course.best_response_date is not None:
            components.append(
                _component(
                    "best-response-date", valueDateTime=course.best_response_date.isoformat()
                )
            )
        if course.progression is not None:
            components.append(
                _component("progression-date", valueDateTime=course.progression.date.isoformat())
            )
        components += [
            _component("refractory-drug", valueCodeableConcept=self.writer.drug_concept(name, None))
            for name in refractory
        ]
        period = {"start": line.start.isoformat()}
        if line.end is not None:
            period["end"] = line.end.isoformat()
        body: JSON = {
            "status": "final",
            "category": category("therapy"),
            "code": concept(rrmm_coding(CS_OBSERVATION, "line-of-therapy"), text="line of therapy"),
            "subject": self.writer.subject(),
            **({"focus": [{"reference": url} for url in focus]} if focus else {}),
            "effectivePeriod": period,
            "valueInteger": line.number,
            **({"hasMember": [{"reference": url} for url in members]} if members else {}),
            "component": components,
        }
        return self.writer.add("Observation", f"line-{line.number}", body)

    def summary(self, lines: list[str]) -> None:
        """The overall disease status with the refractoriness labels."""
        ev = self.evaluation
        status = ev.status.status.value
        labels = [
            _component(
                "label", valueCodeableConcept=concept(rrmm_coding(CS_LABEL, label), text=label)
            )
            for label in ev.labels
        ]
        self.writer.observation(
            "disease-status",
            concept(rrmm_coding(CS_OBSERVATION, "disease-status"), text="myeloma disease status"),
            ev.as_of,
            "exam",
            valueCodeableConcept=concept(rrmm_coding(CS_DISEASE_STATUS, status), text=status),
            **({"component": labels} if labels else {}),
            **({"hasMember": [{"reference": url} for url in lines]} if lines else {}),
            note=[
                {"text": f"{ev.status.reason} (criteria {ev.criteria.id}, rule {ev.status.rule})"}
            ],
        )

    def write(self) -> None:
        """Every line with its statuses, then the summary."""
        refractory: dict[int, list[str]] = {}
        for verdict in self.evaluation.drugs:
            for number in verdict.refractory_lines:
                refractory.setdefault(number, []).append(verdict.drug)
        lines = []
        for course in self.evaluation.courses:
            members = self.line_statuses(course)
            drugs = sorted(refractory.get(course.line.number, []))
            lines.append(self.line(course, drugs, members))
        self.summary(lines)


def evaluation_to_bundle(evaluation: Evaluation, record: PatientRecord) -> dict[str, Any]:
    """The record and its assessment as one FHIR R4 collection Bundle (see module docstring)."""
    writer = BundleWriter(record, load_fhir_codes(load_drug_catalog()))
    writer.write_record()
    _AssessmentWriter(writer, evaluation).write()
    return writer.bundle()
