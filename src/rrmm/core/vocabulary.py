"""The coded values of the patient record (sex, isotype, reasons, kinds, results).

Kept apart from :mod:`rrmm.core.model`, which re-exports them, so that the record classes can be
compiled (see :mod:`rrmm.compiled`) while these enumerations stay plain Python classes whose
docstrings the published patient schema shows.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "ConditionName",
    "GeneticMethod",
    "HeavyChain",
    "ImmunofixationResult",
    "Intent",
    "LightChain",
    "MrdMethod",
    "MrdStatus",
    "ProcedureKind",
    "Sex",
    "StopReason",
]


class Sex(StrEnum):
    """Administrative sex as recorded."""

    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


class HeavyChain(StrEnum):
    """Heavy-chain isotype of the monoclonal protein; ``none`` for light-chain-only disease."""

    IGG = "IgG"
    IGA = "IgA"
    IGD = "IgD"
    IGE = "IgE"
    IGM = "IgM"
    NONE = "none"


class LightChain(StrEnum):
    """Light-chain type of the clone; ``none`` for non-secretory disease."""

    KAPPA = "kappa"
    LAMBDA = "lambda"
    NONE = "none"


class GeneticMethod(StrEnum):
    """How a cytogenetic finding was obtained."""

    FISH = "FISH"
    NGS = "NGS"
    KARYOTYPE = "karyotype"
    OTHER = "other"


class ConditionName(StrEnum):
    """Conditions that shape the choice of myeloma therapy or supportive care."""

    PERIPHERAL_NEUROPATHY = "peripheral_neuropathy"
    HEART_FAILURE = "heart_failure"
    CARDIAC_ARRHYTHMIA = "cardiac_arrhythmia"
    CORONARY_ARTERY_DISEASE = "coronary_artery_disease"
    HYPERTENSION = "hypertension"
    RENAL_IMPAIRMENT = "renal_impairment"
    DIALYSIS = "dialysis"
    HEPATIC_IMPAIRMENT = "hepatic_impairment"
    CYTOKINE_RELEASE_SYNDROME = "cytokine_release_syndrome"
    ICANS = "icans"
    OCULAR_DISEASE = "ocular_disease"
    ACTIVE_INFECTION = "active_infection"
    HEPATITIS_B = "hepatitis_b"
    HIV = "hiv"
    HYPOGAMMAGLOBULINEMIA = "hypogammaglobulinemia"
    VENOUS_THROMBOEMBOLISM = "venous_thromboembolism"
    DIABETES = "diabetes"
    PULMONARY_DISEASE = "pulmonary_disease"
    AL_AMYLOIDOSIS = "al_amyloidosis"
    PLASMA_CELL_LEUKEMIA = "plasma_cell_leukemia"
    CNS_INVOLVEMENT = "cns_involvement"
    EXTRAMEDULLARY_DISEASE = "extramedullary_disease"
    SECOND_PRIMARY_MALIGNANCY = "second_primary_malignancy"
    HYPERVISCOSITY = "hyperviscosity"
    OTHER = "other"


class Intent(StrEnum):
    """Why a therapy course was given (mCODE treatmentIntent is coarser)."""

    INDUCTION = "induction"
    CONSOLIDATION = "consolidation"
    MAINTENANCE = "maintenance"
    SALVAGE = "salvage"
    BRIDGING = "bridging"
    CONDITIONING = "conditioning"


class StopReason(StrEnum):
    """Why a therapy course (or one drug of it) stopped."""

    PLANNED = "planned"
    PROGRESSION = "progression"
    TOXICITY = "toxicity"
    PATIENT_CHOICE = "patient_choice"
    OTHER = "other"
    ONGOING = "ongoing"


class ProcedureKind(StrEnum):
    """Procedures that count in myeloma care."""

    AUTOLOGOUS_TRANSPLANT = "autologous_transplant"
    ALLOGENEIC_TRANSPLANT = "allogeneic_transplant"
    CAR_T_INFUSION = "car_t_infusion"
    APHERESIS = "apheresis"
    RADIOTHERAPY = "radiotherapy"


class ImmunofixationResult(StrEnum):
    """Immunofixation read-out."""

    POSITIVE = "positive"
    NEGATIVE = "negative"


class MrdStatus(StrEnum):
    """Minimal residual disease read-out."""

    NEGATIVE = "negative"
    POSITIVE = "positive"


class MrdMethod(StrEnum):
    """MRD assays named by IMWG 2016 (next-generation flow or sequencing) and others."""

    NGF = "NGF"
    NGS = "NGS"
    FLOW = "flow"
    PET_CT = "PET-CT"
    OTHER = "other"
