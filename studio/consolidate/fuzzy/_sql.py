"""Small DuckDB helpers shared by the fuzzy modules: column types, temporary table names,
first rows and clean-up."""

from __future__ import annotations

import uuid
from typing import Any

import duckdb

from studio.errors import StudioError
from studio.lake import sql_identifier

TABLE_PREFIX = "__studio_fuzzy_"
INTEGER_TYPES = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT"}


def describe(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    """Column name -> DuckDB type (upper case) of ``table``; a missing table is one line."""
    try:
        rows = con.execute(f"DESCRIBE SELECT * FROM {sql_identifier(table)}").fetchall()
    except duckdb.Error as error:
        raise StudioError(f"no table {table!r} in the connection ({str(error).splitlines()[0]})") from None
    return {name: str(dtype).upper() for name, dtype, *_ in rows}


def is_text(dtype: str) -> bool:
    return dtype.startswith("VARCHAR") or dtype in ("STRING", "TEXT", "UUID", "ENUM") or dtype.startswith("ENUM")


def is_temporal(dtype: str) -> bool:
    return dtype == "DATE" or dtype.startswith("TIMESTAMP")


def is_numeric(dtype: str) -> bool:
    return dtype in INTEGER_TYPES or dtype.split("(")[0] in {"FLOAT", "DOUBLE", "REAL", "DECIMAL"}


def table_name(what: str) -> str:
    return f"{TABLE_PREFIX}{what}_{uuid.uuid4().hex[:12]}"


def first_row(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[Any, ...] | None:
    """The first row of a query. (DuckDB 2 refuses further work on a connection while a result
    is only partly fetched, so results are always fetched to the end.)"""
    rows = con.execute(sql).fetchall()
    return rows[0] if rows else None


def drop(con: duckdb.DuckDBPyConnection, *names: str) -> None:
    for name in names:
        con.execute(f"DROP TABLE IF EXISTS {name}")
        con.execute(f"DROP VIEW IF EXISTS {name}")


def pair_count_sql(table: str, expressions: list[str], where: str) -> str:
    """The number of pairs of rows of ``table`` (satisfying ``where``) equal on all ``expressions``."""
    return f"SELECT coalesce(sum(n * (n - 1) // 2), 0) FROM (SELECT count(*) AS n FROM {table} WHERE {where} GROUP BY {', '.join(expressions)})"
