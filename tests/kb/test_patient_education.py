"""patient-education.yaml: schema, sources and the unverified marks."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from rrmm.kb import load_patient_education, read_kb_file, unverified_patient_education
from rrmm.kb.loader import load_all_sources
from rrmm.kb.schema import PatientEducationFile


def test_the_file_is_in_the_manifest():
    assert "patient-education.yaml" in read_kb_file("manifest.yaml")["files"]


def test_every_entry_cites_known_sources():
    known = load_all_sources()
    for entry in load_patient_education().values():
        assert entry.sources
        assert all(key in known for key in entry.sources), entry.id


def test_every_unverified_entry_says_why_and_is_listed():
    texts = load_patient_education()
    unverified = [e for e in texts.values() if not e.verified]
    assert all(e.note for e in unverified)
    listed = unverified_patient_education()
    assert len(listed) == len(unverified)
    for entry in unverified:
        assert any(f" {entry.id}:" in line for line in listed)


def _file(**changes):
    data = read_kb_file("patient-education.yaml")
    data.update(changes)
    return data


def test_the_schema_forbids_unknown_fields_and_repeated_ids():
    first = read_kb_file("patient-education.yaml")["texts"][0]
    with pytest.raises(ValidationError):
        PatientEducationFile.model_validate(_file(texts=[{**first, "extra": 1}]))
    with pytest.raises(ValidationError):
        PatientEducationFile.model_validate(_file(texts=[first, first]))


def test_an_unverified_entry_needs_a_note():
    first = read_kb_file("patient-education.yaml")["texts"][0]
    bare = {k: v for k, v in first.items() if k != "note"}
    with pytest.raises(ValidationError):
        PatientEducationFile.model_validate(_file(texts=[{**bare, "verified": False}]))
