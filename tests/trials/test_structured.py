"""Curated CTML-like criteria: loading, round trip with the parser's rules, overriding."""

from __future__ import annotations

import pytest

from rrmm.trials.curated_files import CuratedFileError, load_curated, packaged_curated_dir
from rrmm.trials.model import Criterion, CriterionKind, Origin, ParsedTrial, Trial
from rrmm.trials.rules import AnyOf, DrugHistory, Relation, Transplant
from rrmm.trials.structured import (
    CuratedTrial,
    StructuredError,
    apply_curation,
    curated_trial_from_data,
    rule_from_match,
    rule_to_match,
)


def test_every_parsed_rule_round_trips_through_the_curated_format(
    catalog, csv_trials, synthetic_trials
) -> None:
    rules = {
        c.rule for t in [*csv_trials, *synthetic_trials.values()] for c in t.criteria if c.rule
    }
    assert len(rules) > 150
    for rule in rules:
        assert rule_from_match(rule_to_match(rule), catalog) == rule, rule


def test_the_packaged_curated_example_loads(catalog) -> None:
    curated = load_curated(packaged_curated_dir(), catalog)
    trial = curated["NCT02076009"]
    assert trial.mode == "replace"
    assert all(c.origin is Origin.CURATED for c in trial.criteria)
    lenalidomide = next(c for c in trial.criteria if "lenalidomide" in c.text)
    assert isinstance(lenalidomide.rule, AnyOf)
    first = lenalidomide.rule.items[0]
    assert isinstance(first, DrugHistory)
    assert first.relation is Relation.REFRACTORY
    assert first.target.drugs == frozenset({"lenalidomide"})
    assert trial.criteria[-1].rule is None


def test_replace_keeps_registry_criteria_and_patch_replaces_by_text(catalog) -> None:
    registry = Criterion(
        "Registry eligibility: minimum age 18 Years",
        CriterionKind.INCLUSION,
        None,
        origin=Origin.REGISTRY,
    )
    parsed = ParsedTrial(
        Trial("NCT00000001"),
        (
            registry,
            Criterion("Prior  allogeneic SCT", CriterionKind.EXCLUSION, None),
            Criterion("Other", CriterionKind.INCLUSION, None),
        ),
    )
    data = {
        "nct_id": "NCT00000001",
        "mode": "patch",
        "criteria": [
            {
                "text": "prior allogeneic sct",
                "kind": "exclusion",
                "match": {"transplant": {"kind": "allogeneic"}},
            },
            {"text": "New one", "kind": "inclusion", "match": {"ecog": {"max": 1}}},
        ],
    }
    patched = apply_curation(parsed, curated_trial_from_data(data, catalog, "t"))
    assert [c.text for c in patched.criteria] == [
        registry.text,
        "prior allogeneic sct",
        "Other",
        "New one",
    ]
    assert patched.criteria[1].rule == Transplant("allogeneic")
    replaced = apply_curation(parsed, CuratedTrial("NCT00000001", patched.criteria[1:2]))
    assert [c.text for c in replaced.criteria] == [registry.text, "prior allogeneic sct"]


@pytest.mark.parametrize(
    ("match", "message"),
    [
        ({"exposed": {"drug": "unobtainium"}}, "unknown drug"),
        ({"lab": {"analyte": "anc"}}, "needs analyte and op"),
        ({"condition": {"name": "fever"}}, "unknown condition"),
        ({"and": []}, "non-empty list"),
        ({"prior_lines": {"minimum": 1}}, "unknown keys"),
        ({"a": 1, "b": 2}, "expected one key"),
    ],
)
def test_curated_errors_name_the_place(catalog, match, message) -> None:
    with pytest.raises(StructuredError, match=message):
        rule_from_match(match, catalog)


def test_curated_files_are_checked(tmp_path, catalog) -> None:
    bad = tmp_path / "x.yaml"
    bad.write_text("format: something-else\nnct_id: NCT1\n")
    with pytest.raises(CuratedFileError, match=r"format must be rrmm\.trial-criteria/1"):
        load_curated(bad, catalog)
    bad.write_text(
        "format: rrmm.trial-criteria/1\nnct_id: NCT00000001\ncriteria:\n"
        "  - {text: a, kind: inclusion, match: {ecog: {max: two}}}\n"
    )
    with pytest.raises(CuratedFileError, match=r"criteria\[0\]\.match\.ecog\.max"):
        load_curated(bad, catalog)
