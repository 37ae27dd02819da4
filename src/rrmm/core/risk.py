"""Risk staging: ISS, R-ISS, R2-ISS and IMS/IMWG 2025 high-risk cytogenetics.

Each stage is computed over what the record can tell: when an input is missing,
every value it could take is tried, and the stage is given only when they all
agree; otherwise the result is "not evaluable" and names the missing inputs.

- ISS (Greipp 2005): I β2M < 3.5 mg/L and albumin ≥ 3.5 g/dL; III β2M ≥ 5.5; else II.
- R-ISS (Palumbo 2015): I = ISS I, no del(17p)/t(4;14)/t(14;16), normal LDH;
  III = ISS III with high-risk CA or high LDH; II otherwise.
- R2-ISS (D'Agostino 2022): ISS II 1, ISS III 1.5, del(17p) 1, high LDH 1, t(4;14) 1,
  1q+ 0.5; I 0, II 0.5-1, III 1.5-2.5, IV ≥ 3.
- IMS/IMWG 2025 (Avet-Loiseau 2025, as implemented by MMRF): high risk when any of
  del(17p) > 20% and/or TP53 mutation; t(4;14)/t(14;16)/t(14;20) with 1q+ and/or
  del(1p32); monoallelic del(1p32) with 1q+, or biallelic del(1p32); β2M ≥ 5.5 mg/L
  with creatinine < 1.2 mg/dL. Standard only when every criterion is known false.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from itertools import product

from rrmm.core.analytes import Analyte
from rrmm.core.model import CytogeneticFinding, Measurement, PatientRecord
from rrmm.core.series import Point, lab_values, quantity_series
from rrmm.core.thresholds import above, at_least, below

__all__ = ["RiskProfile", "Stage", "risk_profile"]

Tri = bool | None


@dataclass(frozen=True, slots=True)
class Stage:
    """A stage or class, or None with the inputs that are missing."""

    name: str
    value: str | None
    rule: str
    reason: str
    missing: tuple[str, ...] = ()
    given: str | None = None


@dataclass(frozen=True, slots=True)
class RiskProfile:
    """The four risk assessments."""

    iss: Stage
    r_iss: Stage
    r2_iss: Stage
    ims_imwg_2025: Stage


def _near(points: tuple[Point, ...], day: date, window: int) -> Point | None:
    candidates = [p for p in points if abs((p.date - day).days) <= window]
    return min(candidates, key=lambda p: (abs((p.date - day).days), p.date), default=None)


def _feature(findings: Iterable[CytogeneticFinding], name: str) -> Tri:
    """True if any test found it, False if all tests that looked were negative."""
    values = [getattr(f, name) for f in findings if getattr(f, name) is not None]
    if any(values):
        return True
    return False if values else None


def _solve(
    name: str,
    rule: str,
    inputs: dict[str, Tri],
    decide: Callable[[dict[str, bool]], str],
    labels: dict[str, str],
) -> Stage:
    """Evaluate ``decide`` over every completion of the unknown inputs.

    ``decide`` is a pure module-level function, so the stage depends only on the arguments:
    it is computed once per distinct (name, rule, inputs, decide, labels), each input being
    True, False or unknown (at most 3^8 input patterns per stage).
    """
    return _solve_once(name, rule, tuple(inputs.items()), decide, tuple(labels.items()))


@lru_cache(maxsize=32768)
def _solve_once(
    name: str,
    rule: str,
    input_items: tuple[tuple[str, Tri], ...],
    decide: Callable[[dict[str, bool]], str],
    label_items: tuple[tuple[str, str], ...],
) -> Stage:
    inputs = dict(input_items)
    labels = dict(label_items)
    unknown = [key for key, value in inputs.items() if value is None]
    outcomes = set()
    for combo in product((False, True), repeat=len(unknown)):
        filled = {k: bool(v) for k, v in inputs.items() if v is not None}
        filled.update(dict(zip(unknown, combo, strict=True)))
        outcomes.add(decide(filled))
    known = ", ".join(
        f"{labels[k]} {'yes' if v else 'no'}" for k, v in inputs.items() if v is not None
    )
    if len(outcomes) == 1:
        value = outcomes.pop()
        return Stage(name, value, rule, known or "from the rule alone")
    missing = tuple(labels[k] for k in unknown)
    return Stage(
        name,
        None,
        rule,
        f"not evaluable: could be {', '.join(sorted(outcomes))} depending on {', '.join(missing)}",
        missing,
    )


def _iss(b2m: Point | None, albumin: Point | None) -> Stage:
    if b2m is None:
        return Stage(
            "ISS",
            None,
            "risk.iss",
            "not evaluable: no β2-microglobulin near diagnosis",
            ("β2-microglobulin",),
        )
    values = f"β2-microglobulin {b2m.value:.3g} mg/L ({b2m.date})"
    if albumin is not None:
        values += f", albumin {albumin.value:.3g} g/dL ({albumin.date})"
    if at_least(b2m.value, 5.5):
        return Stage("ISS", "III", "risk.iss", f"{values}: β2-microglobulin ≥ 5.5")
    if at_least(b2m.value, 3.5):
        return Stage("ISS", "II", "risk.iss", f"{values}: β2-microglobulin 3.5 to < 5.5")
    if albumin is None:
        return Stage(
            "ISS",
            None,
            "risk.iss",
            f"not evaluable: I or II depending on albumin ({values})",
            ("albumin",),
        )
    if at_least(albumin.value, 3.5):
        return Stage("ISS", "I", "risk.iss", f"{values}: β2-microglobulin < 3.5 and albumin ≥ 3.5")
    return Stage("ISS", "II", "risk.iss", f"{values}: albumin < 3.5")


def _del17p_over(findings: list[CytogeneticFinding], cutoff: float) -> Tri:
    """del(17p) in more than ``cutoff`` % of clonal cells (IMS/IMWG 2025 uses > 20%)."""
    positive = [f for f in findings if f.del17p]
    if any(f.del17p_fraction is not None and above(f.del17p_fraction, cutoff) for f in positive):
        return True
    if positive and any(f.del17p_fraction is None for f in positive):
        return None
    if positive:
        return False
    tested = [f for f in findings if f.del17p is False]
    return False if tested else None


def _ldh_high(record: PatientRecord, day: date, window: int) -> tuple[Tri, str]:
    best: tuple[int, Measurement, date] | None = None
    for when, value in lab_values(record, Analyte.LDH):
        if isinstance(value, Measurement) and abs((when - day).days) <= window:
            distance = abs((when - day).days)
            if best is None or distance < best[0]:
                best = (distance, value, when)
    if best is None:
        return None, "no LDH at diagnosis"
    _, value, when = best
    if value.reference_high is None:
        return None, f"LDH {value.quantity} on {when} has no upper limit of normal recorded"
    high = above(value.quantity.value, value.reference_high)
    return (
        high,
        f"LDH {value.quantity} on {when}"
        f" ({'above' if high else 'within'} ULN {value.reference_high:g})",
    )


_BASE_LABELS = {
    "iss1": "ISS I",
    "iss3": "ISS III",
    "del17p": "del(17p)",
    "t4_14": "t(4;14)",
    "t14_16": "t(14;16)",
    "ldh": "LDH above ULN",
    "gain": "1q gain/amplification",
}


def _r_iss(v: dict[str, bool]) -> str:
    """R-ISS (Palumbo 2015) from complete inputs."""
    high_ca = v["del17p"] or v["t4_14"] or v["t14_16"]
    if v["iss1"] and not v["iss3"] and not high_ca and not v["ldh"]:
        return "I"
    if v["iss3"] and not v["iss1"] and (high_ca or v["ldh"]):
        return "III"
    return "II"


def _r2_iss(v: dict[str, bool]) -> str:
    """R2-ISS (D'Agostino 2022) points from complete inputs."""
    points = 0.0
    if v["iss3"]:
        points += 1.5
    elif not v["iss1"]:
        points += 1.0
    points += v["del17p"] + v["ldh"] + v["t4_14"] + 0.5 * v["gain"]
    if points == 0:
        return "I"
    if points <= 1:
        return "II"
    if points <= 2.5:
        return "III"
    return "IV"


def risk_profile(record: PatientRecord, window_days: int) -> RiskProfile:
    """ISS, R-ISS, R2-ISS and IMS/IMWG 2025 risk from values at diagnosis."""
    diagnosis = record.diagnosis
    if diagnosis is None:
        none = Stage("", None, "", "not evaluable: no diagnosis date", ("diagnosis",))
        return RiskProfile(
            Stage("ISS", None, "risk.iss", none.reason, none.missing),
            Stage("R-ISS", None, "risk.r_iss", none.reason, none.missing),
            Stage("R2-ISS", None, "risk.r2_iss", none.reason, none.missing),
            Stage("IMS/IMWG 2025", None, "risk.ims_imwg_2025", none.reason, none.missing),
        )
    day = diagnosis.date
    b2m = _near(quantity_series(record, Analyte.BETA2_MICROGLOBULIN), day, window_days)
    albumin = _near(quantity_series(record, Analyte.ALBUMIN), day, window_days)
    creatinine = _near(quantity_series(record, Analyte.CREATININE), day, window_days)
    iss = _iss(b2m, albumin)
    if diagnosis.iss_stage is not None:
        given = ["I", "II", "III"][diagnosis.iss_stage - 1]
        iss = Stage(iss.name, iss.value, iss.rule, iss.reason, iss.missing, given)
    cutoff = day + timedelta(days=window_days)
    findings = [f for f in record.findings if f.date <= cutoff] or list(record.findings)
    ldh_high, ldh_text = _ldh_high(record, day, window_days)
    features = {
        name: _feature(findings, name)
        for name in (
            "del17p",
            "t4_14",
            "t14_16",
            "t14_20",
            "gain1q",
            "amp1q",
            "del1p32",
            "del1p32_biallelic",
            "tp53_mutation",
        )
    }
    gain = _one_q_plus(features["gain1q"], features["amp1q"])
    iss_value = iss.value
    iss_inputs: dict[str, Tri] = {
        "iss1": None if iss_value is None else iss_value == "I",
        "iss3": None if iss_value is None else iss_value == "III",
    }
    base_labels = _BASE_LABELS
    r_inputs = {
        **iss_inputs,
        "del17p": features["del17p"],
        "t4_14": features["t4_14"],
        "t14_16": features["t14_16"],
        "ldh": ldh_high,
    }
    r_stage = _solve("R-ISS", "risk.r_iss", r_inputs, _r_iss, base_labels)
    r_stage = _with_context(r_stage, ldh_text, ldh_high)

    r2_inputs = {
        **iss_inputs,
        "del17p": features["del17p"],
        "ldh": ldh_high,
        "t4_14": features["t4_14"],
        "gain": gain,
    }
    r2_stage = _with_context(
        _solve("R2-ISS", "risk.r2_iss", r2_inputs, _r2_iss, base_labels), ldh_text, ldh_high
    )
    ims = _ims_imwg(features, _del17p_over(findings, 20.0), gain, b2m, creatinine)
    return RiskProfile(iss, r_stage, r2_stage, ims)


def _one_q_plus(gain: Tri, amplification: Tri) -> Tri:
    """1q+ (gain or amplification); 'no gain of 1q' also rules out amplification."""
    if gain is True or amplification is True:
        return True
    if gain is False:
        return False
    return None


def _any(*values: Tri) -> Tri:
    if any(v is True for v in values):
        return True
    return None if any(v is None for v in values) else False


def _with_context(stage: Stage, ldh_text: str, ldh_high: Tri) -> Stage:
    if ldh_high is None and stage.value is None:
        return Stage(stage.name, None, stage.rule, f"{stage.reason}; {ldh_text}", stage.missing)
    return stage


def _ims_imwg(
    features: dict[str, Tri],
    del17p_big: Tri,
    gain: Tri,
    b2m: Point | None,
    creatinine: Point | None,
) -> Stage:
    inputs: dict[str, Tri] = {
        "del17p_20": del17p_big,
        "tp53": features["tp53_mutation"],
        "igh": _any(features["t4_14"], features["t14_16"], features["t14_20"]),
        "gain": gain,
        "del1p32": features["del1p32"],
        "biallelic": False if features["del1p32"] is False else features["del1p32_biallelic"],
        "b2m": None if b2m is None else at_least(b2m.value, 5.5),
        "creat_ok": None if creatinine is None else below(creatinine.value, 1.2),
    }
    return _solve("IMS/IMWG 2025", "risk.ims_imwg_2025", inputs, _ims_high, _IMS_LABELS)


_IMS_LABELS = {
    "del17p_20": "del(17p) > 20%",
    "tp53": "TP53 mutation",
    "igh": "t(4;14)/t(14;16)/t(14;20)",
    "gain": "1q gain/amplification",
    "del1p32": "del(1p32)",
    "biallelic": "biallelic del(1p32)",
    "b2m": "β2-microglobulin ≥ 5.5 mg/L",
    "creat_ok": "creatinine < 1.2 mg/dL",
}


def _ims_high(v: dict[str, bool]) -> str:
    """IMS/IMWG 2025 high risk (Avet-Loiseau 2025) from complete inputs."""
    high = (
        v["del17p_20"]
        or v["tp53"]
        or (v["igh"] and (v["gain"] or v["del1p32"]))
        or (v["del1p32"] and v["gain"])
        or v["biallelic"]
        or (v["b2m"] and v["creat_ok"])
    )
    return "high" if high else "standard"
