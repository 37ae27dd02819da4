"""The trials core (parser, model, matcher) imports nothing from the edges."""

from __future__ import annotations

import ast
import sys

from tests.conftest import ROOT

PACKAGE = ROOT / "src" / "rrmm" / "trials"
ADAPTERS = {
    "ctgov_client",
    "sources",
    "curated_files",
    "labelled_files",
    "research_study",
}


def _imports(path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


def test_core_modules_depend_only_on_the_standard_library_rrmm_core_and_each_other() -> None:
    for path in PACKAGE.glob("*.py"):
        if path.stem in ADAPTERS:
            continue
        for module in _imports(path):
            top = module.split(".")[0]
            inside = module.startswith("rrmm.core") or (
                module.startswith("rrmm.trials") and module.split(".")[-1] not in ADAPTERS
            )
            assert top in sys.stdlib_module_names or inside, f"{path.name} imports {module}"


def test_every_module_has_a_docstring() -> None:
    for path in PACKAGE.glob("*.py"):
        assert ast.get_docstring(ast.parse(path.read_text())), path.name
