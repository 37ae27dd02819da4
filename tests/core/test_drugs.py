"""The drug catalogue maps brand names and synonyms to generic names."""

from __future__ import annotations

import pytest

from rrmm.core.drugs import Drug, DrugCatalog, DrugClass

BRANDS = {
    "Revlimid": "lenalidomide",
    "Velcade": "bortezomib",
    "Darzalex": "daratumumab",
    "Darzalex Faspro": "daratumumab",
    "Kyprolis": "carfilzomib",
    "Pomalyst": "pomalidomide",
    "Imnovid": "pomalidomide",
    "Carvykti": "ciltacabtagene autoleucel",
    "Abecma": "idecabtagene vicleucel",
    "Tecvayli": "teclistamab",
    "Elrexfio": "elranatamab",
    "Talvey": "talquetamab",
    "Lynozyfic": "linvoseltamab",
    "Blenrep": "belantamab mafodotin",
    "Xpovio": "selinexor",
    "Sarclisa": "isatuximab",
    "Empliciti": "elotuzumab",
    "Ninlaro": "ixazomib",
    "Thalomid": "thalidomide",
    "Farydak": "panobinostat",
    "Pepaxto": "melphalan flufenamide",
    "Venclexta": "venetoclax",
}
SYNONYMS = {
    "cilta-cel": "ciltacabtagene autoleucel",
    "ide-cel": "idecabtagene vicleucel",
    "melflufen": "melphalan flufenamide",
    "daratumumab and hyaluronidase-fihj": "daratumumab",
    "dex": "dexamethasone",
    "REVLIMID®": "lenalidomide",
    "  revlimid ": "lenalidomide",
    "belantamab_mafodotin": "belantamab mafodotin",
}


@pytest.mark.parametrize(("written", "generic"), [*BRANDS.items(), *SYNONYMS.items()])
def test_brand_and_synonym_map_to_generic(catalog, written, generic):
    drug = catalog.resolve(written)
    assert drug is not None
    assert drug.name == generic


def test_unknown_drug_resolves_to_nothing_and_offers_close_names(catalog):
    assert catalog.resolve("Revlimdi") is None
    assert catalog.closest("Revlimdi")[0] == "lenalidomide"
    assert catalog.closest("dexametasone") == ["dexamethasone"]
    assert catalog.closest("zzzz") == []


def test_classes(catalog):
    assert catalog.get("carfilzomib").classes == (DrugClass.PROTEASOME_INHIBITOR,)
    assert catalog.get("talquetamab").classes == (DrugClass.GPRC5D_BISPECIFIC,)
    assert catalog.classes_of(["daratumumab", "pomalidomide", "dexamethasone"]) == {
        DrugClass.ANTI_CD38,
        DrugClass.IMMUNOMODULATORY_DRUG,
        DrugClass.STEROID,
    }
    assert not catalog.get("zoledronic acid").antimyeloma


def test_get_needs_the_generic_name(catalog):
    with pytest.raises(KeyError):
        catalog.get("Revlimid")


def test_a_name_may_not_stand_for_two_drugs():
    with pytest.raises(ValueError, match="names both"):
        DrugCatalog(
            (
                Drug("a", (DrugClass.STEROID,), synonyms=("x",)),
                Drug("b", (DrugClass.STEROID,), brands=("X",)),
            )
        )
