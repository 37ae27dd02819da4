"""Lines of therapy (Rajkumar, Richardson, San Miguel, Blood 2015; imwg.md section 6).

A planned sequence (induction, transplant, consolidation, maintenance) is one line;
dropping some drugs is the same line; an unplanned addition or substitution is a
new line; a different regimen after all drugs stopped is a new line; each
transplant beyond the first is a new line unless it is the second of a planned
tandem; corticosteroids alone never make a line; apheresis, bridging and the CAR-T
infusion are one line. Lines come from treatment data alone; a user-given line
number wins and the disagreement is noted.
"""

from __future__ import annotations

import pytest

from tests.core.builders import START, course, day, evaluate, lab, patient, procedure, series

VRD = ["bortezomib", "lenalidomide", "dexamethasone"]
RD = ["lenalidomide", "dexamethasone"]
KD = ["carfilzomib", "dexamethasone"]


def lines_of(therapies, procedures=(), labs=()):
    evaluation = evaluate(patient(therapies=therapies, procedures=procedures, labs=labs))
    return evaluation.lines, evaluation


def test_induction_transplant_maintenance_is_one_line():
    lines, _ = lines_of(
        [
            course(VRD, START, day(120), "planned", regimen="VRd", intent="induction"),
            course(["lenalidomide"], day(200), regimen="R-maint", intent="maintenance"),
        ],
        [procedure("autologous_transplant", day(150), conditioning=["melphalan"])],
    )
    assert len(lines) == 1
    line = lines[0]
    assert (line.start, line.end, line.procedures) == (START, None, (0,))
    assert line.regimen == "VRd → ASCT → R-maint"
    assert (line.start_reason, line.end_reason) == ("first treatment", "ongoing")
    assert any("first transplant, part of the planned sequence" in n for n in line.notes)
    assert any("planned maintenance" in n for n in line.notes)
    assert "melphalan" in line.drugs


def test_planned_consolidation_adding_a_drug_is_the_same_line():
    lines, _ = lines_of(
        [
            course(VRD, START, day(120), "planned", regimen="VRd"),
            course(["daratumumab", *VRD], day(200), day(260), "planned", intent="consolidation"),
        ],
        [procedure("autologous_transplant", day(150))],
    )
    assert len(lines) == 1
    assert any("planned consolidation" in n for n in lines[0].notes)


def test_bortezomib_stopped_inside_the_course_is_the_same_line():
    drugs = [
        {"name": "bortezomib", "end": day(90), "stop_reason": "toxicity"},
        "lenalidomide",
        "dexamethasone",
    ]
    lines, _ = lines_of([course(drugs, START, regimen="VRd")])
    assert len(lines) == 1
    ends = {e.drug: e.end for e in lines[0].exposures}
    assert ends == {"bortezomib": day(90), "lenalidomide": None, "dexamethasone": None}


def test_rd_continued_after_vrd_is_the_same_line():
    lines, _ = lines_of(
        [
            course(VRD, START, day(90), "toxicity", regimen="VRd"),
            course(RD, day(91), regimen="Rd"),
        ]
    )
    assert len(lines) == 1
    assert any("bortezomib stopped; remaining drugs continued" in n for n in lines[0].notes)


@pytest.mark.parametrize(
    "therapies",
    [
        pytest.param(
            [
                course(
                    [*RD, {"name": "bortezomib", "start": day(90)}],
                    START,
                    regimen="Rd then VRd",
                )
            ],
            id="bortezomib-joins-the-running-Rd-course",
        ),
        pytest.param(
            [course(RD, START, day(90), regimen="Rd"), course(VRD, day(90), regimen="VRd")],
            id="VRd-course-starts-the-day-Rd-ends",
        ),
    ],
)
def test_unplanned_addition_is_a_new_line(therapies):
    lines, _ = lines_of(therapies)
    assert len(lines) == 2
    assert lines[1].start == day(90)
    assert lines[1].start_reason == "unplanned addition or substitution of bortezomib"
    assert lines[0].end_reason == "next line started"


def test_substitution_is_a_new_line():
    lines, _ = lines_of(
        [
            course(RD, START, day(90), regimen="Rd"),
            course(["pomalidomide", "dexamethasone"], day(90), regimen="Pd"),
        ]
    )
    assert [line.start_reason for line in lines] == [
        "first treatment",
        "unplanned addition or substitution of pomalidomide",
    ]


# (stop reason of Rd, gap to Kd, start reason of line 2, end reason of line 1)
AFTER_STOP = [
    pytest.param("toxicity", 30, "new regimen after Rd stopped for toxicity", "toxicity"),
    pytest.param(
        "patient_choice", 30, "new regimen after Rd stopped by patient choice", "patient choice"
    ),
    pytest.param("planned", 30, "new regimen after Rd stopped", "planned completion"),
    pytest.param("other", 30, "new regimen after Rd stopped", "other"),
    pytest.param("progression", 10, "progression on Rd", "progression"),
]


@pytest.mark.parametrize(("stop", "gap", "start_reason", "end_reason"), AFTER_STOP)
def test_new_regimen_after_all_drugs_stopped(stop, gap, start_reason, end_reason):
    lines, _ = lines_of(
        [
            course(RD, START, day(90), stop, regimen="Rd"),
            course(KD, day(90 + gap), regimen="Kd"),
        ]
    )
    assert len(lines) == 2
    assert (lines[0].end, lines[0].end_reason) == (day(90), end_reason)
    assert (lines[1].start, lines[1].start_reason) == (day(90 + gap), start_reason)
    assert lines[1].end_reason == "ongoing"


@pytest.mark.parametrize(
    ("gap", "count", "reason"),
    [
        pytest.param(60, 1, "same drugs continued", id="gap-60-days-same-line"),
        pytest.param(61, 2, "retreatment after a treatment-free interval", id="gap-61-new-line"),
    ],
)
def test_retreatment_with_the_same_regimen(gap, count, reason):
    lines, _ = lines_of(
        [
            course(RD, START, day(90), "planned", regimen="Rd"),
            course(RD, day(90 + gap), regimen="Rd"),
        ]
    )
    assert len(lines) == count
    if count == 1:
        assert any(reason in note for note in lines[0].notes)
    else:
        assert lines[1].start_reason == reason


@pytest.mark.parametrize(
    ("tandem", "count", "reason"),
    [
        pytest.param(True, 1, "second transplant of a planned tandem", id="tandem-true-one-line"),
        pytest.param(
            None,
            2,
            "stem-cell transplant beyond the first (not a planned tandem)",
            id="second-ASCT-without-tandem-two-lines",
        ),
    ],
)
def test_second_transplant(tandem, count, reason):
    lines, _ = lines_of(
        [course(VRD, START, day(120), "planned", regimen="VRd")],
        [
            procedure("autologous_transplant", day(150)),
            procedure("autologous_transplant", day(240), tandem=tandem),
        ],
    )
    assert len(lines) == count
    if count == 1:
        assert any(reason in note for note in lines[0].notes)
    else:
        assert (lines[1].start, lines[1].start_reason) == (day(240), reason)


def test_transplant_after_progression_is_a_new_line():
    lines, _ = lines_of(
        [course(RD, START, day(200), "progression", regimen="Rd")],
        [procedure("autologous_transplant", day(250))],
    )
    assert [line.start_reason for line in lines] == [
        "first treatment",
        "transplant after progression on Rd",
    ]


def test_dexamethasone_alone_is_never_a_line():
    lines, evaluation = lines_of([course(["dexamethasone"], START, day(30), "planned")])
    assert lines == ()
    assert any("not a line of therapy" in note for note in evaluation.line_notes)


def test_dexamethasone_pulse_between_lines_is_not_a_line():
    lines, evaluation = lines_of(
        [
            course(RD, START, day(90), "progression", regimen="Rd"),
            course(["dexamethasone"], day(95), day(110), "planned", regimen="dex"),
            course(KD, day(115), regimen="Kd"),
        ]
    )
    assert len(lines) == 2
    assert any("dex from" in n and "not a line" in n for n in evaluation.line_notes)
    assert lines[1].start == day(115)


def test_dexamethasone_within_a_running_line_is_counted_in_it():
    lines, _ = lines_of(
        [
            course(["lenalidomide"], START, regimen="R"),
            course(["dexamethasone"], day(30), day(40), "planned", regimen="dex"),
        ]
    )
    assert len(lines) == 1
    assert any("counted within line 1" in n for n in lines[0].notes)


def test_apheresis_bridging_and_car_t_infusion_are_one_line():
    lines, evaluation = lines_of(
        [
            course(RD, START, day(280), "planned", regimen="Rd"),
            course(
                ["cyclophosphamide", "dexamethasone"],
                day(310),
                day(330),
                "planned",
                regimen="Cy-dex",
                intent="bridging",
            ),
        ],
        [
            procedure("apheresis", day(300)),
            procedure("car_t_infusion", day(340), product="ciltacabtagene autoleucel"),
        ],
    )
    assert len(lines) == 2
    line = lines[1]
    assert (line.start, line.end) == (day(300), day(340))
    assert line.start_reason == "CAR-T therapy (apheresis, bridging and infusion)"
    assert line.procedures == (0, 1)
    assert line.courses == (1,)
    assert {"cyclophosphamide", "ciltacabtagene autoleucel"} <= set(line.drugs)
    assert "bcma_exposed" in evaluation.labels


def test_user_line_that_merges_is_respected_and_noted():
    lines, _ = lines_of(
        [
            course(VRD, START, day(120), "planned", regimen="VRd", line=1),
            course(KD, day(150), regimen="Kd", line=1),
        ]
    )
    assert len(lines) == 1
    assert lines[0].user_line == 1
    assert any(
        "the record gives line 1; the IMWG 2015 rules would make it a new line" in n
        for n in lines[0].notes
    )


def test_user_line_that_splits_is_respected_and_noted():
    lines, _ = lines_of(
        [
            course(VRD, START, day(120), "planned", regimen="VRd"),
            course(["lenalidomide"], day(150), regimen="R", intent="maintenance", line=2),
        ]
    )
    assert len(lines) == 2
    assert lines[1].user_line == 2
    assert any(
        "the record gives line 2; the IMWG 2015 rules would make it part of line 1" in n
        for n in lines[0].notes
    )


def test_user_line_that_agrees_leaves_no_disagreement_note():
    lines, _ = lines_of(
        [
            course(RD, START, day(90), "progression", regimen="Rd", line=1),
            course(KD, day(100), regimen="Kd", line=2),
        ]
    )
    assert len(lines) == 2
    assert not any("the record gives" in n for line in lines for n in line.notes)


def test_completed_line_without_a_stop_reason():
    lines, _ = lines_of([{"drugs": RD, "start": START, "end": day(90), "regimen": "Rd"}])
    assert (lines[0].end, lines[0].end_reason) == (day(90), "completed")


def test_start_reason_names_imwg_progression_of_the_previous_line():
    # Rd stopped as planned on day 100; serum 1.4 -> 2.0 (+0.6, +43%) on day 140, confirmed
    # on day 168; Kd starts on day 200: line 2 starts because of progression on line 1.
    lines, _ = lines_of(
        [
            course(RD, START, day(100), "planned", regimen="Rd"),
            course(KD, day(200), regimen="Kd"),
        ],
        labs=[
            lab(day(-5), serum_m_protein="3.0 g/dL"),
            *series({"serum_m_protein": "1.4 g/dL"}, {"serum_m_protein": "1.4 g/dL"}),
            lab(day(140), serum_m_protein="2.0 g/dL"),
            lab(day(168), serum_m_protein="2.2 g/dL"),
        ],
    )
    assert lines[1].start_reason == f"progression on line 1 ({day(140)})"
