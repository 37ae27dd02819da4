"""Read OMOP CDM 5.4 rows into :class:`~rrmm.core.model.PatientRecord` objects.

Pure functions only: the cohort engine (:mod:`rrmm.cohort.run`) reads the tables and hands
over COLUMNS (numpy arrays, Arrow dictionary indices, Python lists sliced per person); this
module maps codes and builds records. No clinical rule is applied here beyond what an OMOP
reader must decide to build a record; lines, response, progression and refractoriness are
derived by :func:`rrmm.core.assess.assess` alone.

Mappings and their sources
--------------------------
- **Drugs**: ``drug_concept_id`` → generic name through the RxNorm ingredient concept ids of
  :data:`rrmm.cohort.concepts.DRUGS` (Oxford SACT → OMOP mapping, see that module); with
  concept 0 (unmapped, as the OMOP CDM conventions prescribe) ``drug_source_value`` is read as
  a name through rrmm's drug catalogue (generic names, brands, synonyms). A drug that neither
  maps is an input note and is left out (e.g. fludarabine, lymphodepletion only).
- **Measurements**: LOINC code from ``measurement_source_value`` (the concept id would need the
  OMOP vocabulary tables, which a CDM extract need not carry) → analyte through
  ``src/rrmm/kb/fhir-codes.yaml`` (each code with its source there). Units are UCUM codes
  (``unit_source_value``) converted EXPLICITLY to the analyte's canonical unit (g/dL for
  M-protein and haemoglobin, mg/L for free light chains, mg/dL for calcium and creatinine,
  :mod:`rrmm.core.analytes`): g/dL = 10 g/L, mg/dL = 10 mg/L, g/L = 1000 mg/L (UCUM metric
  prefixes); other units go through rrmm's UCUM table (:mod:`rrmm.core.units`, molar masses
  from ``docs/format.md``). An unknown code or a unit of the wrong kind is an input note and the
  value is left out, never guessed.
- **Stop reasons**: ``stop_reason`` is free text in OMOP; a value that is an rrmm stop reason
  (``progression``, ``toxicity`` …) is read as such, any other text as ``other``.
- **Procedures**: ``procedure_source_value`` equal to an rrmm procedure kind
  (``autologous_transplant``, ``car_t_infusion`` …, ``docs/format.md``); others are notes.
- **Isotype**: OMOP has no field for it. Heavy and light chain are read from the diagnosis'
  ``condition_source_value`` when it names them (e.g. "IgG kappa multiple myeloma", "light
  chain myeloma lambda"); otherwise they stay unknown and an input note says so. An isotype
  side table (the synthetic cohort's ground truth) may be passed explicitly; a real CDM has none.
- **Courses** (how an OMOP reader groups ``drug_exposure`` rows into therapy courses): rows
  starting on one day form one course; melphalan on the day before (or the day of) an
  autologous transplant is its conditioning; a course of IMiD and/or anti-CD38 antibody
  starting within 150 days after an autologous transplant is maintenance, and one starting
  within 14 days before a CAR-T infusion is bridging/lymphodepletion, so that a planned
  induction → transplant → maintenance sequence stays one line (IMWG 2015, Rajkumar et al.,
  *Blood* 2015;126:921); a CAR-T drug given on the day of a CAR-T infusion is the infusion's
  product (on another day it stays a drug of its course).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from typing import Final

import numpy as np
import numpy.typing as npt

from rrmm.adapters.problems import Problem, Severity
from rrmm.cohort.concepts import DRUGS, FEMALE_CONCEPT_ID, MALE_CONCEPT_ID
from rrmm.core.analytes import ANALYTES, Analyte, ValueKind, check_unit, to_canonical
from rrmm.core.drugs import DrugCatalog, DrugClass
from rrmm.core.model import (
    Diagnosis,
    DrugUse,
    HeavyChain,
    Intent,
    LabPanel,
    LightChain,
    Measurement,
    PatientRecord,
    Procedure,
    ProcedureKind,
    Sex,
    StopReason,
    Therapy,
)
from rrmm.core.units import Quantity, canonical_code

__all__ = [
    "ANALYTE_ORDER",
    "Built",
    "DrugRows",
    "LabRows",
    "MappedCodes",
    "PersonRows",
    "ProcedureRows",
    "build_record",
    "map_drugs",
    "map_measurements",
    "map_procedures",
    "parse_isotype",
]

#: Analytes in the order rrmm keeps them inside a lab panel; index -1 means "not mapped".
ANALYTE_ORDER: Final[tuple[Analyte, ...]] = tuple(Analyte)

#: Grams per litre of the four mass-concentration units (UCUM: d = 1/10, m = 1/1000).
G_PER_L: Final[dict[str, float]] = {"g/dL": 10.0, "g/L": 1.0, "mg/dL": 0.01, "mg/L": 0.001}

_CONCEPT_TO_DRUG: Final = {d.concept_id: d.name for d in DRUGS if d.concept_id != 0}
_MAINTENANCE_DAYS: Final = 150
_BRIDGING_DAYS: Final = 14
_MAINTENANCE_CLASSES: Final = {DrugClass.IMMUNOMODULATORY_DRUG, DrugClass.ANTI_CD38}
_HEAVY = re.compile(r"\bIg\s*([GADEM])\b", re.IGNORECASE)
_LIGHT = re.compile(r"\b(kappa|lambda)\b", re.IGNORECASE)
_LIGHT_ONLY = re.compile(r"light[\s-]*chain", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class MappedCodes:
    """Row-wise mapping of a partition: a target index per row (-1: none) and an issue index."""

    target: npt.NDArray[np.int32]
    value: npt.NDArray[np.float64]
    issue: npt.NDArray[np.int32]
    issues: tuple[str, ...]
    targets: tuple[str, ...] = ()


def _lookup_pairs(
    key: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.intp]]:
    unique, inverse = np.unique(key, return_inverse=True)
    return unique, inverse.reshape(-1)


@cache
def _loinc_table() -> dict[str, Analyte]:
    from rrmm.adapters.fhir.codes import load_fhir_codes_file

    codes = load_fhir_codes_file().loinc
    return {entry.code: analyte for analyte, entries in codes.items() for entry in entries}


def convert_unit(analyte: Analyte, value: float, unit: str) -> tuple[float, str] | str:
    """``value`` in the analyte's canonical unit, or why it cannot be converted.

    Explicit factors for g/dL, g/L, mg/dL and mg/L; other UCUM units through
    :func:`rrmm.core.analytes.to_canonical`. The value is unchanged when already canonical.
    """
    info = ANALYTES[analyte]
    if info.kind is not ValueKind.QUANTITY:
        return f"{info.title} is not a quantity"
    code = canonical_code(unit) if unit else None
    if code is None:
        return f"unit '{unit}' is not a known UCUM unit for {info.title}"
    canonical = info.canonical_unit
    if code == canonical:
        return value, canonical
    if code in G_PER_L and canonical in G_PER_L:
        return value * G_PER_L[code] / G_PER_L[canonical], canonical
    problem = check_unit(analyte, code)
    if problem is not None:
        return problem
    return to_canonical(analyte, Quantity(value, code)), canonical


def _lab_pair(code: str | None, unit: str | None) -> tuple[int, float, str | None]:
    """(analyte index, factor to canonical, issue) for one (code, unit) pair."""
    analyte = _loinc_table().get(code or "")
    if analyte is None:
        return -1, 0.0, f"measurement code '{code}' is not a LOINC code rrmm reads"
    converted = convert_unit(analyte, 1.0, unit or "")
    if isinstance(converted, str):
        return -1, 0.0, f"measurement {code} ({analyte}): {converted}"
    return ANALYTE_ORDER.index(analyte), converted[0], None


def map_measurements(
    codes: Sequence[str | None],
    code_index: npt.NDArray[np.int32],
    units: Sequence[str | None],
    unit_index: npt.NDArray[np.int32],
    values: npt.NDArray[np.float64],
) -> MappedCodes:
    """Map a partition's measurement rows (dictionary-encoded code and unit) to analytes.

    ``code_index``/``unit_index`` index ``codes``/``units`` (-1 for null). Work is done once
    per distinct (code, unit) pair and broadcast to the rows with numpy.
    """
    width = len(units) + 1
    key = (code_index.astype(np.int64) + 1) * width + (unit_index.astype(np.int64) + 1)
    unique, inverse = _lookup_pairs(key)
    analyte = np.full(unique.size, -1, np.int32)
    factor = np.zeros(unique.size, np.float64)
    issue = np.full(unique.size, -1, np.int32)
    issues: list[str] = []
    for i, pair in enumerate(unique.tolist()):
        c, u = divmod(pair, width)
        found = _lab_pair(codes[c - 1] if c else None, units[u - 1] if u else None)
        analyte[i], factor[i] = found[0], found[1]
        if found[2] is not None:
            issue[i] = len(issues)
            issues.append(found[2])
    row_analyte = analyte[inverse]
    row_issue = issue[inverse]
    missing = np.isnan(values) & (row_analyte >= 0)
    if missing.any():
        row_issue = np.where(missing, len(issues), row_issue).astype(np.int32)
        row_analyte = np.where(missing, -1, row_analyte).astype(np.int32)
        issues.append("measurement without value_as_number")
    return MappedCodes(row_analyte, values * factor[inverse], row_issue, tuple(issues))


def _drug_name(concept: int, written: str | None, catalog: DrugCatalog) -> str | None:
    by_concept = _CONCEPT_TO_DRUG.get(concept)
    if by_concept is not None:
        return by_concept
    if concept == 0 and written:
        drug = catalog.resolve(written)
        return drug.name if drug is not None else None
    return None


def map_drugs(
    concept_ids: npt.NDArray[np.int64],
    sources: Sequence[str | None],
    source_index: npt.NDArray[np.int32],
    catalog: DrugCatalog,
) -> MappedCodes:
    """Map a partition's drug_exposure rows to catalogue drugs (``targets`` holds the names)."""
    width = len(sources) + 1
    key = concept_ids.astype(np.int64) * width + (source_index.astype(np.int64) + 1)
    unique, inverse = _lookup_pairs(key)
    target = np.full(unique.size, -1, np.int32)
    issue = np.full(unique.size, -1, np.int32)
    names: list[str] = []
    issues: list[str] = []
    for i, pair in enumerate(unique.tolist()):
        concept, s = divmod(pair, width)
        written = sources[s - 1] if s else None
        name = _drug_name(concept, written, catalog)
        drug = catalog.resolve(name) if name is not None else None
        if drug is None:
            issue[i] = len(issues)
            issues.append(
                f"drug concept {concept} ('{written}') is not in rrmm's drug catalogue; left out"
            )
            continue
        if drug.name not in names:
            names.append(drug.name)
        target[i] = names.index(drug.name)
    empty = np.zeros(concept_ids.size, np.float64)
    return MappedCodes(target[inverse], empty, issue[inverse], tuple(issues), tuple(names))


def map_procedures(
    sources: Sequence[str | None], source_index: npt.NDArray[np.int32]
) -> MappedCodes:
    """Map procedure_source_value to rrmm procedure kinds (``targets`` holds the kinds)."""
    kinds = tuple(str(k) for k in ProcedureKind)
    target = np.full(len(sources) + 1, -1, np.int32)
    issue = np.full(len(sources) + 1, -1, np.int32)
    issues: list[str] = []
    for i, written in enumerate([None, *sources]):
        if written in kinds:
            target[i] = kinds.index(written)
        else:
            issue[i] = len(issues)
            issues.append(f"procedure '{written}' is not a procedure rrmm reads; left out")
    rows = source_index.astype(np.int64) + 1
    empty = np.zeros(rows.size, np.float64)
    return MappedCodes(target[rows], empty, issue[rows], tuple(issues), kinds)


def parse_isotype(text: str | None) -> tuple[HeavyChain | None, LightChain | None]:
    """Heavy and light chain named in a diagnosis text, each None when not named."""
    if not text:
        return None, None
    heavy_match = _HEAVY.search(text)
    light_match = _LIGHT.search(text)
    light = LightChain(light_match.group(1).lower()) if light_match else None
    if heavy_match:
        return HeavyChain(f"Ig{heavy_match.group(1).upper()}"), light
    if _LIGHT_ONLY.search(text):
        return HeavyChain.NONE, light
    return None, light


@dataclass(frozen=True, slots=True)
class DrugRows:
    """One person's mapped drug_exposure rows (parallel sequences)."""

    event_id: Sequence[int] = ()
    drug: Sequence[str] = ()
    start: Sequence[date] = ()
    end: Sequence[date] = ()
    stop_reason: Sequence[str | None] = ()


@dataclass(frozen=True, slots=True)
class ProcedureRows:
    """One person's mapped procedure_occurrence rows."""

    event_id: Sequence[int] = ()
    kind: Sequence[str] = ()
    day: Sequence[date] = ()


@dataclass(frozen=True, slots=True)
class LabRows:
    """One person's mapped measurements, sorted by date then analyte, canonical units."""

    day: Sequence[date] = ()
    analyte: Sequence[Analyte] = ()
    value: Sequence[float] = ()


@dataclass(frozen=True, slots=True)
class PersonRows:
    """Everything read for one person, already mapped; ``issues`` are row-level notes."""

    person_id: int
    gender_concept_id: int | None = None
    birth_date: date | None = None
    diagnosis_date: date | None = None
    diagnosis_text: str | None = None
    death_date: date | None = None
    isotype: tuple[str | None, str | None] | None = None
    drugs: DrugRows = field(default_factory=DrugRows)
    procedures: ProcedureRows = field(default_factory=ProcedureRows)
    labs: LabRows = field(default_factory=LabRows)
    issues: Sequence[tuple[str, str]] = ()


@dataclass(frozen=True, slots=True)
class Built:
    """A record with its input notes and, per course and procedure, the OMOP row ids."""

    record: PatientRecord
    problems: tuple[Problem, ...]
    course_events: tuple[tuple[int, ...], ...]
    procedure_events: tuple[tuple[int, ...], ...]


def _sex(concept: int | None) -> Sex | None:
    if concept == MALE_CONCEPT_ID:
        return Sex.MALE
    if concept == FEMALE_CONCEPT_ID:
        return Sex.FEMALE
    return None


def _stop_reason(text: str | None) -> StopReason | None:
    if text is None:
        return None
    try:
        return StopReason(text.strip().lower())
    except ValueError:
        return StopReason.OTHER


def _intent(
    start: date, names: set[str], transplants: list[date], infusions: list[date], cat: DrugCatalog
) -> Intent | None:
    if any(timedelta(0) < i - start <= timedelta(days=_BRIDGING_DAYS) for i in infusions):
        return Intent.BRIDGING
    after = any(timedelta(0) < start - t <= timedelta(days=_MAINTENANCE_DAYS) for t in transplants)
    if after and all(_MAINTENANCE_CLASSES.intersection(cat.get(n).classes) for n in names):
        return Intent.MAINTENANCE
    return None


def _courses(
    rows: DrugRows, procedures: ProcedureRows, catalog: DrugCatalog
) -> tuple[
    tuple[Therapy, ...], tuple[Procedure, ...], list[tuple[int, ...]], list[tuple[int, ...]]
]:
    transplants = [
        d
        for d, k in zip(procedures.day, procedures.kind, strict=True)
        if k == "autologous_transplant"
    ]
    infusions = [
        d for d, k in zip(procedures.day, procedures.kind, strict=True) if k == "car_t_infusion"
    ]
    by_start: dict[date, list[int]] = {}
    products: dict[date, tuple[str, int]] = {}
    conditioning: dict[date, list[tuple[str, int]]] = {}
    for i, (name, start) in enumerate(zip(rows.drug, rows.start, strict=True)):
        if start in infusions and DrugClass.BCMA_CAR_T in catalog.get(name).classes:
            products[start] = (name, rows.event_id[i])
            continue
        if name == "melphalan":
            day = next((t for t in transplants if timedelta(0) <= t - start <= timedelta(1)), None)
            if day is not None:
                conditioning.setdefault(day, []).append((name, rows.event_id[i]))
                continue
        by_start.setdefault(start, []).append(i)
    therapies: list[Therapy] = []
    events: list[tuple[int, ...]] = []
    for start, index in sorted(by_start.items()):
        end = max(rows.end[i] for i in index)
        uses = tuple(
            DrugUse(
                rows.drug[i],
                end=rows.end[i] if rows.end[i] != end else None,
                stop_reason=_stop_reason(rows.stop_reason[i]),
            )
            for i in index
        )
        reasons = {rows.stop_reason[i] for i in index if rows.end[i] == end}
        stop = StopReason.PROGRESSION if "progression" in reasons else StopReason.PLANNED
        names = {rows.drug[i] for i in index}
        intent = _intent(start, names, transplants, infusions, catalog)
        therapies.append(Therapy(uses, start, end, intent=intent, stop_reason=stop))
        events.append(tuple(rows.event_id[i] for i in index))
    procs: list[Procedure] = []
    proc_events: list[tuple[int, ...]] = []
    for event, kind, day in zip(procedures.event_id, procedures.kind, procedures.day, strict=True):
        if kind == "autologous_transplant":
            given = conditioning.get(day, [])
            procs.append(
                Procedure(ProcedureKind(kind), day, conditioning=tuple(n for n, _ in given))
            )
            proc_events.append((event, *(e for _, e in given)))
        elif kind == "car_t_infusion":
            product = products.get(day)
            procs.append(Procedure(ProcedureKind(kind), day, product=product and product[0]))
            proc_events.append((event,) if product is None else (event, product[1]))
        else:
            procs.append(Procedure(ProcedureKind(kind), day))
            proc_events.append((event,))
    return tuple(therapies), tuple(procs), events, proc_events


#: Measurements already made, by (analyte, value): a cohort repeats the same few thousand
#: values (results are reported to one or two decimals), and a Measurement is immutable, so
#: records share them. Only non-zero finite floats are kept (0.0 and -0.0 compare equal but
#: print differently; NaN never compares equal); the table is emptied when it grows large.
_MEASUREMENTS: dict[tuple[Analyte, float], Measurement] = {}
_MEASUREMENTS_MAX: Final = 100_000
_CANONICAL_UNITS: Final = {analyte: info.canonical_unit for analyte, info in ANALYTES.items()}


def _measurement(analyte: Analyte, value: float) -> Measurement:
    """``Measurement(analyte, Quantity(value, canonical unit))``, shared when seen before."""
    if value and value == value and value.__class__ is float and analyte.__class__ is Analyte:
        key = (analyte, value)
        found = _MEASUREMENTS.get(key)
        if found is None:
            if len(_MEASUREMENTS) >= _MEASUREMENTS_MAX:
                _MEASUREMENTS.clear()
            found = Measurement(analyte, Quantity(value, _CANONICAL_UNITS[analyte]))
            _MEASUREMENTS[key] = found
        return found
    return Measurement(analyte, Quantity(value, ANALYTES[analyte].canonical_unit))


def _panels(labs: LabRows) -> tuple[LabPanel, ...]:
    panels: list[LabPanel] = []
    values: list[Measurement] = []
    current: date | None = None
    shared = _MEASUREMENTS
    for day, analyte, value in zip(labs.day, labs.analyte, labs.value, strict=True):
        if day != current and values and current is not None:
            panels.append(LabPanel(current, tuple(values)))
            values = []
        current = day
        found = shared.get((analyte, value))
        if found is None or found.analyte is not analyte or value.__class__ is not float:
            found = _measurement(analyte, value)
        values.append(found)
    if values and current is not None:
        panels.append(LabPanel(current, tuple(values)))
    return tuple(panels)


def _isotype(rows: PersonRows) -> tuple[HeavyChain | None, LightChain | None, list[Problem]]:
    if rows.isotype is not None:
        heavy_text, light_text = rows.isotype
        heavy = HeavyChain(heavy_text) if heavy_text else None
        light = LightChain(light_text) if light_text else None
        note = "isotype taken from the isotype side table given to the cohort run (not OMOP)"
        return heavy, light, [Problem("/diagnosis", note, Severity.NOTE)]
    heavy, light = parse_isotype(rows.diagnosis_text)
    if heavy is None or light is None:
        note = (
            "OMOP CDM has no isotype field and the diagnosis source value does not name it:"
            " heavy/light chain left unknown"
        )
        return heavy, light, [Problem("/diagnosis", note, Severity.NOTE, value=rows.diagnosis_text)]
    return heavy, light, []


def _issue_problems(issues: Sequence[tuple[str, str]]) -> list[Problem]:
    counted = Counter(issues)
    return [
        Problem(f"/{table}", f"{text} ({n} row{'s' if n > 1 else ''})", Severity.WARNING)
        for (table, text), n in sorted(counted.items())
    ]


def build_record(rows: PersonRows, catalog: DrugCatalog) -> Built:
    """Build one person's record from mapped rows; notes say what was not read and why."""
    problems = _issue_problems(rows.issues)
    diagnosis = None
    if rows.diagnosis_date is None:
        problems.append(Problem("/diagnosis", "no myeloma diagnosis row", Severity.WARNING))
    else:
        heavy, light, notes = _isotype(rows)
        problems += notes
        diagnosis = Diagnosis(rows.diagnosis_date, heavy, light)
    therapies, procedures, events, proc_events = _courses(rows.drugs, rows.procedures, catalog)
    record = PatientRecord(
        id=str(rows.person_id),
        sex=_sex(rows.gender_concept_id),
        birth_date=rows.birth_date,
        diagnosis=diagnosis,
        therapies=therapies,
        procedures=procedures,
        labs=_panels(rows.labs),
        death_date=rows.death_date,
    )
    return Built(record, tuple(problems), tuple(events), tuple(proc_events))
