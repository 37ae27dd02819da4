"""Walking FHIR JSON: nodes that know their path and remember what was read, and the report.

Every resource is read through a :class:`Node`. A node records the keys a reader used, so
that whatever carries data and was not used can be reported as "not mapped" with its
FHIR-path-like location (``Bundle.entry[3](Observation/obs-7).interpretation``) instead of
being dropped silently.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from rrmm.adapters.problems import Problem, Severity

__all__ = ["Node", "Report", "coding_keys", "codings", "parse_fhir_date"]

_DATE = re.compile(r"^(\d{4})(-(\d{2})(-(\d{2}))?)?(T[0-9:.]+(Z|[+-]\d{2}:\d{2})?)?$")


@dataclass
class Report:
    """The problems found while reading, in the order found."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, where: str, message: str, severity: Severity, value: object = None) -> None:
        """Record a problem; ``value`` is shown with repr when it is a scalar."""
        shown = None if value is None or isinstance(value, dict | list) else repr(value)
        self.problems.append(Problem(where, message, severity, None, shown))

    def error(self, where: str, message: str, value: object = None) -> None:
        """Something that makes the bundle unusable as a record."""
        self.add(where, message, Severity.ERROR, value)

    def warning(self, where: str, message: str, value: object = None) -> None:
        """Something the record will lack."""
        self.add(where, message, Severity.WARNING, value)

    def note(self, where: str, message: str, value: object = None) -> None:
        """Information about how something was read."""
        self.add(where, message, Severity.NOTE, value)

    def not_mapped(self, where: str, what: str, value: object = None) -> None:
        """Data that rrmm does not read (a WARNING, never silence)."""
        self.warning(where, f"not mapped: {what}", value)

    @property
    def has_errors(self) -> bool:
        """Whether any error was reported."""
        return any(p.severity is Severity.ERROR for p in self.problems)


class Node:
    """A JSON object at a FHIR path; :meth:`unread` lists the keys nobody used."""

    def __init__(self, data: dict[str, Any], path: str) -> None:
        self.data = data
        self.path = path
        self._read: set[str] = set()
        self._taken: set[str] = set()

    def __contains__(self, key: str) -> bool:
        return key in self.data

    def at(self, key: str) -> str:
        """The path of a key below this node."""
        return f"{self.path}.{key}"

    def get(self, key: str) -> Any:
        """The value of ``key`` (marked as read)."""
        self._read.add(key)
        return self.data.get(key)

    def text(self, key: str) -> str | None:
        """A string value, or None."""
        value = self.get(key)
        return value if isinstance(value, str) else None

    def child(self, key: str) -> Node | None:
        """The object at ``key`` as a node, or None."""
        value = self.get(key)
        return Node(value, self.at(key)) if isinstance(value, dict) else None

    def children(self, key: str) -> list[Node]:
        """The objects of the list at ``key`` (a single object counts as a list of one)."""
        value = self.get(key)
        if isinstance(value, dict):
            return [Node(value, self.at(key))]
        if not isinstance(value, list):
            return []
        return [
            Node(item, f"{self.at(key)}[{index}]")
            for index, item in enumerate(value)
            if isinstance(item, dict)
        ]

    def extension(self, url: str) -> list[Node]:
        """The extensions with this URL (each as a node); the rest stay unread."""
        self._taken.add(url)
        found = []
        for node in self._extensions():
            if node.data.get("url") == url:
                node.skip("url")
                found.append(node)
        return found

    def _extensions(self) -> list[Node]:
        value = self.data.get("extension")
        if not isinstance(value, list):
            return []
        return [
            Node(item, f"{self.at('extension')}[{index}]")
            for index, item in enumerate(value)
            if isinstance(item, dict)
        ]

    def skip(self, *keys: str) -> None:
        """Mark keys as used on purpose (administrative fields rrmm does not need)."""
        self._read.update(keys)

    def unread(self) -> list[str]:
        """Keys present with data that no reader used."""
        return [
            key
            for key, value in self.data.items()
            if key not in self._read
            and key.lstrip("_") not in self._read
            and key != "extension"
            and value not in _EMPTY
        ]

    def untaken_extensions(self) -> list[Node]:
        """Extensions whose URL no reader asked for."""
        return [node for node in self._extensions() if node.data.get("url") not in self._taken]

    def report_unread(self, report: Report) -> None:
        """Report every unread key as not mapped."""
        for key in self.unread():
            report.not_mapped(self.at(key), f"{key} is not used by rrmm", _scalar(self.data[key]))
        for node in self.untaken_extensions():
            report.not_mapped(node.path, "extension is not used by rrmm", node.data.get("url"))


_EMPTY: tuple[object, ...] = (None, "", [], {})


def _scalar(value: object) -> object:
    return value if isinstance(value, str | int | float | bool) else None


def codings(concept: Node | None) -> Iterator[tuple[str, str, Node]]:
    """(system, code, node) of each coding of a CodeableConcept node."""
    if concept is None:
        return
    for coding in concept.children("coding"):
        system, code = coding.text("system"), coding.text("code")
        coding.skip("display", "version", "userSelected")
        if system and code:
            yield system, code, coding


def coding_keys(concept: Node | None) -> list[str]:
    """``system|code`` of each coding, for messages."""
    return [f"{system}|{code}" for system, code, _ in codings(concept)]


def parse_fhir_date(text: object) -> tuple[date | None, str | None]:
    """A FHIR date or dateTime as a calendar date, or the reason it is not one.

    A dateTime keeps the calendar date as written (its time and zone are dropped); a partial
    date (``2019`` or ``2019-03``) has no day and is refused rather than guessed.
    """
    if not isinstance(text, str):
        return None, f"expected a date, got {text!r}"
    match = _DATE.match(text.strip())
    if match is None:
        return None, f"'{text}' is not a FHIR date"
    year, month, day = match.group(1), match.group(3), match.group(5)
    if month is None or day is None:
        return None, f"'{text}' is a partial date (no day); rrmm needs a full date"
    try:
        return date(int(year), int(month), int(day)), None
    except ValueError as error:
        return None, f"'{text}' is not a calendar date ({error})"
