"""Read ``rrmm.patient/1`` files (YAML or JSON) into the core patient record.

Reading never guesses and never drops anything silently: every problem is
reported with its JSON pointer, its line in the file, the value found and what
was expected. A record is returned only when there is no error.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from difflib import get_close_matches
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from rrmm.adapters.native.document import (
    ConditionDoc,
    DiagnosisDoc,
    DrugDoc,
    EventDoc,
    FindingDoc,
    ImagingDoc,
    LabRowDoc,
    PatientDocument,
    PerformanceDoc,
    ProcedureDoc,
    TherapyDoc,
)
from rrmm.adapters.native.values import ReadContext
from rrmm.adapters.problems import Problem, Severity
from rrmm.core.analytes import Analyte
from rrmm.core.drugs import DrugCatalog
from rrmm.core.model import (
    Condition,
    CytogeneticFinding,
    Diagnosis,
    DrugUse,
    Event,
    Imaging,
    LabPanel,
    LabValue,
    PatientRecord,
    PerformanceStatus,
    Plasmacytoma,
    Procedure,
    StopReason,
    Therapy,
)

__all__ = [
    "ReadResult",
    "check_document",
    "parse_document",
    "read_patient",
    "read_patient_file",
]

_UNION_TAGS = {"therapy", "procedure"}
MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ReadResult:
    """The record (None when there were errors) and every problem found."""

    record: PatientRecord | None
    problems: tuple[Problem, ...]

    @property
    def errors(self) -> tuple[Problem, ...]:
        """Only the problems that make the input invalid."""
        return tuple(p for p in self.problems if p.severity is Severity.ERROR)


def _pointer(parts: Sequence[object]) -> str:
    escaped = (str(part).replace("~", "~0").replace("/", "~1") for part in parts)
    return "".join(f"/{part}" for part in escaped)


def _plain(node: Any, path: tuple[object, ...], lines: dict[str, int]) -> Any:
    """Turn ruamel's round-trip nodes into plain Python values, noting each node's line."""
    if isinstance(node, CommentedMap):
        result: dict[str, Any] = {}
        for key, value in node.items():
            here = (*path, key)
            lines[_pointer(here)] = node.lc.key(key)[0] + 1
            result[str(key)] = _plain(value, here, lines)
        return result
    if isinstance(node, CommentedSeq):
        items = []
        for index, value in enumerate(node):
            here = (*path, index)
            lines[_pointer(here)] = node.lc.item(index)[0] + 1
            items.append(_plain(value, here, lines))
        return items
    if isinstance(node, bool):
        return bool(node)
    if isinstance(node, int) and not isinstance(node, bool):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    return node


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key '{key}'")
        result[key] = value
    return result


def _yaml_loader() -> YAML:
    """A YAML 1.2 loader that leaves dates as text.

    Dates are then checked (with their JSON pointer) like dates in JSON documents, so an
    impossible date is a problem, not a crash.
    """
    yaml = YAML(typ="rt", pure=True)
    yaml.constructor.add_constructor(
        "tag:yaml.org,2002:timestamp",
        lambda constructor, node: constructor.construct_scalar(node),
    )
    return yaml


def parse_document(text: str, syntax: str) -> tuple[Any, dict[str, int], list[Problem]]:
    """Parse YAML (1.2) or JSON text; return the data, a pointer->line map and syntax problems."""
    lines: dict[str, int] = {}
    if syntax == "json":
        try:
            return json.loads(text, object_pairs_hook=_no_duplicate_keys), lines, []
        except json.JSONDecodeError as error:
            return None, lines, [Problem("", f"not valid JSON: {error.msg}", line=error.lineno)]
        except ValueError as error:
            return None, lines, [Problem("", f"not valid JSON: {error}")]
    try:
        node = _yaml_loader().load(text)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        reason = error.problem or error.context or "syntax error"
        return None, lines, [Problem("", f"not valid YAML: {reason}", line=line)]
    except YAMLError as error:
        return None, lines, [Problem("", f"not valid YAML: {error}")]
    return _plain(node, (), lines), lines, []


def _field_names(model: type[BaseModel]) -> list[str]:
    return list(model.model_fields)


def _model_at(parts: Sequence[object]) -> type[BaseModel] | None:
    """The document model that owns the location ``parts``, for 'did you mean' hints."""
    model: type[BaseModel] | None = PatientDocument
    sections: dict[str, type[BaseModel]] = {
        "diagnosis": DiagnosisDoc,
        "findings": FindingDoc,
        "performance": PerformanceDoc,
        "conditions": ConditionDoc,
        "procedures": ProcedureDoc,
        "imaging": ImagingDoc,
        "events": EventDoc,
        "labs": LabRowDoc,
    }
    if not parts:
        return model
    head = str(parts[0])
    if head == "therapies":
        if len(parts) >= 3 and parts[2] == "drugs":
            return DrugDoc
        return TherapyDoc if len(parts) < 3 or parts[2] != "procedure" else ProcedureDoc
    return sections.get(head)


def _problem_from_error(error: ErrorDetails, lines: dict[str, int]) -> Problem:
    parts = [part for part in error["loc"] if part not in _UNION_TAGS]
    kind = error["type"]
    context = error.get("ctx") or {}
    value: Any = error.get("input")
    message = error["msg"]
    if kind == "rrmm":
        message = str(context["message"])
        extra = context.get("field")
        if extra:
            parts.extend(int(p) if p.isdigit() else p for p in str(extra).split("/"))
            value = None
    elif kind == "extra_forbidden":
        field = str(parts[-1])
        owner_parts = list(error["loc"][:-1])
        owner = _model_at(owner_parts)
        known = _field_names(owner) if owner else []
        close = get_close_matches(field, known, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        message = f"unknown field '{field}'{hint}" + (
            f" (fields here: {', '.join(known)})" if known and not close else ""
        )
    elif kind == "missing":
        message = f"required field '{parts[-1]}' is missing"
        value = None
    elif kind == "enum":
        message = f"{value!r} is not allowed here; expected one of {context.get('expected')}"
    elif kind == "literal_error":
        message = f"{value!r} is not allowed here; expected {context.get('expected')}"
    elif kind.endswith("_type") or kind.startswith(("greater", "less", "too_short", "string")):
        message = f"{message}, got {value!r}"
    pointer = _pointer(parts)
    line = None
    probe = list(parts)
    while probe and line is None:
        line = lines.get(_pointer(probe))
        probe.pop()
    shown = None if value is None or isinstance(value, dict | list) else repr(value)
    return Problem(pointer, message, Severity.ERROR, line, shown)


def _duplicate_ids(data: dict[str, Any], lines: dict[str, int]) -> Iterator[Problem]:
    seen: dict[str, str] = {}
    for section in ("therapies", "procedures", "labs"):
        items = data.get(section)
        if not isinstance(items, list):
            continue
        for index, item in enumerate(items):
            ident = item.get("id") if isinstance(item, dict) else None
            if not isinstance(ident, str):
                continue
            here = _pointer((section, index, "id"))
            if ident in seen:
                yield Problem(
                    here,
                    f"duplicate id '{ident}', already used at {seen[ident]}",
                    line=lines.get(here),
                    value=repr(ident),
                )
            else:
                seen[ident] = here


def _drug(doc: DrugDoc) -> DrugUse:
    return DrugUse(doc.name.generic, doc.start, doc.end, doc.stop_reason, doc.name.written)


def _therapy(doc: TherapyDoc) -> Therapy:
    return Therapy(
        drugs=tuple(_drug(drug) for drug in doc.drugs),
        start=doc.start,
        end=doc.end,
        regimen=doc.regimen,
        intent=doc.intent,
        stop_reason=doc.stop_reason,
        line=doc.line,
        id=doc.id,
        notes=doc.notes,
    )


def _procedure(doc: ProcedureDoc) -> Procedure:
    return Procedure(
        kind=doc.procedure,
        date=doc.date,
        product=doc.product.generic if doc.product else None,
        tandem=doc.tandem,
        conditioning=tuple(drug.generic for drug in doc.conditioning),
        intent=doc.intent,
        site=doc.site,
        line=doc.line,
        id=doc.id,
        notes=doc.notes,
    )


def _panel(row: BaseModel) -> LabPanel:
    values: list[LabValue] = []
    for analyte in Analyte:
        value = getattr(row, analyte.value)
        if value is not None:
            values.append(value)
    return LabPanel(row.date, tuple(values), row.id, row.notes)  # type: ignore[attr-defined]


def to_record(doc: PatientDocument) -> PatientRecord:
    """Convert a validated document into the core record."""
    therapies = [item for item in doc.therapies if isinstance(item, TherapyDoc)]
    procedures = [item for item in doc.therapies if isinstance(item, ProcedureDoc)]
    procedures += doc.procedures
    diagnosis = doc.diagnosis
    return PatientRecord(
        id=doc.id,
        sex=doc.sex,
        birth_date=doc.birth_date,
        diagnosis=None
        if diagnosis is None
        else Diagnosis(
            diagnosis.date,
            diagnosis.heavy_chain,
            diagnosis.light_chain,
            diagnosis.iss_stage,
            diagnosis.notes,
        ),
        findings=tuple(CytogeneticFinding(**f.model_dump()) for f in doc.findings),
        performance=tuple(PerformanceStatus(p.date, p.ecog) for p in doc.performance),
        conditions=tuple(Condition(**c.model_dump()) for c in doc.conditions),
        therapies=tuple(_therapy(t) for t in therapies),
        procedures=tuple(_procedure(p) for p in procedures),
        labs=tuple(_panel(row) for row in doc.labs),
        imaging=tuple(
            Imaging(
                i.date,
                i.modality,
                i.new_lesion,
                tuple(Plasmacytoma(p.long_axis, p.short_axis, p.site) for p in i.plasmacytomas),
                i.notes,
            )
            for i in doc.imaging
        ),
        events=tuple(Event(e.date, e.text, e.kind) for e in doc.events),
        death_date=doc.death_date,
        notes=doc.notes,
    )


def _advice(doc: PatientDocument, renamed: list[tuple[str, str]]) -> Iterator[Problem]:
    for index, item in enumerate(doc.therapies):
        if isinstance(item, TherapyDoc) and item.end is None and item.stop_reason is None:
            yield Problem(
                _pointer(("therapies", index, "end")),
                "no end date and no stop_reason: the course is taken as ongoing",
                Severity.WARNING,
            )
        if (
            isinstance(item, TherapyDoc)
            and item.end is None
            and item.stop_reason not in (None, StopReason.ONGOING)
        ):
            yield Problem(
                _pointer(("therapies", index, "end")),
                f"stop_reason is '{item.stop_reason}' but there is no end date",
                Severity.WARNING,
            )
    for written, generic in dict.fromkeys(renamed):
        yield Problem("", f"drug '{written}' read as {generic}", Severity.NOTE)


def read_patient(text: str, *, syntax: str, catalog: DrugCatalog, as_of: date) -> ReadResult:
    """Parse and validate one patient document; ``syntax`` is 'yaml' or 'json'."""
    data, lines, problems = parse_document(text, syntax)
    if problems:
        return ReadResult(None, tuple(problems))
    if not isinstance(data, dict):
        return ReadResult(None, (Problem("", "expected a mapping with the patient's fields"),))
    context = ReadContext(catalog, as_of)
    found = list(_duplicate_ids(data, lines))
    try:
        doc = PatientDocument.model_validate(data, context={"rrmm": context})
    except ValidationError as error:
        found.extend(_problem_from_error(detail, lines) for detail in error.errors())
        found.sort(key=lambda problem: (problem.line or 0, problem.pointer))
        return ReadResult(None, tuple(found))
    if found:
        return ReadResult(None, tuple(found))
    advice = [_locate(p, lines) for p in _advice(doc, context.renamed)]
    return ReadResult(to_record(doc), tuple(advice))


def check_document(data: dict[str, Any], *, catalog: DrugCatalog, as_of: date) -> list[Problem]:
    """Validate an already-built native document (no text, no line numbers): errors only."""
    context = ReadContext(catalog, as_of)
    problems = list(_duplicate_ids(data, {}))
    try:
        PatientDocument.model_validate(data, context={"rrmm": context})
    except ValidationError as error:
        problems.extend(_problem_from_error(detail, {}) for detail in error.errors())
    return problems


def _locate(problem: Problem, lines: dict[str, int]) -> Problem:
    if problem.line is not None or not problem.pointer:
        return problem
    parts = problem.pointer.split("/")
    while len(parts) > 1:
        line = lines.get("/".join(parts))
        if line is not None:
            return Problem(problem.pointer, problem.message, problem.severity, line, problem.value)
        parts.pop()
    return problem


def read_patient_file(path: Path, *, catalog: DrugCatalog, as_of: date) -> ReadResult:
    """Read a ``.yaml``/``.yml`` or ``.json`` file (syntax chosen by its extension)."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            return ReadResult(
                None, (Problem("", f"file is {size} bytes; the limit is {MAX_BYTES}"),)
            )
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return ReadResult(None, (Problem("", f"cannot read file: {error}"),))
    syntax = "json" if path.suffix.lower() == ".json" else "yaml"
    return read_patient(text, syntax=syntax, catalog=catalog, as_of=as_of)
