"""Lake tables: assets of the versioned store whose payload is one content-addressed Parquet
file in the lake. Sources (loaded from outside) and datasets (built by recipes) are both tables
and share one namespace, because SQL sees them all by name.

A finished Parquet file is moved into the lake first and its version committed after, so a
failure leaves nothing half-registered (see the concurrency contract in studio/versioned.py).
"""

from __future__ import annotations

import contextlib
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import duckdb
import pyarrow.parquet as pq
import sqlalchemy as sa

from studio import meta
from studio.errors import StudioError
from studio.jobs import JobContext
from studio.lake import atomic_replace, sql_literal
from studio.tables._profile import PROFILE_FORMAT, profile_parquet
from studio.versioned import StoreServices, Version, VersionedStore

if TYPE_CHECKING:
    import pandas as pd

TABLE_NAMESPACE = "table"
TABLE_KINDS = ("source", "dataset", "online")  # online: a feature recipe's latest aggregates per entity
PREVIEW_MAX_ROWS = 1000
EXPORT_FORMATS = {".parquet": "parquet", ".csv": "csv"}


@dataclass(frozen=True)
class TableVersion(Version):
    """A version of a lake table: its Parquet file, rows and columns."""

    path: Path = Path()

    @property
    def rows(self) -> int:
        return int(self.info["rows"])

    @property
    def columns(self) -> list[dict[str, str]]:
        return list(self.info["columns"])

    @property
    def table_id(self) -> int:
        """The table's id: it stays through renames, so lineage refers to it."""
        return self.asset_id

    def origin_text(self) -> str:
        """Where this version came from, in a few words."""
        origin = self.origin
        if origin.get("kind") == "recipe":
            return f"recipe {origin['recipe']} over " + ", ".join(f"{i['table']} v{i['version']}" for i in origin.get("inputs", []))
        where = str(origin.get("file") or origin.get("url") or "")
        skipped = self.skipped_text()
        return f"{where} ({skipped})" if skipped else where

    def skipped_text(self) -> str | None:
        """"3 bad rows skipped" when the load skipped rows (``--bad-rows skip``), else None."""
        skipped = int(self.origin.get("skipped_rows") or 0)
        return f"{skipped:,} bad row{'' if skipped == 1 else 's'} skipped" if skipped else None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "rows": self.rows,
            "columns": self.columns,
            "content_hash": self.content_hash,
            "bytes": self.bytes,
            "origin": self.origin,
            "created_at": self.created_at,
        }


@dataclass(frozen=True)
class AddResult:
    table: TableVersion
    unchanged: bool

    def to_json(self) -> dict[str, Any]:
        return {**self.table.to_json(), "unchanged": self.unchanged}


class TableStore(VersionedStore[TableVersion]):
    """Lake tables of the kinds in ``reads``. This base reads sources and datasets alike (user
    SQL, recipe inputs, lineage and profiles take any table); ``SourceStore`` and
    ``DatasetStore`` each write their own kind."""

    namespace: ClassVar[str] = TABLE_NAMESPACE
    kind: ClassVar[str | None] = None
    reads: ClassVar[tuple[str, ...]] = TABLE_KINDS
    noun: ClassVar[str] = "table"
    list_command: ClassVar[str] = "studio sources list` and `studio datasets list"
    versions_command: ClassVar[str] = "studio sources versions` or `studio datasets versions"

    def __init__(self, services: StoreServices) -> None:
        super().__init__(services)
        self.lake = services.lake

    def _version(self, row: Any) -> TableVersion:
        return TableVersion(**self.version_fields(row), path=self.lake.table_path(row.content_hash))

    def _release(self, connection: sa.Connection, content_hash: str) -> Callable[[], None]:
        connection.execute(sa.delete(meta.profiles).where(meta.profiles.c.content_hash == content_hash))
        return lambda: self.lake.remove(content_hash)

    def lake_tables(self) -> dict[str, Path]:
        """Every table this store reads (newest version) by name: what user SQL sees."""
        with self.engine.connect() as connection:
            rows = connection.execute(self._select_newest()).all()
        return {row.name: self.lake.table_path(row.content_hash) for row in rows}

    # ------------------------------------------------------------ registering

    def register(
        self, items: list[tuple[str, Path, dict[str, Any]]], label: str, context: JobContext, allow_empty: bool = False
    ) -> list[AddResult]:
        """Register finished Parquet files as the next versions of their tables in ONE
        transaction (a golden table and its members table appear together or not at all),
        each reported unchanged when its newest version has the same content."""
        prepared = []
        for name, temp, origin in items:
            rows = pq.read_metadata(temp).num_rows
            if rows == 0 and not allow_empty:
                raise StudioError(f"{label}: has no data rows; nothing to add")
            with self.lake.connect() as con:
                described = con.execute(f"DESCRIBE SELECT * FROM read_parquet({sql_literal(str(temp))})").fetchall()
            prepared.append((name, temp, origin, rows, [{"name": row[0], "type": row[1]} for row in described]))
        context.progress(0.96, "storing")
        context.point_of_no_return(f"{', '.join(name for name, *_ in prepared)} being stored")
        stored: list[tuple[str, bool]] = []
        try:
            files = []
            for name, temp, origin, rows, columns in prepared:
                content_hash, path, created_file = self.lake.store(temp)
                stored.append((content_hash, created_file))
                files.append((name, content_hash, path.stat().st_size, {"rows": rows, "columns": columns}, origin))
            committed = self._transaction(lambda connection: [self._commit_version(connection, *file) for file in files], label)
        except Exception:
            for content_hash, created_file in stored:
                if created_file:
                    self._release_if_unused(content_hash)
            raise
        results = [AddResult(table, unchanged) for table, unchanged in committed]
        for result in results:
            if not result.unchanged:
                added = result.table
                context.log(f"{added.name} v{added.version}: {added.rows:,} rows, {len(added.columns)} columns")
        return results

    # ------------------------------------------------------------ reading rows

    def _preview_sql(self, name: str, limit: int, version: int | None) -> str:
        table = self.get(name, version)
        return f"SELECT * FROM read_parquet({sql_literal(str(table.path))}) LIMIT {max(1, min(int(limit), PREVIEW_MAX_ROWS))}"

    def preview(self, name: str, limit: int = 100, version: int | None = None) -> "pd.DataFrame":
        """The first ``limit`` rows (at most PREVIEW_MAX_ROWS) as a small DataFrame."""
        query = self._preview_sql(name, limit, version)
        with self.lake.connect() as con:
            return con.execute(query).df()

    def preview_rows(self, name: str, limit: int = 100, version: int | None = None) -> tuple[list[str], list[tuple[Any, ...]]]:
        """The same rows as Python values (NULL is None), for JSON: pandas would turn NULLs
        into NaN and nullable integers into objects."""
        query = self._preview_sql(name, limit, version)
        with self.lake.connect() as con:
            relation = con.sql(query)
            return list(relation.columns), relation.fetchall()

    # ------------------------------------------------------------ profiles

    def cached_profile(self, name: str, version: int | None = None) -> dict[str, Any] | None:
        """The stored profile of a version, or None when there is none of the current format."""
        table = self.get(name, version)
        with self.engine.connect() as connection:
            profile = connection.execute(
                sa.select(meta.profiles.c.profile).where(meta.profiles.c.content_hash == table.content_hash)
            ).scalar()
        return profile if profile is not None and profile.get("format") == PROFILE_FORMAT else None

    def profile(self, name: str, version: int | None = None, context: JobContext | None = None) -> dict[str, Any]:
        """The column profile of a version, computed once per content and cached."""
        cached = self.cached_profile(name, version)
        if cached is not None:
            return cached
        table = self.get(name, version)
        (context or JobContext()).progress(0.5, f"profiling {name}")
        with self.lake.connect() as con:
            profile = profile_parquet(con, table.path)
        with self.engine.begin() as connection:
            connection.execute(sa.delete(meta.profiles).where(meta.profiles.c.content_hash == table.content_hash))
            connection.execute(
                sa.insert(meta.profiles).values(content_hash=table.content_hash, profile=profile, created_at=time.time())
            )
        return profile

    def submit_profile(self, name: str, version: int | None = None) -> int:
        table = self.get(name, version)
        return self.services.submit_job("table.profile", {"name": table.name, "version": table.version}, f"Profile {table.name} v{table.version}")

    # ------------------------------------------------------------ export

    def export(self, name: str, target: Path | str, version: int | None = None, overwrite: bool = False) -> Path:
        """Write a version to ``target`` (.parquet or .csv), atomically; an existing file is
        replaced only with ``overwrite``."""
        target = Path(target).expanduser().absolute()
        if target.is_dir():
            raise StudioError(f"{target}: is a folder; give a file path ending in .parquet or .csv")
        fmt = EXPORT_FORMATS.get(target.suffix.lower())
        if fmt is None:
            raise StudioError(f"{target.name}: export writes .parquet or .csv; change the file extension")
        if not target.parent.is_dir():
            raise StudioError(f"{target.parent}: no such folder; create it first")
        if target.exists() and not overwrite:
            raise StudioError(f"{target}: already exists; choose another path, or overwrite it (--overwrite, or tick the box)")
        table = self.get(name, version)
        temp = target.parent / f".{target.name}.{uuid.uuid4().hex}.part"
        try:
            if fmt == "parquet":
                shutil.copyfile(table.path, temp)
            else:
                with self.lake.connect() as con:
                    con.execute(
                        f"COPY (SELECT * FROM read_parquet({sql_literal(str(table.path))})) TO {sql_literal(str(temp))} (FORMAT csv, HEADER true)"
                    )
            atomic_replace(temp, target)
        except (OSError, duckdb.IOException) as exc:
            # Read-only folder or file system, disk full: DuckDB and Python say it their own way.
            reason = f" ({exc.strerror})" if isinstance(exc, OSError) and exc.strerror else ""
            raise StudioError(f"{target.parent}: not writable{reason}; choose a folder you can write to") from None
        finally:
            with contextlib.suppress(OSError):
                temp.unlink(missing_ok=True)
        return target
