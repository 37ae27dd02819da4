from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from rrmm.core.drugs import DrugCatalog
from rrmm.kb import load_drug_catalog

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SHARED_EXAMPLE = ROOT.parent / "shared" / "examples" / "patient-example.yaml"
AS_OF = date(2026, 11, 21)


@pytest.fixture(scope="session")
def catalog() -> DrugCatalog:
    return load_drug_catalog()
