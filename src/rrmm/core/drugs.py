"""Drugs and drug classes, and the catalogue that maps what people write to generic names.

The catalogue's content is knowledge-base data (``rrmm/kb/drugs.yaml``); this
module only defines its shape and the lookup. Class names are the vocabulary of
the IMWG engine: a patient is ``naive``, ``exposed`` or ``refractory`` to each.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = ["Drug", "DrugCatalog", "DrugClass", "normalise_drug_name"]


class DrugClass(StrEnum):
    """Pharmacological classes used for exposure and refractoriness."""

    PROTEASOME_INHIBITOR = "proteasome_inhibitor"
    IMMUNOMODULATORY_DRUG = "immunomodulatory_drug"
    CELMOD = "celmod"
    ANTI_CD38 = "anti_cd38"
    ANTI_SLAMF7 = "anti_slamf7"
    BCMA_CAR_T = "bcma_car_t"
    BCMA_BISPECIFIC = "bcma_bispecific"
    BCMA_ADC = "bcma_adc"
    GPRC5D_BISPECIFIC = "gprc5d_bispecific"
    FCRH5_BISPECIFIC = "fcrh5_bispecific"
    XPO1_INHIBITOR = "xpo1_inhibitor"
    BCL2_INHIBITOR = "bcl2_inhibitor"
    HDAC_INHIBITOR = "hdac_inhibitor"
    ALKYLATOR = "alkylator"
    ANTHRACYCLINE = "anthracycline"
    PLATINUM = "platinum"
    TOPOISOMERASE_INHIBITOR = "topoisomerase_inhibitor"
    VINCA_ALKALOID = "vinca_alkaloid"
    STEROID = "steroid"
    BONE_MODIFYING_AGENT = "bone_modifying_agent"


@dataclass(frozen=True, slots=True)
class Drug:
    """A drug of the catalogue with the names it is known by."""

    name: str
    classes: tuple[DrugClass, ...]
    brands: tuple[str, ...] = ()
    synonyms: tuple[str, ...] = ()
    rxnorm: str | None = None
    omop_concept_id: int | None = None
    antimyeloma: bool = True
    cell_therapy: bool = False
    status: str = "marketed"
    sources: tuple[str, ...] = ()
    unverified: tuple[str, ...] = ()


_SPACES = re.compile(r"[\s_]+")


def normalise_drug_name(text: str) -> str:
    """Fold case, strip ® and ™, and collapse spaces and underscores for matching."""
    cleaned = text.replace("®", "").replace("™", "").strip().casefold()
    return _SPACES.sub(" ", cleaned)


@dataclass(frozen=True)
class DrugCatalog:
    """All known drugs, looked up by generic name, brand or synonym."""

    drugs: tuple[Drug, ...]
    _index: dict[str, Drug] = field(init=False, repr=False, compare=False)
    _by_name: dict[str, Drug] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[str, Drug] = {}
        for drug in self.drugs:
            for written in (drug.name, *drug.brands, *drug.synonyms):
                key = normalise_drug_name(written)
                clash = index.get(key)
                if clash is not None and clash.name != drug.name:
                    raise ValueError(f"'{written}' names both {clash.name} and {drug.name}")
                index[key] = drug
        object.__setattr__(self, "_index", index)
        # Every generic name :meth:`get` accepts, with the drug it returns (the same lookup,
        # done once per name instead of normalising the name at each call).
        by_name: dict[str, Drug] = {}
        for drug in self.drugs:
            found = index[normalise_drug_name(drug.name)]
            if found.name == drug.name:
                by_name[drug.name] = found
        object.__setattr__(self, "_by_name", by_name)

    def resolve(self, written: str) -> Drug | None:
        """The drug a written name (generic, brand or synonym) stands for."""
        return self._index.get(normalise_drug_name(written))

    def get(self, generic: str) -> Drug:
        """The drug with this generic name; KeyError when it is not in the catalogue."""
        found = self._by_name.get(generic)
        if found is not None:
            return found
        drug = self._index.get(normalise_drug_name(generic))
        if drug is None or drug.name != generic:
            raise KeyError(generic)
        return drug

    def closest(self, written: str, count: int = 3) -> list[str]:
        """Known names that look like ``written``, for 'did you mean' messages."""
        hits = difflib.get_close_matches(
            normalise_drug_name(written), self._index, n=4 * count, cutoff=0.6
        )
        return list(dict.fromkeys(self._index[hit].name for hit in hits))[:count]

    def classes_of(self, names: Iterable[str]) -> frozenset[DrugClass]:
        """The union of the classes of the given generic names."""
        return frozenset(c for name in names for c in self.get(name).classes)
