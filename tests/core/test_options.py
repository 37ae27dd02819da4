"""The options engine: label eligibility, refractory components, cautions, supportive care,
retreatment, salvage transplant, trials and ranking, on records built for each rule."""

from __future__ import annotations

from datetime import date

import pytest

from rrmm.adapters.native.read import read_patient
from rrmm.core.assess import assess
from rrmm.core.eligibility import Verdict
from rrmm.core.options import OptionKind, treatment_options
from rrmm.kb import load_criteria, load_knowledge_base

AS_OF = date(2026, 11, 21)
KB = load_knowledge_base()


def options_for(text, regulator="FDA"):
    record = read_patient(text, syntax="yaml", catalog=KB.catalog, as_of=AS_OF).record
    assert record is not None
    ev = assess(record, KB.catalog, load_criteria(), AS_OF)
    result = treatment_options(ev, record, KB, regulator, AS_OF)
    return {o.regimen: o for o in result.options}, result


HEAD = (
    "format: rrmm.patient/1\nid: o1\nsex: female\nbirth_date: 1955-05-05\n"
    "diagnosis: {date: 2019-01-01, heavy_chain: IgG, light_chain: kappa}\n"
    "performance:\n  - {date: 2024-06-01, ecog: 1}\n"
)
# VRd -> ASCT -> lenalidomide maintenance; confirmed progression on lenalidomide (1 prior line)
FIRST_RELAPSE_ON_LEN = HEAD + (
    "therapies:\n"
    "  - {regimen: VRd, drugs: [bortezomib, lenalidomide, dexamethasone], start: 2019-01-15,"
    " end: 2019-05-15, intent: induction, stop_reason: planned}\n"
    "  - {procedure: autologous_transplant, date: 2019-07-01}\n"
    "  - {drugs: [lenalidomide], start: 2019-09-01, end: 2024-06-15, intent: maintenance,"
    " stop_reason: progression}\n"
    "labs:\n"
    "  - {date: 2019-01-05, serum_m_protein: 3.0 g/dL}\n"
    "  - {date: 2019-03-01, serum_m_protein: 1.0 g/dL}\n"
    "  - {date: 2019-05-01, serum_m_protein: 0.4 g/dL}\n"
    "  - {date: 2019-10-01, serum_m_protein: 0.3 g/dL}\n"
    "  - {date: 2020-10-01, serum_m_protein: 0.3 g/dL}\n"
    "  - {date: 2024-04-01, serum_m_protein: 0.9 g/dL}\n"
    "  - {date: 2024-05-01, serum_m_protein: 1.2 g/dL}\n"
)


def test_first_relapse_on_lenalidomide():
    by_id, result = options_for(FIRST_RELAPSE_ON_LEN)
    assert result.prior_lines == 1
    # KRd: 1-3 prior lines -> label-eligible, but lenalidomide is a refractory component
    krd = by_id["KRd"]
    assert krd.label_eligible is True
    assert krd.refractory_components[0].startswith("lenalidomide (refractory: line 1")
    # Pd needs >= 2 prior lines (US label)
    assert by_id["Pd"].label_eligible is False
    failing = [c for c in by_id["Pd"].criteria if c.verdict is Verdict.NOT_MET]
    assert any("at least 2 prior line" in c.text for c in failing)
    # cilta-cel: >= 1 prior line incl. a PI and an IMiD, lenalidomide-refractory -> eligible
    assert by_id["cilta-cel"].label_eligible is True
    # bispecific monotherapy needs >= 4 prior lines
    assert by_id["teclistamab"].label_eligible is False
    # options with a refractory component rank below those without
    assert by_id["DVd"].rank < by_id["KRd"].rank
    # no trial: not triple-class exposed and labelled options remain
    assert "clinical-trial" not in by_id


def test_formulation_matters_for_dpd():
    # one prior line including lenalidomide and a PI: only subcutaneous daratumumab is on label
    dpd = options_for(FIRST_RELAPSE_ON_LEN)[0]["DPd"]
    assert dpd.label_eligible is True
    assert dpd.indication is not None
    assert dpd.indication.formulation == "sc"


def test_ema_judgement_differs_where_labels_differ():
    by_id, _ = options_for(FIRST_RELAPSE_ON_LEN, regulator="EMA")
    # EMA approves BVd from 1 prior line; the FDA label needs 2
    assert by_id["BVd"].label_eligible is True
    assert options_for(FIRST_RELAPSE_ON_LEN)[0]["BVd"].label_eligible is False


def with_condition(condition, extra_labs=""):
    text = FIRST_RELAPSE_ON_LEN.replace("therapies:", f"conditions:\n  - {condition}\ntherapies:")
    return options_for(text + extra_labs)[0]


def certain_rules(option):
    return {c.rule for c in option.cautions if c.certain}


@pytest.mark.parametrize(
    ("grade", "expected"),
    [
        pytest.param(1, False, id="grade-1"),
        pytest.param(2, True, id="grade-2"),
        pytest.param(3, True, id="grade-3"),
    ],
)
def test_neuropathy_grade_2_caution_for_bortezomib(grade, expected):
    by_id = with_condition(f"{{name: peripheral_neuropathy, grade: {grade}, since: 2019-04-01}}")
    assert ("bortezomib-neuropathy" in certain_rules(by_id["DVd"])) is expected
    assert "bortezomib-neuropathy" not in certain_rules(by_id["DRd"])


def test_resolved_neuropathy_is_not_active():
    by_id = with_condition(
        "{name: peripheral_neuropathy, grade: 3, since: 2019-04-01, until: 2020-01-01}"
    )
    assert "bortezomib-neuropathy" not in certain_rules(by_id["DVd"])


def test_cardiac_history_flags_carfilzomib_only():
    by_id = with_condition("{name: heart_failure, grade: 2, since: 2020-01-01, lvef: 35}")
    assert {"carfilzomib-cardiac", "carfilzomib-lvef"} <= certain_rules(by_id["KRd"])
    assert "carfilzomib-cardiac" not in certain_rules(by_id["DVd"])


def test_ocular_disease_flags_belantamab():
    by_id = with_condition("{name: ocular_disease, since: 2020-01-01}")
    assert "belantamab-ocular-disease" in certain_rules(by_id["BVd"])


def test_prior_severe_crs_flags_t_cell_redirection():
    by_id = with_condition(
        "{name: cytokine_release_syndrome, grade: 3, since: 2021-01-01, until: 2021-02-01}"
    )
    assert "tce-prior-severe-crs" in certain_rules(by_id["teclistamab"])
    assert "tce-prior-severe-crs" in certain_rules(by_id["cilta-cel"])
    assert "tce-prior-severe-crs" not in certain_rules(by_id["DVd"])


def test_active_infection():
    by_id = with_condition("{name: active_infection, since: 2024-06-01}")
    assert "tce-active-infection" in certain_rules(by_id["Tec-Dara"])
    assert "any-active-infection" in certain_rules(by_id["KRd"])


def crcl(value):
    return f"  - {{date: 2024-06-20, creatinine_clearance: {value} mL/min}}\n"


@pytest.mark.parametrize(
    ("clearance", "lenalidomide_adjusted", "bone"),
    [
        pytest.param(61, False, "bone-zoledronic-acid", id="CrCl-61"),
        pytest.param(60, False, "bone-zoledronic-acid", id="CrCl-60-not-below-60"),
        pytest.param(59, True, "bone-zoledronic-acid", id="CrCl-59"),
        pytest.param(30, True, "bone-zoledronic-acid", id="CrCl-30-not-below-30"),
        pytest.param(29, True, "bone-denosumab-renal", id="CrCl-29"),
    ],
)
def test_renal_function_drives_dosing_and_bone_agent(clearance, lenalidomide_adjusted, bone):
    by_id, _ = options_for(FIRST_RELAPSE_ON_LEN + crcl(clearance))
    assert ("lenalidomide-renal" in certain_rules(by_id["DRd"])) is lenalidomide_adjusted
    assert bone in {s.rule for s in by_id["DRd"].supportive_care}


def test_unknown_renal_function_is_said_not_guessed():
    by_id, _result = options_for(FIRST_RELAPSE_ON_LEN)
    checks = [c for c in by_id["DRd"].cautions if c.rule == "lenalidomide-renal"]
    assert checks
    assert not checks[0].certain
    assert checks[0].text.startswith("Cannot check")
    assert "bone-unknown-renal" in {s.rule for s in by_id["DRd"].supportive_care}


def test_cockcroft_gault_estimate_when_no_clearance_is_measured():
    # female, 71 years, 60 kg, creatinine 1.5 mg/dL: (140-71)*60/(72*1.5)*0.85 = 32.6 mL/min
    text = FIRST_RELAPSE_ON_LEN + ("  - {date: 2024-06-20, creatinine: 1.5 mg/dL, weight: 60 kg}\n")
    _, result = options_for(text)
    assert "estimated 33 mL/min by Cockcroft-Gault" in result.notes[1]


def test_dialysis_counts_as_severe_renal_impairment():
    by_id = with_condition("{name: dialysis, since: 2024-01-01}")
    assert "bone-denosumab-renal" in {s.rule for s in by_id["DRd"].supportive_care}


@pytest.mark.parametrize(
    ("igg", "expected"),
    [
        pytest.param("399 mg/dL", True, id="IgG-399"),
        pytest.param("400 mg/dL", False, id="IgG-400"),
        pytest.param("3.9 g/L", True, id="IgG-3.9g/L=390mg/dL"),
    ],
)
def test_immunoglobulin_replacement_on_bispecifics(igg, expected):
    by_id, _ = options_for(FIRST_RELAPSE_ON_LEN + f"  - {{date: 2024-06-20, igg: {igg}}}\n")
    assert ("ivig-now" in {s.rule for s in by_id["Tec-Dara"].supportive_care}) is expected


def test_supportive_care_by_class():
    by_id, _ = options_for(FIRST_RELAPSE_ON_LEN)
    assert "vte-imid" in {s.rule for s in by_id["DPd"].supportive_care}
    assert "vte-imid" not in {s.rule for s in by_id["DVd"].supportive_care}
    assert "antiviral-pi" in {s.rule for s in by_id["DVd"].supportive_care}
    assert {"pjp-tce", "crs-icans-monitoring"} <= {
        s.rule for s in by_id["Tec-Dara"].supportive_care
    }
    assert "ocular-belantamab" in {s.rule for s in by_id["BVd"].supportive_care}
    for option in by_id.values():
        if option.kind is not OptionKind.TRIAL:
            assert {"pain", "nutrition", "psychosocial"} <= {s.rule for s in option.supportive_care}


# Late relapse: VRd -> ASCT (2019-07-01), no maintenance; progression years later
LATE = HEAD + (
    "therapies:\n"
    "  - {regimen: VRd, drugs: [bortezomib, lenalidomide, dexamethasone], start: 2019-01-15,"
    " end: 2019-05-15, intent: induction, stop_reason: planned}\n"
    "  - {procedure: autologous_transplant, date: 2019-07-01}\n"
    "labs:\n"
    "  - {date: 2019-01-05, serum_m_protein: 3.0 g/dL}\n"
    "  - {date: 2019-03-01, serum_m_protein: 1.0 g/dL}\n"
    "  - {date: 2019-05-01, serum_m_protein: 0.4 g/dL}\n"
    "  - {date: 2019-10-01, serum_m_protein: 0.2 g/dL}\n"
    "  - {date: 2020-10-01, serum_m_protein: 0.2 g/dL}\n"
)


def late(progression_first, progression_second):
    return LATE + (
        f"  - {{date: {progression_first}, serum_m_protein: 0.9 g/dL}}\n"
        f"  - {{date: {progression_second}, serum_m_protein: 1.2 g/dL}}\n"
    )


def test_retreatment_after_a_long_remission():
    # the line ended with the transplant on 2019-07-01; progression 2021-01-15 is 18.5 months
    # later (>= 12) and VGPR (3.0 -> 0.2 g/dL, -93%) was reached
    by_id, _ = options_for(late("2021-01-15", "2021-02-15"))
    retreat = by_id["VRd-retreatment"]
    assert retreat.kind is OptionKind.RETREATMENT
    assert [c.verdict for c in retreat.criteria] == [Verdict.MET] * 3
    assert "18.5 months later" in retreat.criteria[2].reason
    # the regimen itself has no US indication of its own (each drug is labelled separately)
    assert by_id["VRd"].kind is OptionKind.OFF_LABEL


@pytest.mark.parametrize(
    ("first", "second", "offered"),
    [
        # the line (VRd then the transplant) ended 2019-07-01: 2020-07-10 is 12.3 months later,
        # 2020-06-10 is 11.3 months later
        pytest.param("2020-07-10", "2020-08-10", True, id="relapse-12.3-months-after-line-end"),
        pytest.param("2020-06-10", "2020-07-10", False, id="relapse-11.3-months-after-line-end"),
    ],
)
def test_retreatment_needs_twelve_months_off_therapy(first, second, offered):
    text = LATE.replace("  - {date: 2020-10-01, serum_m_protein: 0.2 g/dL}\n", "") + (
        "  - {date: 2019-12-01, serum_m_protein: 0.2 g/dL}\n"
        f"  - {{date: {first}, serum_m_protein: 0.9 g/dL}}\n"
        f"  - {{date: {second}, serum_m_protein: 1.2 g/dL}}\n"
    )
    by_id, _ = options_for(text)
    assert any(o.kind is OptionKind.RETREATMENT for o in by_id.values()) is offered


def test_no_retreatment_with_a_refractory_regimen():
    by_id, _ = options_for(FIRST_RELAPSE_ON_LEN)
    assert not [o for o in by_id.values() if o.kind is OptionKind.RETREATMENT]


@pytest.mark.parametrize(
    ("first", "second", "verdict"),
    [
        # transplant 2019-07-01; progression 2021-01-05 is 18.2 months later; 2020-12-01 is 17.0
        pytest.param("2021-01-05", "2021-02-05", Verdict.MET, id="remission-18.2-months"),
        pytest.param("2020-12-01", "2021-01-01", Verdict.NOT_MET, id="remission-17.0-months"),
    ],
)
def test_second_transplant_needs_eighteen_months(first, second, verdict):
    option = options_for(late(first, second))[0]["ASCT"]
    remission = next(c for c in option.criteria if "remission" in c.text)
    assert remission.verdict is verdict
    assert option.kind is OptionKind.TRANSPLANT


def test_transplant_at_relapse_when_none_was_done():
    text = HEAD + (
        "therapies:\n"
        "  - {drugs: [lenalidomide, dexamethasone], start: 2019-01-15, end: 2024-06-15,"
        " stop_reason: progression}\n"
    )
    option = options_for(text)[0]["ASCT"]
    assert option.criteria[1].text == "no transplant yet (transplant at relapse)"
    fitness = next(c for c in option.criteria if "fit" in c.text)
    assert fitness.verdict is Verdict.UNKNOWN
    assert "age 71" in fitness.reason


def test_trial_offered_when_triple_class_exposed():
    text = HEAD + (
        "therapies:\n"
        "  - {drugs: [daratumumab, lenalidomide, dexamethasone], start: 2019-01-15,"
        " end: 2021-06-15, stop_reason: progression}\n"
        "  - {drugs: [bortezomib, dexamethasone], start: 2021-07-01, end: 2022-06-15,"
        " stop_reason: progression}\n"
    )
    by_id, _ = options_for(text)
    assert by_id["clinical-trial"].kind is OptionKind.TRIAL
    assert "triple-class exposed" in by_id["clinical-trial"].criteria[0].reason


def test_venetoclax_needs_t11_14():
    with_translocation = FIRST_RELAPSE_ON_LEN.replace(
        "performance:",
        "findings:\n  - {date: 2019-01-01, method: FISH, t11_14: true}\nperformance:",
    )
    without = FIRST_RELAPSE_ON_LEN.replace(
        "performance:",
        "findings:\n  - {date: 2019-01-01, method: FISH, t11_14: false}\nperformance:",
    )
    ven_yes = options_for(with_translocation)[0]["VenD"]
    ven_no = options_for(without)[0]["VenD"]
    assert ven_yes.kind is OptionKind.OFF_LABEL
    assert "venetoclax-outside-t11-14" not in certain_rules(ven_yes)
    assert "venetoclax-outside-t11-14" in certain_rules(ven_no)
    assert ven_yes.rank < ven_no.rank


def test_withdrawn_regimens_are_present_but_marked_and_last():
    by_id, result = options_for(FIRST_RELAPSE_ON_LEN)
    for regimen in ("PanVd", "melflufen-d"):
        assert by_id[regimen].status == "withdrawn"
        assert by_id[regimen].label_eligible is False
    assert by_id["melflufen-d"].rank > len(result.options) - 3


def test_bcma_retargeting_is_flagged_and_gprc5d_preferred():
    text = HEAD + (
        "therapies:\n"
        "  - {drugs: [bortezomib, lenalidomide, dexamethasone], start: 2019-01-15,"
        " end: 2020-06-15, stop_reason: progression}\n"
        "  - {drugs: [carfilzomib, pomalidomide, dexamethasone], start: 2020-07-01,"
        " end: 2021-06-15, stop_reason: progression}\n"
        "  - {drugs: [daratumumab, dexamethasone], start: 2021-07-01, end: 2022-06-15,"
        " stop_reason: progression}\n"
        "  - {drugs: [teclistamab], start: 2022-07-01, end: 2024-06-15, stop_reason: progression}\n"
    )
    by_id, _ = options_for(text)
    assert by_id["talquetamab"].label_eligible is True
    assert by_id["talquetamab"].rank < by_id["elranatamab"].rank
    assert any("re-targeting BCMA" in c for c in by_id["elranatamab"].caveats)
    assert any("BCMA re-targeting" in r for r in by_id["elranatamab"].rank_reasons)


def test_every_option_has_sources_for_its_facts():
    by_id, _ = options_for(FIRST_RELAPSE_ON_LEN)
    for option in by_id.values():
        if option.indication is not None:
            assert option.indication.sources
        for caution in option.cautions:
            assert caution.sources
        for item in option.supportive_care:
            assert item.sources
        for trial in option.evidence:
            assert trial.sources
