"""The patient record: immutable, typed domain objects with no I/O.

A :class:`PatientRecord` holds what a clinician records about a person with
myeloma: diagnosis, cytogenetics, performance status, conditions that bear on
drug choice, therapy courses, procedures, dated laboratory panels, imaging and
free-form events. It holds facts as given; everything rrmm derives (response,
progression, lines of therapy, refractoriness) is computed from it elsewhere.

Conventions: ``None`` means "not recorded" (never "no"); drugs are generic
names from the knowledge base's drug catalogue; quantities keep the unit they
were written in (see :mod:`rrmm.core.units`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rrmm.core.analytes import Analyte
from rrmm.core.units import Quantity
from rrmm.core.vocabulary import (
    ConditionName,
    GeneticMethod,
    HeavyChain,
    ImmunofixationResult,
    Intent,
    LightChain,
    MrdMethod,
    MrdStatus,
    ProcedureKind,
    Sex,
    StopReason,
)

__all__ = [
    "FORMAT",
    "Condition",
    "ConditionName",
    "CytogeneticFinding",
    "Diagnosis",
    "DrugUse",
    "Event",
    "GeneticMethod",
    "HeavyChain",
    "Imaging",
    "Immunofixation",
    "ImmunofixationResult",
    "Intent",
    "LabPanel",
    "LabValue",
    "LightChain",
    "Measurement",
    "MrdMethod",
    "MrdResult",
    "MrdStatus",
    "PatientRecord",
    "PerformanceStatus",
    "Plasmacytoma",
    "Procedure",
    "ProcedureKind",
    "Sex",
    "StopReason",
    "Therapy",
]

FORMAT = "rrmm.patient/1"


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """Diagnosis of multiple myeloma (IMWG 2014 criteria are assumed met)."""

    date: date
    heavy_chain: HeavyChain | None = None
    light_chain: LightChain | None = None
    iss_stage: int | None = None
    notes: str | None = None


@dataclass(frozen=True, slots=True)
class CytogeneticFinding:
    """Cytogenetic and molecular findings from one test; ``None`` means not tested.

    ``del17p_fraction`` is the clonal fraction in percent, which the IMS/IMWG 2025
    high-risk definition needs (> 20 %). ``del1p32_biallelic`` distinguishes
    biallelic from monoallelic 1p32 deletion.
    """

    date: date
    method: GeneticMethod | None = None
    del17p: bool | None = None
    del17p_fraction: float | None = None
    t4_14: bool | None = None
    t14_16: bool | None = None
    t14_20: bool | None = None
    t11_14: bool | None = None
    gain1q: bool | None = None
    amp1q: bool | None = None
    del1p32: bool | None = None
    del1p32_biallelic: bool | None = None
    tp53_mutation: bool | None = None
    hyperdiploid: bool | None = None
    notes: str | None = None


@dataclass(frozen=True, slots=True)
class PerformanceStatus:
    """ECOG performance status (0-4; 5 is death and is recorded as such)."""

    date: date
    ecog: int


@dataclass(frozen=True, slots=True)
class Condition:
    """A condition with its CTCAE grade where one applies.

    ``lvef`` (left-ventricular ejection fraction, %) applies to heart failure;
    ``until`` is the date it resolved, ``None`` while it persists or is unknown.
    """

    name: ConditionName
    grade: int | None = None
    since: date | None = None
    until: date | None = None
    lvef: float | None = None
    notes: str | None = None


@dataclass(frozen=True, slots=True)
class DrugUse:
    """One drug of a therapy course.

    ``start``/``end`` are set only when the drug started or stopped on another
    date than the course (e.g. bortezomib stopped early for neuropathy while
    lenalidomide and dexamethasone went on); ``None`` means the course's dates.
    """

    name: str
    start: date | None = None
    end: date | None = None
    stop_reason: StopReason | None = None
    written: str | None = None


@dataclass(frozen=True, slots=True)
class Therapy:
    """A course of systemic therapy: one regimen given from ``start`` to ``end``.

    ``end`` is ``None`` while the course is ongoing (``stop_reason`` ongoing) or
    when its end is not recorded. ``line`` is a line number the user asserts;
    rrmm derives lines itself and reports any disagreement.
    """

    drugs: tuple[DrugUse, ...]
    start: date
    end: date | None = None
    regimen: str | None = None
    intent: Intent | None = None
    stop_reason: StopReason | None = None
    line: int | None = None
    id: str | None = None
    notes: str | None = None

    @property
    def drug_names(self) -> tuple[str, ...]:
        """Generic names of the course's drugs, in the order given."""
        return tuple(drug.name for drug in self.drugs)


@dataclass(frozen=True, slots=True)
class Procedure:
    """A dated procedure.

    ``product`` names the cell therapy for a CAR-T infusion (a drug of the
    catalogue); ``tandem`` marks a transplant planned in advance as the second of
    a tandem; ``conditioning`` lists the drugs of the preparative regimen.
    """

    kind: ProcedureKind
    date: date
    product: str | None = None
    tandem: bool | None = None
    conditioning: tuple[str, ...] = ()
    intent: Intent | None = None
    site: str | None = None
    line: int | None = None
    id: str | None = None
    notes: str | None = None


@dataclass(frozen=True, slots=True)
class Measurement:
    """A quantitative result; reference limits, when given, are in the value's unit."""

    analyte: Analyte
    quantity: Quantity
    reference_low: float | None = None
    reference_high: float | None = None


@dataclass(frozen=True, slots=True)
class Immunofixation:
    """Serum or urine immunofixation."""

    analyte: Analyte
    result: ImmunofixationResult


@dataclass(frozen=True, slots=True)
class MrdResult:
    """An MRD result; ``sensitivity`` is the assay's limit, e.g. 1e-5 (IMWG 2016 minimum)."""

    analyte: Analyte
    status: MrdStatus
    method: MrdMethod | None = None
    sensitivity: float | None = None


LabValue = Measurement | Immunofixation | MrdResult


@dataclass(frozen=True, slots=True)
class LabPanel:
    """Results from one date; at most one value per analyte, ordered by analyte."""

    date: date
    values: tuple[LabValue, ...]
    id: str | None = None
    notes: str | None = None

    def get(self, analyte: Analyte) -> LabValue | None:
        """The value recorded for ``analyte`` on this date, if any."""
        for value in self.values:
            if value.analyte is analyte:
                return value
        return None


@dataclass(frozen=True, slots=True)
class Plasmacytoma:
    """A measured soft-tissue plasmacytoma; the product of diameters gives the SPD."""

    long_axis: Quantity
    short_axis: Quantity
    site: str | None = None


@dataclass(frozen=True, slots=True)
class Imaging:
    """An imaging study; ``new_lesion`` is a new bone lesion or plasmacytoma."""

    date: date
    modality: str | None = None
    new_lesion: bool | None = None
    plasmacytomas: tuple[Plasmacytoma, ...] = ()
    notes: str | None = None


@dataclass(frozen=True, slots=True)
class Event:
    """A free-form dated event (hospitalisation, fracture, hyperviscosity...)."""

    date: date
    text: str
    kind: str | None = None


@dataclass(frozen=True, slots=True)
class PatientRecord:
    """Everything recorded about one patient, in the order it was given."""

    id: str
    sex: Sex | None = None
    birth_date: date | None = None
    diagnosis: Diagnosis | None = None
    findings: tuple[CytogeneticFinding, ...] = ()
    performance: tuple[PerformanceStatus, ...] = ()
    conditions: tuple[Condition, ...] = ()
    therapies: tuple[Therapy, ...] = ()
    procedures: tuple[Procedure, ...] = ()
    labs: tuple[LabPanel, ...] = ()
    imaging: tuple[Imaging, ...] = ()
    events: tuple[Event, ...] = ()
    death_date: date | None = None
    notes: str | None = None
