"""Database reader: a table or a query from SQLite or PostgreSQL into one Parquet file.

Rows stream in chunks (never the whole table in memory); each chunk becomes a small Parquet
file and DuckDB unions them by name, which also settles types that differ between chunks (a
column all NULL in the first chunk). Sources are read in a read-only transaction.
"""

import sqlite3
from pathlib import Path
from urllib.parse import quote
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa

from studio.errors import StudioError
from studio.meta import hide_password, normalize_url
from studio.lake import Lake, sql_literal
from studio.sources._readers import ProgressFn, arrow_column, check_column_names

CHUNK_ROWS = 50_000
SUPPORTED = ("sqlite", "postgresql")


def _engine(url: str) -> sa.Engine:
    try:
        parsed = sa.make_url(normalize_url(url))
    except sa.exc.ArgumentError:
        raise StudioError(f"{url!r} is not a database URL; use sqlite:///path/file.db or postgresql://user:pass@host/db") from None
    if parsed.get_backend_name() not in SUPPORTED:
        raise StudioError(f"{hide_password(url)}: {parsed.get_backend_name()} is not supported; use a sqlite:/// or postgresql:// URL")
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if not database or database == ":memory:" or not Path(database).is_file():
            raise StudioError(f"{hide_password(url)}: no SQLite file at {database or '(empty path)'}; check the path")
        uri = f"file:{quote(str(Path(database).resolve()))}?mode=ro"  # quoted: a '#' or '?' in the path stays in the path
        return sa.create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True))
    return sa.create_engine(parsed, connect_args={"connect_timeout": 10})


def _statement(connection: sa.Connection, table: str | None, query: str | None, label: str) -> sa.Executable:
    if (table is None) == (query is None):
        raise StudioError(f"{label}: give either a table or a query")
    if query is not None:
        if not query.strip():
            raise StudioError(f"{label}: the query is empty")
        if not query.lstrip().lower().startswith(("select", "with", "(")):
            raise StudioError(f"{label}: only SELECT (or WITH ... SELECT) queries are read; sources are read-only")
        return sa.text(query)
    assert table is not None
    schema, _, name = table.rpartition(".")
    if not sa.inspect(connection).has_table(name, schema=schema or None):
        raise StudioError(f"{label}: table {table!r} does not exist; check the name (and schema)")
    return sa.select(sa.literal_column("*")).select_from(sa.table(name, schema=schema or None))


def write_database(
    url: str, table: str | None, query: str | None, lake: Lake, out: Path, progress: ProgressFn
) -> dict[str, Any]:
    label = hide_password(url)
    engine = _engine(url)
    chunk_paths: list[Path] = []
    try:
        try:
            connection = engine.connect()
        except sa.exc.DBAPIError as exc:
            raise StudioError(f"cannot connect to {label}: {str(exc.orig).strip().splitlines()[0]}; check the URL and that the server is running") from None
        with connection:
            if connection.dialect.name == "postgresql":
                connection = connection.execution_options(postgresql_readonly=True)
            try:
                statement = _statement(connection, table, query, label)
                result = connection.execution_options(stream_results=True, yield_per=CHUNK_ROWS).execute(statement)
                names = list(result.keys())
                check_column_names(names, label)
                rows_read = 0
                for chunk in result.partitions():
                    columns = list(zip(*chunk)) if chunk else [[] for _ in names]
                    chunk_table = pa.table({name: arrow_column(list(values)) for name, values in zip(names, columns)})
                    chunk_path = lake.temp_path()
                    pq.write_table(chunk_table, chunk_path)
                    chunk_paths.append(chunk_path)
                    rows_read += len(chunk)
                    progress(0.5, f"read {rows_read:,} rows")
            except sa.exc.DBAPIError as exc:
                raise StudioError(f"{label}: query failed: {str(exc.orig).strip().splitlines()[0]}") from None
        if not chunk_paths:
            raise StudioError(f"{label}: {'the query' if query else 'table ' + repr(table)} returned no rows; nothing to add")
        files = "[" + ", ".join(sql_literal(str(p)) for p in chunk_paths) + "]"
        with lake.connect() as con:
            con.execute(f"COPY (SELECT * FROM read_parquet({files}, union_by_name=true)) TO {sql_literal(str(out))} (FORMAT parquet)")
    finally:
        engine.dispose()
        for path in chunk_paths:
            path.unlink(missing_ok=True)
    return {"url": label, "table": table, "query": query}
