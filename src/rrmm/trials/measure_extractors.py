"""Extractors for what is measured now: age, fitness, labs, measurable disease, conditions.

Age, performance status, laboratory values, measurable disease, conditions,
cytogenetics, pregnancy, and the screening windows that qualify them.

Each extractor takes the normalised statement and returns the spans it understood.
A laboratory threshold whose unit is missing or cannot express the analyte is
returned as a review span, never guessed.
"""

from __future__ import annotations

import re

from rrmm.core.analytes import Analyte
from rrmm.trials.hits import Ctx, Hit, HitKind, hits_for
from rrmm.trials.quantities import (
    COMPARATOR,
    NUMBER,
    UNIT,
    Threshold,
    canonical_value,
    number_value,
    parse_op,
    read_threshold,
    threshold_bound,
    unit_code,
)
from rrmm.trials.rules import (
    Age,
    AllOf,
    AnyOf,
    Bound,
    ConditionPresent,
    Finding,
    Lab,
    Measurable,
    Not,
    Op,
    Performance,
    Pregnant,
    Rule,
    Unrecordable,
)

__all__ = ["MEASURE_EXTRACTORS"]

_NUM = NUMBER
_CMP = COMPARATOR

# ---------------------------------------------------------------- age

_AGE_WORD = re.compile(r"\bage[ds]?\b|\byears? old\b|\byear-old\b|\bof age\b|\badults?\b")
_AGE_RANGE = re.compile(
    r"(?:between )?(?P<a>\d{1,3}) ?(?:-|to|and) ?(?P<b>\d{1,3}) ?(?:years?|yrs?)"
    r"(?: of age| old|-old)?(?: \(inclusive\)| inclusive)?"
)
_AGE_OP = re.compile(
    rf"(?P<op>{_CMP}) ?(?P<n>\d{{1,3}}) ?(?:years?|yrs?)?(?: of age| old|-old)?"
    rf"(?: (?P<post>at (?:the time of|time of) (?:signing|consent)[^,;.]*))?"
)
_AGE_POST = re.compile(
    r"(?P<n>\d{1,3}) ?(?:years?|yrs?)?(?: of age| old)? ?(?P<post>or older|and older|or over"
    r"|and over|or above|and above|or more|or greater|or younger|or less|and under|or under)"
)
_AGE_YEARS_OP = re.compile(rf"(?P<n>\d{{1,3}}) (?:years?|yrs?) (?:of age )?(?P<op>{_CMP})")


def _age(ctx: Ctx) -> list[Hit]:
    text = ctx.text
    labelled = "age" in ctx.section.lower().split(" > ")[-1] if ctx.section else False
    if not (_AGE_WORD.search(text) or labelled or text.startswith("age:")):
        return []
    hits: list[Hit] = []
    for m in _AGE_RANGE.finditer(text):
        bounds = (Bound(Op.GE, float(m.group("a"))), Bound(Op.LE, float(m.group("b"))))
        hits.append(Hit(m.start(), m.end(), HitKind.RULE, Age(bounds)))
    for m in _AGE_OP.finditer(text):
        n = float(m.group("n"))
        if n > 120 or re.search(r"\d\s*$", text[: m.start()]):
            continue
        hits.append(Hit(m.start(), m.end(), HitKind.RULE, Age((Bound(parse_op(m["op"]), n),))))
    for m in _AGE_POST.finditer(text):
        post = m.group("post")
        op = Op.LE if any(w in post for w in ("younger", "less", "under")) else Op.GE
        hits.append(Hit(m.start(), m.end(), HitKind.RULE, Age((Bound(op, float(m.group("n"))),))))
    return hits


# ---------------------------------------------------------------- performance status

_PS_TOPIC = (
    r"(?:(?:performance status[: -]*)?(?:eastern cooperative(?: oncology)? group|ecog)"
    r"(?: \(ecog\))?(?: performance(?: status)?"
    r"(?: \(ps\))?(?: score)?| ps| score)?|(?:who|zubrod|ctc|ecog/who|who/ecog) performance status"
    r"|performance status(?: \(ps\))?(?: score)?(?: \((?:ecog|who|zubrod)\))?"
    r"(?: (?:per|by|according to|on the) (?:the )?(?:ecog|who|zubrod)(?: scale| criteria)?)?"
    r"|performance score)"
)
_PS_SCORE = (
    r"(?P<score>(?:of |score of |scale |grade |level |status |ps |: |- |= |is |must be )*"
    rf"(?:(?P<op>{_CMP}) ?(?P<n>[0-4])(?! ?%)\b|(?P<a>[0-4]) ?(?:-|to) ?(?P<b>[0-4])\b(?! ?%)"
    r"|(?P<list>[0-4](?: ?, ?[0-4])* ?,? (?:or|and) [0-4])\b(?! ?%)"
    r"|(?P<m>[0-4]) (?P<post>or (?:less|lower|better|below))))"
)
_PS = re.compile(rf"{_PS_TOPIC}(?: \w+){{0,3}}? ?{_PS_SCORE}")
_KPS = re.compile(
    rf"(?:karnofsky|kps|lansky)(?: performance)?(?: status| score| scale)?(?: \(kps\))?"
    rf"(?: (?:of|score of|is|must be|:))? ?(?:(?P<op>{_CMP}) ?(?P<n>\d{{2,3}}) ?%?"
    rf"|(?P<a>\d{{2,3}}) ?%? ?(?:-|to) ?(?P<b>\d{{2,3}}) ?%?|(?P<m>\d{{2,3}}) ?%? (?P<post>or"
    rf" (?:more|greater|higher|above|better)))"
)


def _performance(ctx: Ctx) -> list[Hit]:
    hits: list[Hit] = []
    for m in _PS.finditer(ctx.text):
        if m.group("op"):
            bounds: tuple[Bound, ...] = (Bound(parse_op(m["op"]), float(m["n"])),)
        elif m.group("a"):
            bounds = (Bound(Op.GE, float(m["a"])), Bound(Op.LE, float(m["b"])))
        elif m.group("list"):
            values = [float(v) for v in re.findall(r"[0-4]", m["list"])]
            if values != list(range(int(values[0]), int(values[-1]) + 1)):
                hits.append(Hit(m.start(), m.end(), HitKind.REVIEW, note="ECOG list with gaps"))
                continue
            bounds = (Bound(Op.GE, values[0]), Bound(Op.LE, values[-1]))
        else:
            bounds = (Bound(Op.LE, float(m["m"])),)
        bounds = tuple(b for b in bounds if not (b.op is Op.GE and b.value == 0))
        hits.append(Hit(m.start(), m.end(), HitKind.RULE, Performance("ecog", bounds)))
    for m in _KPS.finditer(ctx.text):
        if m.group("op"):
            bounds = (Bound(parse_op(m["op"]), float(m["n"])),)
        elif m.group("a"):
            bounds = (Bound(Op.GE, float(m["a"])), Bound(Op.LE, float(m["b"])))
        else:
            bounds = (Bound(Op.GE, float(m["m"])),)
        bounds = tuple(b for b in bounds if not (b.op is Op.LE and b.value == 100))
        hits.append(Hit(m.start(), m.end(), HitKind.RULE, Performance("karnofsky", bounds)))
    return hits


# ---------------------------------------------------------------- laboratory values

_LAB_TOPICS: tuple[tuple[str, tuple[Analyte, ...]], ...] = (
    (
        r"(?:absolute )?(?:neutrophil|granulocyte)s?(?: count)?(?: \((?:anc|agc)\))?"
        r"|\banc\b|\bagc\b",
        (Analyte.ANC,),
    ),
    (r"platelets?(?: count)?(?: \(plts?\))?|\bplts?\b", (Analyte.PLATELETS,)),
    (r"ha?emoglobin(?: \((?:hb|hgb)\))?|\bhgb\b|\bhb\b", (Analyte.HEMOGLOBIN,)),
    (
        r"(?:(?:calculated|estimated|measured|measured or calculated|calculated or measured)"
        r" )?(?:serum )?creatinine clearance(?: \((?:crcl|clcr|ccr)\))?(?: rate)?|\bcrcl\b"
        r"|\bclcr\b",
        (Analyte.CREATININE_CLEARANCE,),
    ),
    (
        r"(?:estimated )?glomerular filtration rate(?: \((?:e?gfr)\))?|\begfr\b",
        (Analyte.EGFR,),
    ),
    (r"(?:serum )?creatinine(?! clearance)(?: \((?:scr|cr)\))?", (Analyte.CREATININE,)),
    (r"(?:serum )?(?:total )?bilirubin(?: \(total\))?", (Analyte.BILIRUBIN,)),
    (
        r"(?:serum )?(?:ast|sgot|aspartate (?:amino)?transaminase|aspartate aminotransferase)"
        r"(?: \((?:sgot|ast)\))? ?(?:and/or|and|or|/|,) ?(?:serum )?(?:alt|sgpt|alanine"
        r" (?:amino)?transaminase|alanine aminotransferase)(?: \((?:sgpt|alt)\))?"
        r"|(?:serum )?(?:alt|sgpt|alanine (?:amino)?transaminase|alanine aminotransferase)"
        r"(?: \((?:sgpt|alt)\))? ?(?:and/or|and|or|/|,) ?(?:serum )?(?:ast|sgot|aspartate"
        r" (?:amino)?transaminase|aspartate aminotransferase)(?: \((?:sgot|ast)\))?"
        r"|(?:liver |hepatic )?transaminases(?: \((?:ast|alt)/(?:ast|alt)\))?",
        (Analyte.AST, Analyte.ALT),
    ),
    (
        r"(?:serum )?(?:ast|sgot|aspartate (?:amino)?transaminase|aspartate aminotransferase)"
        r"(?: \((?:sgot|ast)\))?",
        (Analyte.AST,),
    ),
    (
        r"(?:serum )?(?:alt|sgpt|alanine (?:amino)?transaminase|alanine aminotransferase)"
        r"(?: \((?:sgpt|alt)\))?",
        (Analyte.ALT,),
    ),
    (r"(?:serum )?(?:total )?calcium(?! corrected)(?! \(corrected)", (Analyte.CALCIUM,)),
)
_LAB_GAP = (
    r"(?: ?(?:count|level|levels|value|values|concentration|of|must be|should be|is|are|:|,|-"
    r"|which must be|that is|result))*"
)
_LAB_PATTERNS = tuple(
    (re.compile(rf"\b(?:{topic}){_LAB_GAP} ?"), analytes) for topic, analytes in _LAB_TOPICS
)
_RESTATED = re.compile(r" ?(?:\(|or |; )")
_METHOD = re.compile(
    r",? ?\(?(?:as )?(?:estimated |calculated |measured )?(?:by |using |per |according to |with "
    r"|by means of )?"
    r"(?:the )?(?:formula of |equation of |means of )?(?:(?:cockcroft|cockroft|crockoft)[- ]"
    r"(?:and )?gault(?:'?s|´s| s)?|mdrd|ckd-?epi|c-g)(?: (?:formula|equation|method))?"
    r"(?: or (?:by )?(?:a )?(?:24-? ?h(?:ou)?r urine"
    r"(?: collection)?|mdrd|ckd-?epi|measured|direct measurement))?\)?"
)


def _bound_for(analyte: Analyte, threshold: Threshold) -> Bound | None:
    return threshold_bound(analyte, threshold)


def _restatement(ctx: Ctx, analyte: Analyte, first: Threshold) -> tuple[int, bool] | None:
    """A unit restated in parentheses ("≥ 75 x 10^9/L (75,000/mm3)"): its end and consistency."""
    after = _RESTATED.match(ctx.text, first.end)
    if after is None:
        return None
    second = read_threshold(ctx.text, after.end())
    if second is None:
        bare = re.compile(rf"(?P<num>{_NUM}) ?").match(ctx.text, after.end())
        if bare is None:
            return None
        unit = re.compile(rf"(?:{UNIT})").match(ctx.text, bare.end())
        if unit is None:
            return None
        second = Threshold(
            first.op,
            number_value(bare["num"]),
            unit_code(unit.group(0)),
            bare.start(),
            unit.end(),
        )
    one, two = _bound_for(analyte, first), _bound_for(analyte, second)
    if one is None or two is None or first.relative or second.relative:
        return None
    close = abs(one.value - two.value) <= 0.02 * max(abs(one.value), abs(two.value), 1e-9)
    end = second.end
    closing = re.compile(r" ?\)").match(ctx.text, end)
    if closing:
        end = closing.end()
    return end, close


def _labs(ctx: Ctx) -> list[Hit]:
    hits: list[Hit] = []
    for pattern, analytes in _LAB_PATTERNS:
        for m in pattern.finditer(ctx.text):
            threshold = read_threshold(ctx.text, m.end())
            if threshold is None:
                continue
            end = threshold.end
            rules: list[Rule] = []
            review = ""
            for analyte in analytes:
                bound = _bound_for(analyte, threshold)
                if bound is None:
                    review = f"unit of the {analyte.value} threshold missing or not applicable"
                    break
                rules.append(Lab(analyte, bound, threshold.relative))  # type: ignore[arg-type]
            restated = None if review else _restatement(ctx, analytes[0], threshold)
            if restated is not None:
                end, consistent = restated
                if not consistent:
                    review = "threshold restated in another unit with a different value"
            method = _METHOD.match(ctx.text, end)
            if method and method.end() > end:
                end = method.end()
            if review:
                hits.append(Hit(m.start(), end, HitKind.REVIEW, note=review))
                continue
            if len(rules) == 1:
                rule: Rule = rules[0]
            elif ctx.excluding and threshold.op in (Op.GT, Op.GE) and " and " not in m.group(0):
                rule = AnyOf(tuple(rules))
            else:
                rule = AllOf(tuple(rules))
            hits.append(Hit(m.start(), end, HitKind.RULE, rule, priority=1))
    return hits


# ---------------------------------------------------------------- measurable disease

_MEASURABLE_WORD = re.compile(
    r"(?:bi-?dimensionally )?measurable (?:disease|myeloma|levels? of (?:myeloma )?"
    r"(?:paraprotein|m-?protein|monoclonal protein)|(?:myeloma )?paraprotein(?: levels?)?"
    r"|m-?protein|monoclonal protein|secretory disease)(?: \(as defined by[^)]*\))?"
    r"(?: (?:as defined by|according to|per|by) (?:the )?(?:imwg|international myeloma working"
    r" group)(?: \(imwg\))?(?: (?:response )?criteria)?)?"
)
_M_PROTEIN = (
    r"(?:m-?protein|m-?spike|m-?component|monoclonal (?:protein|paraprotein|immunoglobulin"
    r"|component|spike)|paraprotein|myeloma protein)(?: levels?| concentration)?"
)
_SERUM = re.compile(
    rf"(?:serum {_M_PROTEIN}(?: \((?:spep|m-?protein)\))?(?: by (?:spep|serum protein"
    rf" electrophoresis|protein electrophoresis))?(?: \(spep\))?|(?:in )?serum(?= ?\()"
    rf"|{_M_PROTEIN} in (?:the )?serum)"
)
_URINE = re.compile(
    rf"(?:urine? (?:{_M_PROTEIN}|light chains?|bence[- ]jones protein|protein excretion)"
    rf"(?: excretion)?(?: \((?:upep|m-?protein)\))?(?: by (?:upep|urine protein"
    rf" electrophoresis|protein electrophoresis))?(?: \(upep\))?|(?:in )?urine(?= ?\()"
    rf"|{_M_PROTEIN} in (?:the )?urine|urinary {_M_PROTEIN}|urinary (?:light chain|protein)"
    rf"(?: excretion)?)"
)
_FLC = re.compile(
    r"(?:by )?(?:serum )?(?:involved )?(?:serum )?(?:immunoglobulin )?(?:free light chains?"
    r"|flc)(?: \((?:s?flc)\))?(?: \(involved free light chain)?(?: levels?| assay)?"
    r"(?: \((?:involved )?(?:free light chain|flc)(?= ))?|(?:involved )?s?flc(?: levels?)?"
)
_RATIO = re.compile(
    r",? ?(?:provided|with|and|if|only if|when|plus|along with|in the presence of)? ?(?:that )?"
    r"(?:the )?(?:an )?(?:serum )?(?:abnormal|abnormality of the|abnormality of)"
    r" (?:serum )?(?:immunoglobulin )?(?:free light chain |flc )?(?:kappa ?(?:to|/|:) ?lambda"
    r" |k/l |κ/λ )?(?:free light chain |flc |\(flc\) )?ratio|,? ?(?:provided|if|and|with)"
    r" (?:the )?(?:serum )?(?:free light chain |flc )?(?:kappa ?(?:to|/) ?lambda )?"
    r"(?:flc )?ratio is abnormal"
)
_URINE_TAIL = re.compile(
    r" ?(?:excreted )?(?:(?:in|on|over|by) (?:a |the )?24-? ?h(?:ou)?r (?:urine )?"
    r"(?:collection|sample|specimen|urine)(?: sample)?|in urine)"
)


def _component(ctx: Ctx, pattern: re.Pattern[str], which: str) -> list[Hit]:
    hits: list[Hit] = []
    for m in pattern.finditer(ctx.text):
        gap = re.compile(r"(?: ?\(| ?(?:of|level|levels|is|:|must be)(?= ))* ?")
        at = gap.match(ctx.text, m.end())
        start = at.end() if at else m.end()
        threshold = read_threshold(ctx.text, start) or read_threshold(ctx.text, start + 1)
        if threshold is None or threshold.op not in (Op.GE, Op.GT):
            continue
        end = threshold.end
        if which == "serum":
            value = canonical_value(Analyte.SERUM_M_PROTEIN, threshold.value, threshold.unit)
            rule = Measurable(value, None, None) if value is not None else None
        elif which == "urine":
            value = canonical_value(Analyte.URINE_M_PROTEIN, threshold.value, threshold.unit)
            tail = _URINE_TAIL.match(ctx.text, end)
            if value is None and threshold.unit in ("g/dL", "mg/dL") and tail is None:
                value = None
            if tail:
                end = tail.end()
            rule = Measurable(None, value, None) if value is not None else None
        else:
            value = canonical_value(Analyte.KAPPA_FLC, threshold.value, threshold.unit)
            ratio = _RATIO.match(ctx.text, end)
            if ratio:
                end = ratio.end()
            rule = Measurable(None, None, value) if value is not None else None
        closing = re.compile(r" ?\)").match(ctx.text, end)
        if closing and "(" in ctx.text[m.start() : end]:
            end = closing.end()
        if rule is None:
            hits.append(Hit(m.start(), end, HitKind.REVIEW, note=f"{which} M-protein unit"))
        else:
            hits.append(Hit(m.start(), end, HitKind.RULE, rule, priority=2))
    return hits


def _measurable(ctx: Ctx) -> list[Hit]:
    hits = _component(ctx, _SERUM, "serum")
    hits += _component(ctx, _URINE, "urine")
    hits += _component(ctx, _FLC, "flc")
    for m in _MEASURABLE_WORD.finditer(ctx.text):
        rule = None if hits else Measurable(1.0, 200.0, 100.0, specified=False)
        kind = HitKind.FILLER if hits else HitKind.RULE
        hits.append(Hit(m.start(), m.end(), kind, rule))
    return hits


# ---------------------------------------------------------------- conditions

_LAB_THRESHOLD = (
    rf"(?: ?(?:level|count|of|must be|:))* ?(?:{_CMP}) ?{_NUM}(?: ?(?:x|times) ?(?:the )?"
    r"(?:institutional )?(?:uln|upper limits? of (?:the )?normal(?: \(uln\))?|upper normal limit)"
    r"| ?(?:/mm3|/ul|x 10\^9/l|x 10\^3/ul|u/l|iu/l))?"
)
_QUAL = (
    r"(?:(?:known or suspected|suspected or known|known|active|documented|symptomatic|current"
    r"|ongoing|clinically significant|"
    r"evidence of|presence of|suspected|diagnosis of|diagnosed|confirmed|concomitant|"
    r"concurrent|prior|previous|history of|a history of|any) )*"
)
_CONDITIONS: tuple[tuple[str, Rule], ...] = (
    (
        rf"{_QUAL}(?:central nervous system|cns)(?: \(cns\))? (?:involvement|myeloma|disease"
        rf"|metastas[ie]s|plasmacytomas?|localization|localisation)"
        rf"(?: (?:by|with|of) (?:multiple )?"
        rf"myeloma)?|{_QUAL}(?:lepto)?meningeal (?:involvement|disease|myeloma|myelomatosis)"
        rf"|{_QUAL}(?:myeloma|mm) (?:involvement )?(?:of|in) the (?:central nervous system|cns)",
        ConditionPresent("cns_involvement", ever=True),
    ),
    (
        rf"{_QUAL}(?:primary |secondary )?plasma[- ]cell leuka?emia(?: \(pcl\))?"
        rf"(?: \([^()]*(?:plasma cells|criteria|%)[^()]*\))?",
        ConditionPresent("plasma_cell_leukemia", ever=True),
    ),
    (
        rf"{_QUAL}(?:(?:primary|systemic|al|light[- ]chain|immunoglobulin light[- ]chain)"
        rf"(?: \(al\))? )*amyloidosis(?: \(al\))?|{_QUAL}al amyloid(?:osis)?",
        ConditionPresent("al_amyloidosis", ever=True),
    ),
    (
        rf"{_QUAL}(?:(?:active|uncontrolled|ongoing|serious|acute|current|severe|clinically"
        rf" significant|systemic|significant)(?:,? (?:or |and |and/or )?)?)+(?:(?:bacterial|"
        rf"viral|fungal|mycobacterial|opportunistic|parasitic)(?:,? (?:or |and |and/or )?)?)*"
        rf" ?infections?(?: (?:requiring|that requires?|needing|requiring treatment with)"
        rf" (?:systemic |intravenous |iv |parenteral |oral )*(?:antibiotics?|antivirals?"
        rf"|antifungals?|anti-?infectives?|anti-?microbials?|therapy|treatment)"
        rf"(?:,? (?:or |and |and/or )?(?:antibiotics?|antivirals?|antifungals?))*)?",
        ConditionPresent("active_infection"),
    ),
    (
        r"infections? requiring (?:systemic |intravenous |iv |parenteral )+(?:antibiotics?"
        r"|antivirals?|antifungals?|anti-?infectives?|therapy|treatment)"
        r"(?:,? (?:or |and |and/or )?(?:antibiotics?|antivirals?|antifungals?))*",
        ConditionPresent("active_infection"),
    ),
    (
        rf"{_QUAL}(?:human immunodeficiency virus|hiv)(?: \(hiv\))?(?:[- ](?:1|2|1/2))?"
        rf"(?: (?:infection|positive|positivity|seropositive|seropositivity|disease|infected))?"
        rf"|{_QUAL}(?:hiv|human immunodeficiency virus)[- ]?(?:seropositive|positive|"
        rf"seropositivity|infection)|{_QUAL}(?:acquired immune ?deficiency syndrome|aids)\b",
        ConditionPresent("hiv", ever=True),
    ),
    (
        rf"{_QUAL}(?:chronic |active |acute )*(?:hepatitis b|hbv)(?: virus)?(?: \(hbv\))?"
        rf"(?: (?:infection|positive|positivity|carrier|surface antigen positive))?"
        rf"|{_QUAL}(?:positive )?(?:hbsag|hepatitis b surface antigen)(?: \(hbsag\))?"
        rf"(?:[- ]positiv(?:e|ity))?",
        ConditionPresent("hepatitis_b"),
    ),
    (
        rf"{_QUAL}(?:chronic |active |acute )*(?:hepatitis c|hcv)(?: virus)?(?: \(hcv\))?"
        rf"(?: (?:infection|positive|positivity|rna|antibody))*",
        Unrecordable("hepatitis C"),
    ),
    (
        rf"{_QUAL}(?:requiring |on |receiving |undergoing |dependent on |need for |needing )?"
        r"(?:chronic |maintenance |regular )?(?:hemo|haemo|peritoneal )?dialysis"
        r"(?:[- ]dependent)?",
        ConditionPresent("dialysis"),
    ),
    (
        rf"{_QUAL}(?:(?:clinically significant|ongoing|active|acute|chronic) )*"
        rf"(?:graft[- ]versus[- ]host disease|graft[- ]vs\.?[- ]host disease|gvhd)(?: \(gvhd\))?",
        Unrecordable("graft-versus-host disease"),
    ),
    (rf"{_QUAL}poems syndrome(?: \([^()]*\))?", Unrecordable("POEMS syndrome")),
    (
        rf"{_QUAL}waldenstr(?:o|ö|oe)m'?s?(?: macroglobulinemia| disease)?(?: \(wm\))?",
        Unrecordable("Waldenström macroglobulinaemia"),
    ),
    (
        rf"{_QUAL}(?:monoclonal gammopathy of undetermined significance|mgus)(?: \(mgus\))?",
        Unrecordable("MGUS"),
    ),
    (
        rf"{_QUAL}smou?ldering (?:multiple )?myeloma(?: \(smm\))?",
        Unrecordable("smoldering myeloma"),
    ),
    (
        rf"{_QUAL}non-?secretory (?:or oligo-?secretory )?(?:multiple )?myeloma",
        Unrecordable("non-secretory myeloma"),
    ),
    (
        rf"{_QUAL}(?:solitary |isolated )?(?:extramedullary )?plasmacytomas?(?: only)?"
        rf"(?: without (?:evidence of )?(?:multiple )?myeloma)?",
        Unrecordable("plasmacytoma without myeloma"),
    ),
    (
        r"(?:(?:history of |clinically significant |significant )?(?:cardiac|heart) disease,?"
        r" (?:with )?\(?)?(?:(?:congestive )?(?:heart failure|cardiac failure|chf)(?: \(chf\))?"
        r"[^,;]{0,20}?)?\(?(?:nyha|new york heart association)(?: \[?\(?nyha\)?\]?)?"
        r"(?: functional)? class(?:es)? (?:>=|>)? ?(?:iii|iv|ii|4|3|2)(?:(?: ?(?:or|-|to|/)"
        r" ?(?:iii|iv|3|4))| or (?:greater|higher|worse|above))?\)?(?: (?:congestive )?"
        r"(?:heart failure|cardiac failure|chf|heart disease|cardiac disease))?",
        Unrecordable("NYHA heart-failure class"),
    ),
    (
        rf"(?:serum )?alkaline phosphatase(?: \((?:alk? ?phos|alp)\))?{_LAB_THRESHOLD}",
        Unrecordable("alkaline phosphatase"),
    ),
    (
        rf"(?:total )?(?:white blood cell|wbc|leukocyte)(?: count)?(?: \(wbc\))?(?: count)?"
        rf"{_LAB_THRESHOLD}",
        Unrecordable("white-cell count"),
    ),
    (
        r"life expectancy(?: of)? (?:(?:>=|>|at least|more than|greater than|less than|<|<=)"
        r" ?)?\d+ (?:months?|weeks?|years?)(?: or (?:more|greater|longer))?",
        Unrecordable("life expectancy"),
    ),
    (
        r"durie[- ]salmon (?:stage )?[^,;.]{0,30}?(?:stage )?(?:i{1,3}|[1-3])[ab]?"
        r"(?: (?:or|to|-) (?:i{1,3}|[1-3])[ab]?| or (?:greater|higher|more))?",
        Unrecordable("Durie-Salmon stage"),
    ),
)
_CONDITION_PATTERNS = tuple((re.compile(p), rule) for p, rule in _CONDITIONS)

_NEUROPATHY = re.compile(
    rf"(?:(?:nci[- ])?(?:ctcae?|ctc) )?grade ?(?:(?P<op>{_CMP}) ?)?(?P<g>[1-4])"
    r"(?P<more> ?(?:or|and) (?:greater|higher|above|more|worse)| ?(?:or|-|to|/|and) ?[2-4]"
    r"| ?\+)? (?:or (?:greater|higher) )?(?:sensory |motor |sensory or motor |sensory and/or motor"
    r" |peripheral sensory |painful )*(?:peripheral )?(?:sensory )?neuropathy"
    r"|(?:(?:sensory |motor )?peripheral (?:sensory )?neuropathy|neuropathy)(?: \(pn\))?"
    rf"(?: of)? (?:(?:nci[- ])?(?:ctcae?|ctc) )?(?:grade )?(?:(?P<op2>{_CMP}) ?)?(?:grade )?"
    r"(?P<g2>[1-4])(?P<more2> ?(?:or|and) (?:greater|higher|above|more|worse)| ?(?:or|-|to|/)"
    r" ?[2-4]| ?\+)?"
)
_CTCAE_VERSION = re.compile(
    r" ?\(?(?:as )?(?:graded )?(?:per |according to |by |using |based on )?(?:the )?"
    r"(?:nci[- ]?|national cancer institute )?(?:common terminology criteria for adverse events|"
    r"ctcae?)(?: \(ctcae\))?,?(?: version| v\.?| v) ?\d(?:\.\d+)?\)?"
)


def _neuropathy(ctx: Ctx) -> list[Hit]:
    hits: list[Hit] = []
    for m in _NEUROPATHY.finditer(ctx.text):
        grade = int(m["g"] or m["g2"])
        op_text = m["op"] or m["op2"]
        more = m["more"] or m["more2"]
        if op_text:
            op = parse_op(op_text)
            if op in (Op.LE, Op.LT):
                hits.append(Hit(m.start(), m.end(), HitKind.REVIEW, note="neuropathy at most"))
                continue
            least = grade + 1 if op is Op.GT else grade
        elif more:
            least = grade
        elif grade >= 4:
            least = 4
        else:
            hits.append(Hit(m.start(), m.end(), HitKind.REVIEW, note="neuropathy of one grade"))
            continue
        end = m.end()
        version = _CTCAE_VERSION.match(ctx.text, end)
        if version:
            end = version.end()
        rule = ConditionPresent("peripheral_neuropathy", least)
        hits.append(Hit(m.start(), end, HitKind.RULE, rule, priority=1))
    for m in _CTCAE_VERSION.finditer(ctx.text):
        hits.append(Hit(m.start(), m.end(), HitKind.FILLER))
    return hits


_EVER = re.compile(r"\b(?:history|prior|previous|previously|ever)\b")


def _conditions(ctx: Ctx) -> list[Hit]:
    hits: list[Hit] = []
    for pattern, rule in _CONDITION_PATTERNS:
        for m in pattern.finditer(ctx.text):
            chosen = rule
            if isinstance(rule, ConditionPresent) and rule.name != "hiv":
                ever = _EVER.search(m.group(0)) is not None
                chosen = ConditionPresent(rule.name, rule.grade_at_least, ever)
            hits.append(Hit(m.start(), m.end(), HitKind.RULE, chosen))
    return hits + _neuropathy(ctx)


_FINDINGS = (
    (r"t ?\( ?11 ?[;:] ?14 ?\)(?: translocation)?|translocation \(?11 ?[;:] ?14\)?", "t11_14"),
    (r"t ?\( ?4 ?[;:] ?14 ?\)", "t4_14"),
    (r"t ?\( ?14 ?[;:] ?16 ?\)", "t14_16"),
    (r"t ?\( ?14 ?[;:] ?20 ?\)", "t14_20"),
    (r"del ?\(? ?17p ?\)?|17p deletion|deletion (?:of )?(?:chromosome )?17p|17p-", "del17p"),
)
_FINDING_PATTERNS = tuple(
    (
        re.compile(
            rf"(?:(?:presence of|positive for|evidence of) )?(?:{p})"
            r"(?:[- ]positive|[- ]positivity)?"
        ),
        name,
    )
    for p, name in _FINDINGS
)


def _findings(ctx: Ctx) -> list[Hit]:
    hits: list[Hit] = []
    for pattern, name in _FINDING_PATTERNS:
        hits += hits_for(pattern, ctx, Finding(name))
    return hits


_PREGNANT = re.compile(
    r"(?:(?:(?:female |women |woman )?(?:women|woman|females?|patients?|participants?|subjects?))"
    r" (?:who are |that are )?)?"
    r"(?:(?:currently )?pregnant|pregnancy)(?:,? (?:or |and/or |and )?(?:breast[- ]?feeding"
    r"|lactating|nursing|planning (?:to become )?pregnant|planning a pregnancy))*(?: women)?"
    r"(?: (?:women|females?|subjects|patients|participants))?"
    r"|(?:breast[- ]?feeding|lactating|nursing)(?: (?:women|females?|mothers?))?"
    r"(?:,? (?:or |and/or )?pregnant)?"
)
_NEGATIVE_TEST = re.compile(
    r"negative (?:serum |urine |serum or urine |blood )?(?:beta-?hcg |"
    r"β-?hcg )?pregnancy test(?: result)?"
)


def _pregnancy(ctx: Ctx) -> list[Hit]:
    hits = [
        Hit(m.start(), m.end(), HitKind.RULE, Not(Pregnant()))
        for m in _NEGATIVE_TEST.finditer(ctx.text)
    ]
    if hits:
        return hits
    return hits_for(_PREGNANT, ctx, Pregnant())


# ---------------------------------------------------------------- fillers

_WINDOW = re.compile(
    r"(?:(?:obtained|measured|performed|assessed|done|drawn|confirmed) )?(?:(?:at|during) "
    r"(?:the )?(?:screening|baseline|study entry|enrollment|enrolment|registration)(?: visit)?"
    r"|at the time of (?:screening|enrollment|enrolment|registration|randomi[sz]ation|study"
    r" entry)|(?:within|<=|in the) (?:the )?(?:last |past )?(?:\d+|one|two|three|four|six)"
    r" (?:days?|weeks?|hours?)"
    r"(?: (?:before|prior to|of|preceding|from) (?:the )?(?:planned )?(?:start of |initiation of "
    r"|first dose of |date of |day 1 of )?(?:randomi[sz]ation|enrollment|enrolment|registration"
    r"|study entry|first (?:study )?dose(?: of (?:study )?(?:drug|treatment|therapy))?|day 1"
    r"(?: of cycle 1)?|cycle 1(?:,? day 1)?|c1d1|(?:study )?(?:treatment|therapy|drug)"
    r"(?: administration| start| initiation)?|screening|loading(?: phase)?|the first dose)"
    r"(?: \((?:day|d) -?\d+\))?)?)"
)
_DEFINITIONS = re.compile(
    r"refractory (?:multiple )?(?:myeloma|disease) is defined as (?:(?:documented )?"
    r"(?:disease (?:progression|that progresses)|progressive disease|progression|pd)"
    r"|disease that is non[- ]?responsive[^.]*?)[^.;]{0,60}?(?:during|on|while)[^.;]{0,60}?"
    r"within 60 days (?:of|after|following) (?:the )?(?:last|end of|completion of)[^.;]{0,40}"
    r"|relapsed (?:multiple )?myeloma is defined as previously treated (?:multiple )?myeloma that"
    r" progresses and requires (?:the )?initiation of salvage therapy,? but does not meet the"
    r" criteria for (?:primary )?refractory (?:multiple )?myeloma"
    r"|a line of therapy (?:consists of|is defined as) [^.;]*"
    r"|,? defined as (?:disease )?progression (?:on|during|while)[^.;]{0,30}within 60 days"
    r" (?:of|after) (?:the )?last dose[^.;]*"
)
_SHORT_FILLERS = re.compile(
    r"(?:,? ?(?:defined|as defined|evidenced|indicated) (?:as|by) )?(?:at least |any )?one"
    r" (?:or more )?of the following:?|(?:as )?(?:defined|assessed) (?:by|according to|per"
    r"|using) (?:the )?(?:imwg|international"
    r" myeloma working group)(?: \(imwg\))?(?: (?:uniform )?(?:response )?criteria)?"
    r"(?: \(\d{4}\))?|per (?:the )?imwg(?: criteria)?|(?:for|of) (?:multiple )?myeloma\b"
    r"|(?:for|of) mm\b|in the (?:investigator|treating physician)'?s? (?:opinion|judgement"
    r"|judgment) (?:is|are) (?:adequate|acceptable)|\(mm\)|\(rrmm\)|\(imwg\)"
)
_PHRASES = re.compile(
    r"\b(?:diagnosis of|diagnosed with)\b| by (?:fish|fluorescence in situ hybridi[sz]ation"
    r"|interphase fish|cytogenetics)\b|^(?:males? and females?|men and women|male or female"
    r"|female or male|males? or females?)\b"
)
_PDQ_LABEL = re.compile(
    r"^(?:age|performance status|life expectancy|hematopoietic|hepatic|renal|cardiovascular"
    r"|pulmonary|neurologic|immunologic|gastrointestinal|other|biologic therapy|chemotherapy"
    r"|endocrine therapy|radiotherapy|surgery|disease characteristics|patient characteristics"
    r")\s?:\s?"
)


def _fillers(ctx: Ctx) -> list[Hit]:
    hits = hits_for(_WINDOW, ctx, None, HitKind.WINDOW)
    hits += [
        Hit(m.start(), m.end(), HitKind.FILLER, priority=4) for m in _DEFINITIONS.finditer(ctx.text)
    ]
    hits += hits_for(_PDQ_LABEL, ctx, None, HitKind.FILLER)
    hits += hits_for(_SHORT_FILLERS, ctx, None, HitKind.FILLER)
    hits += hits_for(_PHRASES, ctx, None, HitKind.FILLER)
    return hits


MEASURE_EXTRACTORS = (
    _age,
    _performance,
    _labs,
    _measurable,
    _conditions,
    _findings,
    _pregnancy,
    _fillers,
)
