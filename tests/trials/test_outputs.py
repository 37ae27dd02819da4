"""The JSON contract and the FHIR ResearchStudy searchset Bundle."""

from __future__ import annotations

from fhir.resources.R4B.bundle import Bundle

from rrmm.trials.match_json import match_to_json
from rrmm.trials.matcher import match_trials
from rrmm.trials.research_study import match_to_researchstudy_bundle
from tests.trials.conftest import context_for, example


def _matches(catalog, synthetic_trials, name="04-"):
    ctx = context_for(example(name, catalog), catalog)
    return ctx, match_trials(synthetic_trials.values(), ctx)


def test_the_json_contract(catalog, synthetic_trials) -> None:
    ctx, matches = _matches(catalog, synthetic_trials)
    data = match_to_json(matches, patient_id="ex-04", as_of=ctx.as_of)
    assert data["format"] == "rrmm.trial-match/1"
    assert data["summary"]["trials"] == len(data["trials"]) == 8
    verdicts = [t["verdict"] for t in data["trials"]]
    assert set(verdicts) <= {"eligible", "excluded", "possibly_eligible"}
    order = {"eligible": 0, "possibly_eligible": 1, "excluded": 2}
    assert [order[v] for v in verdicts] == sorted(order[v] for v in verdicts)
    for trial in data["trials"]:
        assert trial["nct_id"].startswith("NCT")
        unknowns = sum(c["verdict"] == "unknown" for c in trial["criteria"])
        assert trial["unknown_count"] == unknowns
        for criterion in trial["criteria"]:
            assert set(criterion) >= {"text", "kind", "verdict", "evidence"}
            assert criterion["kind"] in ("inclusion", "exclusion")
            assert criterion["verdict"] in ("met", "not_met", "unknown")
            if not criterion["parsed"]:
                assert criterion["verdict"] == "unknown"
            if criterion["kind"] == "exclusion" and criterion["verdict"] == "met":
                assert criterion["effect"] == "rules_out"
                assert criterion["evidence"].startswith("excluding condition present")


def test_the_fhir_searchset_validates_and_carries_the_verdicts(catalog, synthetic_trials) -> None:
    ctx, matches = _matches(catalog, synthetic_trials, "13-")
    data = match_to_researchstudy_bundle(matches, patient_id="ex-13", as_of=ctx.as_of)
    bundle = Bundle.model_validate(data)
    assert bundle.type == "searchset"
    assert bundle.total == 8
    first = data["entry"][0]
    assert first["search"]["mode"] == "match"
    study = first["resource"]
    assert study["resourceType"] == "ResearchStudy"
    assert study["identifier"] == [{"system": "https://clinicaltrials.gov", "value": study["id"]}]
    group = study["contained"][0]
    assert len(group["characteristic"]) == len(matches[0].results)
    grades = {e["search"]["extension"][0]["valueCode"] for e in data["entry"]}
    assert grades <= {"probable", "possible", "certainly-not"}
    scores = [e["search"]["score"] for e in data["entry"]]
    assert scores == sorted(scores, reverse=True)
