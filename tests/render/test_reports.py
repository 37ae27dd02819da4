"""Clinician report, PDF output and the no-outside-request rule for every page and report."""

from __future__ import annotations

import io

import pypdf
import pytest

from rrmm.render.html import DISCLAIMER, render_page, render_report
from rrmm.render.pdf import write_pdf
from rrmm.render.views import clinician_view
from tests.render.page_text import outside_references, visible_text


def _clinician(example) -> str:
    return render_report(
        "clinician", example.record, example.evaluation, example.options, example.kb.catalog
    )


def _patient(example) -> str:
    return render_report(
        "patient", example.record, example.evaluation, example.options, example.kb.catalog
    )


def test_clinician_report_shows_chart_status_options_and_sources(example):
    html = _clinician(example)
    text = visible_text(html)
    assert "<svg" in html
    assert DISCLAIMER in text
    assert str(example.evaluation.status.status).replace("_", " ") in text
    eligible = [o.regimen for o in example.options.options if o.label_eligible][:3]
    for regimen in eligible:
        assert regimen in text
    assert "Sources of the rules used" in text


@pytest.mark.parametrize("audience", ["patient", "clinician"])
def test_no_page_or_report_refers_to_an_outside_url(example, audience):
    html = _patient(example) if audience == "patient" else _clinician(example)
    assert outside_references(html) == []


def test_the_loaded_page_refers_to_no_outside_url(example):
    view = clinician_view(example.record, example.evaluation, example.options)
    html = render_page(examples=[], v=view, chosen=None, source_label="x")
    assert outside_references(html) == []
    assert "<svg" in html


def test_the_outside_url_check_catches_each_kind_of_reference():
    for html in (
        '<script src="https://static.example.org/x.js"></script>',
        "<link rel=stylesheet href='//fonts.example.com/a.css'>",
        '<style>@font-face { src: url("https://f.example/x.woff2") }</style>',
        '<img src="http://example.org/a.png">',
        "<style>@import 'x.css';</style>",
        '<svg><image xlink:href="https://example.org/i.png"/></svg>',
    ):
        assert outside_references(html), html
    assert outside_references('<a href="#options">options</a>') == []


def _pdf(html: str, tmp_path) -> pypdf.PdfReader:
    target = tmp_path / "report.pdf"
    write_pdf(html, target)
    data = target.read_bytes()
    assert data.startswith(b"%PDF-")
    return pypdf.PdfReader(io.BytesIO(data))


def test_clinician_pdf_is_one_or_two_pages_with_its_text(tmp_path, example):
    reader = _pdf(_clinician(example), tmp_path)
    assert 1 <= len(reader.pages) <= 2
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    assert "Decision support" in text
    assert example.record.id in text.replace("\n", "")


def test_patient_pdf_keeps_the_words_and_the_disclaimer(tmp_path, example):
    reader = _pdf(_patient(example), tmp_path)
    text = " ".join((page.extract_text() or "") for page in reader.pages).replace("\n", " ")
    assert "It is not medical advice" in text
    assert "Questions to ask your care team" in text
