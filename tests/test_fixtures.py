"""The copy of the clinician's reference example is byte-identical to the original."""

from __future__ import annotations

import pytest

from tests.conftest import SHARED_EXAMPLE, SHARED_ORIGINAL


def test_reference_example_copy_is_unchanged():
    if not SHARED_ORIGINAL.exists():
        pytest.skip("../shared/examples/patient-example.yaml is not beside this checkout")
    assert SHARED_EXAMPLE.read_bytes() == SHARED_ORIGINAL.read_bytes()
