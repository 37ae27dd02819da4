"""Reading trials: CT.gov v2 JSON (study, page, folder) and the legacy CSV as it is."""

from __future__ import annotations

import json

import pytest

from rrmm.trials.ctgov_records import TrialRecordError, age_in_years, trial_from_v2
from rrmm.trials.model import Sex
from rrmm.trials.sources import TrialSourceError, read_trials
from tests.trials.conftest import CSV, FIXTURES, LABELLED_TRIALS


def test_v2_study_fields() -> None:
    trials = read_trials(LABELLED_TRIALS / "NCT99000008.json")
    (trial,) = trials
    assert trial.nct_id == "NCT99000008"
    assert trial.status == "RECRUITING"
    assert trial.phases == ("PHASE2",)
    assert trial.minimum_age == 50
    assert trial.maximum_age == 80
    assert trial.sex is Sex.FEMALE
    assert trial.interventions == ("Pomalidomide", "Elotuzumab", "Dexamethasone")
    assert trial.eligibility_text.startswith("Inclusion Criteria:")


def test_pages_and_folders_are_read_and_deduplicated(tmp_path) -> None:
    page = FIXTURES / "ctgov_v2" / "studies_page1.json"
    assert [t.nct_id for t in read_trials(page)] == ["NCT99000001", "NCT99000002"]
    (tmp_path / "a.json").write_text(page.read_text())
    (tmp_path / "b.json").write_text((LABELLED_TRIALS / "NCT99000001.json").read_text())
    assert [t.nct_id for t in read_trials(tmp_path)] == ["NCT99000001", "NCT99000002"]


def test_the_legacy_csv_is_read_as_it_is() -> None:
    trials = read_trials(CSV)
    assert len(trials) == 105
    pollux = next(t for t in trials if t.nct_id == "NCT02076009")
    assert pollux.status is not None
    assert pollux.status.isupper()
    assert pollux.source == "ctgov-legacy"
    assert any(t.phases == ("PHASE1", "PHASE2") for t in trials)


@pytest.mark.parametrize(
    ("text", "years"),
    [
        ("18 Years", 18.0),
        ("6 Months", 0.5),
        ("N/A", None),
        (None, None),
        ("52 Weeks", 52 / 52.1775),
    ],
)
def test_ages(text, years) -> None:
    if years is None:
        assert age_in_years(text) is None
    else:
        assert age_in_years(text) == pytest.approx(years)


def test_bad_records_are_reported_with_their_file(tmp_path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"protocolSection": {"identificationModule": {"nctId": "X1"}}}))
    with pytest.raises(TrialSourceError, match=r"bad\.json: study without a valid nctId"):
        read_trials(bad)
    with pytest.raises(TrialRecordError):
        trial_from_v2({"protocolSection": "nope"})
    (tmp_path / "empty").mkdir()
    with pytest.raises(TrialSourceError, match=r"no \.json study records"):
        read_trials(tmp_path / "empty")
    with pytest.raises(TrialSourceError, match="No such file"):
        read_trials(tmp_path / "missing.csv")
