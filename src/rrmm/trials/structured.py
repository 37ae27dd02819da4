"""Curated, structured criteria (a CTML-like tree) and their conversion to and from rules.

A curator who has read a protocol can state a trial's criteria exactly instead of
relying on the parser. Each criterion keeps its text and kind and gives a ``match``
tree in the spirit of MatchMiner's CTML: ``and``/``or``/``not`` nodes over leaves such as

.. code-block:: yaml

    match: {prior_lines: {min: 1, max: 3}}
    match: {refractory: {drug: lenalidomide}}
    match: {exposed: {classes: [bcma_car_t, bcma_bispecific, bcma_adc]}}
    match: {exposed: {label: triple_class_exposed}}
    match: {lab: {analyte: anc, op: ">=", value: 1.0}}            # canonical unit
    match: {lab: {analyte: bilirubin, op: "<=", value: 1.5, relative: uln}}
    match: {or: [{condition: {name: cns_involvement}}, {condition: {name: plasma_cell_leukemia}}]}
    match: review                                                  # leave for review

Lab values are in the analyte's canonical unit (see :mod:`rrmm.core.analytes`).
:func:`rule_from_match` validates and builds the rule; :func:`rule_to_match` writes a
rule back, so the parser's reading of a trial can be exported, corrected and loaded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rrmm.core.analytes import ANALYTES, Analyte
from rrmm.core.drugs import DrugCatalog, DrugClass
from rrmm.core.model import ConditionName
from rrmm.trials.model import Criterion, CriterionKind, Origin, ParsedTrial
from rrmm.trials.rules import (
    Age,
    AllOf,
    AnyOf,
    Bound,
    ConditionPresent,
    Diagnosis,
    DrugHistory,
    Finding,
    Lab,
    Measurable,
    Not,
    Op,
    Performance,
    Permissive,
    Pregnant,
    PriorLines,
    ProgressionOnLast,
    RecentTherapy,
    RefractoryToLast,
    RelapsedRefractory,
    Relation,
    ResponseAchieved,
    Rule,
    SexIs,
    Target,
    Transplant,
    Unrecordable,
)
from rrmm.trials.vocabulary import label_rule

__all__ = [
    "CuratedTrial",
    "StructuredError",
    "apply_curation",
    "curated_trial_from_data",
    "rule_from_match",
    "rule_to_match",
]

_FINDINGS = ("del17p", "t4_14", "t14_16", "t14_20", "t11_14", "gain1q", "amp1q", "del1p32")
_FLAGS: dict[str, Rule] = {
    "refractory_to_last": RefractoryToLast(),
    "progression_on_last": ProgressionOnLast(),
    "relapsed_refractory": RelapsedRefractory(),
    "diagnosis": Diagnosis(),
    "pregnant": Pregnant(),
}


_RANGE_KEYS = {"min": Op.GE, "above": Op.GT, "max": Op.LE, "below": Op.LT}


class StructuredError(ValueError):
    """A curated criterion that breaks the format; the message names where."""


def _fail(where: str, message: str) -> StructuredError:
    return StructuredError(f"{where}: {message}")


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(where, f"expected a number, found {value!r}")
    return float(value)


def _range(node: Mapping[str, Any], where: str) -> tuple[Bound, ...]:
    if not isinstance(node, Mapping):
        raise _fail(where, "expected {min, max} (inclusive) or {above, below} (exclusive)")
    unknown = set(node) - {*_RANGE_KEYS, "counting"}
    if unknown:
        raise _fail(where, f"unknown keys {sorted(unknown)}")
    bounds = [
        Bound(op, _number(node[key], f"{where}.{key}"))
        for key, op in _RANGE_KEYS.items()
        if key in node
    ]
    if not bounds:
        raise _fail(where, "give min/above, max/below or both")
    return tuple(bounds)


def _target(node: Any, catalog: DrugCatalog, where: str) -> Target:
    if not isinstance(node, Mapping):
        raise _fail(where, "expected an object such as {drug: lenalidomide}")
    if "drug" in node:
        drug = catalog.resolve(str(node["drug"]))
        if drug is None:
            raise _fail(where, f"unknown drug '{node['drug']}'")
        return Target(drug.name, drugs=frozenset({drug.name}))
    if "class" in node or "classes" in node:
        raw = node.get("classes", [node.get("class")])
        names = raw if isinstance(raw, list) else [raw]
        try:
            classes = frozenset(DrugClass(str(name)) for name in names)
        except ValueError as error:
            raise _fail(where, str(error)) from None
        label = str(node.get("name") or ", ".join(sorted(c.value for c in classes)))
        return Target(label, classes=classes, cell_therapy=bool(node.get("cell_therapy")))
    if node.get("cell_therapy"):
        return Target(str(node.get("name") or "CAR-T therapy"), cell_therapy=True)
    if node.get("any_antimyeloma"):
        return Target(str(node.get("name") or "anti-myeloma therapy"), any_antimyeloma=True)
    if node.get("radiotherapy"):
        return Target("radiotherapy")
    if "uncatalogued" in node:
        names = [str(n) for n in node["uncatalogued"]]
        known = [n for n in names if catalog.resolve(n) is not None]
        if known:
            raise _fail(where, f"{', '.join(known)} are in the catalogue; use drug or drugs")
        return Target(str(node.get("name") or names[0]), drugs=frozenset(names), uncatalogued=True)
    if "drugs" in node:
        drugs = []
        for written in node["drugs"]:
            drug = catalog.resolve(str(written))
            if drug is None:
                raise _fail(where, f"unknown drug '{written}'")
            drugs.append(drug.name)
        return Target(str(node.get("name") or ", ".join(drugs)), drugs=frozenset(drugs))
    raise _fail(where, "name a drug, drugs, class, classes, cell_therapy or any_antimyeloma")


def _history(key: str, node: Any, catalog: DrugCatalog, where: str) -> Rule:
    if isinstance(node, Mapping) and "label" in node:
        try:
            return label_rule(str(node["label"]))
        except KeyError:
            raise _fail(where, f"unknown label '{node['label']}'") from None
    target = _target(node, catalog, where)
    at_least = int(node.get("at_least", 1)) if isinstance(node, Mapping) else 1
    return DrugHistory(target, Relation(key), at_least)


def _lab(node: Any, where: str) -> Rule:
    if not isinstance(node, Mapping):
        raise _fail(where, "expected {analyte, op, value}")
    try:
        analyte = Analyte(str(node["analyte"]))
        op = Op(str(node["op"]))
    except (KeyError, ValueError) as error:
        raise _fail(where, f"needs analyte and op ({error})") from None
    if ANALYTES[analyte].kind.value != "quantity":
        raise _fail(where, f"{analyte} is not a quantity")
    relative = str(node.get("relative") or "")
    if relative not in ("", "uln", "lln"):
        raise _fail(where, "relative is uln or lln")
    value = _number(node.get("value"), f"{where}.value")
    return Lab(analyte, Bound(op, value), relative)  # type: ignore[arg-type]


def _leaf(key: str, node: Any, catalog: DrugCatalog, where: str) -> Rule:
    if key in _FLAGS:
        return _FLAGS[key]
    if key == "age":
        return Age(_range(node, where))
    if key == "sex":
        if node not in ("female", "male"):
            raise _fail(where, "sex is female or male")
        return SexIs(node)
    if key in ("ecog", "karnofsky"):
        return Performance(key, _range(node, where))  # type: ignore[arg-type]
    if key == "lab":
        return _lab(node, where)
    if key == "measurable":
        if node == "imwg":
            return Measurable(1.0, 200.0, 100.0, specified=False)
        if not isinstance(node, Mapping):
            raise _fail(where, "expected thresholds or 'imwg'")
        return Measurable(
            node.get("serum_g_dl"), node.get("urine_mg_24h"), node.get("flc_mg_l"), True
        )
    if key == "prior_lines":
        written = node.get("counting", "lines") if isinstance(node, Mapping) else "lines"
        if written not in ("lines", "regimens"):
            raise _fail(where, "counting is lines or regimens")
        return PriorLines(_range(node, where), "regimens" if written == "regimens" else "lines")
    if key in ("exposed", "refractory", "intolerant"):
        return _history(key, node, catalog, where)
    if key == "transplant":
        kind = node.get("kind", "any") if isinstance(node, Mapping) else "any"
        within = node.get("within_days") if isinstance(node, Mapping) else None
        days = int(within) if within is not None else None
        if kind == "autologous":
            return Transplant("autologous", days)
        if kind == "allogeneic":
            return Transplant("allogeneic", days)
        if kind != "any":
            raise _fail(where, "kind is autologous, allogeneic or any")
        return Transplant("any", days)
    if key == "recent_therapy":
        if not isinstance(node, Mapping) or "within_days" not in node:
            raise _fail(where, "needs within_days and a target")
        target = _target(node, catalog, where)
        broad = _target(node["broad"], catalog, f"{where}.broad") if "broad" in node else None
        return RecentTherapy(target, int(node["within_days"]), broad)
    if key == "condition":
        name = node.get("name") if isinstance(node, Mapping) else node
        if name not in ConditionName.__members__.values():
            raise _fail(where, f"unknown condition '{name}'")
        grade = node.get("grade_at_least") if isinstance(node, Mapping) else None
        ever = bool(node.get("ever")) if isinstance(node, Mapping) else False
        return ConditionPresent(str(name), int(grade) if grade is not None else None, ever)
    if key == "finding":
        if node not in _FINDINGS:
            raise _fail(where, f"finding is one of {', '.join(_FINDINGS)}")
        return Finding(str(node))
    if key == "response_achieved":
        if node not in ("sCR", "CR", "VGPR", "PR", "MR"):
            raise _fail(where, "response_achieved is sCR, CR, VGPR, PR or MR")
        return ResponseAchieved(str(node))
    if key == "unrecordable":
        return Unrecordable(str(node))
    if key == "permissive":
        return Permissive(str(node))
    raise _fail(where, f"unknown leaf '{key}'")


def rule_from_match(node: Any, catalog: DrugCatalog, where: str = "match") -> Rule | None:
    """The rule a ``match`` tree states; None for ``review`` (the criterion needs review)."""
    if node == "review":
        return None
    if not isinstance(node, Mapping) or len(node) != 1:
        raise _fail(where, "expected one key: and, or, not or a leaf such as prior_lines")
    ((key, value),) = node.items()
    if key in ("and", "or"):
        if not isinstance(value, list) or not value:
            raise _fail(where, f"{key} needs a non-empty list")
        items = []
        for index, item in enumerate(value):
            rule = rule_from_match(item, catalog, f"{where}.{key}[{index}]")
            if rule is None:
                raise _fail(where, "review cannot be nested")
            items.append(rule)
        return AllOf(tuple(items)) if key == "and" else AnyOf(tuple(items))
    if key == "not":
        inner = rule_from_match(value, catalog, f"{where}.not")
        if inner is None:
            raise _fail(where, "review cannot be nested")
        return Not(inner)
    return _leaf(str(key), value, catalog, f"{where}.{key}")


def _range_out(bounds: tuple[Bound, ...]) -> dict[str, Any]:
    keys = {op: key for key, op in _RANGE_KEYS.items()}
    return {keys[bound.op]: bound.value for bound in bounds}


def _target_out(target: Target) -> dict[str, Any]:
    out: dict[str, Any] = {"name": target.name}
    if target.drugs:
        out["uncatalogued" if target.uncatalogued else "drugs"] = sorted(target.drugs)
    if target.classes:
        out["classes"] = sorted(c.value for c in target.classes)
    if target.cell_therapy:
        out["cell_therapy"] = True
    if target.any_antimyeloma:
        out["any_antimyeloma"] = True
    if target.name == "radiotherapy" and not (target.drugs or target.classes):
        out["radiotherapy"] = True
    return out


def rule_to_match(rule: Rule) -> Any:
    """The ``match`` tree of a rule (the inverse of :func:`rule_from_match`)."""
    if isinstance(rule, AllOf | AnyOf):
        return {"and" if isinstance(rule, AllOf) else "or": [rule_to_match(i) for i in rule.items]}
    if isinstance(rule, Not):
        return {"not": rule_to_match(rule.item)}
    for key, flag in _FLAGS.items():
        if rule == flag:
            return {key: True}
    if isinstance(rule, Age):
        return {"age": _range_out(rule.bounds)}
    if isinstance(rule, SexIs):
        return {"sex": rule.sex}
    if isinstance(rule, Performance):
        return {rule.scale: _range_out(rule.bounds)}
    if isinstance(rule, Lab):
        lab: dict[str, Any] = {
            "analyte": rule.analyte.value,
            "op": rule.bound.op.value,
            "value": rule.bound.value,
        }
        if rule.relative:
            lab["relative"] = rule.relative
        return {"lab": lab}
    if isinstance(rule, Measurable):
        if not rule.specified:
            return {"measurable": "imwg"}
        return {
            "measurable": {
                k: v
                for k, v in (
                    ("serum_g_dl", rule.serum_g_dl),
                    ("urine_mg_24h", rule.urine_mg_24h),
                    ("flc_mg_l", rule.flc_mg_l),
                )
                if v is not None
            }
        }
    if isinstance(rule, PriorLines):
        return {"prior_lines": {**_range_out(rule.bounds), "counting": rule.counting}}
    if isinstance(rule, DrugHistory):
        node = _target_out(rule.target)
        if rule.at_least > 1:
            node["at_least"] = rule.at_least
        return {rule.relation.value: node}
    if isinstance(rule, Transplant):
        transplant: dict[str, Any] = {"kind": rule.kind}
        if rule.within_days is not None:
            transplant["within_days"] = rule.within_days
        return {"transplant": transplant}
    if isinstance(rule, RecentTherapy):
        recent = {**_target_out(rule.target), "within_days": rule.within_days}
        if rule.broad is not None:
            recent["broad"] = _target_out(rule.broad)
        return {"recent_therapy": recent}
    if isinstance(rule, ConditionPresent):
        condition: dict[str, Any] = {"name": rule.name}
        if rule.grade_at_least is not None:
            condition["grade_at_least"] = rule.grade_at_least
        if rule.ever:
            condition["ever"] = True
        return {"condition": condition}
    if isinstance(rule, Finding):
        return {"finding": rule.name}
    if isinstance(rule, ResponseAchieved):
        return {"response_achieved": rule.level}
    if isinstance(rule, Unrecordable):
        return {"unrecordable": rule.what}
    if isinstance(rule, Permissive):
        return {"permissive": rule.what}
    raise TypeError(f"cannot write {rule!r}")


@dataclass(frozen=True, slots=True)
class CuratedTrial:
    """Curated criteria for one trial and how they combine with the parser's.

    ``mode`` ``replace``: these criteria replace the parsed text criteria (registry age
    and sex stay); ``patch``: each replaces the parsed criterion with the same text
    (whitespace and case aside), and the others are added.
    """

    nct_id: str
    criteria: tuple[Criterion, ...]
    mode: str = "replace"
    source: str = ""


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def curated_trial_from_data(data: Any, catalog: DrugCatalog, where: str) -> CuratedTrial:
    """One curated trial from parsed YAML/JSON; raises StructuredError naming ``where``."""
    if not isinstance(data, Mapping):
        raise _fail(where, "expected an object with nct_id and criteria")
    nct_id = data.get("nct_id")
    if not isinstance(nct_id, str) or not nct_id.startswith("NCT"):
        raise _fail(where, "nct_id is missing or not an NCT id")
    mode = str(data.get("mode", "replace"))
    if mode not in ("replace", "patch"):
        raise _fail(where, "mode is replace or patch")
    items = data.get("criteria")
    if not isinstance(items, list) or not items:
        raise _fail(where, "criteria must be a non-empty list")
    criteria = []
    for index, item in enumerate(items):
        place = f"{where}.criteria[{index}]"
        if not isinstance(item, Mapping) or "text" not in item or "match" not in item:
            raise _fail(place, "each criterion needs text, kind and match")
        try:
            kind = CriterionKind(str(item.get("kind", "inclusion")))
        except ValueError:
            raise _fail(place, "kind is inclusion or exclusion") from None
        rule = rule_from_match(item["match"], catalog, f"{place}.match")
        note = "" if rule is not None else "curated: needs review"
        criteria.append(Criterion(str(item["text"]), kind, rule, "curated", Origin.CURATED, note))
    return CuratedTrial(nct_id, tuple(criteria), mode, str(data.get("source", "")))


def apply_curation(parsed: ParsedTrial, curated: CuratedTrial) -> ParsedTrial:
    """The trial with its curated criteria in place of (or over) the parsed ones."""
    registry = tuple(c for c in parsed.criteria if c.origin is Origin.REGISTRY)
    if curated.mode == "replace":
        return ParsedTrial(parsed.trial, registry + curated.criteria)
    by_text = {_key(c.text): c for c in curated.criteria}
    used: set[str] = set()
    out = []
    for criterion in parsed.criteria:
        replacement = by_text.get(_key(criterion.text))
        if replacement is not None and replacement.kind is criterion.kind:
            out.append(replacement)
            used.add(_key(criterion.text))
        else:
            out.append(criterion)
    out += [c for c in curated.criteria if _key(c.text) not in used]
    return ParsedTrial(parsed.trial, tuple(out))
