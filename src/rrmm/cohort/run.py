"""Assess every person of an OMOP CDM 5.4 source with rrmm's core, partition by partition.

The imperative shell around :func:`rrmm.core.assess.assess` and
:func:`rrmm.core.options.treatment_options`: read each table with DuckDB (from a DuckDB file or
a folder of Parquet files, ``<table>/*.parquet``), ordered by ``person_id``, in partitions of
persons; turn each partition's Arrow columns into numpy arrays and Python lists ONCE; map codes
once per distinct code (:mod:`rrmm.adapters.omop.read`); slice per person with
``searchsorted`` offsets; build each :class:`~rrmm.core.model.PatientRecord`; run the core; and
write Arrow/Parquet results per partition:

- ``person_result``: status, lines, labels, refractory drugs and classes, risk, input notes;
- ``line_result``: one row per line of therapy (dates, regimen, best response, progression,
  the drugs found refractory in that line, the labels the person carried when it started);
- ``episode`` / ``episode_event``: the lines as OMOP CDM 5.4 Episode rows. ``episode_concept_id``
  is 32531 "Treatment Regimen" (OMOP CDM Oncology Extension, Episode ETL conventions, Treatment
  Episode concepts 32531 "Treatment Regimen" and 32532 "Treatment Cycle"). The type, object and
  event-field concept ids could not be confirmed here, so they are 0 (the CDM convention for
  "no matching concept"); ``episode_source_value`` carries the regimen;
- ``option_result`` (with options): every treatment option, ranked, with label eligibility.

A partition is done when its marker ``_done/part-<k>.json`` exists (written after its Parquet
files); a rerun with the same parameters redoes only partitions without a marker. A person whose
record cannot be built or assessed gets ``status`` ``not_evaluable`` and the reason.
"""

from __future__ import annotations

import gc
import json
import multiprocessing
import os
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from rrmm import compiled
from rrmm.adapters.omop.read import (
    ANALYTE_ORDER,
    Built,
    DrugRows,
    LabRows,
    MappedCodes,
    PersonRows,
    ProcedureRows,
    build_record,
    map_drugs,
    map_measurements,
    map_procedures,
)
from rrmm.cohort.concepts import LABS, MULTIPLE_MYELOMA_CONCEPT_ID, MULTIPLE_MYELOMA_SNOMED_CODE
from rrmm.cohort.sources import (
    ISOTYPE_COLUMNS,
    RAW_COLUMNS,
    PostgresSource,
    is_postgres_url,
    redact_url,
)
from rrmm.core.assess import Evaluation, assess
from rrmm.core.criteria import Criteria
from rrmm.core.drugs import DrugCatalog
from rrmm.core.knowledge import KnowledgeBase
from rrmm.core.options import OptionsResult, treatment_options
from rrmm.core.refractory import ClassState, labels_before_line

__all__ = [
    "OUTPUT_KEYS",
    "OUTPUT_TABLES",
    "TREATMENT_REGIMEN_CONCEPT_ID",
    "CohortError",
    "RunConfig",
    "RunSummary",
    "SourceKind",
    "detect_source",
    "read_records",
    "run_cohort",
]

#: OMOP Episode concept "Treatment Regimen" (CDM Oncology Extension Episode conventions).
TREATMENT_REGIMEN_CONCEPT_ID: Final = 32531
OUTPUT_TABLES: Final = (
    "person_result",
    "line_result",
    "episode",
    "episode_event",
    "option_result",
)
#: The key columns of each output table (a run's rows are unique and ordered by them).
OUTPUT_KEYS: Final[dict[str, tuple[str, ...]]] = {
    "person_result": ("person_id",),
    "line_result": ("person_id", "line_number"),
    "episode": ("episode_id",),
    "episode_event": ("episode_id", "event_id"),
    "option_result": ("person_id", "rank"),
}
EPISODES_PER_PERSON: Final = 1000
_EPOCH: Final = date(1970, 1, 1)


class CohortError(RuntimeError):
    """A cohort run that cannot start (bad source, parameters changed since the last run)."""


class SourceKind(StrEnum):
    """Where the OMOP tables are."""

    PARQUET = "parquet"
    DUCKDB = "duckdb"
    POSTGRES = "postgres"
    #: Arrow tables handed over in memory (one Spark batch), staged into DuckDB.
    ARROW = "arrow"


def detect_source(source: str | Path) -> tuple[SourceKind, str]:
    """A PostgreSQL URL, a DuckDB file, or a folder of ``<table>/*.parquet`` (or ``cdm.duckdb``)."""
    if is_postgres_url(str(source)):
        return SourceKind.POSTGRES, str(source)
    path = Path(source)
    if path.is_file():
        return SourceKind.DUCKDB, str(path.resolve())
    if (path / "person").is_dir() and any((path / "person").glob("*.parquet")):
        return SourceKind.PARQUET, str(path.resolve())
    if (path / "cdm.duckdb").is_file():
        return SourceKind.DUCKDB, str((path / "cdm.duckdb").resolve())
    raise CohortError(
        f"{source}: neither a PostgreSQL URL, a DuckDB file nor a folder of OMOP Parquet tables"
    )


@dataclass(frozen=True, slots=True)
class RunConfig:
    """What a run reads and computes; a resumed run must have the same."""

    source: str
    kind: str
    as_of: str
    options: bool = True
    isotype_table: str | None = None
    partition_size: int = 10_000
    regulator: str = "FDA"
    schema: str = "public"
    #: The PostgreSQL URL as given (may hold a password): never recorded or printed.
    connection: str = field(default="", repr=False, compare=False)

    def manifest(self) -> dict[str, Any]:
        """What a resumed run must match (``connection`` left out)."""
        found = asdict(self)
        del found["connection"]
        return found

    def postgres(self) -> PostgresSource:
        """The PostgreSQL source of a ``postgres`` run."""
        return PostgresSource(self.connection or self.source, self.schema)


@dataclass(frozen=True, slots=True)
class Partition:
    """Persons ``lo``..``hi`` (inclusive person_id bounds) of one partition."""

    index: int
    lo: int
    hi: int
    persons: int


@dataclass(frozen=True, slots=True)
class RunSummary:
    """What a run did."""

    persons: int
    partitions: int
    done_before: int
    computed: int
    seconds: float
    not_evaluable: int = 0
    skipped: tuple[int, ...] = field(default_factory=tuple)


# ---------------------------------------------------------------------------------------------
# Reading


def _connect(config: RunConfig, threads: int) -> Any:
    import duckdb

    if config.kind == SourceKind.DUCKDB:
        con = duckdb.connect(config.source, read_only=True)
    else:
        con = duckdb.connect()
    con.execute(f"SET threads = {max(1, threads)}")
    return con


def _table_names(con: Any, config: RunConfig) -> set[str]:
    if config.kind == SourceKind.DUCKDB:
        rows = con.execute("SELECT table_name FROM information_schema.tables").fetchall()
        return {str(r[0]) for r in rows}
    root = Path(config.source)
    return {p.name for p in root.iterdir() if p.is_dir() and any(p.glob("*.parquet"))}


def _relation(config: RunConfig, table: str) -> str:
    if config.kind == SourceKind.DUCKDB:
        return table
    if config.kind in (SourceKind.POSTGRES, SourceKind.ARROW):
        return f"raw_{table}"
    pattern = str(Path(config.source) / table / "*.parquet").replace("'", "''")
    return f"read_parquet('{pattern}')"


def stage_tables(con: Any, raw: dict[str, Any]) -> set[str]:
    """Register in-memory Arrow tables (``raw[name]``) as the relations the queries read."""
    for name, table in raw.items():
        con.register(f"raw_{name}", table)
    return set(raw)


@contextmanager
def _postgres(config: RunConfig) -> Iterator[tuple[PostgresSource, Any]]:
    """The run's PostgreSQL source and an open connection (closed after use)."""
    source = config.postgres()
    try:
        connection = source.connect()
    except Exception as error:
        raise CohortError(f"{redact_url(source.url)}: cannot connect ({error})") from None
    try:
        yield source, connection
    finally:
        connection.close()


def _stage_postgres(con: Any, config: RunConfig, part: Partition) -> set[str]:
    with _postgres(config) as (source, connection):
        present = source.tables(connection)
        wanted = dict(RAW_COLUMNS)
        if config.isotype_table is not None and config.isotype_table in present:
            wanted[config.isotype_table] = ISOTYPE_COLUMNS
        raw = {
            name: source.rows(connection, name, columns, part.lo, part.hi)
            for name, columns in wanted.items()
            if name in present
        }
        if "concept" in present and "measurement" in present:
            raw["concept"] = source.measurement_concepts(connection, part.lo, part.hi)
    return stage_tables(con, raw)


def _unit_fallback() -> str:
    cases = " ".join(f"WHEN {lab.unit_concept_id} THEN '{lab.unit}'" for lab in LABS)
    return f"CASE unit_concept_id {cases} END"


_SQL: Final[dict[str, str]] = {
    "person": """
        SELECT person_id, gender_concept_id,
               COALESCE(CAST(birth_datetime AS DATE),
                        make_date(year_of_birth, COALESCE(month_of_birth, 6),
                                  COALESCE(day_of_birth,
                                           CASE WHEN month_of_birth IS NULL THEN 15 ELSE 1 END)))
                   AS birth_date
        FROM {rel} WHERE person_id BETWEEN ? AND ? ORDER BY person_id""",
    "condition_occurrence": f"""
        SELECT person_id, min(condition_start_date) AS diagnosis_date,
               string_agg(DISTINCT condition_source_value, ' | ') AS diagnosis_text
        FROM {{rel}} WHERE person_id BETWEEN ? AND ?
          AND (condition_concept_id = {MULTIPLE_MYELOMA_CONCEPT_ID}
               OR condition_source_value = '{MULTIPLE_MYELOMA_SNOMED_CODE}'
               OR condition_source_value ILIKE 'C90.0%')
        GROUP BY person_id ORDER BY person_id""",
    "death": """
        SELECT person_id, min(death_date) AS death_date
        FROM {rel} WHERE person_id BETWEEN ? AND ? GROUP BY person_id ORDER BY person_id""",
    "drug_exposure": """
        SELECT drug_exposure_id, person_id, CAST(drug_concept_id AS BIGINT) AS concept,
               drug_source_value, drug_exposure_start_date AS start_date,
               COALESCE(drug_exposure_end_date,
                        CAST(drug_exposure_start_date
                             + to_days(CAST(GREATEST(COALESCE(days_supply, 1) - 1, 0) AS INTEGER))
                             AS DATE)) AS end_date,
               stop_reason
        FROM {rel} WHERE person_id BETWEEN ? AND ?
        ORDER BY person_id, drug_exposure_start_date, drug_exposure_id""",
    "procedure_occurrence": """
        SELECT procedure_occurrence_id, person_id, procedure_source_value, procedure_date
        FROM {rel} WHERE person_id BETWEEN ? AND ?
        ORDER BY person_id, procedure_date, procedure_occurrence_id""",
    "measurement": """
        SELECT person_id, measurement_date,
               COALESCE(measurement_source_value,
                        'concept:' || CAST(measurement_concept_id AS VARCHAR)) AS code,
               COALESCE(unit_source_value, {unit}) AS unit, value_as_number
        FROM {rel} WHERE person_id BETWEEN ? AND ?
        ORDER BY person_id, measurement_date, measurement_id""",
    # With the vocabulary's CONCEPT table, the standard LOINC concept of a measurement and the
    # UCUM concept of its unit come first (OMOP CDM 5.4: measurement_concept_id is the standard
    # concept; the source value may be a local code), the source values next.
    "measurement+concept": """
        SELECT m.person_id, m.measurement_date,
               COALESCE(lc.concept_code, m.measurement_source_value,
                        'concept:' || CAST(m.measurement_concept_id AS VARCHAR)) AS code,
               COALESCE(uc.concept_code, m.unit_source_value, {unit}) AS unit,
               m.value_as_number
        FROM {rel} AS m
        LEFT JOIN {concept} AS lc
               ON lc.concept_id = m.measurement_concept_id AND lc.vocabulary_id = 'LOINC'
        LEFT JOIN {concept} AS uc
               ON uc.concept_id = m.unit_concept_id AND uc.vocabulary_id = 'UCUM'
        WHERE m.person_id BETWEEN ? AND ?
        ORDER BY m.person_id, m.measurement_date, m.measurement_id""",
}


def _fetch(con: Any, config: RunConfig, tables: set[str], name: str, part: Partition) -> Any:
    if name not in tables:
        return None
    query = f"{name}+concept" if name == "measurement" and "concept" in tables else name
    sql = _SQL[query].format(
        rel=_relation(config, name),
        unit=_unit_fallback(),
        concept=_relation(config, "concept"),
    )
    return con.sql(sql, params=[part.lo, part.hi]).to_arrow_table()


def _isotypes(con: Any, config: RunConfig, tables: set[str], part: Partition) -> Any:
    if config.isotype_table is None:
        return None
    if config.isotype_table not in tables:
        raise CohortError(f"isotype table {config.isotype_table!r} is not in the source")
    sql = (
        "SELECT person_id, heavy_chain, light_chain FROM "
        f"{_relation(config, config.isotype_table)} WHERE person_id BETWEEN ? AND ?"
        " ORDER BY person_id"
    )
    return con.sql(sql, params=[part.lo, part.hi]).to_arrow_table()


# ---------------------------------------------------------------------------------------------
# Columns once per partition


def _ints(column: Any) -> npt.NDArray[np.int64]:
    array: npt.NDArray[np.int64] = (
        pc.fill_null(column, 0).to_numpy(zero_copy_only=False).astype(np.int64)
    )
    return array


def _dates(column: Any) -> npt.NDArray[np.object_]:
    """date32 column → object array of ``date`` (None for null), one ``date`` per distinct day."""
    days = pc.cast(column, pa.int32())
    valid = pc.is_valid(days).to_numpy(zero_copy_only=False)
    values = pc.fill_null(days, 0).to_numpy(zero_copy_only=False)
    unique, inverse = np.unique(values, return_inverse=True)
    objects = np.array([_EPOCH + timedelta(days=int(d)) for d in unique] + [None], dtype=object)
    inverse = np.where(valid, inverse.reshape(-1), unique.size)
    found: npt.NDArray[np.object_] = objects[inverse]
    return found


def _encoded(column: Any) -> tuple[list[str | None], npt.NDArray[np.int32]]:
    encoded = pc.dictionary_encode(column).combine_chunks()
    indices = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.int32)
    return encoded.dictionary.to_pylist(), indices


def _bounds(
    ids: npt.NDArray[np.int64], persons: npt.NDArray[np.int64]
) -> tuple[list[int], list[int]]:
    starts = np.searchsorted(ids, persons, "left").tolist()
    ends = np.searchsorted(ids, persons, "right").tolist()
    return starts, ends


@dataclass(slots=True)
class _Issues:
    """Row-level issues of a partition, sorted by person."""

    person: list[npt.NDArray[np.int64]] = field(default_factory=list)
    text: list[list[tuple[str, str]]] = field(default_factory=list)

    def add(self, table: str, ids: npt.NDArray[np.int64], mapped: MappedCodes) -> None:
        rows = np.nonzero(mapped.issue >= 0)[0]
        self.person.append(ids[rows])
        self.text.append([(table, mapped.issues[i]) for i in mapped.issue[rows].tolist()])

    def per_person(self, persons: npt.NDArray[np.int64]) -> Callable[[int], list[tuple[str, str]]]:
        ids = np.concatenate(self.person) if self.person else np.zeros(0, np.int64)
        texts = [t for chunk in self.text for t in chunk]
        order = np.argsort(ids, kind="stable")
        ids = ids[order]
        ordered = [texts[i] for i in order.tolist()]
        starts, ends = _bounds(ids, persons)
        return lambda i: ordered[starts[i] : ends[i]]


def _drug_columns(
    table: Any, catalog: DrugCatalog, issues: _Issues
) -> tuple[npt.NDArray[np.int64], dict[str, list[Any]]]:
    ids = _ints(table.column("person_id"))
    sources, source_index = _encoded(table.column("drug_source_value"))
    mapped = map_drugs(_ints(table.column("concept")), sources, source_index, catalog)
    issues.add("drug_exposure", ids, mapped)
    keep = mapped.target >= 0
    names = np.array([*mapped.targets, ""], dtype=object)[mapped.target[keep]]
    columns = {
        "event_id": _ints(table.column("drug_exposure_id"))[keep].tolist(),
        "drug": names.tolist(),
        "start": _dates(table.column("start_date"))[keep].tolist(),
        "end": _dates(table.column("end_date"))[keep].tolist(),
        "stop_reason": np.array(table.column("stop_reason").to_pylist(), dtype=object)[
            keep
        ].tolist(),
    }
    return ids[keep], columns


def _procedure_columns(
    table: Any, issues: _Issues
) -> tuple[npt.NDArray[np.int64], dict[str, list[Any]]]:
    ids = _ints(table.column("person_id"))
    sources, source_index = _encoded(table.column("procedure_source_value"))
    mapped = map_procedures(sources, source_index)
    issues.add("procedure_occurrence", ids, mapped)
    keep = mapped.target >= 0
    kinds = np.array(mapped.targets, dtype=object)[mapped.target[keep]]
    columns = {
        "event_id": _ints(table.column("procedure_occurrence_id"))[keep].tolist(),
        "kind": kinds.tolist(),
        "day": _dates(table.column("procedure_date"))[keep].tolist(),
    }
    return ids[keep], columns


def _lab_columns(table: Any, issues: _Issues) -> tuple[npt.NDArray[np.int64], dict[str, list[Any]]]:
    ids = _ints(table.column("person_id"))
    codes, code_index = _encoded(table.column("code"))
    units, unit_index = _encoded(table.column("unit"))
    values = (
        pc.fill_null(pc.cast(table.column("value_as_number"), pa.float64()), float("nan"))
        .to_numpy(zero_copy_only=False)
        .astype(np.float64)
    )
    mapped = map_measurements(codes, code_index, units, unit_index, values)
    issues.add("measurement", ids, mapped)
    days = pc.fill_null(pc.cast(table.column("measurement_date"), pa.int32()), 0).to_numpy(
        zero_copy_only=False
    )
    keep = np.nonzero(mapped.target >= 0)[0]
    order = keep[np.lexsort((mapped.target[keep], days[keep], ids[keep]))]
    key = np.stack([ids[order], days[order], mapped.target[order]])
    duplicate = np.zeros(order.size, bool)
    duplicate[1:] = (key[:, 1:] == key[:, :-1]).all(axis=0)
    if duplicate.any():
        dup = MappedCodes(
            np.zeros(0, np.int32),
            np.zeros(0),
            np.where(duplicate, 0, -1).astype(np.int32),
            ("second value of one analyte on one date; the first is kept",),
        )
        issues.add("measurement", ids[order], dup)
        order = order[~duplicate]
    analytes = np.array(ANALYTE_ORDER, dtype=object)[mapped.target[order]]
    columns = {
        "day": _dates(table.column("measurement_date"))[order].tolist(),
        "analyte": analytes.tolist(),
        "value": mapped.value[order].tolist(),
    }
    return ids[order], columns


def _by_person(
    table: Any, persons: npt.NDArray[np.int64], columns: Sequence[str]
) -> list[dict[str, Any]]:
    """Small one-row-per-person tables (condition, death, isotype) aligned to ``persons``."""
    if table is None or table.num_rows == 0:
        return [{} for _ in range(persons.size)]
    ids = _ints(table.column("person_id"))
    position = np.searchsorted(ids, persons)
    position = np.minimum(position, ids.size - 1)
    found = ids[position] == persons
    values = {c: table.column(c).to_pylist() for c in columns}
    return [
        {c: values[c][p] for c in columns} if hit else {}
        for p, hit in zip(position.tolist(), found.tolist(), strict=True)
    ]


def _slicer(
    ids: npt.NDArray[np.int64], columns: dict[str, list[Any]], persons: npt.NDArray[np.int64]
) -> Callable[[int], dict[str, list[Any]]]:
    starts, ends = _bounds(ids, persons)
    return lambda i: {name: values[starts[i] : ends[i]] for name, values in columns.items()}


def person_rows(
    tables: dict[str, Any], isotypes: Any, catalog: DrugCatalog
) -> Iterator[PersonRows]:
    """One :class:`PersonRows` per person of a partition's tables (all sorted by person_id)."""
    person = tables["person"]
    persons = _ints(person.column("person_id"))
    gender = _ints(person.column("gender_concept_id")).tolist()
    births = _dates(person.column("birth_date")).tolist()
    issues = _Issues()
    empty: Callable[[int], dict[str, list[Any]]] = lambda i: {}  # noqa: E731
    drugs = procs = labs = empty
    if tables.get("drug_exposure") is not None:
        drugs = _slicer(*_drug_columns(tables["drug_exposure"], catalog, issues), persons)
    if tables.get("procedure_occurrence") is not None:
        procs = _slicer(*_procedure_columns(tables["procedure_occurrence"], issues), persons)
    if tables.get("measurement") is not None:
        labs = _slicer(*_lab_columns(tables["measurement"], issues), persons)
    diagnosis = _by_person(
        tables.get("condition_occurrence"), persons, ("diagnosis_date", "diagnosis_text")
    )
    deaths = _by_person(tables.get("death"), persons, ("death_date",))
    isotype = _by_person(isotypes, persons, ("heavy_chain", "light_chain"))
    notes = issues.per_person(persons)
    for i, pid in enumerate(persons.tolist()):
        side = isotype[i]
        yield PersonRows(
            person_id=pid,
            gender_concept_id=gender[i],
            birth_date=births[i],
            diagnosis_date=diagnosis[i].get("diagnosis_date"),
            diagnosis_text=diagnosis[i].get("diagnosis_text"),
            death_date=deaths[i].get("death_date"),
            isotype=(side["heavy_chain"], side["light_chain"]) if side else None,
            drugs=DrugRows(**drugs(i)),
            procedures=ProcedureRows(**procs(i)),
            labs=LabRows(**labs(i)),
            issues=notes(i),
        )


# ---------------------------------------------------------------------------------------------
# Results


class _Columns:
    """Column lists of one output table."""

    def __init__(self, schema: pa.Schema) -> None:
        self.schema = schema
        self.values: dict[str, list[Any]] = {name: [] for name in schema.names}

    def add(self, **row: Any) -> None:
        for name, values in self.values.items():
            values.append(row.get(name))

    def table(self) -> Any:
        return pa.table(self.values, schema=self.schema)


_STRINGS = pa.list_(pa.string())
SCHEMAS: Final[dict[str, Any]] = {
    "person_result": pa.schema(
        [
            ("person_id", pa.int64()),
            ("status", pa.string()),
            ("status_reason", pa.string()),
            ("n_lines", pa.int32()),
            ("labels", _STRINGS),
            ("refractory_drugs", _STRINGS),
            ("exposed_drugs", _STRINGS),
            ("refractory_classes", _STRINGS),
            ("refractory_class_count", pa.int32()),
            ("iss", pa.string()),
            ("r_iss", pa.string()),
            ("r2_iss", pa.string()),
            ("ims_imwg_2025", pa.string()),
            ("heavy_chain", pa.string()),
            ("light_chain", pa.string()),
            ("last_record", pa.date32()),
            ("death_date", pa.date32()),
            ("input_notes", _STRINGS),
            ("not_evaluable_reason", pa.string()),
        ]
    ),
    "line_result": pa.schema(
        [
            ("person_id", pa.int64()),
            ("line_number", pa.int32()),
            ("start_date", pa.date32()),
            ("end_date", pa.date32()),
            ("regimen", pa.string()),
            ("start_reason", pa.string()),
            ("end_reason", pa.string()),
            ("best_response", pa.string()),
            ("best_response_date", pa.date32()),
            ("progression_date", pa.date32()),
            ("progression_criterion", pa.string()),
            ("refractory_drugs", _STRINGS),
            ("labels_at_start", _STRINGS),
        ]
    ),
    "episode": pa.schema(
        [
            ("episode_id", pa.int64()),
            ("person_id", pa.int64()),
            ("episode_concept_id", pa.int32()),
            ("episode_start_date", pa.date32()),
            ("episode_start_datetime", pa.timestamp("us")),
            ("episode_end_date", pa.date32()),
            ("episode_end_datetime", pa.timestamp("us")),
            ("episode_parent_id", pa.int64()),
            ("episode_number", pa.int32()),
            ("episode_object_concept_id", pa.int32()),
            ("episode_type_concept_id", pa.int32()),
            ("episode_source_value", pa.string()),
            ("episode_source_concept_id", pa.int32()),
        ]
    ),
    "episode_event": pa.schema(
        [
            ("episode_id", pa.int64()),
            ("event_id", pa.int64()),
            ("episode_event_field_concept_id", pa.int32()),
        ]
    ),
    "option_result": pa.schema(
        [
            ("person_id", pa.int64()),
            ("rank", pa.int32()),
            ("regimen", pa.string()),
            ("name", pa.string()),
            ("kind", pa.string()),
            ("label_eligible", pa.bool_()),
            ("score", pa.float64()),
            ("refractory_components", _STRINGS),
        ]
    ),
}


@dataclass(frozen=True, slots=True)
class Engine:
    """The core's inputs that are the same for every person."""

    kb: KnowledgeBase
    criteria: Criteria
    as_of: date
    options: bool
    regulator: str


def _add_lines(
    out: dict[str, _Columns], pid: int, ev: Evaluation, built: Built, catalog: DrugCatalog
) -> None:
    for course in ev.courses:
        line = course.line
        refractory = sorted(v.drug for v in ev.drugs if line.number in v.refractory_lines)
        out["line_result"].add(
            person_id=pid,
            line_number=line.number,
            start_date=line.start,
            end_date=line.end,
            regimen=line.regimen,
            start_reason=line.start_reason,
            end_reason=line.end_reason,
            best_response=str(course.best_response),
            best_response_date=course.best_response_date,
            progression_date=course.progression.date if course.progression else None,
            progression_criterion=course.progression.criterion if course.progression else None,
            refractory_drugs=refractory,
            labels_at_start=list(labels_before_line(ev.drugs, line.number, catalog)),
        )
        episode = pid * EPISODES_PER_PERSON + line.number
        out["episode"].add(
            episode_id=episode,
            person_id=pid,
            episode_concept_id=TREATMENT_REGIMEN_CONCEPT_ID,
            episode_start_date=line.start,
            episode_end_date=line.end,
            episode_number=line.number,
            episode_object_concept_id=0,
            episode_type_concept_id=0,
            episode_source_value=line.regimen,
            episode_source_concept_id=0,
        )
        events = [e for c in line.courses for e in built.course_events[c]]
        events += [e for p in line.procedures for e in built.procedure_events[p]]
        for event in sorted(set(events)):
            out["episode_event"].add(
                episode_id=episode, event_id=event, episode_event_field_concept_id=0
            )


def _add_options(out: dict[str, _Columns], pid: int, result: OptionsResult) -> None:
    for option in result.options:
        out["option_result"].add(
            person_id=pid,
            rank=option.rank,
            regimen=option.regimen,
            name=option.name,
            kind=str(option.kind),
            label_eligible=option.label_eligible,
            score=option.score,
            refractory_components=list(option.refractory_components),
        )


def _add_person(
    out: dict[str, _Columns], pid: int, built: Built | None, ev: Evaluation | None, reason: str
) -> None:
    notes = [p.message for p in built.problems] if built else []
    diagnosis = built.record.diagnosis if built else None
    common = {
        "person_id": pid,
        "input_notes": notes,
        "heavy_chain": diagnosis.heavy_chain if diagnosis and diagnosis.heavy_chain else None,
        "light_chain": diagnosis.light_chain if diagnosis and diagnosis.light_chain else None,
        "death_date": built.record.death_date if built else None,
    }
    if ev is None:
        out["person_result"].add(status="not_evaluable", not_evaluable_reason=reason, **common)
        return
    risk = ev.risk
    out["person_result"].add(
        status=str(ev.status.status),
        status_reason=ev.status.reason,
        n_lines=len(ev.lines),
        labels=list(ev.labels),
        refractory_drugs=list(ev.refractory_drugs),
        exposed_drugs=list(ev.exposed_drugs),
        refractory_classes=sorted(
            str(c) for c, s in ev.classes.items() if s is ClassState.REFRACTORY
        ),
        refractory_class_count=ev.refractory_class_count,
        iss=risk.iss.value,
        r_iss=risk.r_iss.value,
        r2_iss=risk.r2_iss.value,
        ims_imwg_2025=risk.ims_imwg_2025.value,
        last_record=ev.last_record,
        **common,
    )


def evaluate_person(rows: PersonRows, engine: Engine, out: dict[str, _Columns]) -> bool:
    """Build, assess (and list options for) one person; False when not evaluable."""
    built: Built | None = None
    try:
        built = build_record(rows, engine.kb.catalog)
        ev = assess(built.record, engine.kb.catalog, engine.criteria, engine.as_of)
        result = (
            treatment_options(ev, built.record, engine.kb, engine.regulator, engine.as_of)
            if engine.options
            else None
        )
    except Exception as error:  # one bad person must not stop the cohort
        _add_person(out, rows.person_id, built, None, f"{type(error).__name__}: {error}")
        return False
    _add_person(out, rows.person_id, built, ev, "")
    _add_lines(out, rows.person_id, ev, built, engine.kb.catalog)
    if result is not None:
        _add_options(out, rows.person_id, result)
    return True


# ---------------------------------------------------------------------------------------------
# Partitions


def _engine(config: RunConfig) -> Engine:
    from rrmm.kb import load_criteria, load_knowledge_base

    as_of = date.fromisoformat(config.as_of)
    kb = load_knowledge_base()
    return Engine(kb, load_criteria("IMWG2016"), as_of, config.options, config.regulator)


def read_partition(
    con: Any, config: RunConfig, part: Partition, staged: set[str] | None = None
) -> tuple[dict[str, Any], Any]:
    """The partition's tables as Arrow, sorted by person_id (``staged``: tables registered)."""
    if staged is not None:
        names = staged
    elif config.kind == SourceKind.POSTGRES:
        names = _stage_postgres(con, config, part)
    else:
        names = _table_names(con, config)
    tables = {
        name: _fetch(con, config, names, name, part)
        for name in (
            "person",
            "condition_occurrence",
            "death",
            "drug_exposure",
            "procedure_occurrence",
            "measurement",
        )
    }
    return tables, _isotypes(con, config, names, part)


def compute_partition(
    tables: dict[str, Any], isotypes: Any, engine: Engine
) -> tuple[dict[str, Any], int]:
    """Assess every person of a partition; the output tables and the not-evaluable count.

    The cyclic garbage collector is paused for the partition (the long-lived knowledge base is
    frozen out of its scans first, and thawed after, so that interpreter shutdown still frees
    it) and run once at the end: the core allocates many small immutable objects, and
    collections triggered by allocation counts cost ~10 % here.
    """
    out = {name: _Columns(SCHEMAS[name]) for name in OUTPUT_TABLES}
    failed = 0
    collecting = gc.isenabled()
    gc.freeze()
    gc.disable()
    try:
        for rows in person_rows(tables, isotypes, engine.kb.catalog):
            failed += not evaluate_person(rows, engine, out)
    finally:
        gc.unfreeze()
        if collecting:
            gc.enable()
        gc.collect()
    return {name: columns.table() for name, columns in out.items()}, failed


def _marker(out: Path, index: int) -> Path:
    return out / "_done" / f"part-{index:05d}.json"


def _write(out: Path, index: int, results: dict[str, Any], meta: dict[str, Any]) -> None:
    for name, table in results.items():
        folder = out / name
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"part-{index:05d}.parquet"
        temporary = target.with_suffix(".tmp")
        pq.write_table(table, temporary)
        os.replace(temporary, target)
    marker = _marker(out, index)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.with_suffix(".tmp").write_text(json.dumps(meta), encoding="utf-8")
    os.replace(marker.with_suffix(".tmp"), marker)


def run_partition(config: RunConfig, part: Partition, out: str, threads: int) -> dict[str, Any]:
    """Read, compute and write one partition (a worker's task; opens its own connection)."""
    started = time.perf_counter()
    con = _connect(config, threads)
    try:
        tables, isotypes = read_partition(con, config, part)
    finally:
        con.close()
    read_s = time.perf_counter() - started
    results, failed = compute_partition(tables, isotypes, _engine(config))
    meta = {
        **asdict(part),
        "not_evaluable": failed,
        "read_s": round(read_s, 3),
        "seconds": round(time.perf_counter() - started, 3),
        "compiled_core": bool(compiled.loaded()),
    }
    _write(Path(out), part.index, results, meta)
    return meta


def read_records(
    source: str | Path, isotype_table: str | None = None, partition_size: int = 10_000
) -> Iterator[Built]:
    """Every person's record as the cohort run builds it (for export, checks and benchmarks)."""
    config = _config(source, date.today(), False, isotype_table, partition_size)
    catalog = _engine(config).kb.catalog
    for part in plan_partitions(replace(config, partition_size=partition_size)):
        con = _connect(config, os.cpu_count() or 1)
        try:
            tables, isotypes = read_partition(con, config, part)
        finally:
            con.close()
        for rows in person_rows(tables, isotypes, catalog):
            yield build_record(rows, catalog)


def _person_ids(config: RunConfig) -> npt.NDArray[np.int64]:
    if config.kind == SourceKind.POSTGRES:
        with _postgres(config) as (source, connection):
            if "person" not in source.tables(connection):
                raise CohortError(f"{redact_url(source.url)}: no table {source.schema}.person")
            return _ints(source.person_ids(connection))
    con = _connect(config, os.cpu_count() or 1)
    try:
        sql = f"SELECT DISTINCT person_id FROM {_relation(config, 'person')} ORDER BY person_id"
        return _ints(con.sql(sql).to_arrow_table().column("person_id"))
    finally:
        con.close()


def plan_partitions(config: RunConfig) -> list[Partition]:
    """Split the persons (sorted ids) into partitions of ``partition_size``."""
    ids = _person_ids(config)
    size = max(1, config.partition_size)
    return [
        Partition(k, int(chunk[0]), int(chunk[-1]), int(chunk.size))
        for k, chunk in enumerate(ids[i : i + size] for i in range(0, ids.size, size))
    ]


def _check_manifest(out: Path, config: RunConfig) -> None:
    manifest = out / "_run.json"
    wanted = config.manifest()
    if manifest.exists():
        found = json.loads(manifest.read_text(encoding="utf-8"))
        if found != wanted:
            raise CohortError(
                f"{out} holds a run with other parameters ({found}); use another --out"
            )
        return
    out.mkdir(parents=True, exist_ok=True)
    manifest.write_text(json.dumps(wanted, indent=2), encoding="utf-8")


def _config(
    source: str | Path,
    as_of: date,
    options: bool,
    isotype_table: str | None,
    partition_size: int,
    schema: str = "public",
) -> RunConfig:
    kind, where = detect_source(source)
    shown = redact_url(where) if kind == SourceKind.POSTGRES else where
    return RunConfig(
        shown,
        str(kind),
        as_of.isoformat(),
        options,
        isotype_table,
        partition_size,
        schema=schema,
        connection=where if kind == SourceKind.POSTGRES else "",
    )


def run_cohort(
    source: str | Path,
    out: Path,
    as_of: date,
    *,
    workers: int = 1,
    options: bool = True,
    isotype_table: str | None = None,
    partition_size: int = 10_000,
    max_partitions: int | None = None,
    progress: bool = False,
    schema: str = "public",
) -> RunSummary:
    """Assess every person of ``source`` into ``out``; resume where a marker says done."""
    started = time.perf_counter()
    config = _config(source, as_of, options, isotype_table, partition_size, schema)
    _check_manifest(out, config)
    parts = plan_partitions(config)
    todo = [p for p in parts if not _marker(out, p.index).exists()]
    done_before = len(parts) - len(todo)
    if max_partitions is not None:
        todo = todo[:max_partitions]
    total = sum(p.persons for p in parts)
    threads = max(1, (os.cpu_count() or 1) // max(1, workers))
    metas = _execute(
        config, todo, out, workers, threads, progress, total - sum(p.persons for p in todo), total
    )
    return RunSummary(
        persons=total,
        partitions=len(parts),
        done_before=done_before,
        computed=len(metas),
        seconds=time.perf_counter() - started,
        not_evaluable=sum(int(m["not_evaluable"]) for m in metas),
        skipped=tuple(
            p.index for p in parts if p not in todo and not _marker(out, p.index).exists()
        ),
    )


def _execute(
    config: RunConfig,
    todo: list[Partition],
    out: Path,
    workers: int,
    threads: int,
    show: bool,
    already: int,
    total: int,
) -> list[dict[str, Any]]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    columns = (BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress("persons", *columns, disable=not show) as bar:
        task = bar.add_task("persons", total=total, completed=already)
        if workers <= 1 or len(todo) <= 1:
            metas = []
            for part in todo:
                metas.append(run_partition(config, part, str(out), threads))
                bar.advance(task, part.persons)
            return metas
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures: dict[Future[dict[str, Any]], Partition] = {
                pool.submit(run_partition, config, part, str(out), threads): part for part in todo
            }
            metas = []
            for future in as_completed(futures):
                metas.append(future.result())
                bar.advance(task, futures[future].persons)
            return metas
