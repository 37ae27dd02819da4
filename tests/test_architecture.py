"""The layout shows the architecture: the core imports nothing from the edges."""

from __future__ import annotations

import ast
import sys

from tests.conftest import ROOT

CORE = ROOT / "src" / "rrmm" / "core"


def _imports(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


def test_core_depends_only_on_the_standard_library_and_itself():
    for path in CORE.glob("*.py"):
        for module in _imports(path):
            top = module.split(".")[0]
            allowed = top in sys.stdlib_module_names or module.startswith("rrmm.core")
            assert allowed, f"{path.name} imports {module}"
