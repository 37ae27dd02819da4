"""Numbers, comparisons and units as eligibility text writes them, converted explicitly.

``normalise`` rewrites the typographic variants registries use (``≥``, ``> or =``,
``>/=``, ``×10⁹/L``, ``µL``, ``1,000``) into one plain lowercase spelling; the other
functions read thresholds from that spelling. A unit is mapped to a UCUM code of
:mod:`rrmm.core.units` and converted to the analyte's canonical unit by
:func:`rrmm.core.analytes.to_canonical`; a number without a unit, or with a unit of
the wrong kind for the analyte, gives ``None`` — the caller then leaves the criterion
for review rather than guess.

Examples: ``ANC ≥ 1,000/mm3`` is 1.0 ×10⁹/L; ``platelets ≥ 75,000/µL`` is 75 ×10⁹/L;
``haemoglobin ≥ 80 g/L`` is 8 g/dL; ``bilirubin ≤ 1.5 x ULN`` is a multiple of the upper
limit of normal and needs the laboratory's reference range to decide.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rrmm.core.analytes import Analyte, check_unit, to_canonical
from rrmm.core.units import Quantity, UnitError
from rrmm.trials.rules import Bound, Op

__all__ = [
    "COMPARATOR",
    "NUMBER",
    "UNIT",
    "Threshold",
    "canonical_value",
    "normalise",
    "number_value",
    "parse_op",
    "read_threshold",
    "threshold_bound",
    "unit_code",
]

_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
_REPLACEMENTS = (
    ("\u00a0", " "),
    ("\u2009", " "),
    ("\u202f", " "),
    ("–", "-"),
    ("—", "-"),
    ("‑", "-"),
    ("−", "-"),
    ("’", "'"),
    ("‘", "'"),
    ("“", '"'),
    ("”", '"'),
    ("≥", ">="),
    ("≧", ">="),
    ("⩾", ">="),
    ("≤", "<="),
    ("≦", "<="),
    ("⩽", "<="),
    ("×", "x"),
    ("µ", "u"),
    ("μ", "u"),
)
_THOUSANDS = re.compile(r"(?<![\d.,])(\d{1,3}(?:,\d{3})+)(?![\d,]*\.?\d)")
_POWER_MARKS = re.compile(r"10\s*(?:\^|\*|e)\s*(\d)")
_LOST_SUPERSCRIPT = re.compile(r"(?<![a-z])x\s*10\s?(9|3|6|12)\s*/")
_SPACES = re.compile(r"\s+")
_OPERATORS = (
    (
        re.compile(r">\s*(?:/\s*)?or\s*=|=\s*or\s*>|>\s*/\s*=|=\s*>|=\s*/\s*>|>\s*="),
        " >= ",
    ),
    (
        re.compile(r"<\s*(?:/\s*)?or\s*=|=\s*or\s*<|<\s*/\s*=|=\s*<|=\s*/\s*<|<\s*="),
        " <= ",
    ),
)


def normalise(text: str) -> str:
    """One plain lowercase spelling of comparisons, powers of ten, units and thousands."""
    out = text.translate(_SUPERSCRIPTS) if any(ch in text for ch in "⁰¹²³⁴⁵⁶⁷⁸⁹") else text
    for old, new in _REPLACEMENTS:
        if old in out:
            out = out.replace(old, new)
    out = out.lower()
    for pattern, spelled in _OPERATORS:
        out = pattern.sub(spelled, out)
    out = _THOUSANDS.sub(lambda m: m.group(1).replace(",", ""), out)
    out = _POWER_MARKS.sub(r"10^\1", out)
    out = _LOST_SUPERSCRIPT.sub(r"x 10^\1/", out)
    return _SPACES.sub(" ", out).strip()


_GE = (
    r">=|greater than or equal to|greater than or equal|more than or equal to|equal to or greater"
    r" than|equal or greater than|equal to or more than|equal to or above|at least|no less than"
    r"|not less than|no lower than|not lower than|not below|minimum of|minimum|a minimum of"
)
_GT = r">|greater than|more than|higher than|above|exceeding|in excess of|over"
_LE = (
    r"<=|less than or equal to|less than or equal|equal to or less than|equal or less than"
    r"|no greater than|not greater than|no more than|not more than|not exceeding|not to exceed"
    r"|no higher than|not higher than|not above|at most|maximum of|a maximum of|up to|max"
)
_LT = r"<|less than|lower than|below|under|fewer than"
COMPARATOR = rf"(?:{_GE}|{_LE}|{_GT}|{_LT})"
_OP_PATTERNS = (
    (re.compile(rf"^(?:{_GE})$"), Op.GE),
    (re.compile(rf"^(?:{_LE})$"), Op.LE),
    (re.compile(rf"^(?:{_GT})$"), Op.GT),
    (re.compile(rf"^(?:{_LT})$"), Op.LT),
)
_POSTFIX_GE = r"or (?:more|greater|higher|above|over|older)|and (?:over|above|older|greater)"
_POSTFIX_LE = r"or (?:less|lower|below|fewer|younger|under)"

_WORDS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "single": 1,
}
NUMBER = (
    r"(?:\d+(?:\.\d+)?|\.\d+|zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
)


def number_value(text: str) -> float:
    """The value of a number as written: digits or an English word up to twelve."""
    word = _WORDS.get(text.strip())
    return float(word) if word is not None else float(text)


def parse_op(text: str) -> Op:
    """The comparison a normalised comparator phrase stands for."""
    phrase = _SPACES.sub(" ", text.strip())
    for pattern, op in _OP_PATTERNS:
        if pattern.match(phrase):
            return op
    raise ValueError(f"not a comparator: {text!r}")


# Written unit (normalised) -> UCUM code of rrmm.core.units, or a relative marker.
_UNIT_SPELLINGS: tuple[tuple[str, str], ...] = (
    (r"x ?10\^9 ?/ ?l(?:iter|itre)?\b", "10*9/L"),
    (r"x ?10\^9 ?(?:cells)? ?per ?l(?:iter|itre)?\b", "10*9/L"),
    (r"x ?10\^3 ?/ ?(?:ul|mcl|microliter|mm3|mm\^3|cu ?mm)", "10*3/uL"),
    (r"x ?10\^12 ?/ ?l\b", "10*12/L"),
    (r"(?:cells ?)?/ ?(?:mm3|mm\^3|cu ?mm|cmm|mm 3)", "/mm3"),
    (r"(?:cells ?)?/ ?(?:ul|mcl|microliter|microlitre)\b", "/uL"),
    (r"(?:cells ?)?per ?(?:mm3|mm\^3|cubic millimet(?:er|re))", "/mm3"),
    (r"(?:cells ?)?per ?(?:ul|microliter|microlitre)\b", "/uL"),
    (r"k ?/ ?ul\b", "10*3/uL"),
    (r"g ?/ ?dl\b|gm ?/ ?dl\b|grams? per deciliter", "g/dL"),
    (r"g ?/ ?l\b|gm ?/ ?l\b|grams? per liter", "g/L"),
    (r"mg ?/ ?dl\b|mg ?%", "mg/dL"),
    (r"mg ?/ ?l\b", "mg/L"),
    (
        r"(?:g|gm|grams?) (?:excreted )?(?:in|per|over) (?:a |the )?24-? ?h(?:ou)?rs?(?: urine)?"
        r"(?: (?:collection|sample|specimen))*",
        "g/(24.h)",
    ),
    (
        r"(?:mg|milligrams?) (?:excreted )?(?:in|per|over) (?:a |the )?24-? ?h(?:ou)?rs?"
        r"(?: urine)?(?: (?:collection|sample|specimen))*",
        "mg/(24.h)",
    ),
    (r"(?:umol|micromol|mcmol) ?/ ?l\b", "umol/L"),
    (r"mmol ?/ ?l\b", "mmol/L"),
    (
        r"mg ?(?:/|per|in|in a) ?24 ?-? ?(?:h|hr|hrs|hour|hours)\b(?: urine)?"
        r"|mg ?/ ?24h\b|mg ?/ ?(?:day|d)\b|mg ?per ?day",
        "mg/(24.h)",
    ),
    (
        r"(?:g|gm|gram|grams) ?(?:/|per|in|in a) ?24 ?-? ?(?:h|hr|hrs|hour|hours)\b(?: urine)?"
        r"|g ?/ ?24h\b|g ?/ ?(?:day|d)\b",
        "g/(24.h)",
    ),
    (
        r"ml ?/ ?min(?:ute)? ?/ ?1\.73 ?m(?:\^?2)?\b|ml ?/ ?min(?:ute)? per 1\.73 ?m(?:\^?2)?\b",
        "mL/min/{1.73_m2}",
    ),
    (r"ml ?/ ?min(?:ute)?\b|ml per min(?:ute)?\b|cc ?/ ?min\b", "mL/min"),
    (r"(?:iu|u|units) ?/ ?l\b", "U/L"),
    (
        r"(?:x|times|fold)? ?(?:the )?(?:institutional |upper |local )*(?:uln|upper limits? of"
        r" (?:the )?normal(?: range)?|upper normal limit|upper limit of the normal range)"
        r"(?: \(uln\))?(?: for (?:the |your )?(?:age|institution|laboratory|lab))?",
        "uln",
    ),
    (
        r"(?:x|times)? ?(?:the )?(?:institutional |lower )*(?:lln|lower limit of (?:the )?normal)",
        "lln",
    ),
    (r"%|percent\b", "%"),
)
_UNIT_PATTERNS = tuple((re.compile(pattern), code) for pattern, code in _UNIT_SPELLINGS)
UNIT = "|".join(f"(?:{pattern})" for pattern, _ in _UNIT_SPELLINGS)


def unit_code(written: str) -> str | None:
    """The UCUM code (or ``uln``/``lln``) a normalised unit spelling stands for."""
    text = written.strip()
    for pattern, code in _UNIT_PATTERNS:
        if pattern.fullmatch(text):
            return code
    return None


@dataclass(frozen=True, slots=True)
class Threshold:
    """A comparison read from text: ``op value unit`` and where it was written."""

    op: Op
    value: float
    unit: str | None
    start: int
    end: int

    @property
    def relative(self) -> str:
        """``uln``/``lln`` for a multiple of a normal limit, else empty."""
        return self.unit if self.unit in ("uln", "lln") else ""


_THRESHOLD = re.compile(
    rf"(?P<op>{COMPARATOR})?\s?(?:of |to |than |a |an )?(?P<num>{NUMBER})"
    rf"(?P<unit>\s?(?:{UNIT}))?"
    rf"(?:\s?(?P<post>{_POSTFIX_GE}|{_POSTFIX_LE}))?"
)
_POST_GE = re.compile(_POSTFIX_GE)


def read_threshold(text: str, start: int = 0) -> Threshold | None:
    """The comparison that starts at ``start`` in normalised text, or None.

    A comparison needs an operator before the number ("≥ 1.5", "at least 1.5") or
    after it ("1.5 or more"); a bare number is not a threshold.
    """
    found = _THRESHOLD.match(text, start)
    if found is None or found.group("num") is None:
        return None
    op_text, post = found.group("op"), found.group("post")
    if op_text is None and post is None:
        return None
    op = parse_op(op_text) if op_text else (Op.GE if _POST_GE.fullmatch(post) else Op.LE)
    unit_text = found.group("unit")
    unit = unit_code(unit_text) if unit_text else None
    return Threshold(op, number_value(found.group("num")), unit, found.start(), found.end())


def canonical_value(analyte: Analyte, value: float, unit: str | None) -> float | None:
    """``value unit`` in the analyte's canonical unit; None when the unit cannot express it."""
    if unit is None or unit in ("uln", "lln"):
        return None
    if check_unit(analyte, unit) is not None:
        return None
    try:
        return to_canonical(analyte, Quantity(value, unit))
    except UnitError:
        return None


def threshold_bound(analyte: Analyte, threshold: Threshold) -> Bound | None:
    """The threshold as a bound in the analyte's canonical unit (or as a multiple of ULN)."""
    if threshold.relative:
        return Bound(threshold.op, threshold.value)
    value = canonical_value(analyte, threshold.value, threshold.unit)
    return None if value is None else Bound(threshold.op, value)
