"""Readable by everyone: contrast of the palette (WCAG 2.x AA), and no meaning by colour alone."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from rrmm.render.html import render_page
from rrmm.render.views import clinician_view

CSS = resources.files("rrmm.render").joinpath("templates/style.css").read_text("utf-8")
VARIABLES = dict(re.findall(r"--([a-z]+):\s*(#[0-9a-fA-F]{6})", CSS))


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    """WCAG 2.x contrast ratio."""
    light, dark = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_contrast_formula_matches_the_wcag_anchors():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize(
    ("foreground", "background"),
    [
        (VARIABLES["ink"], "#ffffff"),
        (VARIABLES["muted"], "#ffffff"),
        (VARIABLES["warn"], "#fff3f3"),
        (VARIABLES["warn"], "#fff7f7"),
        (VARIABLES["ok"], "#ffffff"),
        (VARIABLES["accent"], "#ffffff"),
        ("#ffffff", VARIABLES["accent"]),
        ("#6b4e00", "#ffffff"),
        ("#0b4f9c", "#ffffff"),
        (VARIABLES["ink"], "#eef2f7"),
    ],
)
def test_text_colours_reach_aa_contrast(foreground, background):
    assert contrast(foreground, background) >= 4.5


def test_verdicts_are_written_not_only_coloured(example):
    view = clinician_view(example.record, example.evaluation, example.options)
    html = render_page(examples=[], v=view, chosen=None, source_label="x")
    cells = re.findall(r'<td class="(yes|no|unknown)">(.*?)</td>', html)
    assert cells
    words = {"yes": "✔ yes", "no": "✘ no", "unknown": "? unknown"}
    for kind, content in cells:
        assert content == words[kind]
    assert "⚠" in CSS
