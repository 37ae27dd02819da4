"""Read trials from disk (adapter): a folder or file of CT.gov v2 JSON, or the legacy CSV.

A source is one of:

- a folder: every ``*.json`` in it (not recursive), each one study object or a page of
  the API's ``/studies`` response (``{"studies": [...]}``), as ``rrmm trials fetch`` writes;
- a ``.json`` file of either shape;
- a ``.csv`` file with the HINT benchmark's columns (``nctid``, ``status``, ``phase``,
  ``diseases``, ``drugs``, ``criteria``) such as ``../shared/data/ctgov/
  hint_myeloma_trials_criteria.csv``, read as it is.

A study that appears twice is kept once (the first read).
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from rrmm.trials.ctgov_records import TrialRecordError, trial_from_legacy_row, trial_from_v2
from rrmm.trials.model import Trial

__all__ = ["TrialSourceError", "read_trials", "studies_in"]


class TrialSourceError(RuntimeError):
    """A trial source that cannot be read; the message names the file and the problem."""


def studies_in(data: Any) -> Iterator[Mapping[str, Any]]:
    """The study objects in parsed JSON: one study, a ``{"studies": [...]}`` page, or a list."""
    if isinstance(data, Mapping) and "protocolSection" in data:
        yield data
    elif isinstance(data, Mapping) and isinstance(data.get("studies"), list):
        for study in data["studies"]:
            if isinstance(study, Mapping):
                yield study
    elif isinstance(data, list):
        for item in data:
            yield from studies_in(item)


def _json_trials(path: Path) -> list[Trial]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise TrialSourceError(f"{path}: {error}") from error
    trials = []
    for study in studies_in(data):
        try:
            trials.append(trial_from_v2(study))
        except TrialRecordError as error:
            raise TrialSourceError(f"{path}: {error}") from error
    return trials


def _csv_trials(path: Path) -> list[Trial]:
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            if reader.fieldnames is None or not {"nctid", "criteria"} <= set(reader.fieldnames):
                raise TrialSourceError(f"{path}: a trials CSV needs 'nctid' and 'criteria' columns")
            rows = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise TrialSourceError(f"{path}: {error}") from error
    trials = []
    for number, row in enumerate(rows, start=2):
        try:
            trials.append(trial_from_legacy_row(row))
        except TrialRecordError as error:
            raise TrialSourceError(f"{path}, line {number}: {error}") from error
    return trials


def read_trials(source: Path) -> list[Trial]:
    """Every trial in a source (folder of v2 JSON, one JSON file, or the legacy CSV)."""
    if source.is_dir():
        files = sorted(source.glob("*.json"))
        if not files:
            raise TrialSourceError(f"{source}: no .json study records in this folder")
        found = [trial for path in files for trial in _json_trials(path)]
    elif source.suffix.lower() == ".csv":
        found = _csv_trials(source)
    elif source.suffix.lower() == ".json":
        found = _json_trials(source)
    elif not source.exists():
        raise TrialSourceError(f"{source}: no such file or folder")
    else:
        raise TrialSourceError(f"{source}: expected a folder, a .json or a .csv file")
    seen: dict[str, Trial] = {}
    for trial in found:
        seen.setdefault(trial.nct_id, trial)
    return list(seen.values())
