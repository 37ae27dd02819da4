"""Extractors for the treatment history: lines, drugs, status, transplants, washout.

Prior lines, drug exposure and refractoriness, relapsed/refractory status, diagnosis,
transplants and washout since the last therapy.

A list of drugs or classes ("lenalidomide and a proteasome inhibitor", "bortezomib or
another PI") becomes one rule per item joined by the list's own word: "and" means all,
"or" any; a list written with commas only means all in an inclusion and any in an
exclusion (a list of excluding conditions). Lists that mix "and" and "or" are left
for review.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from rrmm.core.drugs import DrugClass
from rrmm.trials.hits import Ctx, Hit, HitKind, days_of, hits_for
from rrmm.trials.quantities import COMPARATOR, NUMBER, number_value, parse_op
from rrmm.trials.rules import (
    AllOf,
    AnyOf,
    Bound,
    Diagnosis,
    DrugHistory,
    Not,
    Op,
    PriorLines,
    ProgressionOnLast,
    RecentTherapy,
    RefractoryToLast,
    RelapsedRefractory,
    Relation,
    ResponseAchieved,
    Rule,
    Target,
    Transplant,
    Unrecordable,
)
from rrmm.trials.vocabulary import ANY_ANTIMYELOMA, CHEMOTHERAPY, label_rule

__all__ = ["HISTORY_EXTRACTORS", "target_list"]

_N = NUMBER
_CMP = COMPARATOR
_SEP = re.compile(
    r" ?(?P<sep>,? ?(?:and/or|and|or|as well as|plus|nor)|,|/|;) (?:(?:a|an|the|any|other|prior"
    r"|previous|one|at least one|another|either|both|all|any other|an? other) )*"
)
_LEAD = re.compile(
    r"(?:any of the following(?: therapies| treatments| agents| drugs)?:? )?"
    r"(?:(?:a|an|the|any|other|prior|previous|at least one|one|either|both|all|any other"
    r"|another|(?:at least )?(?:1|one) (?:dose|cycle) of) )*"
)


_EXAMPLES_OPEN = re.compile(r" ?\((?:e\.g\.,? |i\.e\.,? |such as |including )?")


def _examples(ctx: Ctx, end: int) -> int:
    """Skip a parenthesised list of examples after a class ("an IMiD (lenalidomide or ...)")."""
    opened = _EXAMPLES_OPEN.match(ctx.text, end)
    if opened is None:
        return end
    position = opened.end()
    while True:
        found = ctx.vocabulary.target_pattern.match(ctx.text, position)
        if found is None or ctx.vocabulary.target(found.group(0)) is None:
            return end
        position = found.end()
        closing = re.compile(r"(?: ?\((?:[^()]*)\))? ?\)").match(ctx.text, position)
        if closing is not None:
            return closing.end()
        separator = _SEP.match(ctx.text, position)
        if separator is None:
            return end
        position = separator.end()


def target_list(ctx: Ctx, start: int) -> tuple[list[Target], int, str] | None:
    """Targets listed from ``start``: the targets, where the list ends and how it is joined.

    The join is ``and``, ``or``, ``comma`` (commas only) or ``mixed``.
    """
    text = ctx.text
    lead = _LEAD.match(text, start)
    position = lead.end() if lead else start
    found = ctx.vocabulary.target_pattern.match(text, position)
    if found is None:
        return None
    first = ctx.vocabulary.target(found.group(0))
    if first is None:
        return None
    targets, end, joins = [first], _examples(ctx, found.end()), set()
    while True:
        separator = _SEP.match(text, end)
        if separator is None:
            break
        following = ctx.vocabulary.target_pattern.match(text, separator.end())
        if following is None:
            break
        target = ctx.vocabulary.target(following.group(0))
        if target is None:
            break
        word = separator.group("sep").strip(" ,")
        joins.add("or" if word in ("or", "and/or", "/", "nor") else "and" if word else "comma")
        targets.append(target)
        end = _examples(ctx, following.end())
    if not joins:
        join = "and"
    elif len(joins) == 1:
        join = joins.pop()
    elif joins == {"comma", "and"}:
        join = "and"
    elif joins == {"comma", "or"}:
        join = "or"
    else:
        join = "mixed"
    return targets, end, join


def _joined(ctx: Ctx, rules: list[Rule], join: str) -> Rule | None:
    if len(rules) == 1:
        return rules[0]
    if join == "mixed":
        return None
    if join == "or" or (join == "comma" and ctx.excluding):
        return AnyOf(tuple(rules))
    return AllOf(tuple(rules))


def _list_hit(
    ctx: Ctx, start: int, after: int, make: Callable[[Target], Rule], negate: bool = False
) -> Hit | None:
    listed = target_list(ctx, after)
    if listed is None:
        return None
    targets, end, join = listed
    rule = _joined(ctx, [make(t) for t in targets], join)
    if rule is None:
        return Hit(start, end, HitKind.REVIEW, note="drug list mixes 'and' and 'or'")
    return Hit(start, end, HitKind.RULE, Not(rule) if negate else rule, timed=True, priority=1)


# ---------------------------------------------------------------- drugs

_REFRACTORY = re.compile(
    r"(?P<neg>\bnot |\bnon-?)?(?:(?:be|being|is|are|was|were|been|considered|documented as"
    r"|disease) )*(?:(?:relapsed (?:and|or|and/or) )?refractory(?: to)? or intolerant"
    r" (?:to|of)|(?:relapsed (?:and|or|and/or) )?refractory (?:to|on|against)|intolerant (?:to|of)"
    r"|(?:evidence of )?refractoriness(?: or intolerance)? (?:to|of)"
    r"|intolerance (?:to|of)) (?:(?:treatment|therapy|prior therapy|prior treatment) with )?"
)
_EXPOSURE = re.compile(
    r"(?:(?:must have|have|has|had|having|who have|who has|must have been|been|were|was|is|are|"
    r"be) )*(?:(?:prior|previous|previously|history of|any prior|any previous) )?(?:received"
    r"|been treated with|treated with|exposed to|exposure to|treatment with|therapy with"
    r"|regimens? (?:containing|including)|receipt of"
    r"|use of|administration of|pretreated with|progressed on|progression on|(?:prior|previous)"
    r"(?: or current)?|including|which (?:must )?(?:have )?include[ds]?|that (?:must )?(?:have )?"
    r"include[ds]?|must include|must have included|to include|(?:previously )?failed)"
    r"(?: (?:prior|previous|therapy with|treatment with|at least one dose of|a regimen"
    r" (?:containing|including)|regimens? containing))* "
)
_NAIVE_TO = re.compile(r"na[iï]ve to ")
_SUFFIX = re.compile(
    r"[- ](?P<word>refractory|exposed|pretreated|treated|experienced|na[iï]ve)(?! to)\b"
)
_LABELS = re.compile(
    r"(?P<label>triple[- ]class|double[- ]class|triple|double|quad(?:ruple)?|penta)"
    r"[- ](?:class[- ])?(?P<state>exposed|refractory)(?: (?:multiple )?myeloma)?"
    r"(?: \((?:[^()]*)\))?"
)


def _relation_rule(target: Target, relation: str) -> Rule:
    if relation == "refractory_or_intolerant":
        return AnyOf(
            (DrugHistory(target, Relation.REFRACTORY), DrugHistory(target, Relation.INTOLERANT))
        )
    return DrugHistory(target, Relation(relation))


def _drugs(ctx: Ctx) -> list[Hit]:
    hits: list[Hit] = []
    text = ctx.text
    for m in _REFRACTORY.finditer(text):
        phrase = m.group(0)
        if "intoleran" in phrase and "refractor" in phrase:
            relation = "refractory_or_intolerant"
        elif "intoleran" in phrase:
            relation = "intolerant"
        else:
            relation = "refractory"
        hit = _list_hit(
            ctx,
            m.start(),
            m.end(),
            lambda t, r=relation: _relation_rule(t, r),  # type: ignore[misc]
            negate=bool(m.group("neg")),
        )
        if hit is not None:
            hits.append(hit)
    for m in _EXPOSURE.finditer(text):
        hit = _list_hit(ctx, m.start(), m.end(), lambda t: DrugHistory(t, Relation.EXPOSED))
        if hit is not None:
            hits.append(hit)
    for m in _NAIVE_TO.finditer(text):
        hit = _list_hit(
            ctx, m.start(), m.end(), lambda t: DrugHistory(t, Relation.EXPOSED), negate=True
        )
        if hit is not None:
            hits.append(hit)
    for m in ctx.vocabulary.target_pattern.finditer(text):
        suffix = _SUFFIX.match(text, m.end())
        target = ctx.vocabulary.target(m.group(0))
        if suffix is None or target is None:
            continue
        word = suffix.group("word")
        relation = Relation.REFRACTORY if word == "refractory" else Relation.EXPOSED
        rule: Rule = DrugHistory(target, relation)
        if word.startswith("na"):
            rule = Not(rule)
        hits.append(Hit(m.start(), suffix.end(), HitKind.RULE, rule, timed=True, priority=1))
    for m in _LABELS.finditer(text):
        kind = m.group("label").replace("-", " ").split()[0]
        state = m.group("state")
        name = {
            "triple": f"triple_class_{state}",
            "double": "double_refractory" if state == "refractory" else "",
            "quad": "quad_refractory" if state == "refractory" else "",
            "quadruple": "quad_refractory" if state == "refractory" else "",
            "penta": f"penta_{state}",
        }.get(kind, "")
        if not name:
            hits.append(Hit(m.start(), m.end(), HitKind.REVIEW, note="unknown label"))
            continue
        definition = m.group(0)
        if "(" in definition and not re.search(
            r"proteasome|\bpi\b|imid|immunomodulat|cd38", definition
        ):
            hits.append(Hit(m.start(), m.end(), HitKind.REVIEW, note="label defined otherwise"))
            continue
        hits.append(Hit(m.start(), m.end(), HitKind.RULE, label_rule(name), timed=True, priority=2))
    return hits


# ---------------------------------------------------------------- prior lines

_NOUN = (
    r"(?:(?:prior|previous|different|distinct|systemic|anti-?myeloma|myeloma|"
    r"treatment|therapeutic|chemotherapy|chemotherapy-based|standard|conventional"
    r"|(?:conventional )?myeloma) )*(?P<noun>lines?|regimens?|therap(?:y|ies)"
    r"|treatments?)(?! with)(?: of (?:prior |previous )?(?:systemic |anti-?myeloma |myeloma "
    r"|antimyeloma )?(?:therapy|therapies|treatment|treatments))?(?: for (?:multiple )?myeloma"
    r"| for (?:their |his or her )?(?:mm|disease))?"
)
_GE_WORDS = r"at least|>=|a minimum of|minimum of|no fewer than|not fewer than|no less than"
_LE_WORDS = r"no more than|not more than|at most|<=|up to|a maximum of|maximum of|not exceeding"
_LINES = (
    re.compile(
        rf"(?P<op1>{_GE_WORDS}) (?P<a>{_N}),? ?(?:but|and) (?P<op2>{_LE_WORDS}) "
        rf"(?P<b>{_N}),? {_NOUN}"
    ),
    re.compile(rf"(?:between )?(?P<a>{_N}) ?(?:-|to|and) ?(?P<b>{_N}) {_NOUN}"),
    re.compile(rf"(?P<op>{_CMP}) ?(?P<n>{_N}) {_NOUN}"),
    re.compile(rf"(?P<n>{_N}) (?P<post>or (?:more|greater|fewer|less)) {_NOUN}"),
    re.compile(rf"{_NOUN} (?:of |: |must be |is |= )?(?P<op>{_CMP}) ?(?P<n>{_N})\b"),
    re.compile(rf"(?P<n>{_N}) {_NOUN}"),
)
_UNTREATED = re.compile(
    r"(?:previously untreated|newly diagnosed|treatment[- ]na[iï]ve|untreated|(?:have |has )?not"
    r" (?:been )?(?:previously )?(?:treated|received (?:any )?(?:prior )?(?:systemic )?"
    r"(?:therapy|treatment))|no prior (?:systemic |anti-?myeloma )?(?:therapy|treatment)"
    r"|no previous (?:systemic )?(?:therapy|treatment))(?: for (?:multiple )?myeloma)?"
    r"(?: (?:multiple )?myeloma| mm)?(?: \(n?d?mm\))?"
)
_PRETREATED = re.compile(r"previously treated(?: (?:multiple )?myeloma| mm)?(?! with)")


def _lines(ctx: Ctx) -> list[Hit]:
    hits: list[Hit] = []
    for index, pattern in enumerate(_LINES):
        for m in pattern.finditer(ctx.text):
            noun = m.group("noun")
            counting = "lines" if noun.startswith("line") else "regimens"
            groups = m.groupdict()
            if groups.get("a") is not None:
                a, b = number_value(m["a"]), number_value(m["b"])
                bounds: tuple[Bound, ...] = (Bound(Op.GE, a), Bound(Op.LE, b))
            elif groups.get("op") is not None:
                bounds = (Bound(parse_op(m["op"]), number_value(m["n"])),)
            elif groups.get("post") is not None:
                op = Op.GE if m["post"].endswith(("more", "greater")) else Op.LE
                bounds = (Bound(op, number_value(m["n"])),)
            else:
                if "prior" not in m.group(0) and counting != "lines":
                    continue
                n = number_value(m["n"])
                bounds = (Bound(Op.GE, n), Bound(Op.LE, n))
            if any(b.value > 20 for b in bounds):
                continue
            rule = PriorLines(bounds, counting)  # type: ignore[arg-type]
            hits.append(Hit(m.start(), m.end(), HitKind.RULE, rule, priority=2 - index // 3))
    untreated = PriorLines((Bound(Op.LE, 0),), "lines")
    hits += hits_for(_UNTREATED, ctx, untreated)
    hits += hits_for(_PRETREATED, ctx, PriorLines((Bound(Op.GE, 1),), "lines"))
    return hits


# ---------------------------------------------------------------- status and diagnosis

_LAST = (
    r"(?:the |their |his or her |her |his |its )?(?:most recent|last|latest|immediately"
    r" preceding|preceding|previous|prior|most recently received|last prior|immediately prior)"
    r"(?: line of| anti-?myeloma| systemic| myeloma)? ?(?:therapy|treatment|regimen|line"
    r"(?: of (?:therapy|treatment))?)(?: (?:regimen|received))?"
)
_REFRACTORY_LAST = re.compile(
    rf"(?:disease )?(?:that is |which is )?refractory to {_LAST}"
    r"|(?:progressive disease|disease progression|progression|progressed|pd|progress)"
    r" (?:on|during|while on|while receiving)(?: therapy| treatment)?,? (?:or|and/or) within 60"
    r" days (?:of|after|following|from) (?:the )?(?:completion of |end of |last dose of "
    r"|discontinuation of )?(?:the |their )?(?:last|most recent|prior|previous)? ?(?:line of )?"
    r"(?:therapy|treatment|regimen|dose|line)"
)
_PROGRESSION_LAST = re.compile(
    r"(?:(?:documented|objective|radiographic|confirmed|measurable) )*(?:evidence of )?"
    r"(?:(?:disease )?progression|progressive disease|pd|relapse)(?: \(pd\))?"
    r"(?: (?:as defined by|according to|per|based on|by) [^,;]{0,80}?(?:criteria|imwg|\(imwg\)))?"
    r" (?:on|during|after|following|on or after|during or after|at or after|on or following"
    r"|on or within \d+ days (?:of|after)|since|after completion of) " + _LAST
)
_RR = re.compile(
    r"(?:(?:relapsed|relapsing|refractory|progressive)(?: ?(?:and|or|and/or|/) ?(?:relapsed"
    r"|refractory|progressive))?(?: (?:multiple )?myeloma| disease)? (?:after|following)(?= ))"
    r"|(?:(?:documented|confirmed|active|measurable|symptomatic) )*(?:(?:relapsed|relapsing"
    r"|recurrent)(?: ?(?:and|or|and/or|/|,|or/and) ?(?:or )?(?:refractory|progressive|relapsed))*"
    r"|refractory(?: (?:or|and|and/or) relapsed)?|relapsed[/-]refractory|relapsed refractory"
    r"|relapsed and/or refractory|(?:evidence of )?relapsed? or refractory)"
    r"(?: (?:multiple )?myeloma(?: \(r?r?mm\))?| mm\b| disease| \(rrmm\)| rrmm)"
    r"|\br/r ?mm\b|\brrmm\b"
)
_RR_TAIL = re.compile(
    r" (?:on|after|following|on or after) (?:any|at least one|their|a|prior|the last|the most"
    r" recent)? ?(?:prior )?(?:regimen|therapy|line(?: of (?:therapy|treatment))?|treatment)"
)
_DIAGNOSIS = re.compile(
    r"(?:(?:histologically|pathologically|cytologically|previously) )?(?:(?:confirmed|documented"
    r"|established|prior|a|an|diagnosed|diagnosis of|confirmed diagnosis of|documented diagnosis"
    r" of|established diagnosis of|diagnosed with|with) )*(?:symptomatic |active |secretory )?"
    r"(?:multiple myeloma|(?<=[a-z] )mm\b)(?: \(mm\))?(?: (?:as )?(?:defined by|according to|per"
    r"|based on|meeting|by"
    r"|using|that meets) (?:the )?(?:standard |updated |revised |current )?(?:imwg|international"
    r" myeloma working group)(?: \(imwg\))?(?: (?:diagnostic )?criteria)?(?: \(?\d{4}\)?)?"
    r"(?: criteria)?)?"
)
_REQUIRING = re.compile(
    r"(?:requiring|that requires?|which requires?|in need of|needing|requires|require|needs|"
    r"need) (?:further |systemic |anti-?myeloma )?(?:treatment|therapy|anti-?myeloma therapy)"
)


def _status(ctx: Ctx) -> list[Hit]:
    hits = hits_for(_REFRACTORY_LAST, ctx, RefractoryToLast())
    hits = [Hit(h.start, h.end, h.kind, h.rule, priority=3) for h in hits]
    hits += [
        Hit(h.start, h.end, h.kind, h.rule, priority=3)
        for h in hits_for(_PROGRESSION_LAST, ctx, ProgressionOnLast())
    ]
    for m in _RR.finditer(ctx.text):
        end = m.end()
        tail = _RR_TAIL.match(ctx.text, end)
        if tail:
            end = tail.end()
        hits.append(Hit(m.start(), end, HitKind.RULE, RelapsedRefractory(), priority=1))
    hits += hits_for(_DIAGNOSIS, ctx, Diagnosis())
    hits += hits_for(_REQUIRING, ctx, Unrecordable("need for treatment"))
    return hits


# ---------------------------------------------------------------- transplant

_TX = re.compile(
    r"(?:(?:high[- ]dose (?:chemotherapy|melphalan|therapy)[^,;]{0,40}? (?:with|and|followed by"
    r"|supported by) )?(?:(?:an? |the )?(?:prior |previous |history of )*)(?P<kind>autologous|"
    r"allogeneic|allogenic|allogeneic or autologous|autologous or allogeneic|allo|auto|"
    r"syngeneic)?[- ]?(?:(?:hematopoietic|haematopoietic|peripheral blood|bone marrow|blood"
    r"|progenitor) )*(?:stem[- ]cells? |progenitor cells? |hsc )?(?:transplant(?:ation)?s?"
    r"|rescue)(?: \((?:a|allo-?|auto-?)?(?:h?sct|asct|pbsct|bmt|hct|hsct)\))?"
    r"|\b(?P<abbr>allo-?h?sct|auto-?h?sct|allo-?hct|auto-?hct|asct|sct|hsct|hct|bmt|pbsct)s?\b)"
)
_TX_ELIGIBILITY = re.compile(
    r"(?:not (?:a )?candidates? for|(?:in)?eligible for|ineligible to receive|candidates? for"
    r"|planned|planning to undergo|plan(?:s|ned)? to (?:undergo|receive)|refused|declined|"
    r"deferred|unsuitable for|unfit for|transplant[- ](?:in)?eligible|(?:in)?eligibility for)"
)
_DURATION = rf"(?P<n>{_N}) ?(?P<unit>days?|weeks?|months?|years?|hours?|d|wks?|mo|yrs?)"
_WITHIN_AFTER = re.compile(
    rf" ?(?:within|in the (?:past|last|previous|prior)|<=|less than|<|during the (?:past|last))"
    rf" (?:the )?(?:(?:past|last|previous|prior) )?{_DURATION}"
    r"(?: (?:before|prior to|of|preceding|from) (?:[^,;]*? )?\b(?:randomi[sz]ation|enrollment|"
    r"enrolment|registration|study entry|first (?:study )?dose(?: of (?:study )?(?:drug|treatment"
    r"|therapy))?|day 1(?: of cycle 1)?|cycle 1(?: day 1)?|c1d1|(?:study|protocol) (?:treatment"
    r"|therapy|drug)(?: start| initiation)?|screening|consent|the first dose|day -?\d+"
    r"(?: ?\([^()]*\))?))?"
    r"(?P<halflives> or 5 (?:pharmacokinetic )?half-lives(?: of the (?:treatment|drug|agent))?"
    r"(?:,? whichever is (?:longer|greater))?)?"
)
_SINCE_BEFORE = re.compile(
    rf"(?P<op>at least|>=|more than|>|a minimum of|minimum of|greater than|less than|<|<=|"
    rf"within|no more than) ?{_DURATION}(?: must have (?:elapsed|passed))?(?: have elapsed)?"
    r" (?:since|from|after|post|following|between|must have (?:elapsed|passed) since|since the"
    r" (?:date of )?|from the (?:date of )?|after the (?:date of )?)(?: ?(?:the )?(?:date of "
    r"|completion of |day of )?(?:prior |previous |last |the last |the |their |most recent )*)"
)
_POST_DURATION = re.compile(
    rf"(?P<op>>=|>|<|<=|at least|more than|less than) ?{_DURATION} "
    r"(?:post|after|following|since)[- ]"
)


_RECEIVED_OR_INELIGIBLE = re.compile(
    r"(?:previously )?(?:received|undergone|had) or (?:be |been |are |is )?(?:ineligible for|not"
    r" (?:a )?candidates? for|unsuitable for|refused)(?: \(or refused\))? (?:an? )?$"
)


def _tx_kind(m: re.Match[str]) -> str:
    word = (m.group("kind") or m.group("abbr") or "").lower()
    if " or " in word:
        return "any"
    if word.startswith("allo"):
        return "allogeneic"
    if word.startswith(("auto", "asct")):
        return "autologous"
    return "any"


def _transplant(ctx: Ctx) -> list[Hit]:
    hits: list[Hit] = []
    text = ctx.text
    for m in _TX.finditer(text):
        kind = _tx_kind(m)
        start, end = m.start(), m.end()
        window = _WITHIN_AFTER.match(text, end)
        rule: Rule = Transplant(kind)  # type: ignore[arg-type]
        if window:
            days = days_of(number_value(window["n"]), _unit(window["unit"]))
            rule = Transplant(kind, days)  # type: ignore[arg-type]
            end = window.end()
        before = text[max(0, start - 80) : start]
        since = None
        for candidate in _SINCE_BEFORE.finditer(before):
            if candidate.end() == len(before) or before[candidate.end() :].strip() in ("", "an"):
                since = candidate
        if since is None:
            for candidate in _POST_DURATION.finditer(before):
                if candidate.end() == len(before):
                    since = candidate
        if since is not None:
            days = days_of(number_value(since["n"]), _unit(since["unit"]))
            op = since["op"]
            recent = Transplant(kind, days)  # type: ignore[arg-type]
            rule = (
                recent if op in ("less than", "<", "<=", "within", "no more than") else Not(recent)
            )
            start = start - len(before) + since.start()
        either = _RECEIVED_OR_INELIGIBLE.search(text[max(0, start - 80) : start])
        if either is not None and either.end() == min(start, 80):
            rule = AnyOf((Transplant(kind), Unrecordable("transplant eligibility")))  # type: ignore[arg-type]
            begin = start - min(start, 80) + either.start()
            hits.append(Hit(begin, end, HitKind.RULE, rule, timed=True, priority=2))
            continue
        eligibility = _TX_ELIGIBILITY.search(text[max(0, start - 40) : end + 30])
        if eligibility:
            hits.append(Hit(m.start(), end, HitKind.RULE, Unrecordable("transplant eligibility")))
            continue
        hits.append(Hit(start, end, HitKind.RULE, rule, timed=True, priority=1))
    for m in _TX_ELIGIBILITY.finditer(text):
        hits.append(Hit(m.start(), m.end(), HitKind.FILLER))
    return hits


def _unit(written: str) -> str:
    return {"d": "days", "wk": "weeks", "wks": "weeks", "mo": "months", "yr": "years"}.get(
        written, written
    )


# ---------------------------------------------------------------- washout

_RADIO = Target("radiotherapy")
_WASHOUT_TARGETS = re.compile(
    r"(?P<unknown>(?:any )?(?:other )?(?:investigational|experimental) (?:agents?|drugs?|therapy|"
    r"therapies|products?|treatments?|medications?)|major surgery)|(?P<radio>(?:palliative |local "
    r"|localized |focal |prior )?(?:radiotherapy|radiation therapy"
    r"|radiation|irradiation))|(?P<chemo>(?:prior |previous |any |systemic |myelosuppressive "
    r"|cytotoxic |conventional )*chemotherapy(?: agents?)?)|(?P<immuno>(?:prior |any |systemic )*"
    r"immunotherap(?:y|ies))"
)
_IMMUNE = Target(
    "immunotherapy (antibodies, bispecifics, CAR-T)",
    classes=frozenset(
        {
            DrugClass.ANTI_CD38,
            DrugClass.ANTI_SLAMF7,
            DrugClass.BCMA_CAR_T,
            DrugClass.BCMA_BISPECIFIC,
            DrugClass.BCMA_ADC,
            DrugClass.GPRC5D_BISPECIFIC,
            DrugClass.FCRH5_BISPECIFIC,
        }
    ),
    cell_therapy=True,
)


def _washout_rule(ctx: Ctx, start: int, days: int) -> tuple[Rule, int] | None:
    text = ctx.text
    lead = _LEAD.match(text, start)
    position = lead.end() if lead else start
    rules: list[Rule] = []
    end = position
    while True:
        special = _WASHOUT_TARGETS.match(text, end)
        if special:
            if special["unknown"]:
                what = "major surgery" if "surgery" in special["unknown"] else "investigational"
                rules.append(Unrecordable(f"recent {what}"))
            elif special["radio"]:
                rules.append(RecentTherapy(_RADIO, days))
            elif special["immuno"]:
                rules.append(RecentTherapy(_IMMUNE, days, ANY_ANTIMYELOMA))
            else:
                rules.append(RecentTherapy(CHEMOTHERAPY, days, ANY_ANTIMYELOMA))
            end = special.end()
        else:
            listed = target_list(ctx, end)
            if listed is None:
                break
            targets, end, join = listed
            if join == "mixed":
                return None
            rules += [RecentTherapy(t, days) for t in targets]
        separator = _SEP.match(text, end)
        if separator is None:
            break
        if not (
            _WASHOUT_TARGETS.match(text, separator.end())
            or ctx.vocabulary.target_pattern.match(text, separator.end())
        ):
            break
        end = separator.end()
    if not rules:
        return None
    rule = rules[0] if len(rules) == 1 else AnyOf(tuple(rules))
    return rule, end


_WITHIN_FORWARD = re.compile(
    r"(?:(?:received|receipt of|treatment with|therapy with|use of|exposure to|any|prior"
    r"|previous|last dose of|administration of|has received|have received|had) )*"
)


def _washout(ctx: Ctx) -> list[Hit]:
    hits: list[Hit] = []
    text = ctx.text
    # "at least 14 days since the last dose of X" / "more than 4 weeks since prior chemotherapy"
    for m in _SINCE_BEFORE.finditer(text):
        days = days_of(number_value(m["n"]), _unit(m["unit"]))
        found = _washout_rule(ctx, m.end(), days)
        if found is None:
            continue
        rule, end = found
        op = m["op"]
        if op in ("less than", "<", "<=", "within", "no more than"):
            hits.append(Hit(m.start(), end, HitKind.RULE, rule, timed=True, priority=2))
        else:
            hits.append(Hit(m.start(), end, HitKind.RULE, Not(rule), timed=True, priority=2))
    # "X within 14 days before randomisation" / "X <= 2 weeks prior to day 1"
    for m in _WITHIN_FORWARD.finditer(text):
        if m.end() == m.start() and m.start() > 0 and text[m.start() - 1].isalnum():
            continue
        probe = _washout_rule(ctx, m.end(), 1)
        if probe is None:
            continue
        _, list_end = probe
        window = _WITHIN_AFTER.match(text, list_end)
        if window is None:
            continue
        days = days_of(number_value(window["n"]), _unit(window["unit"]))
        found = _washout_rule(ctx, m.end(), days)
        if found is None:
            continue
        rule, _ = found
        if window["halflives"]:
            # "within 2 weeks or 5 half-lives": the half-lives may reach further back
            rule = AnyOf((rule, Unrecordable("five half-lives of the last agent")))
        hits.append(Hit(m.start(), window.end(), HitKind.RULE, rule, timed=True, priority=2))
    return hits


_RESPONSE = re.compile(
    r"(?:documented )?response of at least (?:a )?(?:partial response|pr)(?: \(pr\))? (?:to|with|on"
    r"|after) (?:1|one|at least one|a) (?:line of )?(?:prior |previous )?(?:therapy|regimen|line)"
    r"|(?:and )?(?:have |has )?(?:achieved|attained|had|experienced) (?:a |an |at least a |at least"
    r" an )?(?:(?:objective |documented )?response|partial response|pr|minimal response|mr)"
    r"(?: \((?P<level>partial|minimal|very good partial)(?: response)? or better\)| \((?:pr|mr)"
    r" or better\)| or better)?(?: \(pr\))? (?:to|with|on|after) (?:at least one|at least 1|a|any"
    r"|one) (?:prior |previous )?(?:regimen|line(?: of therapy)?|therapy|treatment)"
)
_CUMULATIVE = re.compile(
    r"(?:prior )?cumulative (?:exposure to|doses? of) |(?P<after> at cumulative doses?)"
)


def _response(ctx: Ctx) -> list[Hit]:
    hits = []
    for m in _RESPONSE.finditer(ctx.text):
        level = (m["level"] or "").lower()
        words = m.group(0)
        if level == "minimal" or ((" mr" in words or "minimal" in words) and not level):
            code = "MR"
        elif level == "very good partial":
            code = "VGPR"
        else:
            code = "PR"
        hits.append(
            Hit(m.start(), m.end(), HitKind.RULE, ResponseAchieved(code), timed=True, priority=3)
        )
    return hits


def _cumulative(ctx: Ctx) -> list[Hit]:
    """Cumulative dose limits (doxorubicin > 350 mg/m2): false when never given, else unknown."""
    hits = []
    dose = re.compile(
        r" ?(?:\([^()]*\) )?(?:of |at )?(?:doses? )?(?:>|>=|greater than|in excess of|exceeding|"
        r"more than|above) ?\d+ ?mg ?/ ?m\^?2"
    )
    for m in _CUMULATIVE.finditer(ctx.text):
        if m["after"]:
            continue
        listed = target_list(ctx, m.end())
        if listed is None:
            continue
        targets, end, _ = listed
        amount = dose.match(ctx.text, end)
        if amount is None:
            continue
        rules: list[Rule] = [
            AllOf((DrugHistory(t, Relation.EXPOSED), Unrecordable("cumulative dose")))
            for t in targets
        ]
        rule = rules[0] if len(rules) == 1 else AnyOf(tuple(rules))
        hits.append(Hit(m.start(), amount.end(), HitKind.RULE, rule, timed=True, priority=3))
    for m in ctx.vocabulary.target_pattern.finditer(ctx.text):
        after = _CUMULATIVE.match(ctx.text, m.end())
        target = ctx.vocabulary.target(m.group(0))
        if after is None or not after["after"] or target is None:
            continue
        amount = dose.match(ctx.text, after.end())
        if amount is None:
            continue
        start = m.start()
        lead = re.compile(r"(?:(?:previous|prior) )?(?:treatment with |exposure to )?$").search(
            ctx.text[:start]
        )
        if lead is not None:
            start = lead.start()
        rule = AllOf((DrugHistory(target, Relation.EXPOSED), Unrecordable("cumulative dose")))
        hits.append(Hit(start, amount.end(), HitKind.RULE, rule, timed=True, priority=3))
    return hits


HISTORY_EXTRACTORS = (_drugs, _lines, _status, _transplant, _washout, _response, _cumulative)
