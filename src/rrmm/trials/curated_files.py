"""Load curated trial criteria from YAML files (adapter).

A curated file (format ``rrmm.trial-criteria/1``) holds one trial (``nct_id``,
``criteria``) or several under ``trials:``. A source is one file or a folder of
``*.yaml``/``*.yml`` files. The packaged examples live in ``rrmm/trials/data/curated``.
See :mod:`rrmm.trials.structured` for the criterion format.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from rrmm.core.drugs import DrugCatalog
from rrmm.trials.structured import CuratedTrial, StructuredError, curated_trial_from_data

__all__ = ["FORMAT", "CuratedFileError", "load_curated", "packaged_curated_dir"]

FORMAT = "rrmm.trial-criteria/1"


class CuratedFileError(RuntimeError):
    """A curated file that cannot be read or breaks the format."""


def packaged_curated_dir() -> Path:
    """The folder of curated examples shipped with rrmm."""
    return Path(str(resources.files("rrmm.trials").joinpath("data/curated")))


def _read(path: Path) -> Any:
    try:
        return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, YAMLError) as error:
        raise CuratedFileError(f"{path}: {error}") from error


def _entries(data: Any, path: Path) -> list[Any]:
    if not isinstance(data, dict):
        raise CuratedFileError(f"{path}: expected a mapping with format {FORMAT}")
    if data.get("format") != FORMAT:
        raise CuratedFileError(f"{path}: format must be {FORMAT}")
    if "trials" in data:
        trials = data["trials"]
        if not isinstance(trials, list):
            raise CuratedFileError(f"{path}: trials must be a list")
        return trials
    return [data]


def load_curated(source: Path, catalog: DrugCatalog) -> dict[str, CuratedTrial]:
    """Curated trials by NCT id from a file or a folder of YAML files."""
    if source.is_dir():
        files = sorted([*source.glob("*.yaml"), *source.glob("*.yml")])
    elif source.exists():
        files = [source]
    else:
        raise CuratedFileError(f"{source}: no such file or folder")
    out: dict[str, CuratedTrial] = {}
    for path in files:
        for index, entry in enumerate(_entries(_read(path), path)):
            try:
                curated = curated_trial_from_data(entry, catalog, f"{path.name}[{index}]")
            except StructuredError as error:
                raise CuratedFileError(f"{path}: {error}") from error
            if curated.nct_id in out:
                raise CuratedFileError(f"{path}: {curated.nct_id} is curated twice")
            out[curated.nct_id] = curated
    return out
