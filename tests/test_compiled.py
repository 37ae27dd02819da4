"""Loading the compiled core (rrmm.compiled): only a fresh build, only when allowed."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from rrmm import compiled


def test_a_fresh_build_is_used_unless_disabled() -> None:
    fresh = compiled._fresh_files(compiled.BUILD) is not None
    disabled = os.environ.get("RRMM_PURE", "") not in ("", "0")
    import rrmm.core.assess  # noqa: F401

    assert bool(compiled.loaded()) == (fresh and not disabled)


def _fake_build(root: Path) -> Path:
    """A build folder whose manifest matches the sources (files are empty placeholders)."""
    files = {}
    for module in compiled.MODULES:
        relative = Path(*module.split(".")).with_suffix(".so")
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(b"")
        files[module] = str(relative)
    manifest = {
        "interpreter": compiled.interpreter(),
        "modules": compiled.fingerprint(),
        "files": files,
    }
    (root / compiled.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    return root


def _edit_manifest(build: Path, key: str, value: object) -> None:
    path = build / compiled.MANIFEST
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest[key] = value
    path.write_text(json.dumps(manifest), encoding="utf-8")


def test_a_matching_manifest_is_fresh(tmp_path: Path) -> None:
    files = compiled._fresh_files(_fake_build(tmp_path))
    assert files is not None
    assert set(files) == set(compiled.MODULES)


def test_an_edited_source_makes_the_build_stale(tmp_path: Path) -> None:
    build = _fake_build(tmp_path)
    hashes = compiled.fingerprint()
    hashes["rrmm.core.response"] = "0" * 64
    _edit_manifest(build, "modules", hashes)
    assert compiled._fresh_files(build) is None


def test_a_build_for_another_interpreter_is_stale(tmp_path: Path) -> None:
    build = _fake_build(tmp_path)
    _edit_manifest(build, "interpreter", "cpython-312 .cpython-312-x86_64-linux-gnu.so")
    assert compiled._fresh_files(build) is None


def test_a_missing_module_file_makes_the_build_stale(tmp_path: Path) -> None:
    build = _fake_build(tmp_path)
    (build / "rrmm" / "core" / "series.so").unlink()
    assert compiled._fresh_files(build) is None


@pytest.mark.parametrize("text", ["", "{", "[]", '{"files": 3}'])
def test_an_unreadable_manifest_is_ignored(tmp_path: Path, text: str) -> None:
    (tmp_path / compiled.MANIFEST).write_text(text, encoding="utf-8")
    assert compiled._fresh_files(tmp_path) is None
    assert compiled._fresh_files(tmp_path / "absent") is None


def test_nothing_is_installed_once_the_modules_are_imported(tmp_path: Path) -> None:
    import rrmm.core.assess  # noqa: F401

    before = list(sys.meta_path)
    assert compiled.install(_fake_build(tmp_path)) == ()
    assert sys.meta_path == before


def test_the_finder_serves_only_the_listed_modules(tmp_path: Path) -> None:
    file = tmp_path / "x.cpython-311-x86_64-linux-gnu.so"
    finder = compiled._CompiledFinder({"rrmm.core.series": file})
    spec = finder.find_spec("rrmm.core.series", None)
    assert spec is not None
    assert spec.origin == str(file)
    assert finder.find_spec("rrmm.core.criteria", None) is None


def test_the_build_script_is_where_make_runs_it() -> None:
    root = Path(__file__).resolve().parents[1]
    assert (root / "scripts" / "compile_core.py").is_file()
    assert root / "build" / "compiled" == compiled.BUILD
    assert shutil.which("make") is None or "compile_core.py" in (root / "Makefile").read_text()
