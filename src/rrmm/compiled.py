"""Load the core compiled with mypyc, when a build of exactly the current sources is present.

``scripts/compile_core.py`` (run by ``make setup``) compiles the modules in :data:`MODULES`
with mypyc, the compiler that ships with mypy, into ``build/compiled/`` and records the
SHA-256 of every source it compiled. When rrmm is imported, the compiled modules are used
only if every recorded hash still matches its source and the interpreter is the one they
were built for; otherwise (a source edited since, another Python, no build, or
``RRMM_PURE=1`` in the environment) the pure-Python modules are imported, so an out-of-date
build can never change a result. Both forms are the same source and pass the same tests;
compiled, the per-patient core runs 1.2 to 1.4 times as fast (docs/cohort.md).
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import json
import os
import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType
from typing import Final

__all__ = ["BUILD", "MODULES", "fingerprint", "install", "interpreter", "loaded", "source_path"]

MODULES: Final[tuple[str, ...]] = (
    "rrmm.core.analytes",
    "rrmm.core.assess",
    "rrmm.core.drugs",
    "rrmm.core.eligibility",
    "rrmm.core.knowledge",
    "rrmm.core.line_course",
    "rrmm.core.lines",
    "rrmm.core.model",
    "rrmm.core.options",
    "rrmm.core.outcomes",
    "rrmm.core.patient_facts",
    "rrmm.core.progression",
    "rrmm.core.refractory",
    "rrmm.core.response",
    "rrmm.core.risk",
    "rrmm.core.series",
    "rrmm.core.status",
    "rrmm.core.thresholds",
    "rrmm.core.units",
    "rrmm.adapters.problems",
    "rrmm.adapters.omop.read",
    "rrmm.cohort.concepts",
)
"""Modules compiled: the pure core and the cohort's per-person record builder. ``criteria``
and ``vocabulary`` stay Python: pydantic reads the one's annotations and the other's
docstrings (compiled classes lose both)."""

_SOURCE_ROOT: Final = Path(__file__).resolve().parent.parent
BUILD: Final = _SOURCE_ROOT.parent / "build" / "compiled"
"""Where the build lives: beside ``src`` in a checkout (absent from an installed wheel)."""
MANIFEST: Final = "manifest.json"
_DISABLE: Final = "RRMM_PURE"


def source_path(module: str) -> Path:
    """The ``.py`` file of a module of this package."""
    return _SOURCE_ROOT.joinpath(*module.split(".")).with_suffix(".py")


def fingerprint(modules: Sequence[str] = MODULES) -> dict[str, str]:
    """SHA-256 of each module's source."""
    return {m: hashlib.sha256(source_path(m).read_bytes()).hexdigest() for m in modules}


def interpreter() -> str:
    """What an extension module is built for: implementation, version and platform suffix."""
    return f"{sys.implementation.cache_tag} {importlib.machinery.EXTENSION_SUFFIXES[0]}"


class _CompiledFinder:
    """A meta-path finder that serves the listed modules from their extension files."""

    def __init__(self, files: dict[str, Path]) -> None:
        self.files = files

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        file = self.files.get(fullname)
        return None if file is None else importlib.util.spec_from_file_location(fullname, file)


def _fresh_files(build: Path) -> dict[str, Path] | None:
    """The build's module files, or None unless it is complete and matches the sources."""
    try:
        manifest = json.loads((build / MANIFEST).read_text(encoding="utf-8"))
        files = {name: build / relative for name, relative in manifest["files"].items()}
        fresh = (
            manifest["interpreter"] == interpreter()
            and manifest["modules"] == fingerprint()
            and set(MODULES) <= set(files)
            and all(file.is_file() for file in files.values())
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return files if fresh else None


def install(build: Path = BUILD) -> tuple[str, ...]:
    """Serve the compiled modules from now on if the build is fresh; the modules served."""
    if os.environ.get(_DISABLE, "") not in ("", "0") or any(m in sys.modules for m in MODULES):
        return ()
    files = _fresh_files(build)
    if files is None:
        return ()
    sys.meta_path.insert(0, _CompiledFinder(files))
    return MODULES


def loaded() -> tuple[str, ...]:
    """The modules of :data:`MODULES` imported so far from compiled extension files."""
    found = []
    for name in MODULES:
        spec = getattr(sys.modules.get(name), "__spec__", None)
        if spec is not None and isinstance(spec.loader, importlib.machinery.ExtensionFileLoader):
            found.append(name)
    return tuple(found)
