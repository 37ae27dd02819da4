"""The example patients bundled with rrmm (native YAML), for the page and the demo."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable

__all__ = ["BundledExample", "bundled_examples", "find_example"]


@dataclass(frozen=True, slots=True)
class BundledExample:
    """One bundled example: its id (the file stem), a one-line title and the file."""

    id: str
    title: str
    file: Traversable

    def text(self) -> str:
        """The example's YAML text."""
        return self.file.read_text(encoding="utf-8")


def _title(stem: str, text: str) -> str:
    first = next((line for line in text.splitlines() if line.startswith("#")), "")
    summary = first.lstrip("# ").split(" (")[0].rstrip(".")
    return f"{stem[:2]} · {summary}" if summary else stem


def bundled_examples() -> tuple[BundledExample, ...]:
    """Every bundled example, in file order."""
    folder = resources.files("rrmm").joinpath("examples")
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".yaml")), key=lambda f: f.name)
    return tuple(
        BundledExample(f.name.removesuffix(".yaml"), _title(f.name, f.read_text("utf-8")), f)
        for f in files
    )


def find_example(example_id: str) -> BundledExample | None:
    """The bundled example called ``example_id``, if there is one."""
    return next((e for e in bundled_examples() if e.id == example_id), None)
