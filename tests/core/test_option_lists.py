"""Full option lists for the examples, kept as reviewed golden files.

Each file lists, in rank order, every option's regimen, kind and label eligibility
(FDA) for one example patient. A change to the knowledge base or the engine that
moves an option shows up here; regenerate after review with
``RRMM_UPDATE_GOLDEN=1 .venv/bin/pytest tests/core/test_option_lists.py``.
"""

from __future__ import annotations

import json
import os
from datetime import date

import pytest

from rrmm.adapters.native.read import read_patient_file
from rrmm.core.assess import assess
from rrmm.core.options import treatment_options
from rrmm.kb import load_criteria, load_knowledge_base
from tests.conftest import EXAMPLES, ROOT

AS_OF = date(2026, 11, 21)
GOLDEN = ROOT / "tests" / "golden"
FILES = sorted(EXAMPLES.glob("*.yaml"))
KB = load_knowledge_base()


def option_list(path):
    record = read_patient_file(path, catalog=KB.catalog, as_of=AS_OF).record
    assert record is not None
    ev = assess(record, KB.catalog, load_criteria(), AS_OF)
    result = treatment_options(ev, record, KB, "FDA", AS_OF)
    return [
        {
            "rank": o.rank,
            "regimen": o.regimen,
            "kind": str(o.kind),
            "label_eligible": o.label_eligible,
            "refractory_components": [r.split(" (")[0] for r in o.refractory_components],
        }
        for o in result.options
    ]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_option_list_matches_the_reviewed_golden_file(path):
    found = option_list(path)
    golden = GOLDEN / f"options-{path.stem}.json"
    if os.environ.get("RRMM_UPDATE_GOLDEN"):
        golden.write_text(json.dumps(found, indent=1) + "\n")
    assert found == json.loads(golden.read_text())


def by_id(path):
    return {o["regimen"]: o for o in option_list(EXAMPLES / path)}


def test_first_relapse_on_lenalidomide_maintenance():
    options = by_id("01-first-relapse-on-len-maintenance.yaml")
    assert options["KRd"]["refractory_components"] == ["lenalidomide"]
    assert options["cilta-cel"]["label_eligible"] is True
    assert options["Pd"]["label_eligible"] is False


def test_penta_refractory_after_car_t_puts_a_non_bcma_target_first():
    options = option_list(EXAMPLES / "05-penta-refractory-after-car-t.yaml")
    assert options[0]["regimen"] == "talquetamab"
    assert any(o["regimen"] == "clinical-trial" for o in options)


def test_newly_diagnosed_patient_is_not_label_eligible_for_relapse_regimens():
    options = by_id("12-newly-diagnosed-untreated.yaml")
    for regimen in ("KRd", "DPd", "Tec-Dara", "cilta-cel", "teclistamab"):
        assert options[regimen]["label_eligible"] is False
