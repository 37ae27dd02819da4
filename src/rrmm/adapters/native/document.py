"""The native patient format ``rrmm.patient/1`` as a document schema.

These pydantic models describe the file exactly as a clinician writes it (see
``docs/format.md``); the JSON Schema that ``rrmm schema`` prints is generated
from them. Reading a file validates it against these models and then converts
it to the core :class:`rrmm.core.model.PatientRecord`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PlainValidator,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    Tag,
    WithJsonSchema,
    create_model,
    model_validator,
)

from rrmm.adapters.native.values import (
    DrugName,
    fail,
    parse_date,
    parse_drug_name,
    parse_immunofixation,
    parse_length,
    parse_measurement,
    parse_mrd,
)
from rrmm.core.analytes import ANALYTES, Analyte, ValueKind
from rrmm.core.model import (
    FORMAT,
    ConditionName,
    GeneticMethod,
    HeavyChain,
    Immunofixation,
    Intent,
    LightChain,
    Measurement,
    MrdResult,
    ProcedureKind,
    Sex,
    StopReason,
)
from rrmm.core.units import Quantity

__all__ = [
    "ConditionDoc",
    "DiagnosisDoc",
    "DrugDoc",
    "EventDoc",
    "FindingDoc",
    "ImagingDoc",
    "LabRowDoc",
    "PatientDocument",
    "PerformanceDoc",
    "PlasmacytomaDoc",
    "ProcedureDoc",
    "TherapyDoc",
]

IsoDate = Annotated[
    date,
    PlainValidator(parse_date),
    WithJsonSchema({"type": "string", "format": "date", "description": "YYYY-MM-DD"}),
]
Text = Annotated[StrictStr, Field(min_length=1)]
Percent = Annotated[StrictFloat, Field(ge=0, le=100)]
Grade = Annotated[StrictInt, Field(ge=0, le=5, description="CTCAE grade")]
Identifier = Annotated[StrictStr, Field(min_length=1, pattern=r"^[A-Za-z0-9._:-]+$")]
Drug = Annotated[
    DrugName,
    PlainValidator(parse_drug_name),
    WithJsonSchema(
        {"type": "string", "description": "generic name, brand name or synonym of a drug"}
    ),
]
Length = Annotated[
    Quantity,
    PlainValidator(parse_length),
    WithJsonSchema({"type": "string", "description": "a length, e.g. '3.2 cm' or '32 mm'"}),
]


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class DiagnosisDoc(_Doc):
    """Diagnosis of multiple myeloma."""

    date: IsoDate
    heavy_chain: HeavyChain | None = None
    """IgG, IgA, IgD, IgE, IgM, or none for light-chain-only disease."""
    light_chain: LightChain | None = None
    """kappa, lambda, or none for non-secretory disease."""
    iss_stage: Annotated[StrictInt, Field(ge=1, le=3)] | None = None
    notes: Text | None = None


class FindingDoc(_Doc):
    """Cytogenetic or molecular findings of one test; leave out what was not tested."""

    date: IsoDate
    method: GeneticMethod | None = None
    del17p: StrictBool | None = None
    del17p_fraction: Percent | None = None
    """Clonal fraction with del(17p), percent of plasma cells."""
    t4_14: StrictBool | None = None
    t14_16: StrictBool | None = None
    t14_20: StrictBool | None = None
    t11_14: StrictBool | None = None
    gain1q: StrictBool | None = None
    """Gain of 1q (3 copies)."""
    amp1q: StrictBool | None = None
    """Amplification of 1q (4 or more copies)."""
    del1p32: StrictBool | None = None
    del1p32_biallelic: StrictBool | None = None
    tp53_mutation: StrictBool | None = None
    hyperdiploid: StrictBool | None = None
    notes: Text | None = None


class PerformanceDoc(_Doc):
    """ECOG performance status on a date."""

    date: IsoDate
    ecog: Annotated[StrictInt, Field(ge=0, le=5)]


class ConditionDoc(_Doc):
    """A condition that bears on drug choice."""

    name: ConditionName
    grade: Grade | None = None
    since: IsoDate | None = None
    until: IsoDate | None = None
    lvef: Percent | None = None
    """Left-ventricular ejection fraction, percent (heart failure)."""
    notes: Text | None = None

    @model_validator(mode="after")
    def _ordered(self) -> ConditionDoc:
        if self.since and self.until and self.until < self.since:
            raise fail(f"until {self.until} is before since {self.since}", "until")
        return self


class DrugDoc(_Doc):
    """A drug of a course that started or stopped on its own dates."""

    name: Drug
    start: IsoDate | None = None
    end: IsoDate | None = None
    stop_reason: StopReason | None = None

    @model_validator(mode="after")
    def _ordered(self) -> DrugDoc:
        if self.start and self.end and self.end < self.start:
            raise fail(f"end {self.end} is before start {self.start}", "end")
        return self


def _drug_entry(raw: object) -> object:
    return {"name": raw} if isinstance(raw, str) else raw


DrugEntry = Annotated[DrugDoc, BeforeValidator(_drug_entry, json_schema_input_type=str | DrugDoc)]


class TherapyDoc(_Doc):
    """A course of systemic therapy."""

    drugs: list[DrugEntry] = Field(min_length=1)
    """Drugs by generic name, brand name or synonym; an entry may be {name, start, end,
    stop_reason} when that drug started or stopped on its own dates."""
    start: IsoDate
    end: IsoDate | None = None
    """Last day of the course; leave out while it is ongoing."""
    regimen: Text | None = None
    """Regimen name as written, e.g. VRd."""
    intent: Intent | None = None
    stop_reason: StopReason | None = None
    line: Annotated[StrictInt, Field(ge=1)] | None = None
    """Line number as the treating team counts it (optional)."""
    id: Identifier | None = None
    notes: Text | None = None

    @model_validator(mode="after")
    def _consistent(self) -> TherapyDoc:
        if self.end is not None and self.end < self.start:
            raise fail(f"end {self.end} is before start {self.start}", "end")
        if self.end is not None and self.stop_reason is StopReason.ONGOING:
            raise fail("stop_reason is 'ongoing' but the course has an end date", "stop_reason")
        for index, drug in enumerate(self.drugs):
            where = f"drugs/{index}"
            if drug.start is not None and drug.start < self.start:
                raise fail(f"drug start {drug.start} is before the course start", f"{where}/start")
            if drug.end is not None and self.end is not None and drug.end > self.end:
                raise fail(f"drug end {drug.end} is after the course end", f"{where}/end")
            drug_start = drug.start or self.start
            if drug.end is not None and drug.end < drug_start:
                raise fail(f"end {drug.end} is before start {drug_start}", f"{where}/end")
        names = [drug.name.generic for drug in self.drugs]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise fail(f"drug listed twice in one course: {', '.join(repeated)}", "drugs")
        return self


class ProcedureDoc(_Doc):
    """A procedure: transplant, CAR-T infusion, apheresis or radiotherapy."""

    procedure: ProcedureKind
    date: IsoDate
    product: Drug | None = None
    """The cell therapy infused (CAR-T)."""
    tandem: StrictBool | None = None
    """True for the second transplant of a tandem planned in advance."""
    conditioning: list[Drug] = []
    intent: Intent | None = None
    site: Text | None = None
    line: Annotated[StrictInt, Field(ge=1)] | None = None
    id: Identifier | None = None
    notes: Text | None = None


def _therapy_or_procedure(raw: Any) -> str:
    if isinstance(raw, dict):
        return "procedure" if "procedure" in raw else "therapy"
    return "procedure" if isinstance(raw, ProcedureDoc) else "therapy"


TherapyItem = Annotated[
    Annotated[TherapyDoc, Tag("therapy")] | Annotated[ProcedureDoc, Tag("procedure")],
    Discriminator(_therapy_or_procedure),
]


def _lab_field(analyte: Analyte) -> tuple[Any, Any]:
    info = ANALYTES[analyte]
    if info.kind is ValueKind.IMMUNOFIXATION:

        def ife(raw: object) -> Immunofixation:
            return parse_immunofixation(analyte, raw)

        schema: dict[str, Any] = {"type": "string", "enum": ["positive", "negative"]}
        annotation: Any = Annotated[Immunofixation, PlainValidator(ife)]
    elif info.kind is ValueKind.MRD:
        schema = {
            "oneOf": [
                {"type": "string", "enum": ["negative", "positive"]},
                {
                    "type": "object",
                    "properties": {
                        "result": {"type": "string", "enum": ["negative", "positive"]},
                        "method": {
                            "type": "string",
                            "enum": ["NGF", "NGS", "flow", "PET-CT", "other"],
                        },
                        "sensitivity": {
                            "type": "number",
                            "exclusiveMinimum": 0,
                            "exclusiveMaximum": 1,
                        },
                    },
                    "required": ["result"],
                    "additionalProperties": False,
                },
            ]
        }
        annotation = Annotated[MrdResult, PlainValidator(parse_mrd)]
    else:

        def measurement(raw: object) -> Measurement:
            return parse_measurement(analyte, raw)

        schema = _quantity_schema(analyte)
        annotation = Annotated[Measurement, PlainValidator(measurement)]
    description = info.title
    if info.kind is ValueKind.QUANTITY:
        units = ", ".join(info.common_units)
        description = f"{info.title}; canonical unit {info.canonical_unit}; units: {units}"
    schema = {**schema, "description": description}
    return (annotation | None, Field(default=None, json_schema_extra=schema))


def _quantity_schema(analyte: Analyte) -> dict[str, Any]:
    numeric: dict[str, Any] = {"type": "number"}
    return {
        "anyOf": [
            {"type": "string", "pattern": r"^\s*(<=|>=|<|>)?\s*[-+]?(\d+(\.\d*)?|\.\d+)"},
            {
                "type": "object",
                "properties": {
                    "value": numeric,
                    "unit": {"type": "string"},
                    "comparator": {"type": "string", "enum": ["<", ">", "<=", ">="]},
                    "reference_low": numeric,
                    "reference_high": numeric,
                },
                "required": ["value", "unit"],
                "additionalProperties": False,
            },
            *([numeric] if ANALYTES[analyte].canonical_unit == "1" else []),
        ]
    }


LabRowDoc: type[BaseModel] = create_model(
    "LabRowDoc",
    __base__=_Doc,
    __doc__="Laboratory results of one date: 'VALUE UNIT' strings or {value, unit} objects.",
    date=(IsoDate, ...),
    id=(Identifier | None, None),
    notes=(Text | None, None),
    **{analyte.value: _lab_field(analyte) for analyte in Analyte},  # type: ignore[call-overload]
)


class PlasmacytomaDoc(_Doc):
    """A measured soft-tissue plasmacytoma."""

    long_axis: Length
    short_axis: Length
    site: Text | None = None


class ImagingDoc(_Doc):
    """An imaging study."""

    date: IsoDate
    modality: Text | None = None
    """e.g. PET-CT, MRI, whole-body low-dose CT, X-ray."""
    new_lesion: StrictBool | None = None
    """A new bone lesion or plasmacytoma compared with the previous study."""
    plasmacytomas: list[PlasmacytomaDoc] = []
    notes: Text | None = None


class EventDoc(_Doc):
    """A free-form dated event."""

    date: IsoDate
    text: Text
    kind: Text | None = None
    """Optional keyword, e.g. hospitalisation, fracture, hyperviscosity."""


class PatientDocument(_Doc):
    """A patient record in rrmm's native format, rrmm.patient/1."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        use_attribute_docstrings=True,
        title="rrmm.patient/1",
        json_schema_extra={"$id": "https://rrmm.dev/schema/rrmm.patient-1.json"},
    )

    format: Literal["rrmm.patient/1"]
    id: Identifier
    sex: Sex | None = None
    birth_date: IsoDate | None = None
    diagnosis: DiagnosisDoc | None = None
    findings: list[FindingDoc] = []
    performance: list[PerformanceDoc] = []
    conditions: list[ConditionDoc] = []
    therapies: list[TherapyItem] = []
    """Therapy courses; procedures may be listed here too, in date order."""
    procedures: list[ProcedureDoc] = []
    labs: list[LabRowDoc] = []
    imaging: list[ImagingDoc] = []
    events: list[EventDoc] = []
    death_date: IsoDate | None = None
    notes: Text | None = None

    @model_validator(mode="after")
    def _born_before_diagnosis(self) -> PatientDocument:
        if self.birth_date and self.diagnosis and self.diagnosis.date < self.birth_date:
            raise fail("diagnosis date is before the birth date", "diagnosis/date")
        return self


assert FORMAT == "rrmm.patient/1"
