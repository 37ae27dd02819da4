"""Smoke check against TREC 2021 topic 17 (a relapsed myeloma patient) and its judged trials.

TREC judges eligibility from a short narrative; rrmm decides only what the record states,
so most judged trials stay "possibly eligible". What must hold: no trial TREC judged
eligible is excluded, and the exclusions rrmm does make are ones TREC agrees with.
"""

from __future__ import annotations

import csv
from datetime import date

from rrmm.adapters.patient_input import read_patient_path
from rrmm.kb import load_criteria
from rrmm.trials.matcher import TrialVerdict
from rrmm.trials.screen import screen
from tests.trials.conftest import FIXTURES


def test_topic_17_exclusions_agree_with_trec(catalog, csv_trials) -> None:
    with (FIXTURES / "trec2021_topic17_labels.tsv").open() as handle:
        labels = {row["nctid"]: row["trec_label"] for row in csv.DictReader(handle, delimiter="\t")}
    record = read_patient_path(
        FIXTURES / "trec2021-topic17.yaml", catalog=catalog, as_of=date(2026, 11, 21)
    ).record
    assert record is not None
    judged = [t for t in csv_trials if labels.get(t.trial.nct_id) in ("1", "2")]
    assert len(judged) == 11
    result = screen(record, judged, catalog, load_criteria(), date(2021, 3, 22))
    excluded = {m.trial.nct_id for m in result.matches if m.verdict is TrialVerdict.EXCLUDED}
    eligible_by_trec = {nct for nct, label in labels.items() if label == "2"}
    assert not excluded & eligible_by_trec
    assert excluded == {"NCT00504101", "NCT00049673"}
    assert all(labels[nct] == "1" for nct in excluded)
