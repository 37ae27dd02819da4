"""Laboratory analytes: what each one measures, its canonical unit and how to convert.

Each analyte has one canonical unit, the unit the IMWG criteria and the rest of
rrmm reason in (serum M-protein in g/dL, urine M-protein in mg/24 h, free light
chains in mg/L, calcium and creatinine in mg/dL, haemoglobin in g/dL). Values are
stored as written and converted on demand with :func:`to_canonical`.

Molar masses used for mass <-> substance conversions, and their sources:

- calcium 40.078 g/mol (IUPAC standard atomic weight; 1 mmol/L = 4.008 mg/dL);
- creatinine 113.12 g/mol (1 mg/dL = 88.4 umol/L; the factor used by the MMRF
  IMS/IMWG consensus genomic staging code, 1.2 mg/dL = 106.08 umol/L);
- bilirubin 584.66 g/mol (1 mg/dL = 17.1 umol/L);
- haemoglobin, per monomer, 16 114.5 g/mol (1 g/dL = 0.6206 mmol/L, the
  conventional SI conversion factor for haemoglobin).

The plausibility bounds are rrmm's own guard rails against typing and unit
mistakes (a haemoglobin of 98 g/dL is 98 g/L written with the wrong unit); they
are not reference ranges and carry no clinical meaning beyond "impossible".
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from rrmm.core.units import Dimension, Quantity, UnitError, UnitInfo, lookup_unit

__all__ = [
    "ANALYTES",
    "Analyte",
    "AnalyteInfo",
    "ConversionSteps",
    "ValueKind",
    "accepted_units",
    "apply_steps",
    "check_unit",
    "conversion_steps",
    "from_canonical",
    "plausibility_problem",
    "to_canonical",
]


class Analyte(StrEnum):
    """Laboratory results rrmm reads; the value is the field name in the native format."""

    SERUM_M_PROTEIN = "serum_m_protein"
    URINE_M_PROTEIN = "urine_m_protein"
    SERUM_IMMUNOFIXATION = "serum_immunofixation"
    URINE_IMMUNOFIXATION = "urine_immunofixation"
    KAPPA_FLC = "kappa_flc"
    LAMBDA_FLC = "lambda_flc"
    FLC_RATIO = "flc_ratio"
    IGG = "igg"
    IGA = "iga"
    IGM = "igm"
    CALCIUM = "calcium"
    CREATININE = "creatinine"
    CREATININE_CLEARANCE = "creatinine_clearance"
    EGFR = "egfr"
    HEMOGLOBIN = "hemoglobin"
    ALBUMIN = "albumin"
    BETA2_MICROGLOBULIN = "beta2_microglobulin"
    LDH = "ldh"
    BONE_MARROW_PLASMA_CELLS = "bone_marrow_plasma_cells"
    MRD = "mrd"
    WEIGHT = "weight"
    ANC = "anc"
    PLATELETS = "platelets"
    BILIRUBIN = "bilirubin"
    AST = "ast"
    ALT = "alt"


class ValueKind(StrEnum):
    """The shape of an analyte's result."""

    QUANTITY = "quantity"
    IMMUNOFIXATION = "immunofixation"
    MRD = "mrd"


@dataclass(frozen=True, slots=True)
class AnalyteInfo:
    """How an analyte is measured and converted."""

    analyte: Analyte
    title: str
    kind: ValueKind
    canonical_unit: str = "1"
    dimension: Dimension = Dimension.DIMENSIONLESS
    molar_mass: float | None = None
    plausible: tuple[float, float] = (0.0, float("inf"))
    common_units: tuple[str, ...] = ()


def _q(
    analyte: Analyte,
    title: str,
    canonical: str,
    dimension: Dimension,
    plausible: tuple[float, float],
    common: tuple[str, ...],
    molar_mass: float | None = None,
) -> AnalyteInfo:
    return AnalyteInfo(
        analyte, title, ValueKind.QUANTITY, canonical, dimension, molar_mass, plausible, common
    )


_MC = Dimension.MASS_CONCENTRATION

ANALYTES: dict[Analyte, AnalyteInfo] = {
    info.analyte: info
    for info in (
        _q(
            Analyte.SERUM_M_PROTEIN,
            "serum M-protein (SPEP)",
            "g/dL",
            _MC,
            (0, 20),
            ("g/dL", "g/L", "mg/dL"),
        ),
        _q(
            Analyte.URINE_M_PROTEIN,
            "urine M-protein (24-h UPEP)",
            "mg/(24.h)",
            Dimension.MASS_RATE,
            (0, 100_000),
            ("mg/24h", "g/24h", "mg/d", "g/d"),
        ),
        AnalyteInfo(Analyte.SERUM_IMMUNOFIXATION, "serum immunofixation", ValueKind.IMMUNOFIXATION),
        AnalyteInfo(Analyte.URINE_IMMUNOFIXATION, "urine immunofixation", ValueKind.IMMUNOFIXATION),
        _q(
            Analyte.KAPPA_FLC,
            "serum free kappa light chain",
            "mg/L",
            _MC,
            (0, 200_000),
            ("mg/L", "mg/dL"),
        ),
        _q(
            Analyte.LAMBDA_FLC,
            "serum free lambda light chain",
            "mg/L",
            _MC,
            (0, 200_000),
            ("mg/L", "mg/dL"),
        ),
        _q(
            Analyte.FLC_RATIO,
            "serum kappa/lambda free light chain ratio",
            "1",
            Dimension.DIMENSIONLESS,
            (0, 1_000_000),
            ("1",),
        ),
        _q(Analyte.IGG, "serum IgG", "mg/dL", _MC, (0, 20_000), ("mg/dL", "g/L")),
        _q(Analyte.IGA, "serum IgA", "mg/dL", _MC, (0, 20_000), ("mg/dL", "g/L")),
        _q(Analyte.IGM, "serum IgM", "mg/dL", _MC, (0, 20_000), ("mg/dL", "g/L")),
        _q(
            Analyte.CALCIUM,
            "serum calcium",
            "mg/dL",
            _MC,
            (2, 25),
            ("mg/dL", "mmol/L"),
            molar_mass=40.078,
        ),
        _q(
            Analyte.CREATININE,
            "serum creatinine",
            "mg/dL",
            _MC,
            (0.05, 30),
            ("mg/dL", "umol/L"),
            molar_mass=113.12,
        ),
        _q(
            Analyte.CREATININE_CLEARANCE,
            "creatinine clearance",
            "mL/min",
            Dimension.VOLUME_RATE,
            (0, 300),
            ("mL/min",),
        ),
        _q(
            Analyte.EGFR,
            "estimated glomerular filtration rate",
            "mL/min/{1.73_m2}",
            Dimension.VOLUME_RATE_PER_AREA,
            (0, 250),
            ("mL/min/{1.73_m2}",),
        ),
        _q(
            Analyte.HEMOGLOBIN,
            "haemoglobin",
            "g/dL",
            _MC,
            (1, 25),
            ("g/dL", "g/L", "mmol/L"),
            molar_mass=16_114.5,
        ),
        _q(Analyte.ALBUMIN, "serum albumin", "g/dL", _MC, (0.5, 8), ("g/dL", "g/L")),
        _q(
            Analyte.BETA2_MICROGLOBULIN,
            "serum beta-2 microglobulin",
            "mg/L",
            _MC,
            (0, 200),
            ("mg/L", "mg/dL", "ug/mL"),
        ),
        _q(
            Analyte.LDH,
            "lactate dehydrogenase",
            "U/L",
            Dimension.CATALYTIC_CONCENTRATION,
            (1, 50_000),
            ("U/L", "ukat/L"),
        ),
        _q(
            Analyte.BONE_MARROW_PLASMA_CELLS,
            "bone-marrow plasma cells",
            "%",
            Dimension.FRACTION,
            (0, 100),
            ("%",),
        ),
        AnalyteInfo(Analyte.MRD, "minimal residual disease", ValueKind.MRD),
        _q(Analyte.WEIGHT, "body weight", "kg", Dimension.MASS, (10, 400), ("kg", "[lb_av]")),
        _q(
            Analyte.ANC,
            "absolute neutrophil count",
            "10*9/L",
            Dimension.NUMBER_CONCENTRATION,
            (0, 500),
            ("10*9/L", "10*3/uL", "/uL"),
        ),
        _q(
            Analyte.PLATELETS,
            "platelet count",
            "10*9/L",
            Dimension.NUMBER_CONCENTRATION,
            (0, 5_000),
            ("10*9/L", "10*3/uL", "/uL"),
        ),
        _q(
            Analyte.BILIRUBIN,
            "total bilirubin",
            "mg/dL",
            _MC,
            (0, 60),
            ("mg/dL", "umol/L"),
            molar_mass=584.66,
        ),
        _q(
            Analyte.AST,
            "aspartate aminotransferase",
            "U/L",
            Dimension.CATALYTIC_CONCENTRATION,
            (0, 50_000),
            ("U/L", "ukat/L"),
        ),
        _q(
            Analyte.ALT,
            "alanine aminotransferase",
            "U/L",
            Dimension.CATALYTIC_CONCENTRATION,
            (0, 50_000),
            ("U/L", "ukat/L"),
        ),
    )
}


def accepted_units(analyte: Analyte) -> tuple[str, ...]:
    """The common units for an analyte, for messages and documentation."""
    return ANALYTES[analyte].common_units


def _convertible(info: AnalyteInfo, unit: UnitInfo) -> bool:
    if unit.dimension is info.dimension:
        return True
    pair = {unit.dimension, info.dimension}
    return info.molar_mass is not None and pair == {
        Dimension.MASS_CONCENTRATION,
        Dimension.SUBSTANCE_CONCENTRATION,
    }


def check_unit(analyte: Analyte, unit: str) -> str | None:
    """Say why ``unit`` cannot express ``analyte``, or return None when it can."""
    info = ANALYTES[analyte]
    expected = ", ".join(info.common_units)
    try:
        known = lookup_unit(unit)
    except UnitError:
        return f"unknown unit '{unit}' for {info.title}; expected one of: {expected}"
    if not _convertible(info, known):
        return (
            f"unit '{unit}' is a {known.dimension} but {info.title} is a {info.dimension};"
            f" expected one of: {expected}"
        )
    return None


@lru_cache(maxsize=1024)
def _conversion(analyte: Analyte, unit: str) -> tuple[UnitInfo, UnitInfo] | str:
    """The source and target unit definitions, or why the unit cannot be converted."""
    problem = check_unit(analyte, unit)
    if problem is not None:
        return problem
    try:
        return lookup_unit(unit), lookup_unit(ANALYTES[analyte].canonical_unit)
    except UnitError as error:
        return str(error)


#: How a unit converts to an analyte's canonical unit: (source factor, molar step, molar mass,
#: target factor); molar step 0 is none, 1 multiplies by the molar mass (substance to mass)
#: and 2 divides by it (mass to substance).
ConversionSteps = tuple[float, int, float, float]


@lru_cache(maxsize=1024)
def conversion_steps(analyte: Analyte, unit: str) -> ConversionSteps | str:
    """The steps :func:`to_canonical` applies to a value in ``unit``, or why it cannot.

    Resolved once per (analyte, unit); :func:`apply_steps` does the arithmetic.
    """
    conversion = _conversion(analyte, unit)
    if isinstance(conversion, str):
        return conversion
    source, target = conversion
    if source.dimension is target.dimension:
        return source.factor, 0, 1.0, target.factor
    molar_mass = ANALYTES[analyte].molar_mass
    assert molar_mass is not None
    step = 1 if source.dimension is Dimension.SUBSTANCE_CONCENTRATION else 2
    return source.factor, step, molar_mass, target.factor


def apply_steps(steps: ConversionSteps, value: float) -> float:
    """``value`` converted by :func:`conversion_steps`' steps (the same float operations)."""
    source, step, molar_mass, target = steps
    base = value * source
    if step == 1:
        base = base * molar_mass
    elif step == 2:
        base = base / molar_mass
    return base / target


def to_canonical(analyte: Analyte, quantity: Quantity) -> float:
    """Convert a quantity to the analyte's canonical unit.

    Raises UnitError when the unit is unknown or of the wrong dimension.
    """
    steps = conversion_steps(analyte, quantity.unit)
    if isinstance(steps, str):
        raise UnitError(steps)
    return apply_steps(steps, quantity.value)


def from_canonical(analyte: Analyte, value: float, unit: str) -> Quantity:
    """Express a canonical value in another unit (the inverse of :func:`to_canonical`)."""
    return Quantity(value / to_canonical(analyte, Quantity(1.0, unit)), unit)


def plausibility_problem(analyte: Analyte, quantity: Quantity) -> str | None:
    """Say why a value is impossible for the analyte, or return None."""
    info = ANALYTES[analyte]
    if quantity.value < 0:
        return f"{info.title} cannot be negative ({quantity})"
    low, high = info.plausible
    canonical = to_canonical(analyte, quantity)
    if low <= canonical <= high:
        return None
    message = (
        f"{info.title} of {quantity} is outside the possible range"
        f" {low:g}–{high:g} {info.canonical_unit}"
    )
    for unit in info.common_units:
        if unit == quantity.unit:
            continue
        alternative = Quantity(quantity.value, unit)
        if check_unit(analyte, unit) is None and low <= to_canonical(analyte, alternative) <= high:
            return f"{message}; was it {alternative}?"
    return message
