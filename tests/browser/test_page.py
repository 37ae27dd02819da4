"""The clinician page in a real browser: load, look, upload, fail well, keyboard, print."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import shot
from tests.conftest import EXAMPLES


def test_load_an_example_and_see_the_chart_and_the_options(page: Page):
    page.get_by_label("Example patient").select_option("04-triple-class-refractory")
    page.get_by_role("button", name="Load example").click()
    expect(page.get_by_role("heading", name="Disease course")).to_be_visible()
    chart = page.locator("figure.chart svg")
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box is not None
    assert box["height"] > 150
    assert page.locator("figure.chart svg title").count() > 5
    options = page.locator("table", has=page.locator("th", has_text="Refractory components"))
    expect(options).to_be_visible()
    assert options.locator("tbody tr").count() >= 5
    expect(page.get_by_text("triple_class_refractory").first).to_be_visible()
    shot(page, "example-04-loaded")


def test_hovering_a_point_explains_it(page: Page):
    page.get_by_label("Example patient").select_option("01-first-relapse-on-len-maintenance")
    page.get_by_role("button", name="Load example").click()
    point = page.locator("figure.chart svg circle").first
    point.hover()
    tip = point.locator("title").text_content() or ""
    assert "g/dL" in tip or "mg/L" in tip or "%" in tip


def test_upload_a_file(page: Page):
    page.get_by_label("Native YAML/JSON or FHIR Bundle").set_input_files(
        str(EXAMPLES / "07-light-chain-only-flc.yaml")
    )
    page.get_by_role("button", name="Upload and assess").click()
    expect(page.locator("figure.chart svg")).to_be_visible()
    expect(page.get_by_role("heading", name="Options")).to_be_visible()
    shot(page, "upload-07")


def test_a_bad_file_shows_where_and_why(page: Page, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: rrmm.patient/1\nid: x\nlabs:\n  - {date: 2024-13-01}\n")
    page.get_by_label("Native YAML/JSON or FHIR Bundle").set_input_files(str(bad))
    page.get_by_role("button", name="Upload and assess").click()
    alert = page.get_by_role("alert")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("bad.yaml")
    expect(alert).to_contain_text("/labs/0")
    expect(page.locator("figure.chart")).to_have_count(0)
    shot(page, "bad-file")


def test_the_page_works_from_the_keyboard(page: Page):
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "example":
            break
    assert page.evaluate("document.activeElement.id") == "example"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Load example"
    page.keyboard.press("Enter")
    expect(page.locator("figure.chart svg")).to_be_visible()


def test_every_control_has_a_label(page: Page):
    unlabeled = page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea')]
            .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
            .map(e => e.name)"""
    )
    assert unlabeled == []


def test_it_prints_without_the_forms(page: Page):
    page.get_by_label("Example patient").select_option("13-teclistamab-after-crs")
    page.get_by_role("button", name="Load example").click()
    page.emulate_media(media="print")
    expect(page.locator("form.loader")).to_be_hidden()
    expect(page.locator("figure.chart svg")).to_be_visible()
    shot(page, "example-13-print")
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF-")
