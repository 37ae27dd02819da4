"""Turn eligibility statements into rules, or leave them for review.

A statement is parsed when the extractors' spans account for every meaningful word:
what is left may only be function words ("patients must have"), punctuation, the
connectors that join the rules and one negation ("No", "not allowed"). A number, a
condition ("if", "unless", "except"), a judgement ("in the opinion of the
investigator") or any unknown word left over sends the statement to review, with the
words that were not understood. A review statement has no rule and is never met.

Rules found in one statement are joined by the statement's own words: "or" means any,
"and" means all; commas alone mean all in an inclusion and any in an exclusion (a list
of excluding conditions) or after a leading "No". A screening window ("within 14 days
before randomisation") is filler beside laboratory values but not beside a drug or
transplant, where the time is the criterion.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import pairwise

from rrmm.trials.eligibility_text import Statement, split_eligibility
from rrmm.trials.history_extractors import HISTORY_EXTRACTORS
from rrmm.trials.hits import Ctx, Hit, HitKind
from rrmm.trials.measure_extractors import MEASURE_EXTRACTORS
from rrmm.trials.model import Criterion, CriterionKind, Origin, ParsedTrial, Sex, Trial
from rrmm.trials.quantities import normalise
from rrmm.trials.rules import (
    Age,
    AllOf,
    AnyOf,
    Bound,
    Lab,
    Measurable,
    Not,
    Op,
    Permissive,
    Rule,
    SexIs,
)
from rrmm.trials.statement_forms import Parse, statement_form
from rrmm.trials.vocabulary import Vocabulary

__all__ = ["ParseResult", "parse_statement", "parse_trial", "registry_criteria"]

_EXTRACTORS = (*MEASURE_EXTRACTORS, *HISTORY_EXTRACTORS)

_FILLER = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "with",
        "to",
        "for",
        "in",
        "on",
        "at",
        "by",
        "as",
        "from",
        "be",
        "is",
        "are",
        "was",
        "were",
        "been",
        "being",
        "has",
        "have",
        "had",
        "having",
        "must",
        "should",
        "shall",
        "will",
        "would",
        "may",
        "can",
        "could",
        "do",
        "does",
        "did",
        "who",
        "whom",
        "whose",
        "which",
        "that",
        "this",
        "these",
        "those",
        "there",
        "their",
        "his",
        "her",
        "its",
        "they",
        "he",
        "she",
        "it",
        "patient",
        "patients",
        "participant",
        "participants",
        "subject",
        "subjects",
        "person",
        "persons",
        "individual",
        "individuals",
        "documented",
        "documentation",
        "evidence",
        "known",
        "history",
        "diagnosed",
        "confirmed",
        "prior",
        "previous",
        "previously",
        "any",
        "all",
        "also",
        "both",
        "each",
        "such",
        "than",
        "disease",
        "myeloma",
        "multiple",
        "mm",
        "study",
        "entry",
        "screening",
        "baseline",
        "and",
        "or",
        "and/or",
        "nor",
        "value",
        "values",
        "level",
        "levels",
        "count",
        "counts",
        "defined",
        "following",
        "criteria",
        "presence",
        "present",
        "current",
        "currently",
        "demonstrated",
        "demonstrate",
        "show",
        "shows",
        "showing",
        "meet",
        "meets",
        "met",
        "received",
        "receive",
        "receiving",
        "treated",
        "therapy",
        "therapies",
        "treatment",
        "treatments",
        "regimen",
        "regimens",
        "line",
        "lines",
        "drug",
        "drugs",
        "agent",
        "agents",
        "medication",
        "medications",
        "status",
        "score",
        "scale",
        "result",
        "results",
        "test",
        "tests",
        "laboratory",
        "lab",
        "function",
        "functions",
        "dose",
        "day",
        "days",
        "week",
        "weeks",
        "cycle",
        "time",
        "date",
        "start",
        "randomization",
        "randomisation",
        "enrollment",
        "enrolment",
        "registration",
        "consent",
        "signing",
        "per",
        "according",
        "based",
        "using",
        "by",
        "defined",
        "define",
        "definition",
        "measured",
        "calculated",
        "estimated",
        "obtained",
        "including",
        "include",
        "includes",
        "included",
        "time",
        "point",
        "time-point",
        "which",
        "who",
        "whose",
        "where",
        "during",
        "had",
        "has",
        "have",
        "been",
        "should",
        "following",
        "follows",
        "as",
        "having",
        "must",
        "documented",
        "least",
        "age",
        "aged",
        "years",
        "year",
        "old",
        "older",
        "adult",
        "adults",
        "centrally",
        "locally",
        "local",
        "central",
        "assessed",
        "assessment",
        "values",
        "confirmed",
        "serum",
        "plasma",
        "blood",
        "sample",
        "samples",
        "participants'",
        "patient's",
        "performance",
        "eastern",
        "cooperative",
        "oncology",
        "group",
        "suspected",
    ]
)
_NEGATIONS = frozenset(
    [
        "no",
        "not",
        "none",
        "without",
        "never",
        "absence",
        "free",
        "negative",
        "lack",
        "cannot",
        "non",
    ]
)
_SUFFIX_NEGATION = frozenset(["excluded", "prohibited", "ineligible", "disallowed"])
_CONNECT_OR = frozenset({"or", "and/or", "either", "nor"})
_CONNECT_AND = frozenset(
    {"and", "with", "who", "including", "plus", "but", "also", "which", "while"}
)
_WORD = re.compile(r"[a-z0-9][a-z0-9'/+-]*")
_LEADING_NEGATION = re.compile(
    r"^(?:(?:patients?|participants?|subjects?) (?:with |who (?:have|has|had) )?)?(?:no|not|none"
    r"|without|never|must not|should not|has not|have not|had not|did not|is not|are not"
    r"|absence of|free of|negative for|lack of|cannot|may not)\b"
)
_PERMISSIVE = re.compile(
    r"^(?P<what>[^.;:]+?),? (?:is |are |will be |is also |are also |may be |can be )?"
    r"(?:allowed|permitted|acceptable)(?: (?:in|on|for) (?:the|this) (?:study|trial)"
    r"| to participate| to enroll)?\.?$"
)
_PERMISSIVE_BLOCKERS = re.compile(
    r"\b(?:if|provided|unless|as long as|only|except|but|not|must|when|after|before|within"
    r"|up to|at least|no|until|while|however|once|required)\b|\d"
)
_MAY = re.compile(r"^(?:(?:patients?|subjects?|participants?) )?(?:may|can) (?!not\b)")
_INCLUSION_PHRASED = re.compile(
    r"^(?:no more than|not more than|at least|a minimum of|must have|must be|adequate|able to"
    r"|willing)\b"
)
_NOT_SPECIFIED = re.compile(
    r"^(?:[a-z ]+: ?)?(?:not specified|see (?:disease characteristics"
    r"|general eligibility criteria|above|below)|none)\.?$"
)
_ADEQUATE = re.compile(
    r"adequate (?:bone marrow|hematologic(?:al)?|haematologic(?:al)?|hepatic|liver|renal|kidney"
    r"|organ|end[- ]organ|marrow|hematopoietic)(?:,? (?:and |or )?(?:organ|renal|hepatic|"
    r"hematologic|bone marrow|liver|kidney))*(?: (?:function|reserve)s?)?(?: (?:as )?(?:defined"
    r"|evidenced|indicated|demonstrated) (?:by|as))?(?: the following)?"
)


class ParseResult:
    """A statement's rule (or None) and why it was left for review."""

    __slots__ = ("note", "rule")

    def __init__(self, rule: Rule | None, note: str = "") -> None:
        self.rule = rule
        self.note = note


def _resolve(hits: Iterable[Hit]) -> list[Hit]:
    """Non-overlapping hits: higher priority first, then longer, then earlier."""
    chosen: list[Hit] = []
    for hit in sorted(hits, key=lambda h: (-h.priority, -(h.end - h.start), h.start)):
        if hit.end <= hit.start:
            continue
        if all(hit.end <= c.start or hit.start >= c.end for c in chosen):
            chosen.append(hit)
    return sorted(chosen, key=lambda h: h.start)


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def _gap_join(text: str) -> str:
    words = set(_words(text))
    if words & _CONNECT_OR:
        return "or"
    if words & _CONNECT_AND:
        return "and"
    return "comma"


def _merge_measurable(rules: list[Rule]) -> Rule:
    serum = [r.serum_g_dl for r in rules if isinstance(r, Measurable) and r.serum_g_dl]
    urine = [r.urine_mg_24h for r in rules if isinstance(r, Measurable) and r.urine_mg_24h]
    flc = [r.flc_mg_l for r in rules if isinstance(r, Measurable) and r.flc_mg_l]
    return Measurable(
        min(serum) if serum else None, min(urine) if urine else None, min(flc) if flc else None
    )


def _combine(rules: list[Rule], joins: list[str], any_for_commas: bool) -> Rule | None:
    if len(rules) == 1:
        return rules[0]
    if all(isinstance(r, Measurable) and r.specified for r in rules):
        return _merge_measurable(rules)
    kinds = set(joins)
    if {"or", "and"} <= kinds:
        return None
    if "or" in kinds:
        return AnyOf(tuple(rules))
    if "and" in kinds:
        return AllOf(tuple(rules))
    return AnyOf(tuple(rules)) if any_for_commas else AllOf(tuple(rules))


def parse_statement(
    text: str, kind: CriterionKind, vocabulary: Vocabulary, section: str = ""
) -> ParseResult:
    """The rule a statement states, or None with the reason it needs review."""
    norm = normalise(text)
    if _NOT_SPECIFIED.match(norm):
        return ParseResult(Permissive(norm))
    permissive = _PERMISSIVE.match(norm)
    if permissive and not _PERMISSIVE_BLOCKERS.search(permissive["what"]):
        return ParseResult(Permissive(permissive["what"]))
    if _MAY.match(norm) and not _PERMISSIVE_BLOCKERS.search(norm[_MAY.match(norm).end() :]):  # type: ignore[union-attr]
        return ParseResult(Permissive(norm))
    if kind is CriterionKind.EXCLUSION and _INCLUSION_PHRASED.match(norm):
        return ParseResult(None, "an inclusion requirement listed under exclusion criteria")
    form = statement_form(norm, kind, vocabulary, _sub_parser(vocabulary, section))
    if form is not None:
        return ParseResult(form)
    negated_start = _LEADING_NEGATION.match(norm) is not None
    excluding = (kind is CriterionKind.EXCLUSION) != negated_start
    ctx = Ctx(norm, kind, section, vocabulary, excluding)
    found: list[Hit] = []
    for extractor in _EXTRACTORS:
        found += extractor(ctx)
    adequate = [Hit(m.start(), m.end(), HitKind.FILLER) for m in _ADEQUATE.finditer(norm)]
    hits = _resolve(found + adequate)
    rule_hits = [h for h in hits if h.kind is HitKind.RULE]
    review = [h for h in hits if h.kind is HitKind.REVIEW]
    if review:
        return ParseResult(None, "; ".join(h.note for h in review))
    if not rule_hits:
        return ParseResult(None, "no criterion recognised")
    if adequate and not any(_is_lab(h.rule) for h in rule_hits):
        return ParseResult(None, "'adequate function' without thresholds")
    windows = [h for h in hits if h.kind is HitKind.WINDOW]
    if windows and any(h.timed for h in rule_hits):
        return ParseResult(None, "a time window beside a dated history item")
    # what the hits leave: connectors between rules, negation, function words
    leftover: list[tuple[int, str]] = []
    position = 0
    for hit in hits:
        leftover += [
            (position + m.start(), m.group(0)) for m in _WORD.finditer(norm[position : hit.start])
        ]
        position = hit.end
    leftover += [(position + m.start(), m.group(0)) for m in _WORD.finditer(norm[position:])]
    first_rule, last_rule = rule_hits[0].start, rule_hits[-1].end
    negated = False
    unknown: list[str] = []
    for where, word in leftover:
        if word == "free" and not norm.startswith("free of", where):
            unknown.append(word)
            continue
        if word in _NEGATIONS:
            if where < first_rule and not negated:
                negated = True
                continue
            if where >= last_rule and word in ("not", "negative") and not negated:
                negated = True
                continue
            return ParseResult(None, f"negation inside the statement ('{word}')")
        if word in _SUFFIX_NEGATION and where >= last_rule and not negated:
            # "X is excluded": an inclusion stated as its opposite; under exclusion criteria
            # the word only repeats what the heading says
            negated = kind is CriterionKind.INCLUSION
            continue
        if word in ("allowed", "permitted") and where >= last_rule and negated:
            continue
        if word in _FILLER:
            continue
        unknown.append(word)
    if unknown:
        shown = " ".join(dict.fromkeys(unknown))
        return ParseResult(None, f"not understood: {shown}")
    joins = [_gap_join(norm[a.end : b.start]) for a, b in pairwise(rule_hits)]
    rules = [h.rule for h in rule_hits if h.rule is not None]
    combined = _combine(rules, joins, excluding)
    if combined is None:
        return ParseResult(None, "rules joined by both 'and' and 'or'")
    return ParseResult(Not(combined) if negated else combined)


def _sub_parser(vocabulary: Vocabulary, section: str) -> Parse:
    def parse(text: str, kind: CriterionKind) -> Rule | None:
        return parse_statement(text, kind, vocabulary, section).rule

    return parse


def _is_lab(rule: Rule | None) -> bool:
    if isinstance(rule, Lab):
        return True
    if isinstance(rule, AllOf | AnyOf):
        return any(_is_lab(item) for item in rule.items)
    if isinstance(rule, Not):
        return _is_lab(rule.item)
    return False


def registry_criteria(trial: Trial) -> tuple[Criterion, ...]:
    """Criteria from the registry's structured fields: minimum/maximum age and sex."""
    out: list[Criterion] = []
    bounds: list[Bound] = []
    words: list[str] = []
    if trial.minimum_age is not None:
        bounds.append(Bound(Op.GE, trial.minimum_age))
        words.append(f"minimum age {trial.minimum_age_text or trial.minimum_age}")
    if trial.maximum_age is not None:
        bounds.append(Bound(Op.LE, trial.maximum_age))
        words.append(f"maximum age {trial.maximum_age_text or trial.maximum_age}")
    if bounds:
        text = "Registry eligibility: " + ", ".join(words)
        out.append(
            Criterion(
                text, CriterionKind.INCLUSION, Age(tuple(bounds)), "registry", Origin.REGISTRY
            )
        )
    if trial.sex is not Sex.ALL:
        out.append(
            Criterion(
                f"Registry eligibility: sex {trial.sex.value}",
                CriterionKind.INCLUSION,
                SexIs("female") if trial.sex is Sex.FEMALE else SexIs("male"),
                "registry",
                Origin.REGISTRY,
            )
        )
    return tuple(out)


def _criterion(statement: Statement, vocabulary: Vocabulary) -> Criterion:
    if statement.donor:
        return Criterion(
            statement.text, statement.kind, None, statement.section, note="donor criterion"
        )
    key = ("statement", statement.text, statement.kind, statement.section)
    cached = vocabulary.interned.get(key)
    if not isinstance(cached, ParseResult):
        cached = parse_statement(statement.text, statement.kind, vocabulary, statement.section)
        if cached.rule is not None:
            # one object per distinct rule across every trial parsed with this vocabulary
            cached.rule = vocabulary.interned.setdefault(cached.rule, cached.rule)  # type: ignore[assignment]
        vocabulary.interned[key] = cached
    return Criterion(
        statement.text, statement.kind, cached.rule, statement.section, note=cached.note
    )


def parse_trial(trial: Trial, vocabulary: Vocabulary) -> ParsedTrial:
    """Split and parse a trial's eligibility text, with the registry's age and sex first."""
    statements = split_eligibility(trial.eligibility_text)
    criteria = registry_criteria(trial) + tuple(_criterion(s, vocabulary) for s in statements)
    return ParsedTrial(trial, criteria)
