"""Read a labelled set from YAML and run the matcher over it (adapter: files).

The file format is ``rrmm.trial-labels/1`` (see ``rrmm/trials/data/labelled/labels.yaml``):
``patients`` maps a key to a patient file (native YAML or FHIR JSON) in the patients
folder; each of ``trials`` names its record ``source`` (a CT.gov v2 JSON file or the
legacy CSV, relative to the labels file) and lists ``criteria`` with ``text``, ``kind``
and ``labels: {patient: [verdict, reason]}``. Patients are matched as of the date of
the last entry of their record (``as_of: last-record``) or a fixed date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from rrmm.adapters.patient_input import read_patient_path
from rrmm.core.assess import last_record_date
from rrmm.core.criteria import Criteria
from rrmm.core.drugs import DrugCatalog
from rrmm.trials.curated_files import load_curated
from rrmm.trials.labelled import EvaluationReport, GoldCriterion, GoldTrial, LabelledSet, score
from rrmm.trials.matcher import TrialMatch, Verdict
from rrmm.trials.model import CriterionKind, ParsedTrial
from rrmm.trials.parser import parse_trial
from rrmm.trials.patient_context import MatchOptions
from rrmm.trials.screen import screen
from rrmm.trials.sources import TrialSourceError, read_trials
from rrmm.trials.structured import apply_curation
from rrmm.trials.vocabulary import build_vocabulary

__all__ = [
    "FORMAT",
    "LabelledRun",
    "LabelledSetError",
    "load_labelled_set",
    "packaged_labels",
    "run_labelled_set",
]

FORMAT = "rrmm.trial-labels/1"


class LabelledSetError(RuntimeError):
    """A labelled set that cannot be read, or whose patients or trials cannot be found."""


def packaged_labels() -> Path:
    """The labelled set shipped with rrmm."""
    return Path(str(resources.files("rrmm.trials").joinpath("data/labelled/labels.yaml")))


def _criterion(data: Any, where: str) -> GoldCriterion:
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        raise LabelledSetError(f"{where}: a criterion needs text, kind and labels")
    try:
        kind = CriterionKind(str(data.get("kind")))
    except ValueError:
        raise LabelledSetError(f"{where}: kind is inclusion or exclusion") from None
    labels: dict[str, tuple[Verdict, str]] = {}
    for patient, value in (data.get("labels") or {}).items():
        if not isinstance(value, list) or len(value) != 2:
            raise LabelledSetError(f"{where}: label of {patient} must be [verdict, reason]")
        try:
            labels[str(patient)] = (Verdict(str(value[0])), str(value[1]))
        except ValueError:
            raise LabelledSetError(f"{where}: unknown verdict {value[0]!r}") from None
    return GoldCriterion(data["text"], kind, labels)


def load_labelled_set(path: Path) -> LabelledSet:
    """Parse and check a labels file."""
    try:
        data = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, YAMLError) as error:
        raise LabelledSetError(f"{path}: {error}") from error
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise LabelledSetError(f"{path}: format must be {FORMAT}")
    patients = {str(k): str(v) for k, v in (data.get("patients") or {}).items()}
    trials = []
    for index, entry in enumerate(data.get("trials") or []):
        where = f"{path.name}: trials[{index}]"
        if not isinstance(entry, dict) or "nct_id" not in entry or "source" not in entry:
            raise LabelledSetError(f"{where}: needs nct_id, source and criteria")
        criteria = tuple(
            _criterion(item, f"{where}.criteria[{n}]")
            for n, item in enumerate(entry.get("criteria") or [])
        )
        trials.append(GoldTrial(str(entry["nct_id"]), str(entry["source"]), criteria))
    return LabelledSet(
        patients,
        tuple(trials),
        str(data.get("as_of", "last-record")),
        str(data.get("description", "")),
    )


@dataclass(frozen=True)
class LabelledRun:
    """The report, and the matches it scored (keyed by (patient, nct_id))."""

    labelled: LabelledSet
    report: EvaluationReport
    matches: dict[tuple[str, str], TrialMatch]
    parsed: dict[str, ParsedTrial]


def _trials(labelled: LabelledSet, base: Path, catalog: DrugCatalog) -> dict[str, ParsedTrial]:
    vocabulary = build_vocabulary(catalog)
    by_source: dict[str, dict[str, ParsedTrial]] = {}
    out: dict[str, ParsedTrial] = {}
    for trial in labelled.trials:
        if trial.source not in by_source:
            try:
                read = read_trials(base / trial.source)
            except TrialSourceError as error:
                raise LabelledSetError(str(error)) from error
            by_source[trial.source] = {t.nct_id: parse_trial(t, vocabulary) for t in read}
        found = by_source[trial.source].get(trial.nct_id)
        if found is None:
            raise LabelledSetError(f"{trial.nct_id} is not in {trial.source}")
        out[trial.nct_id] = found
    return out


def run_labelled_set(
    labels: Path,
    patients_dir: Path,
    catalog: DrugCatalog,
    criteria: Criteria,
    options: MatchOptions | None = None,
    curated: Path | None = None,
) -> LabelledRun:
    """Match every labelled patient against every labelled trial and score the result."""
    labelled = load_labelled_set(labels)
    parsed = _trials(labelled, labels.parent, catalog)
    if curated is not None:
        overrides = load_curated(curated, catalog)
        parsed = {
            nct: apply_curation(p, overrides[nct]) if nct in overrides else p
            for nct, p in parsed.items()
        }
    matches: dict[tuple[str, str], TrialMatch] = {}
    for key, filename in labelled.patients.items():
        path = patients_dir / filename
        result = read_patient_path(path, catalog=catalog, as_of=date.today())
        if result.record is None or result.errors:
            raise LabelledSetError(f"{path}: cannot read the patient ({len(result.errors)} errors)")
        record = result.record
        if labelled.as_of == "last-record":
            as_of = last_record_date(record) or date.today()
        else:
            as_of = date.fromisoformat(labelled.as_of)
        screening = screen(record, parsed.values(), catalog, criteria, as_of, options)
        for match in screening.matches:
            matches[(key, match.trial.nct_id)] = match
    return LabelledRun(labelled, score(labelled, matches), matches, parsed)
