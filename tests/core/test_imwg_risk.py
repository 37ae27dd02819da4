"""Risk staging at diagnosis: ISS, R-ISS, R2-ISS, IMS/IMWG 2025 (imwg.md section 9).

ISS: I = b2M < 3.5 mg/L and albumin >= 3.5 g/dL (35 g/L); III = b2M >= 5.5; else II.
R-ISS: I = ISS I, no del(17p)/t(4;14)/t(14;16), LDH <= ULN; III = ISS III with one of
those or LDH > ULN; else II. R2-ISS points: ISS II 1, ISS III 1.5, del(17p) 1, LDH > ULN 1,
t(4;14) 1, 1q+ 0.5; I 0, II 0.5-1, III 1.5-2.5, IV >= 3. IMS/IMWG 2025 high risk:
del(17p) > 20% or TP53 mutation; t(4;14)/t(14;16)/t(14;20) with 1q+ or del(1p32);
del(1p32) with 1q+ or biallelic del(1p32); b2M >= 5.5 with creatinine < 1.2 mg/dL
(106.08 umol/L). A missing input gives no value unless every completion agrees.
"""

from __future__ import annotations

import pytest

from tests.core.builders import DIAGNOSIS, NEGATIVE_FISH, day, evaluate, lab, patient

LDH_NORMAL = {"value": 200, "unit": "U/L", "reference_high": 250}
LDH_HIGH = {"value": 300, "unit": "U/L", "reference_high": 250}
UNSET = object()


def risk(
    b2m="3.0 mg/L",
    albumin="4.0 g/dL",
    creatinine="1.0 mg/dL",
    ldh=UNSET,
    findings=UNSET,
    when=0,
    **changes,
):
    """The risk profile; values at diagnosis (or ``when`` days after it)."""
    values = {
        "beta2_microglobulin": b2m,
        "albumin": albumin,
        "creatinine": creatinine,
        "ldh": LDH_NORMAL if ldh is UNSET else ldh,
    }
    if findings is UNSET:
        findings = [{"date": DIAGNOSIS, **NEGATIVE_FISH, **changes}]
    text = patient(labs=[lab(day(when, DIAGNOSIS), **values)], findings=findings)
    return evaluate(text).risk


ISS = [
    pytest.param("3.4 mg/L", "3.5 g/dL", "I", id="b2m-3.4<3.5-alb-3.5>=3.5-I"),
    pytest.param("3.49 mg/L", "4.0 g/dL", "I", id="b2m-3.49-I"),
    pytest.param("3.5 mg/L", "4.0 g/dL", "II", id="b2m-3.5-not<3.5-II"),
    pytest.param("3.4 mg/L", "3.49 g/dL", "II", id="alb-3.49<3.5-II"),
    pytest.param("3.4 mg/L", "35 g/L", "I", id="alb-35g/L=3.5g/dL-I"),
    pytest.param("3.4 mg/L", "34.9 g/L", "II", id="alb-34.9g/L=3.49g/dL-II"),
    pytest.param("5.49 mg/L", "4.0 g/dL", "II", id="b2m-5.49<5.5-II"),
    pytest.param("5.5 mg/L", "4.0 g/dL", "III", id="b2m-5.5>=5.5-III"),
    pytest.param("5.5 mg/L", "3.0 g/dL", "III", id="b2m-5.5-low-albumin-III"),
    pytest.param("0.55 mg/dL", "4.0 g/dL", "III", id="b2m-0.55mg/dL=5.5mg/L-III"),
    pytest.param("5.5 mg/L", None, "III", id="b2m-5.5-albumin-not-needed"),
    pytest.param("3.5 mg/L", None, "II", id="b2m-3.5-albumin-not-needed"),
]


@pytest.mark.parametrize(("b2m", "albumin", "expected"), ISS)
def test_iss(b2m, albumin, expected):
    stage = risk(b2m=b2m, albumin=albumin).iss
    assert (stage.value, stage.missing) == (expected, ())


@pytest.mark.parametrize(
    ("b2m", "albumin", "missing"),
    [
        pytest.param("3.4 mg/L", None, ("albumin",), id="b2m<3.5-albumin-missing"),
        pytest.param(None, "4.0 g/dL", ("β2-microglobulin",), id="b2m-missing"),
    ],
)
def test_iss_missing(b2m, albumin, missing):
    stage = risk(b2m=b2m, albumin=albumin).iss
    assert (stage.value, stage.missing) == (None, missing)


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        pytest.param(60, "III", id="b2m-60-days-after-diagnosis-used"),
        pytest.param(61, None, id="b2m-61-days-after-diagnosis-too-late"),
    ],
)
def test_iss_window_around_diagnosis(when, expected):
    assert risk(b2m="6.0 mg/L", when=when).iss.value == expected


# ISS I = b2m 3.0 / alb 4.0; ISS III = b2m 6.0
R_ISS = [
    pytest.param("3.0 mg/L", {}, LDH_NORMAL, "I", id="ISS-I-no-CA-LDH-200<=250-I"),
    pytest.param(
        "3.0 mg/L",
        {},
        {"value": 250, "unit": "U/L", "reference_high": 250},
        "I",
        id="ISS-I-LDH-250=ULN-not-high-I",
    ),
    pytest.param(
        "3.0 mg/L",
        {},
        {"value": 251, "unit": "U/L", "reference_high": 250},
        "II",
        id="ISS-I-LDH-251>ULN-II",
    ),
    pytest.param("3.0 mg/L", {"t4_14": True}, LDH_NORMAL, "II", id="ISS-I-t(4;14)-II"),
    pytest.param("6.0 mg/L", {"t4_14": True}, LDH_NORMAL, "III", id="ISS-III-t(4;14)-III"),
    pytest.param("6.0 mg/L", {"t14_16": True}, LDH_NORMAL, "III", id="ISS-III-t(14;16)-III"),
    pytest.param("6.0 mg/L", {"del17p": True}, LDH_NORMAL, "III", id="ISS-III-del17p-III"),
    pytest.param("6.0 mg/L", {}, LDH_HIGH, "III", id="ISS-III-LDH-300>250-III"),
    pytest.param("6.0 mg/L", {}, LDH_NORMAL, "II", id="ISS-III-standard-normal-LDH-II"),
    pytest.param("4.0 mg/L", {"t4_14": True}, LDH_HIGH, "II", id="ISS-II-always-II"),
    pytest.param("6.0 mg/L", {"gain1q": True}, LDH_NORMAL, "II", id="ISS-III-1q-not-R-ISS-CA"),
]


@pytest.mark.parametrize(("b2m", "changes", "ldh", "expected"), R_ISS)
def test_r_iss(b2m, changes, ldh, expected):
    stage = risk(b2m=b2m, ldh=ldh, **changes).r_iss
    assert (stage.value, stage.missing) == (expected, ())


def test_r_iss_ldh_without_upper_limit_is_missing():
    stage = risk(ldh="200 U/L").r_iss
    assert (stage.value, stage.missing) == (None, ("LDH above ULN",))
    assert "no upper limit of normal" in stage.reason


def test_r_iss_without_cytogenetics_is_missing():
    stage = risk(findings=[]).r_iss
    assert stage.value is None
    assert stage.missing == ("del(17p)", "t(4;14)", "t(14;16)")


def test_r_iss_iss_ii_needs_nothing_else():
    stage = risk(b2m="4.0 mg/L", findings=[], ldh=None).r_iss
    assert (stage.value, stage.missing) == ("II", ())


# (b2m, findings changes, LDH, expected R2-ISS); points in the id
R2_ISS = [
    pytest.param("3.0 mg/L", {}, LDH_NORMAL, "I", id="0-points-I"),
    pytest.param("3.0 mg/L", {"gain1q": True}, LDH_NORMAL, "II", id="1q=0.5-II"),
    pytest.param("3.0 mg/L", {"amp1q": True}, LDH_NORMAL, "II", id="amp1q=0.5-II"),
    pytest.param("4.0 mg/L", {}, LDH_NORMAL, "II", id="ISS-II=1-II"),
    pytest.param("4.0 mg/L", {"gain1q": True}, LDH_NORMAL, "III", id="ISS-II+1q=1.5-III"),
    pytest.param("6.0 mg/L", {}, LDH_NORMAL, "III", id="ISS-III=1.5-III"),
    pytest.param("6.0 mg/L", {"t4_14": True}, LDH_NORMAL, "III", id="ISS-III+t(4;14)=2.5-III"),
    pytest.param(
        "6.0 mg/L",
        {"t4_14": True, "gain1q": True},
        LDH_NORMAL,
        "IV",
        id="ISS-III+t(4;14)+1q=1.5+1+0.5=3-IV",
    ),
    pytest.param("4.0 mg/L", {"del17p": True}, LDH_HIGH, "IV", id="ISS-II+del17p+LDH=1+1+1=3-IV"),
    pytest.param("3.0 mg/L", {"t14_16": True}, LDH_NORMAL, "I", id="t(14;16)-not-in-R2-ISS-I"),
    pytest.param(
        "3.0 mg/L",
        {"del17p": True, "t4_14": True},
        LDH_NORMAL,
        "III",
        id="ISS-I+del17p+t(4;14)=2-III",
    ),
    pytest.param(
        "6.0 mg/L",
        {"del17p": True, "t4_14": True, "gain1q": True},
        LDH_HIGH,
        "IV",
        id="maximum-1.5+1+1+1+0.5=5-IV",
    ),
]


@pytest.mark.parametrize(("b2m", "changes", "ldh", "expected"), R2_ISS)
def test_r2_iss(b2m, changes, ldh, expected):
    stage = risk(b2m=b2m, ldh=ldh, **changes).r2_iss
    assert (stage.value, stage.missing) == (expected, ())


def test_r2_iss_missing_ldh_that_cannot_change_the_stage():
    # 1.5 + 1 + 0.5 = 3 already: IV with or without LDH
    stage = risk(b2m="6.0 mg/L", ldh=None, t4_14=True, gain1q=True).r2_iss
    assert (stage.value, stage.missing) == ("IV", ())


def test_r2_iss_missing_ldh_that_can_change_the_stage():
    stage = risk(b2m="3.0 mg/L", ldh=None).r2_iss
    assert (stage.value, stage.missing) == (None, ("LDH above ULN",))


# IMS/IMWG 2025 (findings changes, b2m, creatinine, expected)
IMS = [
    pytest.param({}, "3.0 mg/L", "1.0 mg/dL", "standard", id="all-negative-standard"),
    pytest.param(
        {"del17p": True, "del17p_fraction": 20.0},
        "3.0 mg/L",
        "1.0 mg/dL",
        "standard",
        id="del17p-20%-not>20-standard",
    ),
    pytest.param(
        {"del17p": True, "del17p_fraction": 21.0},
        "3.0 mg/L",
        "1.0 mg/dL",
        "high",
        id="del17p-21%>20-high",
    ),
    pytest.param({"tp53_mutation": True}, "3.0 mg/L", "1.0 mg/dL", "high", id="TP53-high"),
    pytest.param({"t4_14": True}, "3.0 mg/L", "1.0 mg/dL", "standard", id="t(4;14)-alone"),
    pytest.param({"gain1q": True}, "3.0 mg/L", "1.0 mg/dL", "standard", id="1q-alone"),
    pytest.param(
        {"t4_14": True, "gain1q": True}, "3.0 mg/L", "1.0 mg/dL", "high", id="t(4;14)+1q-high"
    ),
    pytest.param(
        {"t14_16": True, "del1p32": True},
        "3.0 mg/L",
        "1.0 mg/dL",
        "high",
        id="t(14;16)+del1p32-high",
    ),
    pytest.param(
        {"t14_20": True, "amp1q": True}, "3.0 mg/L", "1.0 mg/dL", "high", id="t(14;20)+amp1q"
    ),
    pytest.param(
        {"del1p32": True, "gain1q": True}, "3.0 mg/L", "1.0 mg/dL", "high", id="del1p32+1q-high"
    ),
    pytest.param({"del1p32": True}, "3.0 mg/L", "1.0 mg/dL", "standard", id="monoallelic-1p32"),
    pytest.param(
        {"del1p32": True, "del1p32_biallelic": True},
        "3.0 mg/L",
        "1.0 mg/dL",
        "high",
        id="biallelic-del1p32-high",
    ),
    pytest.param({}, "5.5 mg/L", "1.19 mg/dL", "high", id="b2m-5.5+creat-1.19<1.2-high"),
    pytest.param({}, "5.5 mg/L", "1.2 mg/dL", "standard", id="b2m-5.5+creat-1.2-not<1.2"),
    pytest.param({}, "5.49 mg/L", "1.0 mg/dL", "standard", id="b2m-5.49<5.5-standard"),
    pytest.param(
        {}, "5.5 mg/L", "106 umol/L", "high", id="creat-106umol/L=106x113.12/1e4=1.199-high"
    ),
    pytest.param({}, "5.5 mg/L", "106.1 umol/L", "standard", id="creat-106.1umol/L=1.2002"),
    pytest.param({}, "3.0 mg/L", None, "standard", id="b2m<5.5-creatinine-not-needed"),
]


@pytest.mark.parametrize(("changes", "b2m", "creatinine", "expected"), IMS)
def test_ims_imwg_2025(changes, b2m, creatinine, expected):
    stage = risk(b2m=b2m, creatinine=creatinine, **changes).ims_imwg_2025
    assert (stage.value, stage.missing) == (expected, ()), stage.reason


def test_ims_imwg_2025_missing_creatinine_with_high_b2m():
    stage = risk(b2m="5.5 mg/L", creatinine=None).ims_imwg_2025
    assert (stage.value, stage.missing) == (None, ("creatinine < 1.2 mg/dL",))


def test_ims_imwg_2025_del17p_without_fraction_is_missing():
    stage = risk(del17p=True).ims_imwg_2025
    assert (stage.value, stage.missing) == (None, ("del(17p) > 20%",))


def test_ims_imwg_2025_without_cytogenetics():
    stage = risk(findings=[]).ims_imwg_2025
    assert stage.value is None
    assert {"del(17p) > 20%", "TP53 mutation", "t(4;14)/t(14;16)/t(14;20)"} <= set(stage.missing)


def test_ims_imwg_2025_high_risk_decided_despite_missing_inputs():
    # b2m 5.5 with creatinine 1.0 is high whatever the cytogenetics would show
    stage = risk(b2m="5.5 mg/L", findings=[]).ims_imwg_2025
    assert (stage.value, stage.missing) == ("high", ())


def test_no_diagnosis_no_risk():
    text = "format: rrmm.patient/1\nid: t2\n"
    found = evaluate(text).risk
    assert [s.value for s in (found.iss, found.r_iss, found.r2_iss, found.ims_imwg_2025)] == [
        None
    ] * 4
    assert found.iss.missing == ("diagnosis",)
