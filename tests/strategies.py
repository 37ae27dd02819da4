"""Hypothesis strategies for every record the core model can represent validly."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from hypothesis import strategies as st

from rrmm.core.analytes import ANALYTES, Analyte, ValueKind, from_canonical
from rrmm.core.model import (
    Condition,
    ConditionName,
    CytogeneticFinding,
    Diagnosis,
    DrugUse,
    Event,
    GeneticMethod,
    HeavyChain,
    Imaging,
    Immunofixation,
    ImmunofixationResult,
    Intent,
    LabPanel,
    LabValue,
    LightChain,
    Measurement,
    MrdMethod,
    MrdResult,
    MrdStatus,
    PatientRecord,
    PerformanceStatus,
    Plasmacytoma,
    Procedure,
    ProcedureKind,
    Sex,
    StopReason,
    Therapy,
)
from rrmm.core.units import Quantity
from rrmm.kb import load_drug_catalog

AS_OF = date(2026, 11, 21)
CATALOG = load_drug_catalog()

dates = st.dates(min_value=date(1990, 1, 1), max_value=AS_OF)
text = st.text(
    alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "Zs")),
    min_size=1,
    max_size=30,
).filter(lambda s: s.strip() == s and s != "")
identifiers = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,11}", fullmatch=True)
maybe_bool = st.none() | st.booleans()


def _measurement(analyte: Analyte) -> st.SearchStrategy[Measurement]:
    info = ANALYTES[analyte]
    low, high = info.plausible
    upper = min(high, low + 1000) * 0.999

    @st.composite
    def build(draw: st.DrawFn) -> Measurement:
        canonical = draw(st.floats(min_value=low * 1.001 + 1e-9, max_value=upper))
        unit = draw(st.sampled_from(info.common_units))
        quantity = from_canonical(analyte, canonical, unit)
        comparator = draw(st.sampled_from([None, None, None, "<", ">"]))
        quantity = Quantity(quantity.value, quantity.unit, comparator)
        limits = draw(st.none() | st.tuples(st.floats(0, 100), st.floats(0, 1000)))
        if limits is None:
            return Measurement(analyte, quantity)
        return Measurement(analyte, quantity, limits[0], limits[1])

    return build()


def _lab_value(analyte: Analyte) -> st.SearchStrategy[LabValue]:
    kind = ANALYTES[analyte].kind
    if kind is ValueKind.IMMUNOFIXATION:
        return st.builds(Immunofixation, st.just(analyte), st.sampled_from(ImmunofixationResult))
    if kind is ValueKind.MRD:
        return st.builds(
            MrdResult,
            st.just(analyte),
            st.sampled_from(MrdStatus),
            st.none() | st.sampled_from(MrdMethod),
            st.none() | st.sampled_from([1e-4, 1e-5, 1e-6, 2.5e-6]),
        )
    return _measurement(analyte)


@st.composite
def lab_panels(draw: st.DrawFn) -> LabPanel:
    chosen = draw(st.sets(st.sampled_from(list(Analyte)), min_size=1, max_size=6))
    values = tuple(draw(_lab_value(a)) for a in Analyte if a in chosen)
    return LabPanel(draw(dates), values, None, draw(st.none() | text))


@st.composite
def drug_uses(draw: st.DrawFn, start: date, end: date | None) -> tuple[DrugUse, ...]:
    drugs = draw(st.lists(st.sampled_from(CATALOG.drugs), min_size=1, max_size=4, unique=True))
    uses = []
    for drug in drugs:
        aliases: list[str | None] = [*drug.brands, *drug.synonyms] or [None]
        written = draw(st.none() | st.sampled_from(aliases))
        own_start = draw(st.none() | st.dates(min_value=start, max_value=end or AS_OF))
        own_end = draw(st.none() | st.dates(min_value=own_start or start, max_value=end or AS_OF))
        reason = draw(st.none() | st.sampled_from(StopReason))
        uses.append(DrugUse(drug.name, own_start, own_end, reason, written))
    return tuple(uses)


@st.composite
def therapies(draw: st.DrawFn) -> Therapy:
    start = draw(dates)
    end = draw(st.none() | st.dates(min_value=start, max_value=AS_OF))
    reasons = [r for r in StopReason if end is None or r is not StopReason.ONGOING]
    return Therapy(
        drugs=draw(drug_uses(start, end)),
        start=start,
        end=end,
        regimen=draw(st.none() | text),
        intent=draw(st.none() | st.sampled_from(Intent)),
        stop_reason=draw(st.none() | st.sampled_from(reasons)),
        line=draw(st.none() | st.integers(1, 12)),
        notes=draw(st.none() | text),
    )


generic_names = st.sampled_from([d.name for d in CATALOG.drugs])

procedures = st.builds(
    Procedure,
    kind=st.sampled_from(ProcedureKind),
    date=dates,
    product=st.none() | generic_names,
    tandem=maybe_bool,
    conditioning=st.lists(generic_names, max_size=2).map(tuple),
    intent=st.none() | st.sampled_from(Intent),
    site=st.none() | text,
    line=st.none() | st.integers(1, 12),
    id=st.none(),
    notes=st.none() | text,
)

findings = st.builds(
    CytogeneticFinding,
    date=dates,
    method=st.none() | st.sampled_from(GeneticMethod),
    del17p=maybe_bool,
    del17p_fraction=st.none() | st.floats(0, 100),
    t4_14=maybe_bool,
    t14_16=maybe_bool,
    t14_20=maybe_bool,
    t11_14=maybe_bool,
    gain1q=maybe_bool,
    amp1q=maybe_bool,
    del1p32=maybe_bool,
    del1p32_biallelic=maybe_bool,
    tp53_mutation=maybe_bool,
    hyperdiploid=maybe_bool,
    notes=st.none() | text,
)


@st.composite
def conditions(draw: st.DrawFn) -> Condition:
    since = draw(st.none() | dates)
    until = draw(st.none() | st.dates(min_value=since or date(1990, 1, 1), max_value=AS_OF))
    return Condition(
        draw(st.sampled_from(ConditionName)),
        draw(st.none() | st.integers(0, 5)),
        since,
        until,
        draw(st.none() | st.floats(0, 100)),
        draw(st.none() | text),
    )


lengths = st.builds(
    Quantity,
    st.floats(min_value=0.1, max_value=30).map(lambda v: round(v, 2)),
    st.sampled_from(["cm", "mm"]),
)
imaging = st.builds(
    Imaging,
    date=dates,
    modality=st.none() | st.sampled_from(["PET-CT", "MRI", "WBLDCT"]),
    new_lesion=maybe_bool,
    plasmacytomas=st.lists(
        st.builds(Plasmacytoma, lengths, lengths, st.none() | text), max_size=2
    ).map(tuple),
    notes=st.none() | text,
)


@st.composite
def records(draw: st.DrawFn) -> PatientRecord:
    birth = draw(st.none() | st.dates(min_value=date(1930, 1, 1), max_value=date(1990, 1, 1)))
    diagnosis = draw(
        st.none()
        | st.builds(
            Diagnosis,
            dates,
            st.none() | st.sampled_from(HeavyChain),
            st.none() | st.sampled_from(LightChain),
            st.none() | st.integers(1, 3),
            st.none() | text,
        )
    )
    course_list = draw(st.lists(therapies(), max_size=4))
    procedure_list = draw(st.lists(procedures, max_size=3))
    panels = draw(st.lists(lab_panels(), max_size=5))
    ids = draw(
        st.lists(
            identifiers,
            min_size=len(course_list) + len(procedure_list) + len(panels),
            max_size=len(course_list) + len(procedure_list) + len(panels),
            unique=True,
        )
    )
    give_ids = draw(st.booleans())
    if give_ids:
        course_list = [replace(t, id=ids.pop()) for t in course_list]
        procedure_list = [replace(p, id=ids.pop()) for p in procedure_list]
        panels = [LabPanel(p.date, p.values, ids.pop(), p.notes) for p in panels]
    return PatientRecord(
        id=draw(identifiers),
        sex=draw(st.none() | st.sampled_from(Sex)),
        birth_date=birth,
        diagnosis=diagnosis,
        findings=tuple(draw(st.lists(findings, max_size=2))),
        performance=tuple(
            draw(st.lists(st.builds(PerformanceStatus, dates, st.integers(0, 5)), max_size=3))
        ),
        conditions=tuple(draw(st.lists(conditions(), max_size=3))),
        therapies=tuple(course_list),
        procedures=tuple(procedure_list),
        labs=tuple(panels),
        imaging=tuple(draw(st.lists(imaging, max_size=2))),
        events=tuple(draw(st.lists(st.builds(Event, dates, text, st.none() | text), max_size=2))),
        death_date=draw(st.none() | dates),
        notes=draw(st.none() | text),
    )
