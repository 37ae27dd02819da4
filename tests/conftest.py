from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from rrmm.core.drugs import DrugCatalog
from rrmm.kb import load_drug_catalog

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
# The clinician's reference example from ../shared/examples/, copied byte for byte so the
# tests run without ../shared; tests/test_fixtures.py checks the copy is still identical.
SHARED_EXAMPLE = ROOT / "tests" / "fixtures" / "patient-example.yaml"
SHARED_ORIGINAL = ROOT.parent / "shared" / "examples" / "patient-example.yaml"
AS_OF = date(2026, 11, 21)


@pytest.fixture(scope="session")
def catalog() -> DrugCatalog:
    return load_drug_catalog()
