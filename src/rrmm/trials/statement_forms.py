"""Whole-statement forms the span extractors cannot see: conditions, scopes, permissions.

Each function recognises one shape of statement and builds its rule from the parts,
parsed by the ordinary parser, or returns None when the shape does not apply:

- **exception clauses** ("The only exception is the emergency use of steroids") permit
  something and restrict nothing;
- **conditionals** "If X, Y": an inclusion means "not X, or Y"; an exclusion "X and Y";
- **sex-scoped requirements** ("Women of child-bearing potential must ...", "Male
  patients must use a condom ..."): the requirement itself is not in a record, but it
  does not apply to the other sex;
- **conditional permissions** ("Concurrent bisphosphonates allowed if on a stable dose"):
  no restriction unless the patient is on the agent now;
- **performance-status relaxations** ("ECOG 0-1. ECOG 2 allowed if due to bone disease"):
  the base range, or the wider one when its reason (not in the record) holds.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from rrmm.trials.model import CriterionKind
from rrmm.trials.rules import (
    AllOf,
    AnyOf,
    Bound,
    Not,
    Op,
    Performance,
    Permissive,
    RecentTherapy,
    Rule,
    SexIs,
    Unrecordable,
)
from rrmm.trials.vocabulary import Vocabulary

__all__ = ["Parse", "statement_form"]

Parse = Callable[[str, CriterionKind], Rule | None]

_EXCEPTION = re.compile(
    r"^(?:the only exceptions? (?:is|are|will be)|exceptions? (?:is|are|include|will be)"
    r"|an exception (?:is|will be made))\b"
)
_CONDITIONAL = re.compile(r"^if (?P<cond>[^,;]{3,120}), (?P<then>[^;]+)$")
_FEMALE = re.compile(
    r"^(?:all )?(?:(?:female|women|woman|females)(?: patients| participants| subjects)?"
    r"(?: \([^)]*\))?(?: (?:of|who are of|with) (?:child[- ]?bearing|reproductive) potential)"
    r"|(?:wocbp|fcbp|wcbp)\b|(?:females|women) of (?:child[- ]?bearing|reproductive) potential)"
)
_MALE = re.compile(
    r"^(?:all )?(?:male|men|males)(?: patients| participants| subjects)?\b(?=.*\b(?:contracepti"
    r"|condom|barrier|sperm|partner|father))"
)
_BOTH = re.compile(
    r"\b(?:and|or|and/or)(?: all)? (?:men|male|males|women|woman|female|females|wcbp|wocbp|fcbp)\b"
    r"|\b(?:men|males?) (?:and|or) (?:women|females?)\b"
)
_ALLOWED_IF = re.compile(
    r"^(?:concurrent|concomitant|ongoing|current) (?P<what>.+?) (?:is |are )?(?:allowed|permitted)"
    r" (?P<why>(?:if|provided|as long as|when) .+)$"
)
_RELAX = re.compile(
    r"^(?P<base>.+?)\.? (?:ecog|performance status|ps|ecog performance status)(?: score)?"
    r" (?:of )?(?P<n>[0-4])(?: (?:or|-|to) (?P<m>[0-4]))? (?:is |are |will be )?(?:allowed"
    r"|permitted|acceptable|eligible) (?P<why>(?:if|when|provided) .+)$"
)


def _scoped(sex: str, kind: CriterionKind, what: str) -> Rule:
    unknown = Unrecordable(what)
    scope = SexIs(sex)  # type: ignore[arg-type]
    if kind is CriterionKind.INCLUSION:
        return AnyOf((Not(scope), unknown))
    return AllOf((scope, unknown))


def statement_form(
    norm: str, kind: CriterionKind, vocabulary: Vocabulary, parse: Parse
) -> Rule | None:
    """The rule of a statement of one of the whole-statement forms, or None."""
    text = norm.rstrip(". ")
    if _EXCEPTION.match(text):
        return Permissive(text)
    conditional = _CONDITIONAL.match(text)
    if conditional:
        condition = parse(conditional["cond"], CriterionKind.INCLUSION)
        then = parse(conditional["then"], CriterionKind.INCLUSION)
        if condition is None or then is None:
            return None
        if kind is CriterionKind.INCLUSION:
            return AnyOf((Not(condition), then))
        return AllOf((condition, then))
    both = _BOTH.search(text) is not None
    if _FEMALE.match(text) and not both:
        return _scoped("female", kind, "requirement for women of child-bearing potential")
    if _MALE.match(text) and not both:
        return _scoped("male", kind, "requirement for men (contraception)")
    allowed = _ALLOWED_IF.match(text)
    if allowed and kind is CriterionKind.INCLUSION:
        target = vocabulary.target(allowed["what"])
        if target is not None:
            return AnyOf((Not(RecentTherapy(target, 1)), Unrecordable(f"'{allowed['why']}'")))
    relax = _RELAX.match(text)
    if relax:
        base = parse(relax["base"], kind)
        wider = float(relax["m"] or relax["n"])
        if isinstance(base, Performance) and base.scale == "ecog":
            limits = [b.value for b in base.bounds if b.op in (Op.LE, Op.LT)]
            if limits and max(limits) < wider:
                relaxed = AllOf(
                    (Performance("ecog", (Bound(Op.LE, wider),)), Unrecordable(relax["why"]))
                )
                return AnyOf((base, relaxed))
    return None
