"""Every indication rule of the knowledge base, checked at its boundaries.

For each criterion of each indication, two records are built: one just meeting it and one
just missing it (one prior line fewer, one class drug fewer, one refractory drug fewer). The
criterion's verdict must flip from met to not met.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from rrmm.adapters.native.read import read_patient
from rrmm.core.assess import assess
from rrmm.core.eligibility import Verdict, check_criteria
from rrmm.core.knowledge import CriterionKind, LabelCriterion, Target
from rrmm.kb import load_criteria, load_knowledge_base

AS_OF = date(2026, 11, 21)
KB = load_knowledge_base()
FILLERS = ["melphalan", "cyclophosphamide", "bendamustine", "doxorubicin", "cisplatin", "etoposide"]


def _drugs_for(target: Target, count: int) -> list[str]:
    if target.drug is not None:
        return [target.drug][:count]
    members = [
        d.name
        for d in KB.catalog.drugs
        if target.drug_class in d.classes and d.status == "marketed" and not d.cell_therapy
    ]
    assert len(members) >= count, target
    return members[:count]


def _record(courses: list[tuple[list[str], str]]):
    start = date(2015, 1, 1)
    rows = []
    for drugs, reason in courses:
        end = start + timedelta(days=180)
        rows.append(
            f"  - {{drugs: [{', '.join(drugs)}, dexamethasone], start: {start}, end: {end},"
            f" stop_reason: {reason}}}\n"
        )
        start = end + timedelta(days=90)
    text = (
        "format: rrmm.patient/1\nid: b1\n"
        "diagnosis: {date: 2014-12-01, heavy_chain: IgG, light_chain: kappa}\n"
        + ("therapies:\n" + "".join(rows) if rows else "")
    )
    record = read_patient(text, syntax="yaml", catalog=KB.catalog, as_of=AS_OF).record
    assert record is not None
    return assess(record, KB.catalog, load_criteria(), AS_OF), record


def _verdict(criterion: LabelCriterion, courses) -> Verdict:
    ev, record = _record(courses)
    return check_criteria([criterion], ev, record, KB.catalog)[0].verdict


def _lines(count: int) -> list[tuple[list[str], str]]:
    return [([FILLERS[i % len(FILLERS)]], "planned") for i in range(count)]


def _cases():
    for regimen in KB.regimens:
        for indication in regimen.indications:
            for criterion in indication.criteria:
                name = f"{regimen.id}-{indication.regulator}-{indication.formulation or ''}"
                yield pytest.param(
                    criterion,
                    id=f"{name}-{criterion.kind}-{criterion.number or ''}{criterion.target or ''}",
                )


@pytest.mark.parametrize("criterion", list(_cases()))
def test_criterion_flips_at_its_boundary(criterion: LabelCriterion):
    kind = criterion.kind
    if kind is CriterionKind.PRIOR_AT_LEAST:
        n = criterion.number or 0
        assert _verdict(criterion, _lines(n)) is Verdict.MET
        if n >= 1:
            assert _verdict(criterion, _lines(n - 1)) is Verdict.NOT_MET
    elif kind is CriterionKind.PRIOR_AT_MOST:
        n = criterion.number or 0
        assert _verdict(criterion, _lines(n)) is Verdict.MET
        assert _verdict(criterion, _lines(n + 1)) is Verdict.NOT_MET
    elif kind in (CriterionKind.EXPOSED, CriterionKind.NOT_EXPOSED):
        assert criterion.target is not None
        drugs = _drugs_for(criterion.target, criterion.target.at_least)
        given = [([d], "planned") for d in drugs]
        fewer = given[:-1] or _lines(1)
        met, missed = (Verdict.MET, Verdict.NOT_MET)
        if kind is CriterionKind.NOT_EXPOSED:
            met, missed = missed, met
        assert _verdict(criterion, given) is met
        assert _verdict(criterion, fewer) is missed
    elif kind in (CriterionKind.REFRACTORY, CriterionKind.NOT_REFRACTORY):
        assert criterion.target is not None
        drugs = _drugs_for(criterion.target, criterion.target.at_least)
        refractory = [([d], "progression") for d in drugs]
        one_short = [*refractory[:-1], ([drugs[-1]], "planned"), *_lines(1)]
        met, missed = (Verdict.MET, Verdict.NOT_MET)
        if kind is CriterionKind.NOT_REFRACTORY:
            met, missed = missed, met
        assert _verdict(criterion, refractory) is met
        # the last drug stopped as planned with no assessment afterwards: not evaluable
        assert _verdict(criterion, one_short) in (missed, Verdict.UNKNOWN)
    elif kind is CriterionKind.PROGRESSION_ON_LAST:
        assert _verdict(criterion, [(["melphalan"], "progression")]) is Verdict.MET
        assert _verdict(criterion, _lines(1)) in (Verdict.NOT_MET, Verdict.UNKNOWN)
    elif kind is CriterionKind.ANY:
        assert criterion.alternatives
    else:
        assert kind is CriterionKind.FINDING


def test_there_are_criteria_of_every_kind_in_the_knowledge_base():
    kinds = {
        c.kind for _, c in ((r, c) for r in KB.regimens for i in r.indications for c in i.criteria)
    }
    assert {
        CriterionKind.PRIOR_AT_LEAST,
        CriterionKind.PRIOR_AT_MOST,
        CriterionKind.EXPOSED,
        CriterionKind.REFRACTORY,
        CriterionKind.ANY,
    } <= kinds
