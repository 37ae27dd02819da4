"""The plain-language patient report: readability, topics, terms, no advice, disclaimer."""

from __future__ import annotations

import re

import pytest
import textstat

from rrmm.render.html import PATIENT_DISCLAIMER, render_patient
from rrmm.render.patient_text import TOPICS, patient_sections
from tests.conftest import ROOT
from tests.render.page_text import visible_text

SEEDS = sorted((ROOT.parent / "shared" / "seeds").glob("*.txt"))


def _report(example) -> str:
    return render_patient(example.record, example.evaluation, example.options, example.kb.catalog)


def test_readability_is_grade_seven_or_lower(example):
    """Flesch-Kincaid grade of the visible text, measured with textstat 0.7 (offline)."""
    text = visible_text(_report(example))
    assert textstat.lexicon_count(text) > 800
    grade = textstat.flesch_kincaid_grade(text)
    assert grade <= 7.0, f"{example.example.id}: grade {grade}"


@pytest.mark.skipif(not SEEDS, reason="the seed articles are not next to this checkout")
def test_the_measure_tells_hard_text_from_plain_text():
    """The same measure puts the seed articles (written for patients) at grade 11 or more."""
    grades = [textstat.flesch_kincaid_grade(p.read_text(encoding="utf-8")) for p in SEEDS]
    assert min(grades) >= 11


def test_every_seed_topic_has_its_section(example):
    ids = {
        s.id
        for s in patient_sections(
            example.record, example.evaluation, example.options, example.kb.catalog
        )
    }
    missing = {topic: section for topic, section in TOPICS.items() if section not in ids}
    assert not missing


TERMS = {
    "plasma cell": r"Plasma cells are white blood cells",
    "bone marrow": r"bone marrow, the soft inside of your bones",
    "M-protein": r"This is the M-protein",
    "line of treatment": r"A line of treatment is one plan of medicines",
    "relapsed": r"Relapsed means",
    "refractory": r"Refractory means",
    "triple-class refractory": r"all three groups, doctors call it triple-class refractory",
    "free light chains": r"free light chains, which are small pieces",
    "T cells": r"T cells \(a kind of white blood cell\)",
    "antibody-drug conjugate": r"antibody that carries a strong drug",
    "stem cell transplant": r"your own saved stem cells are given back|stem cell transplant",
    "clinical trial": r"This is a study of a new medicine|Clinical trials test new medicines",
    "supportive care": r"Supportive care treats",
}


def test_medical_terms_are_explained_in_or_before_the_section_that_first_uses_them(example):
    """The patient knows the word myeloma (it is the title); every other term is explained."""
    sections = patient_sections(
        example.record, example.evaluation, example.options, example.kb.catalog
    )
    texts = [" ".join((s.heading, *s.paragraphs, *s.bullets)) for s in sections]
    basics = texts[[s.id for s in sections].index("myeloma")]
    assert re.search(r"Myeloma is a cancer of plasma cells", basics)
    for term, explanation in TERMS.items():
        used = [i for i, t in enumerate(texts) if term.lower() in t.lower()]
        if not used:
            continue
        so_far = " ".join(texts[: used[0] + 1])
        assert re.search(explanation, so_far), f"{term!r} is used before it is explained"


def test_the_report_does_not_rank_or_advise(example):
    text = visible_text(_report(example)).lower()
    assert "it is in no order" in text
    for advice in ("we recommend", "you should take", "best option", "first choice"):
        assert advice not in text


def test_the_disclaimer_comes_first(example):
    text = visible_text(_report(example))
    assert text.index(PATIENT_DISCLAIMER) < text.index("What your record shows")


def test_what_the_record_shows_names_this_patients_lines(example):
    text = visible_text(_report(example))
    for course in example.evaluation.courses:
        assert f"Line {course.line.number}: {course.line.regimen}" in text


def test_refractory_medicines_are_named_for_the_patient(example):
    refractory = [v.drug for v in example.evaluation.drugs if str(v.state) == "refractory"]
    text = visible_text(_report(example))
    for drug in refractory:
        assert drug in text
