"""Split a registry's eligibility text into inclusion and exclusion statements.

Handles the three shapes ClinicalTrials.gov text comes in: the API v2 Markdown
("Inclusion Criteria:" then ``*`` or ``1.`` items, nested by indentation), the legacy
XML text block (``-`` items hard-wrapped at 80 columns), and the older NCI PDQ layout
("DISEASE CHARACTERISTICS:", "PATIENT CHARACTERISTICS:", "PRIOR CONCURRENT THERAPY:"
with subheadings such as "Age" or "Renal", all of it requirements).

Each item becomes one or more statements, split at sentence ends. A sentence that only
qualifies the one before it (a definition, an exception, a permission with a
condition) stays with it, so a statement is never cut away from what limits it. Items
introduced by "one of the following:" are kept together as one statement; the items
of "the following laboratory values:" become separate statements that remember the
heading they sat under.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rrmm.trials.model import CriterionKind

__all__ = ["Statement", "split_eligibility", "split_sentences"]


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement of the eligibility text, with its kind and heading path."""

    text: str
    kind: CriterionKind
    section: str = ""
    donor: bool = False


@dataclass
class _Node:
    indent: int
    text: str
    marker: bool
    children: list[_Node] = field(default_factory=list)


_MARKER = re.compile(
    r"^(\s*)(?:[-*•·]|\d{1,2}[.)]|[a-zA-Z][.)]|\((?:[a-z]|[ivx]{1,4}|\d{1,2})\))\s+(\S.*)$"
)
_ESCAPES = re.compile(r"\\([<>*_\[\]()#+.!-])")
_SPACE = re.compile(r"\s+")
_KIND_HEADING = re.compile(
    r"^(?:key |main |major |patient |recipient |donor |additional )?"
    r"(inclusion|exclusion)(?: criteria)?\b[^:]{0,40}:?$",
    re.IGNORECASE,
)
_PDQ_HEADINGS = ("DISEASE CHARACTERISTICS", "PATIENT CHARACTERISTICS", "PRIOR CONCURRENT THERAPY")
_PDQ_LABELS = (
    "Age",
    "Performance status",
    "Life expectancy",
    "Hematopoietic",
    "Hepatic",
    "Renal",
    "Cardiovascular",
    "Pulmonary",
    "Neurologic",
    "Immunologic",
    "Gastrointestinal",
    "Other",
    "Biologic therapy",
    "Chemotherapy",
    "Endocrine therapy",
    "Radiotherapy",
    "Surgery",
)
_PDQ_INLINE = re.compile(r"\s(?=(?:" + "|".join(_PDQ_LABELS) + r"):\s)")
_PDQ_CLAUSE = re.compile(
    r"(?<=[a-zA-Z0-9)%])\s+(?=(?:No|Not|At least|Fertile|HIV|Concurrent|Prior)\s)"
)
_DANGLING = re.compile(r"\b(?:or|and|and/or)$", re.IGNORECASE)
_OR_PARENT = re.compile(
    r"\b(?:one of the following|any of the following|at least one of|one or more of|either)\b",
    re.IGNORECASE,
)
_EXCEPTIONS = re.compile(r"\b(?:except|exception|exceptions|excluding|unless)\b", re.IGNORECASE)
_ALL_PARENT = re.compile(r"\b(?:all of the following|both of the following)\b", re.IGNORECASE)
_MODIFIER = re.compile(
    r"^(?:if|unless|except|exception|exceptions|however|note|nb|i\.e\.|e\.g\.|such|this|these"
    r"|that|for example|for the purpose|in addition|otherwise|or\b|and\b|but\b|for (?:patients"
    r"|subjects|participants) with|in (?:patients|subjects|participants) with|in case of)\b"
    r"|\b(?:allowed|permitted|acceptable|eligible|defined as|is defined|are defined|consists? of"
    r"|is considered|are considered|will be considered|counts? as|regardless|not applicable"
    r"|does not apply|do not apply|in which case|exempt|can be|may be|will be allowed)\b",
    re.IGNORECASE,
)
_ABBREVIATIONS = re.compile(
    r"(?:\b(?:e\.g|i\.e|vs|approx|incl|no|nos|dr|st|et al|ca|min|max|wk|wks|mo|hr|hrs|fig|ref"
    r"|inc|ltd|co)|\b[A-Z])\.$",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\[\"'])")


def _clean(text: str) -> str:
    return _SPACE.sub(" ", _ESCAPES.sub(r"\1", text)).strip()


def _blocks(text: str) -> list[_Node]:
    """Lines joined into items (a marker starts one; wrapped lines continue it)."""
    blocks: list[_Node] = []
    previous_blank = True
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.rstrip()
        if not line.strip():
            previous_blank = True
            continue
        found = _MARKER.match(line)
        if found:
            blocks.append(_Node(len(found.group(1)), found.group(2), True))
        elif previous_blank or not blocks:
            blocks.append(_Node(len(line) - len(line.lstrip()), line.strip(), False))
        else:
            blocks[-1].text += " " + line.strip()
        previous_blank = False
    for block in blocks:
        block.text = _clean(block.text)
    return blocks


def _heading_kind(text: str) -> CriterionKind | None:
    found = _KIND_HEADING.match(text)
    if found is None:
        return None
    return (
        CriterionKind.INCLUSION
        if found.group(1).lower() == "inclusion"
        else CriterionKind.EXCLUSION
    )


def _is_subheading(block: _Node) -> bool:
    if block.marker:
        return False
    words = block.text.rstrip(":").split()
    if block.text.endswith(":") and len(words) <= 8:
        return True
    return len(words) <= 3 and not re.search(r"[.;,\d]", block.text)


def split_sentences(text: str) -> list[str]:
    """Sentences of one item; a sentence that only qualifies the previous one stays with it."""
    pieces: list[str] = []
    start = 0
    for found in _SENTENCE_END.finditer(text):
        head = text[start : found.start()]
        if _ABBREVIATIONS.search(head):
            continue
        pieces.append(head.strip())
        start = found.end()
    pieces.append(text[start:].strip())
    merged: list[str] = []
    for piece in pieces:
        if not piece:
            continue
        if merged and _MODIFIER.search(piece):
            merged[-1] = f"{merged[-1]} {piece}"
        else:
            merged.append(piece)
    return merged


def _tree(blocks: list[_Node]) -> list[_Node]:
    roots: list[_Node] = []
    stack: list[_Node] = []
    last: _Node | None = None
    for block in blocks:
        if last is not None and _DANGLING.search(last.text):
            # "... IgE at initial diagnosis OR" then the alternative on the next item
            last.text += " " + block.text
            continue
        if last is not None and not block.marker and last.text.endswith(":"):
            # an unmarked paragraph after "any of the following:" is that item's content
            block.indent = last.indent + 1
        while stack and stack[-1].indent >= block.indent:
            stack.pop()
        if stack and not block.marker and not stack[-1].text.endswith(":"):
            # an unmarked paragraph under an item continues that item
            stack[-1].text += " " + block.text
            continue
        (stack[-1].children if stack else roots).append(block)
        stack.append(block)
        last = block
    return roots


def _flatten(node: _Node) -> str:
    parts = [node.text]
    parts += [_flatten(child) for child in node.children]
    return "; ".join(p.rstrip(";") for p in parts)


@dataclass
class _State:
    kind: CriterionKind = CriterionKind.INCLUSION
    heading: str = ""
    subheading: str = ""
    donor: bool = False

    @property
    def section(self) -> str:
        return " > ".join(part for part in (self.heading, self.subheading) if part)


def _emit(node: _Node, state: _State, context: str, out: list[Statement]) -> None:
    section = " > ".join(part for part in (state.section, context) if part)
    if not node.children:
        for sentence in split_sentences(node.text):
            out.append(Statement(sentence, state.kind, section, state.donor))
        return
    modifiers = [c for c in node.children if not c.children and _MODIFIER.search(c.text)]
    parent = node.text
    combine = (
        (_OR_PARENT.search(parent) and state.kind is CriterionKind.INCLUSION)
        or (parent.endswith(":") and _MODIFIER.search(parent))
        or (_ALL_PARENT.search(parent) and state.kind is CriterionKind.EXCLUSION)
        or _EXCEPTIONS.search(parent)
        or (not parent.endswith(":") and len(modifiers) == len(node.children))
    )
    if combine:
        out.append(Statement(_flatten(node), state.kind, section, state.donor))
        return
    if parent.endswith(":"):
        for child in node.children:
            _emit(child, state, parent.rstrip(":"), out)
        return
    head = _Node(node.indent, parent, node.marker)
    head.children = modifiers
    if modifiers:
        out.append(Statement(_flatten(head), state.kind, section, state.donor))
    else:
        for sentence in split_sentences(parent):
            out.append(Statement(sentence, state.kind, section, state.donor))
    for child in node.children:
        if child not in modifiers:
            _emit(child, state, "", out)


def _expand_pdq(blocks: list[_Node]) -> list[_Node]:
    """Split run-on PDQ paragraphs at their inline labels ("Age: 18 and over Renal: ...")."""
    out: list[_Node] = []
    for block in blocks:
        heading = next((h for h in _PDQ_HEADINGS if block.text.upper().startswith(h + ":")), None)
        if heading is None or len(block.text) <= len(heading) + 1:
            out.append(block)
            continue
        out.append(_Node(block.indent, heading + ":", False))
        rest = block.text[len(heading) + 1 :].strip()
        for labelled in _PDQ_INLINE.split(" " + rest):
            for piece in _PDQ_CLAUSE.split(labelled.strip()):
                if piece.strip():
                    out.append(_Node(block.indent + 2, piece.strip(), True))
    return out


def split_eligibility(text: str) -> list[Statement]:
    """The statements of an eligibility text, in order, with inclusion/exclusion kind."""
    blocks = _expand_pdq(_blocks(text))
    state = _State()
    out: list[Statement] = []
    pending: list[_Node] = []

    def flush() -> None:
        for node in _tree(pending):
            _emit(node, state, "", out)
        pending.clear()

    for block in blocks:
        kind = None if block.marker else _heading_kind(block.text)
        upper = block.text.rstrip(":").strip().upper()
        if kind is not None:
            flush()
            state.kind, state.heading, state.subheading = kind, block.text.rstrip(":"), ""
            state.donor = "DONOR" in upper
            continue
        if not block.marker and upper in _PDQ_HEADINGS:
            flush()
            state.kind, state.heading, state.subheading = CriterionKind.INCLUSION, upper, ""
            state.donor = False
            continue
        if _is_subheading(block) and not (pending and pending[-1].text.endswith(":")):
            flush()
            state.subheading = block.text.rstrip(":")
            if "DONOR" in upper:
                state.donor = True
            elif "RECIPIENT" in upper or "PATIENT" in upper:
                state.donor = False
            continue
        pending.append(block)
    flush()
    return out
