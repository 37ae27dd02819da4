"""The Spark engine: the same reading queries and the same core, on Spark's Arrow batches.

For clusters, or when one machine is not enough. Each OMOP table (Parquet folder, the columns of
:data:`rrmm.cohort.sources.RAW_COLUMNS`) is grouped by ``person_id`` into one list of rows per
person and joined onto the persons; ``mapInArrow`` then hands each Arrow batch of persons to
:func:`compute_batch`, which stages the batch's rows (and the vocabulary's LOINC/UCUM
concepts, when the source has a ``concept`` table) in an in-memory DuckDB, runs the DuckDB
engine's own queries (:func:`rrmm.cohort.run.read_partition`) and its own per-person code
(:func:`rrmm.cohort.run.compute_partition`) — so the two engines cannot drift apart. The batch's
five output tables travel back as one wide Arrow batch (a ``_table`` column plus
``<table>__<column>`` columns), are persisted once, and are written as the same Parquet tables
as the DuckDB engine writes. A run is not resumable: Spark recomputes lost work itself.
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import sys
import time
from collections.abc import Iterator
from datetime import date
from functools import lru_cache, partial
from pathlib import Path
from typing import Any, Final

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from rrmm.cohort.run import (
    OUTPUT_TABLES,
    SCHEMAS,
    CohortError,
    Engine,
    Partition,
    RunConfig,
    RunSummary,
    SourceKind,
    _engine,
    compute_partition,
    detect_source,
    read_partition,
    stage_tables,
)
from rrmm.cohort.sources import (
    CONCEPT_COLUMNS,
    CONCEPT_VOCABULARIES,
    ISOTYPE_COLUMNS,
    RAW_COLUMNS,
)

__all__ = ["WIDE_SCHEMA", "compute_batch", "run_spark", "unpack_batch", "wide_batch"]

_TABLE: Final = "_table"


def _wide_name(table: str, column: str) -> str:
    return f"{table}__{column}"


#: One Arrow schema for all five output tables (each row fills its own table's columns).
WIDE_SCHEMA: Final = pa.schema(
    [pa.field(_TABLE, pa.string())]
    + [
        pa.field(_wide_name(table, f.name), f.type)
        for table in OUTPUT_TABLES
        for f in SCHEMAS[table]
    ]
)


def wide_batch(results: dict[str, Any]) -> Any:
    """The output tables of one batch as rows of :data:`WIDE_SCHEMA`."""
    parts = []
    for table in OUTPUT_TABLES:
        rows = results[table].num_rows
        columns = [pa.array([table] * rows, pa.string())]
        for other in OUTPUT_TABLES:
            for f in SCHEMAS[other]:
                column = results[table].column(f.name) if other == table else None
                columns.append(
                    column.combine_chunks() if column is not None else pa.nulls(rows, f.type)
                )
        parts.append(pa.Table.from_arrays(columns, schema=WIDE_SCHEMA))
    return pa.concat_tables(parts)


def unpack_batch(batch: Any, tables: tuple[str, ...]) -> dict[str, Any]:
    """The rows of each OMOP table in a batch of persons (list-of-struct columns) as tables."""
    raw = {}
    for name in tables:
        rows = pc.list_flatten(batch.column(name))
        raw[name] = pa.Table.from_struct_array(rows) if len(rows) else _empty(name)
    return raw


def _empty(name: str) -> Any:
    columns = RAW_COLUMNS.get(name, ISOTYPE_COLUMNS)
    return pa.schema(list(columns)).empty_table()


@lru_cache(maxsize=4)
def _worker_engine(config: RunConfig) -> Engine:
    return _engine(config)


def compute_batch(
    batch: Any, config: RunConfig, tables: tuple[str, ...], concepts: Any = None
) -> Any:
    """Assess the persons of one Spark batch with the DuckDB engine's queries and core."""
    import duckdb

    raw = unpack_batch(batch, tables)
    if concepts is not None:
        raw["concept"] = concepts
    ids = pc.list_flatten(batch.column("person")).field("person_id")
    part = Partition(0, int(pc.min(ids).as_py()), int(pc.max(ids).as_py()), len(ids))
    con = duckdb.connect()
    try:
        con.execute("SET threads = 1")
        staged = stage_tables(con, raw)
        read, isotypes = read_partition(con, config, part, staged=staged)
    finally:
        con.close()
    results, _ = compute_partition(read, isotypes, _worker_engine(config))
    return wide_batch(results)


def _batches(
    iterator: Iterator[Any], config: RunConfig, tables: tuple[str, ...], concepts: Any
) -> Iterator[Any]:
    for batch in iterator:
        if batch.num_rows:
            yield from compute_batch(batch, config, tables, concepts).to_batches()


def _concepts(spark: Any, root: Path) -> Any:
    """The LOINC and UCUM rows of the vocabulary's CONCEPT table (shipped to every batch)."""
    from pyspark.sql import functions as F  # noqa: N812 (Spark's convention)

    if not (root / "concept").is_dir():
        return None
    frame = _read(spark, root / "concept", CONCEPT_COLUMNS)
    wanted = frame.filter(F.col("vocabulary_id").isin(*CONCEPT_VOCABULARIES))
    return wanted.toArrow().cast(pa.schema(list(CONCEPT_COLUMNS)))


def _spark_session(workers: int, batch_size: int, shuffle_partitions: int) -> Any:
    from pyspark.sql import SparkSession

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = (
        SparkSession.builder.master(f"local[{max(1, workers)}]")
        .appName("rrmm-cohort")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.memory", "4g")
        .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", str(batch_size))
        .config("spark.sql.session.timeZone", "UTC")
    )
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def _read(spark: Any, folder: Path, columns: tuple[tuple[str, Any], ...]) -> Any:
    from pyspark.sql import functions as F  # noqa: N812 (Spark's convention)
    from pyspark.sql.pandas.types import from_arrow_type

    frame = spark.read.parquet(str(folder))
    present = set(frame.columns)
    return frame.select(
        *[
            (F.col(name) if name in present else F.lit(None))
            .cast(from_arrow_type(kind))
            .alias(name)
            for name, kind in columns
        ]
    )


def _packed(spark: Any, root: Path, isotype_table: str | None) -> tuple[Any, tuple[str, ...]]:
    from pyspark.sql import functions as F  # noqa: N812 (Spark's convention)

    wanted = dict(RAW_COLUMNS)
    if isotype_table is not None:
        if not (root / isotype_table).is_dir():
            raise CohortError(f"isotype table {isotype_table!r} is not in the source")
        wanted[isotype_table] = ISOTYPE_COLUMNS
    tables = tuple(name for name in wanted if (root / name).is_dir())
    frames = {name: _read(spark, root / name, wanted[name]) for name in tables}
    packed = frames["person"].select("person_id").distinct()
    for name in tables:
        columns = [F.struct(*frames[name].columns).alias("row")]
        grouped = (
            frames[name]
            .select("person_id", *columns)
            .groupBy("person_id")
            .agg(F.collect_list("row").alias(name))
        )
        packed = packed.join(grouped, "person_id", "left")
    return packed, tables


def _write_tables(result: Any, out: Path) -> None:
    from pyspark.sql import functions as F  # noqa: N812 (Spark's convention)

    for table in OUTPUT_TABLES:
        columns = [F.col(_wide_name(table, f.name)).alias(f.name) for f in SCHEMAS[table]]
        result.filter(F.col(_TABLE) == table).select(*columns).write.parquet(str(out / table))


def run_spark(
    source: str | Path,
    out: Path,
    as_of: date,
    *,
    workers: int = 2,
    options: bool = True,
    isotype_table: str | None = None,
    batch_size: int = 2_000,
    shuffle_partitions: int | None = None,
) -> RunSummary:
    """Assess every person of a Parquet OMOP source on Spark (local mode) into ``out``."""
    started = time.perf_counter()
    kind, where = detect_source(source)
    if kind != SourceKind.PARQUET:
        raise CohortError(
            f"{source}: the Spark engine reads a folder of OMOP Parquet tables"
            " (use the duckdb engine for DuckDB files and PostgreSQL)"
        )
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        raise CohortError("the Spark engine needs a Java 17+ runtime: run `make setup`")
    if out.exists() and any(out.iterdir()):
        raise CohortError(f"{out} is not empty; the Spark engine writes into a new folder")
    config = RunConfig(where, str(SourceKind.ARROW), as_of.isoformat(), options, isotype_table)
    from pyspark import StorageLevel
    from pyspark.sql import functions as F  # noqa: N812 (Spark's convention)
    from pyspark.sql.pandas.types import from_arrow_schema

    spark = _spark_session(workers, batch_size, shuffle_partitions or max(1, workers) * 8)
    try:
        root = Path(where)
        packed, tables = _packed(spark, root, isotype_table)
        work = partial(_batches, config=config, tables=tables, concepts=_concepts(spark, root))
        result = packed.mapInArrow(work, from_arrow_schema(WIDE_SCHEMA)).persist(
            StorageLevel.DISK_ONLY
        )
        out.mkdir(parents=True, exist_ok=True)
        _write_tables(result, out)
        people = result.filter(F.col(_TABLE) == "person_result")
        persons = people.count()
        failed = people.filter(F.col("person_result__status") == "not_evaluable").count()
        partitions = packed.rdd.getNumPartitions()
        result.unpersist()
    finally:
        spark.stop()
        gc.collect()  # py4j leaves its sockets to the collector: close them here, not later
    manifest = {**config.manifest(), "engine": "spark", "workers": workers}
    (out / "_run.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return RunSummary(
        persons=persons,
        partitions=partitions,
        done_before=0,
        computed=partitions,
        seconds=time.perf_counter() - started,
        not_evaluable=failed,
    )
