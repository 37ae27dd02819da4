"""OMOP concept ids and regimen templates of the synthetic cohort, with their sources.

No id here is invented. Sources (files beside this repository, in ``../shared/data/omop/``):

- ``myeloma_condition_concepts_from_ohdsi_phenotypes.csv`` (OHDSI PhenotypeLibrary cohorts
  581, 791 and 1318): concept 437233 "Multiple myeloma", SNOMED 109989006, domain Condition,
  standard concept ``S``.
- ``myeloma_drug_omop_concept_ids_from_oxford_sact_mapping.csv`` (Oxford SACT → OMOP mapping):
  RxNorm ingredient concept ids per drug (column ``omop_drug_source_concept_id``).
- ``myeloma_drug_rxnorm_cuis_from_cibmtr_ig.csv`` (CIBMTR reporting IG): RxNorm CUIs. A CUI is
  not an OMOP concept id, so a drug found only there (elotuzumab) gets concept 0 and keeps its
  name in ``drug_source_value``; the CUI is kept here for reference only.

A drug in neither file (teclistamab, talquetamab, the CAR-T products, fludarabine) gets
``drug_concept_id`` 0 with its generic name in ``drug_source_value``, as the OMOP CDM
conventions prescribe for unmapped source values.

Measurements: the LOINC codes are those this repository writes (``src/rrmm/kb/fhir-codes.yaml``,
``write: true``). Their OMOP concept ids could not be confirmed against an OMOP vocabulary
here, so ``measurement_concept_id`` is 0 and ``measurement_source_value`` is the LOINC code.
Units are the OMOP UCUM unit concepts (8713 g/dL as used in the Samsung/Ajou OMOP sample
measurement table; 8840 mg/dL and 8751 mg/L, the UCUM concepts of the OMOP Unit vocabulary —
these two are UNVERIFIED here: no vocabulary table could be reached to confirm them);
``unit_source_value`` always carries the UCUM code as text as well.

Procedures: neither file holds a procedure concept, so autologous stem-cell transplant and
CAR-T infusion get ``procedure_concept_id`` 0 and ``procedure_source_value`` the rrmm procedure
kind (``autologous_transplant``, ``car_t_infusion``; see ``docs/format.md``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

__all__ = [
    "ASCT_DAY",
    "DRUGS",
    "EHR_TYPE_CONCEPT_ID",
    "FEMALE_CONCEPT_ID",
    "LABS",
    "MALE_CONCEPT_ID",
    "MULTIPLE_MYELOMA_CONCEPT_ID",
    "MULTIPLE_MYELOMA_SNOMED_CODE",
    "PROCEDURE_SOURCE_VALUES",
    "TEMPLATES",
    "Drug",
    "Lab",
    "Phase",
    "Template",
    "drug_index",
]

#: SNOMED 109989006 "Multiple myeloma", standard Condition concept (OHDSI phenotype CSV, cohort
#: 581 referent concept and the 791/1318 concept sets).
MULTIPLE_MYELOMA_CONCEPT_ID: Final = 437233
MULTIPLE_MYELOMA_SNOMED_CODE: Final = "109989006"

#: OMOP Gender concepts (CDM 5.4 conventions: 8507 MALE, 8532 FEMALE).
MALE_CONCEPT_ID: Final = 8507
FEMALE_CONCEPT_ID: Final = 8532

#: OMOP Type Concept 32817 "EHR", used for every *_type_concept_id.
EHR_TYPE_CONCEPT_ID: Final = 32817

#: procedure_source_value per procedure kind (concept id 0: no standard concept in the files).
PROCEDURE_SOURCE_VALUES: Final = ("autologous_transplant", "car_t_infusion")


@dataclass(frozen=True, slots=True)
class Drug:
    """A drug the generator gives: its OMOP concept id (0 if unmapped) and drug class."""

    name: str
    concept_id: int
    drug_class: str
    rxnorm_cui: str | None = None


#: Every drug the templates use. ``concept_id`` from the Oxford SACT file, else 0.
DRUGS: Final[tuple[Drug, ...]] = (
    Drug("bortezomib", 1336825, "proteasome_inhibitor", "358258"),
    Drug("carfilzomib", 42873638, "proteasome_inhibitor", "1302966"),
    Drug("ixazomib", 35606214, "proteasome_inhibitor", "1723735"),
    Drug("lenalidomide", 19026972, "imid", "342369"),
    Drug("pomalidomide", 43014237, "imid"),
    Drug("thalidomide", 19137042, "imid", "10432"),
    Drug("daratumumab", 35605744, "anti_cd38", "1721947"),
    Drug("isatuximab", 37498969, "anti_cd38"),
    Drug("elotuzumab", 0, "anti_slamf7", "1726104"),
    Drug("dexamethasone", 1518254, "corticosteroid"),
    Drug("melphalan", 1301267, "alkylator"),
    Drug("cyclophosphamide", 1310317, "alkylator"),
    Drug("cisplatin", 1397599, "platinum"),
    Drug("etoposide", 1350504, "topoisomerase_inhibitor"),
    Drug("fludarabine", 0, "lymphodepletion"),
    Drug("ciltacabtagene autoleucel", 0, "bcma_car_t"),
    Drug("idecabtagene vicleucel", 0, "bcma_car_t"),
    Drug("teclistamab", 0, "bcma_bispecific"),
    Drug("elranatamab", 746391, "bcma_bispecific"),
    Drug("talquetamab", 0, "gprc5d_bispecific"),
)

_INDEX: Final = {drug.name: i for i, drug in enumerate(DRUGS)}


def drug_index(name: str) -> int:
    """Position of ``name`` in :data:`DRUGS` (its bit in refractory bitmasks)."""
    return _INDEX[name]


@dataclass(frozen=True, slots=True)
class Lab:
    """A laboratory analyte as written to ``measurement``."""

    key: str
    loinc: str
    unit: str
    unit_concept_id: int
    decimals: int
    range_low: float | None = None
    range_high: float | None = None


#: Analytes written per visit; LOINC codes from src/rrmm/kb/fhir-codes.yaml.
LABS: Final[tuple[Lab, ...]] = (
    Lab("serum_m_protein", "33358-3", "g/dL", 8713, 2),
    Lab("kappa_flc", "36916-5", "mg/L", 8751, 1, 3.3, 19.4),
    Lab("lambda_flc", "33944-0", "mg/L", 8751, 1, 5.7, 26.3),
    Lab("calcium", "17861-6", "mg/dL", 8840, 1, 8.6, 10.3),
    Lab("creatinine", "2160-0", "mg/dL", 8840, 2, 0.6, 1.2),
    Lab("hemoglobin", "718-7", "g/dL", 8713, 1, 12.0, 16.0),
)


# ---------------------------------------------------------------------------------------------
# Regimen templates
#
# Regimen templates for the synthetic cohort: what a line of therapy gives, and when.
#
# A template is a planned line of therapy (IMWG 2015, Rajkumar et al., *Blood* 2015): its phases
# (induction, transplant conditioning, maintenance) are given as ONE line, because the whole plan
# is decided up front. Days are counted from the line's start. A phase with ``length`` ``None``
# runs until the line ends (progression, death or the end of follow-up). Availability dates are
# approximate dates from which a regimen was in common use (near its first FDA or EMA approval
# where it has one); they only steer which regimen a synthetic patient gets in which era and
# make no clinical or regulatory claim.

#: Day (from the line's start) of the autologous transplant in transplant templates:
#: four 28-day induction cycles, mobilisation, then high-dose melphalan the day before.
ASCT_DAY: Final = 150


@dataclass(frozen=True, slots=True)
class Phase:
    """Drugs given together from ``start`` for ``length`` days (``None``: until line end).

    A ``conditioning`` phase is given only together with the line's transplant.
    """

    drugs: tuple[str, ...]
    start: int
    length: int | None
    conditioning: bool = False


@dataclass(frozen=True, slots=True)
class Template:
    """A planned line of therapy.

    ``potency`` (0-1) raises the chance of a deep response; ``median_ttp`` is the median time
    from the line's start to progression onset (days) for a partial response; ``toxicity_drug``
    is the drug a toxicity switch stops early (the rest of the regimen goes on).
    """

    name: str
    phases: tuple[Phase, ...]
    available: date
    first_line: bool
    weight: float
    potency: float
    median_ttp: int
    procedures: tuple[tuple[str, int], ...] = ()
    max_age: float | None = None
    min_age: float | None = None
    toxicity_drug: str | None = None

    @property
    def drugs(self) -> tuple[str, ...]:
        """Every drug of the template, in order of first appearance."""
        seen: dict[str, None] = {}
        for phase in self.phases:
            seen.update(dict.fromkeys(phase.drugs))
        return tuple(seen)


_D = "dexamethasone"
_INDUCTION = 112
_MAINTENANCE_START = ASCT_DAY + 80


def _transplant(induction: tuple[str, ...], maintenance: tuple[str, ...]) -> tuple[Phase, ...]:
    return (
        Phase(induction, 0, _INDUCTION),
        Phase(("melphalan",), ASCT_DAY - 1, 1, conditioning=True),
        Phase(maintenance, _MAINTENANCE_START, None),
    )


def _continuous(*drugs: str) -> tuple[Phase, ...]:
    return (Phase((*drugs, _D), 0, None),)


_ASCT = (("autologous_transplant", ASCT_DAY),)
_VRD = ("bortezomib", "lenalidomide", _D)

TEMPLATES: Final[tuple[Template, ...]] = (
    # First line, transplant-eligible (age <= 70): induction -> ASCT -> maintenance, one line.
    Template(
        "VRd-ASCT-R",
        _transplant(_VRD, ("lenalidomide",)),
        date(2008, 1, 1),
        True,
        3.0,
        0.6,
        1300,
        _ASCT,
        max_age=70,
        toxicity_drug="bortezomib",
    ),
    Template(
        "VCd-ASCT-R",
        _transplant(("bortezomib", "cyclophosphamide", _D), ("lenalidomide",)),
        date(2008, 1, 1),
        True,
        1.0,
        0.5,
        1100,
        _ASCT,
        max_age=70,
        toxicity_drug="bortezomib",
    ),
    Template(
        "DVRd-ASCT-DR",
        _transplant(("daratumumab", *_VRD), ("daratumumab", "lenalidomide")),
        date(2022, 1, 1),
        True,
        6.0,
        0.8,
        1700,
        _ASCT,
        max_age=70,
        toxicity_drug="bortezomib",
    ),
    # First line, transplant-ineligible (age > 70).
    Template(
        "VRd-R",
        (Phase(_VRD, 0, 224), Phase(("lenalidomide", _D), 224, None)),
        date(2008, 1, 1),
        True,
        2.0,
        0.5,
        900,
        min_age=70,
        toxicity_drug="bortezomib",
    ),
    Template("Rd", _continuous("lenalidomide"), date(2008, 1, 1), True, 1.0, 0.3, 700, min_age=70),
    Template(
        "DRd",
        _continuous("daratumumab", "lenalidomide"),
        date(2019, 6, 1),
        True,
        5.0,
        0.7,
        1400,
        min_age=70,
    ),
    # Relapse.
    Template("Vd", _continuous("bortezomib"), date(2008, 1, 1), False, 0.5, 0.2, 250),
    Template("Rd-relapse", _continuous("lenalidomide"), date(2008, 1, 1), False, 0.7, 0.2, 300),
    Template(
        "KRd", _continuous("carfilzomib", "lenalidomide"), date(2015, 7, 1), False, 2.0, 0.5, 500
    ),
    Template("Kd", _continuous("carfilzomib"), date(2016, 1, 1), False, 1.0, 0.3, 350),
    Template("Pd", _continuous("pomalidomide"), date(2013, 2, 1), False, 1.0, 0.2, 200),
    Template(
        "PVd",
        _continuous("pomalidomide", "bortezomib"),
        date(2019, 5, 1),
        False,
        1.0,
        0.4,
        330,
        toxicity_drug="bortezomib",
    ),
    Template(
        "DVd",
        _continuous("daratumumab", "bortezomib"),
        date(2016, 11, 1),
        False,
        1.5,
        0.5,
        450,
        toxicity_drug="bortezomib",
    ),
    Template(
        "DRd-relapse",
        _continuous("daratumumab", "lenalidomide"),
        date(2016, 11, 1),
        False,
        2.5,
        0.6,
        800,
    ),
    Template(
        "DKd", _continuous("daratumumab", "carfilzomib"), date(2020, 8, 1), False, 2.5, 0.6, 600
    ),
    Template(
        "IsaKd", _continuous("isatuximab", "carfilzomib"), date(2021, 3, 1), False, 1.5, 0.6, 650
    ),
    Template(
        "DPd", _continuous("daratumumab", "pomalidomide"), date(2017, 6, 1), False, 2.0, 0.5, 400
    ),
    Template(
        "IsaPd", _continuous("isatuximab", "pomalidomide"), date(2020, 3, 1), False, 1.2, 0.5, 350
    ),
    Template(
        "EPd", _continuous("elotuzumab", "pomalidomide"), date(2018, 11, 1), False, 0.6, 0.3, 300
    ),
    Template(
        "cilta-cel",
        (
            Phase(("cyclophosphamide", "fludarabine"), 0, 3),
            Phase(("ciltacabtagene autoleucel",), 5, 1),
        ),
        date(2022, 2, 1),
        False,
        3.0,
        0.9,
        800,
        (("car_t_infusion", 5),),
        max_age=78,
    ),
    Template(
        "ide-cel",
        (
            Phase(("cyclophosphamide", "fludarabine"), 0, 3),
            Phase(("idecabtagene vicleucel",), 5, 1),
        ),
        date(2021, 3, 1),
        False,
        2.0,
        0.7,
        400,
        (("car_t_infusion", 5),),
        max_age=78,
    ),
    Template(
        "teclistamab", (Phase(("teclistamab",), 0, None),), date(2022, 10, 1), False, 3.0, 0.6, 350
    ),
    Template(
        "elranatamab", (Phase(("elranatamab",), 0, None),), date(2023, 8, 1), False, 2.0, 0.6, 350
    ),
    Template(
        "talquetamab", (Phase(("talquetamab",), 0, None),), date(2023, 8, 1), False, 2.0, 0.6, 300
    ),
    # Salvage chemotherapy: always possible, the fallback when nothing else is eligible.
    Template(
        "DCEP",
        (Phase((_D, "cyclophosphamide", "etoposide", "cisplatin"), 0, None),),
        date(2008, 1, 1),
        False,
        0.2,
        0.2,
        150,
    ),
)
