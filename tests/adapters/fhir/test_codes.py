"""The code tables: sourced, schema-checked, and honest about what is unverified."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from rrmm.adapters.fhir.codes import FhirCodesFile, load_fhir_codes, load_fhir_codes_file
from rrmm.core.analytes import ANALYTES, Analyte, ValueKind
from rrmm.kb import read_kb_file

UNVERIFIED = {"42482-0", "48378-4", "2000-8", "11118-7"}


def test_the_file_loads_and_every_code_cites_a_source(catalog):
    data = load_fhir_codes_file()
    tables = load_fhir_codes(catalog)
    assert tables.file is not None
    assert set(data.sources) >= {entry.source for entry in data._entries()}


def test_exactly_these_codes_are_unverified():
    unverified = {entry.code for entry in load_fhir_codes_file()._entries() if not entry.verified}
    assert unverified == UNVERIFIED


def test_every_quantitative_analyte_except_mrd_has_a_loinc_code_to_write(catalog):
    tables = load_fhir_codes(catalog)
    written = {analyte for analyte, _ in tables.loinc_to_write}
    quantitative = {a for a in Analyte if ANALYTES[a].kind is ValueKind.QUANTITY}
    assert quantitative <= written
    assert Analyte.SERUM_IMMUNOFIXATION in written


def test_mass_and_molar_codes_are_both_written_where_both_exist(catalog):
    tables = load_fhir_codes(catalog)
    for analyte in (Analyte.CREATININE, Analyte.CALCIUM, Analyte.HEMOGLOBIN, Analyte.BILIRUBIN):
        assert (analyte, "mass") in tables.loinc_to_write
        assert (analyte, "substance") in tables.loinc_to_write


def test_rxnorm_codes_name_catalogue_drugs(catalog):
    tables = load_fhir_codes(catalog)
    assert tables.drug_by_rxnorm["1182529"][0] == "lenalidomide"  # Revlimid Pill
    assert tables.drug_by_rxnorm["358258"][0] == "bortezomib"  # drugs.yaml ingredient
    assert all(catalog.get(drug).name == drug for drug, _ in tables.drug_by_rxnorm.values())


def test_an_unknown_source_or_field_is_rejected():
    data = read_kb_file("fhir-codes.yaml")
    data["loinc"]["igg"][0]["source"] = "nowhere"
    with pytest.raises(ValidationError, match="unknown source"):
        FhirCodesFile.model_validate(data)
    data = read_kb_file("fhir-codes.yaml")
    data["loinc"]["igg"][0]["guess"] = True
    with pytest.raises(ValidationError):
        FhirCodesFile.model_validate(data)
