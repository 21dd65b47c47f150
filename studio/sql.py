"""User SQL over the lake's tables, on a sandboxed DuckDB connection.

One read-only statement at a time (SELECT, WITH, FROM, VALUES, DESCRIBE, SUMMARIZE, EXPLAIN)
over the sources and datasets by name. The connection (``Lake.sandbox``) sees no file but those tables'
Parquet files, cannot reach the network, attach databases or load extensions, and its settings
are locked; a statement runs under a time limit and a memory limit from the workspace settings.
"""

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from studio.errors import StudioError
from studio.lake import json_value
from studio.tables import TableStore

MAX_ROWS = 100_000
ALLOWED = {"SELECT", "EXPLAIN"}
REFUSALS = {
    "ATTACH": "ATTACH is not allowed: only the lake's tables are visible",
    "DETACH": "DETACH is not allowed: only the lake's tables are visible",
    "COPY": "COPY is not allowed: the SQL sandbox writes no files (use `studio sources export`)",
    "EXPORT": "EXPORT is not allowed: the SQL sandbox writes no files (use `studio sources export`)",
    "LOAD": "INSTALL and LOAD are not allowed: extensions cannot be added in the SQL sandbox",
    "SET": "SET is not allowed: the SQL sandbox's settings are fixed",
    "VARIABLE_SET": "SET is not allowed: the SQL sandbox's settings are fixed",
    "PRAGMA": "PRAGMA is not allowed in the SQL sandbox",
    "CALL": "CALL is not allowed in the SQL sandbox; write a SELECT",
}


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[list[Any]]
    truncated: bool

    def to_json(self) -> dict[str, Any]:
        return {"columns": self.columns, "rows": self.rows, "truncated": self.truncated}


def _statement_kind(con: duckdb.DuckDBPyConnection, query: str) -> str:
    try:
        statements = con.extract_statements(query)
    except duckdb.Error as exc:
        raise StudioError(f"SQL syntax error: {str(exc).splitlines()[0].replace('Parser Error: ', '')}") from None
    if len(statements) != 1:
        raise StudioError(f"give exactly one SQL statement, not {len(statements)}")
    kind = str(statements[0].type).rsplit(".", 1)[-1]
    if kind in REFUSALS:
        raise StudioError(REFUSALS[kind])
    if kind not in ALLOWED:
        raise StudioError(f"{kind} is not allowed: the SQL sandbox is read-only; write a SELECT")
    return kind


@contextmanager
def sandboxed_relation(store: TableStore, query: str, extra_tables: dict[str, Path] | None = None) -> Iterator[tuple[str, duckdb.DuckDBPyRelation]]:
    """Check one user statement and yield (statement kind, relation) on a sandboxed connection
    over the tables ``store`` reads (plus ``extra_tables``), under the workspace's time and
    memory limits. Errors raised while the caller fetches become one-line StudioErrors too."""
    if not query or not query.strip():
        raise StudioError("the query is empty")
    settings = store.services.settings()
    tables = {**store.lake_tables(), **(extra_tables or {})}
    con = store.lake.sandbox(tables, memory_limit=f"{settings.sql_memory_limit_mb}MB", threads=settings.duckdb_threads or None)
    timer = threading.Timer(settings.sql_timeout_s, con.interrupt)
    try:
        kind = _statement_kind(con, query)
        timer.start()
        yield kind, con.sql(query)
    except duckdb.InterruptException:
        raise StudioError(f"the query ran longer than {settings.sql_timeout_s} s and was stopped; narrow it, or raise `studio settings sql_timeout_s`") from None
    except duckdb.OutOfMemoryException:
        raise StudioError(f"the query needs more than {settings.sql_memory_limit_mb} MB; narrow it, or raise `studio settings sql_memory_limit_mb`") from None
    except duckdb.PermissionException:
        raise StudioError("the query reaches outside the lake: only the sources and datasets, by name, are visible") from None
    except duckdb.Error as exc:
        message = str(exc).splitlines()[0]
        if "Table with name" in message and "does not exist" in message:
            message += f" (tables: {', '.join(sorted(tables)) or 'none yet'})"
        raise StudioError(f"query failed: {message}") from None
    finally:
        timer.cancel()
        con.close()


def referenced_names(query: str, names: Iterable[str]) -> list[str]:
    """Which of ``names`` the query mentions as identifiers (by DuckDB's tokenizer, so words in
    strings and comments do not count), for lineage. A column that shares a table's name counts
    too: lineage may over-report, never under-report."""
    tokens = duckdb.tokenize(query)
    words = set()
    for index, (start, kind) in enumerate(tokens):
        if kind == duckdb.token_type.identifier or kind == duckdb.token_type.keyword:
            end = tokens[index + 1][0] if index + 1 < len(tokens) else len(query)
            word = query[start:end].strip().rstrip(",;()").strip()
            words.add(word.strip('"').lower())
    return sorted(name for name in names if name.lower() in words)


def run_sql(store: TableStore, query: str, limit: int = 1000) -> QueryResult:
    """Run one read-only statement over the tables ``store`` reads (sources and datasets, by
    name); at most ``limit`` rows come back (``truncated`` says whether there were more)."""
    if not 1 <= limit <= MAX_ROWS:
        raise StudioError(f"--limit must be between 1 and {MAX_ROWS:,}")
    with sandboxed_relation(store, query) as (kind, relation):
        if kind == "SELECT":
            relation = relation.limit(limit + 1)
        rows = relation.fetchall()
        columns = list(relation.columns)
    return QueryResult(columns=columns, rows=[[json_value(v) for v in row] for row in rows[:limit]], truncated=len(rows) > limit)
