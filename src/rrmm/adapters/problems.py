"""Problems found in input: where, what was there, and what was expected."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Problem", "Severity"]


class Severity(StrEnum):
    """How serious a problem is: errors make the input invalid, the rest inform."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem with a location in the input.

    ``pointer`` is an RFC 6901 JSON pointer into the document ("" for the whole
    document); ``line`` is the 1-based line in a YAML or JSON file when known.
    """

    pointer: str
    message: str
    severity: Severity = Severity.ERROR
    line: int | None = None
    value: str | None = None

    def where(self, source: str) -> str:
        """'file:line pointer' for messages."""
        place = f"{source}:{self.line}" if self.line is not None else source
        return f"{place} {self.pointer or '/'}"
