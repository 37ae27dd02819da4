"""The compiled core gives exactly what the pure-Python core gives (rrmm.compiled)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rrmm import compiled

# Prints a digest of everything the core derives for every bundled example (assessment and
# options JSON) and for a synthetic cohort (all five output tables), and which modules ran
# compiled.
_OUTPUTS = """
import hashlib, json, sys
from datetime import date
from pathlib import Path

from rrmm import compiled
from rrmm.adapters.assessment_json import evaluation_to_json
from rrmm.adapters.examples import bundled_examples
from rrmm.adapters.patient_input import read_patient_text
from rrmm.cohort.run import run_cohort
from rrmm.core.assess import assess
from rrmm.core.options import treatment_options
from rrmm.kb import load_criteria, load_knowledge_base
from rrmm.kb.loader import kb_version

as_of = date(2027, 1, 1)
kb, criteria = load_knowledge_base(), load_criteria()
digest = hashlib.sha256()
for example in bundled_examples():
    record = read_patient_text(
        example.text(), syntax="yaml", catalog=kb.catalog, as_of=as_of
    ).record
    assert record is not None, example.id
    ev = assess(record, kb.catalog, criteria, as_of)
    digest.update(json.dumps(evaluation_to_json(ev, kb_version()), sort_keys=True).encode())
    digest.update(repr(treatment_options(ev, record, kb, "FDA", as_of)).encode())
out = Path(sys.argv[2])
run_cohort(Path(sys.argv[1]), out, date(2026, 1, 1), partition_size=100, options=True)
tables = {}
for folder in sorted(p for p in out.iterdir() if p.is_dir() and not p.name.startswith("_")):
    for part in sorted(folder.glob("*.parquet")):
        digest.update(part.name.encode() + part.read_bytes())
        tables[folder.name] = tables.get(folder.name, 0) + 1
print(json.dumps({"digest": digest.hexdigest(), "compiled": compiled.loaded(), "tables": tables}))
"""


def _outputs(source: Path, out: Path, pure: bool) -> dict[str, object]:
    env = {**os.environ, "RRMM_PURE": "1" if pure else "0"}
    done = subprocess.run(
        [sys.executable, "-c", _OUTPUTS, str(source), str(out)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return result


@pytest.mark.skipif(
    compiled._fresh_files(compiled.BUILD) is None, reason="no fresh build (make setup builds it)"
)
def test_compiled_and_pure_core_give_identical_outputs(small: Path, tmp_path: Path) -> None:
    fast = _outputs(small, tmp_path / "compiled", pure=False)
    pure = _outputs(small, tmp_path / "pure", pure=True)
    assert fast["compiled"] == list(compiled.MODULES)
    assert pure["compiled"] == []
    assert fast["tables"] == pure["tables"]
    assert len(fast["tables"]) == 5  # type: ignore[arg-type]
    assert fast["digest"] == pure["digest"]
