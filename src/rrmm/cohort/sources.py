"""Where a cohort run reads the OMOP CDM tables from: the raw columns it needs, and PostgreSQL.

DuckDB files and Parquet folders are queried in place by DuckDB. A PostgreSQL database is read
through ADBC (Arrow Database Connectivity, ``adbc-driver-postgresql``): each partition's rows of
each table arrive as Arrow, with the columns named and typed below (OMOP CDM 5.4 DDL names), and
are handed to the same DuckDB queries as the other sources — one set of queries, whatever the
source. The Spark engine uses the same column list.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

import pyarrow as pa  # type: ignore[import-untyped]

__all__ = [
    "CONCEPT_COLUMNS",
    "CONCEPT_VOCABULARIES",
    "ISOTYPE_COLUMNS",
    "RAW_COLUMNS",
    "PostgresSource",
    "is_postgres_url",
    "redact_url",
]

_I64, _I32, _DATE, _TEXT, _F64 = pa.int64(), pa.int32(), pa.date32(), pa.string(), pa.float64()

#: Per OMOP table, the columns a run reads, with their Arrow types (OMOP CDM 5.4 field names).
RAW_COLUMNS: Final[Mapping[str, tuple[tuple[str, Any], ...]]] = {
    "person": (
        ("person_id", _I64),
        ("gender_concept_id", _I32),
        ("year_of_birth", _I32),
        ("month_of_birth", _I32),
        ("day_of_birth", _I32),
        ("birth_datetime", pa.timestamp("us")),
    ),
    "condition_occurrence": (
        ("person_id", _I64),
        ("condition_concept_id", _I32),
        ("condition_start_date", _DATE),
        ("condition_source_value", _TEXT),
    ),
    "death": (("person_id", _I64), ("death_date", _DATE)),
    "drug_exposure": (
        ("drug_exposure_id", _I64),
        ("person_id", _I64),
        ("drug_concept_id", _I32),
        ("drug_source_value", _TEXT),
        ("drug_exposure_start_date", _DATE),
        ("drug_exposure_end_date", _DATE),
        ("days_supply", _I32),
        ("stop_reason", _TEXT),
    ),
    "procedure_occurrence": (
        ("procedure_occurrence_id", _I64),
        ("person_id", _I64),
        ("procedure_source_value", _TEXT),
        ("procedure_date", _DATE),
    ),
    "measurement": (
        ("measurement_id", _I64),
        ("person_id", _I64),
        ("measurement_date", _DATE),
        ("measurement_concept_id", _I32),
        ("measurement_source_value", _TEXT),
        ("unit_concept_id", _I32),
        ("unit_source_value", _TEXT),
        ("value_as_number", _F64),
    ),
}
ISOTYPE_COLUMNS: Final = (("person_id", _I64), ("heavy_chain", _TEXT), ("light_chain", _TEXT))
#: The vocabulary's CONCEPT rows a run needs: LOINC measurement and UCUM unit codes.
CONCEPT_COLUMNS: Final = (("concept_id", _I32), ("concept_code", _TEXT), ("vocabulary_id", _TEXT))
CONCEPT_VOCABULARIES: Final = ("LOINC", "UCUM")

_PG_TYPES: Final[dict[Any, str]] = {
    _I64: "bigint",
    _I32: "integer",
    _DATE: "date",
    _TEXT: "text",
    _F64: "double precision",
    pa.timestamp("us"): "timestamp",
}


def is_postgres_url(text: str) -> bool:
    """``postgresql://…`` or ``postgres://…``."""
    return text.startswith(("postgresql://", "postgres://"))


def redact_url(url: str) -> str:
    """The URL without its password (what a run may record or print)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    user = parts.username or ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}{port}"))


def _identifier(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise ValueError(f"{name!r} is not a plain SQL identifier")
    return f'"{name}"'


@dataclass(frozen=True, slots=True)
class PostgresSource:
    """An OMOP CDM in one PostgreSQL schema, read with ADBC."""

    url: str
    schema: str = "public"

    def connect(self) -> Any:
        """An ADBC DB-API connection."""
        import adbc_driver_postgresql.dbapi as pg  # type: ignore[import-untyped]

        return pg.connect(self.url)

    def tables(self, connection: Any) -> set[str]:
        """The tables of the schema."""
        sql = "SELECT table_name FROM information_schema.tables WHERE table_schema = $1"
        with connection.cursor() as cursor:
            cursor.execute(sql, (self.schema,))
            return {str(row[0]) for row in cursor.fetchall()}

    def person_ids(self, connection: Any) -> Any:
        """Every person_id, ascending (an Arrow column)."""
        table = f"{_identifier(self.schema)}.{_identifier('person')}"
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT DISTINCT person_id FROM {table} ORDER BY person_id")
            return cursor.fetch_arrow_table().column(0)

    def rows(
        self,
        connection: Any,
        table: str,
        columns: tuple[tuple[str, Any], ...],
        lo: int,
        hi: int,
    ) -> Any:
        """The rows of persons ``lo``..``hi``, columns cast to the types the run expects."""
        select = ", ".join(
            f"CAST({_identifier(name)} AS {_PG_TYPES[kind]}) AS {_identifier(name)}"
            for name, kind in columns
        )
        source = f"{_identifier(self.schema)}.{_identifier(table)}"
        sql = f"SELECT {select} FROM {source} WHERE person_id BETWEEN $1 AND $2"
        with connection.cursor() as cursor:
            cursor.execute(sql, (lo, hi))
            found = cursor.fetch_arrow_table()
        return _typed(found, columns)

    def measurement_concepts(self, connection: Any, lo: int, hi: int) -> Any:
        """The LOINC and UCUM concepts the measurements of persons ``lo``..``hi`` use."""
        concept = f"{_identifier(self.schema)}.{_identifier('concept')}"
        measurement = f"{_identifier(self.schema)}.{_identifier('measurement')}"
        sql = f"""
            SELECT CAST(concept_id AS integer) AS concept_id,
                   CAST(concept_code AS text) AS concept_code,
                   CAST(vocabulary_id AS text) AS vocabulary_id
            FROM {concept}
            WHERE vocabulary_id IN ('LOINC', 'UCUM') AND concept_id IN (
                SELECT measurement_concept_id FROM {measurement}
                WHERE person_id BETWEEN $1 AND $2
                UNION SELECT unit_concept_id FROM {measurement}
                WHERE person_id BETWEEN $1 AND $2)"""
        with connection.cursor() as cursor:
            cursor.execute(sql, (lo, hi))
            return _typed(cursor.fetch_arrow_table(), CONCEPT_COLUMNS)


def _typed(found: Any, columns: tuple[tuple[str, Any], ...]) -> Any:
    schema = pa.schema(list(columns))
    return pa.table([found.column(i).cast(t) for i, (_, t) in enumerate(columns)], schema)
