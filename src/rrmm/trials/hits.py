"""What an extractor finds in a statement: a span of the normalised text and what it means.

The parser runs every extractor over a statement and keeps the spans they claim. A
span holds a rule, or is consumed filler (a screening window, a standard definition,
a method in parentheses), or forces review (a unit that cannot be read). A statement
is parsed only when its rules and fillers account for every meaningful word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from rrmm.trials.model import CriterionKind
from rrmm.trials.rules import Rule
from rrmm.trials.vocabulary import Vocabulary

__all__ = ["Ctx", "Hit", "HitKind", "days_of", "hits_for"]


class HitKind(StrEnum):
    """What a span of the statement is."""

    RULE = "rule"
    FILLER = "filler"
    WINDOW = "window"
    REVIEW = "review"


@dataclass(frozen=True, slots=True)
class Hit:
    """A claimed span ``[start, end)`` of the normalised statement.

    ``timed`` marks a rule whose meaning depends on when something happened (drug
    exposure, transplant): a screening window left beside it is not filler.
    """

    start: int
    end: int
    kind: HitKind
    rule: Rule | None = None
    note: str = ""
    timed: bool = False
    priority: int = 0


@dataclass(frozen=True, slots=True)
class Ctx:
    """The statement being parsed: normalised text, kind, heading path and vocabulary.

    ``excluding`` is true when a list in the statement names things that must all be
    absent (an exclusion, or an inclusion that starts with "No"): a list written with
    commas then means "any of" rather than "all of".
    """

    text: str
    kind: CriterionKind
    section: str
    vocabulary: Vocabulary
    excluding: bool


def hits_for(
    pattern: re.Pattern[str], ctx: Ctx, rule: Rule | None, kind: HitKind = HitKind.RULE
) -> list[Hit]:
    """One hit per match of ``pattern``, all with the same rule."""
    return [Hit(m.start(), m.end(), kind, rule) for m in pattern.finditer(ctx.text)]


_UNIT_DAYS = {
    "hour": 1 / 24,
    "hours": 1 / 24,
    "hr": 1 / 24,
    "hrs": 1 / 24,
    "h": 1 / 24,
    "day": 1,
    "days": 1,
    "d": 1,
    "week": 7,
    "weeks": 7,
    "wk": 7,
    "wks": 7,
    "month": 30.44,
    "months": 30.44,
    "mo": 30.44,
    "year": 365.25,
    "years": 365.25,
    "yr": 365.25,
    "yrs": 365.25,
}


def days_of(value: float, unit: str) -> int:
    """A duration in whole days (months of 30.44 days, years of 365.25), at least 1."""
    return max(1, round(value * _UNIT_DAYS[unit]))
