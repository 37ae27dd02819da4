"""Helpers for reading rendered pages as a reader or a browser would."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_HIDDEN = {"style", "script", "svg", "head", "title"}


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in _HIDDEN:
            self.depth += 1
        elif tag in {"p", "li", "h1", "h2", "h3", "td", "th", "dd", "dt", "figcaption"}:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth == 0:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """The text a reader sees (no stylesheet, no chart markup)."""
    parser = _Visible()
    parser.feed(html)
    return re.sub(r"[ \t]+", " ", "".join(parser.parts)).strip()


_OUTSIDE = re.compile(
    r"""(?:src|href|action|poster|data|xlink:href)\s*=\s*["']?\s*(?:https?:)?//"""
    r"""|url\(\s*["']?\s*(?:https?:)?//"""
    r"""|@import""",
    re.IGNORECASE,
)


def outside_references(html: str) -> list[str]:
    """Every place the page would load something from another host."""
    return [html[max(0, m.start() - 40) : m.end() + 60] for m in _OUTSIDE.finditer(html)]
