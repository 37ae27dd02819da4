"""The patient report reads its fixed words from patient-education.yaml by id."""

from __future__ import annotations

import ast
import inspect
import re

import pytest

import rrmm.render.patient_text as patient_text
from rrmm.kb import KnowledgeBaseError, load_patient_education
from rrmm.render.html import render_patient
from rrmm.render.patient_text import UNCHECKED, patient_sections
from tests.render.page_text import visible_text


def _ids_used() -> set[str]:
    """Every text id patient_text.py names: _text("…") calls, f"prefix.{key}" loops, tables."""
    source = inspect.getsource(patient_text)
    tree = ast.parse(source)
    ids: set[str] = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and re.fullmatch(r"[a-z_]+\.[a-z0-9_]+", node.value)
        ):
            ids.add(node.value)
    for prefix, keys in (
        ("watch", re.search(r'_text\(f"watch\.\{key\}"\)\s*for key in \(([^)]*)\)', source)),
        (
            "questions",
            re.search(r'_text\(f"questions\.\{key\}"\)\s*for key in \(([^)]*)\)', source),
        ),
    ):
        assert keys is not None, prefix
        ids |= {f"{prefix}.{k}" for k in re.findall(r'"([a-z_]+)"', keys.group(1))}
    return ids


def test_every_id_the_report_uses_exists():
    used = _ids_used()
    assert len(used) > 40
    missing = used - set(load_patient_education())
    assert not missing


def test_every_entry_is_used_by_the_report():
    assert not set(load_patient_education()) - _ids_used()


def test_an_unknown_id_fails_loudly():
    with pytest.raises(KnowledgeBaseError, match=re.escape("no text 'no.such_text'")):
        patient_text._text("no.such_text")


def test_the_report_renders_for_every_example_and_marks_unverified_words(example):
    texts = load_patient_education()
    sections = patient_sections(
        example.record, example.evaluation, example.options, example.kb.catalog
    )
    shown = [t for s in sections for t in (*s.paragraphs, *s.bullets)]
    page = visible_text(
        render_patient(example.record, example.evaluation, example.options, example.kb.catalog)
    )
    assert "What is myeloma?" in page
    for entry in texts.values():
        for text in shown:
            if entry.text in text:
                follows = text[text.index(entry.text) + len(entry.text) :]
                assert follows.startswith(UNCHECKED) != entry.verified, entry.id
    if any(UNCHECKED in t for t in shown):
        assert "Not yet checked" in sections[0].paragraphs[-1]


def test_double_refractory_is_named_only_for_a_proteasome_inhibitor_and_an_imid(example):
    """The label's definition (labels.double_refractory): other pairs of classes get no name."""
    sections = patient_sections(
        example.record, example.evaluation, example.options, example.kb.catalog
    )
    meaning = next(s for s in sections if s.id == "meaning")
    named = any("double refractory" in p for p in meaning.paragraphs)
    two_groups = any("two main groups" in p for p in meaning.paragraphs)
    assert named == (two_groups and "double_refractory" in example.evaluation.labels)
    if example.example.id in ("07-light-chain-only-flc", "14-line-counting-rules"):
        assert two_groups  # anti-CD38 and IMiD refractory: both groups named, no label word
        assert not named
    if example.example.id == "03-double-refractory":
        assert named
