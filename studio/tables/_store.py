"""Named lake tables with immutable versions: the machinery shared by sources and datasets.

A table is a name with versions; each version is one content-addressed Parquet file in the
lake plus a row in ``source_versions`` (whose ``origin`` says where it came from: a file, a
database, or a recipe over other versions). A finished Parquet file is moved into the lake
first and the metadata row committed after, so a failure leaves nothing half-registered.
Names are unique across sources and datasets, regardless of case, because SQL sees them all.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import duckdb
import pyarrow.parquet as pq
import sqlalchemy as sa

from studio import meta
from studio.errors import NotFound, StudioError
from studio.jobs import JobContext
from studio.lake import atomic_replace, sql_literal
from studio.tables._profile import PROFILE_FORMAT, profile_parquet

if TYPE_CHECKING:
    import pandas as pd

    from studio.workspace import Workspace

NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
PREVIEW_MAX_ROWS = 1000
REGISTER_ATTEMPTS = 3
EXPORT_FORMATS = {".parquet": "parquet", ".csv": "csv"}


@dataclass(frozen=True)
class TableVersion:
    name: str
    version: int
    content_hash: str
    rows: int
    bytes: int
    columns: list[dict[str, str]]
    origin: dict[str, Any]
    created_at: float
    path: Path
    kind: str = "source"
    table_id: int = 0  # stays with the table through renames (lineage refers to it)

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
    source: TableVersion
    unchanged: bool

    def to_json(self) -> dict[str, Any]:
        return {**self.source.to_json(), "unchanged": self.unchanged}


def validate_name(name: str, noun: str = "source") -> str:
    if not NAME_PATTERN.match(name or ""):
        raise StudioError(
            f"{name!r} is not a valid {noun} name; use letters, digits and _ (starting with a letter or _), at most 63 characters"
        )
    return name


def lake_tables(workspace: "Workspace") -> dict[str, Path]:
    """Every source and dataset (newest version) by name: what user SQL sees."""
    v, s = meta.source_versions, meta.sources
    newest = sa.select(v.c.source_id, sa.func.max(v.c.version).label("version")).group_by(v.c.source_id).subquery()
    query = (
        sa.select(s.c.name, v.c.content_hash)
        .join(v, s.c.id == v.c.source_id)
        .join(newest, sa.and_(newest.c.source_id == v.c.source_id, newest.c.version == v.c.version))
    )
    with workspace.engine.connect() as connection:
        return {name: workspace.lake.table_path(content_hash) for name, content_hash in connection.execute(query)}


class TableStore:
    """Versions of the tables of one kind. Subclasses say how versions are made."""

    kind: ClassVar[str] = "source"
    list_command: ClassVar[str] = "studio sources list"

    def __init__(self, workspace: "Workspace") -> None:
        self.workspace = workspace
        self.lake = workspace.lake
        self.engine = workspace.engine

    # ------------------------------------------------------------ registering

    def _register(self, name: str, temp: Path, origin: dict[str, Any], label: str, context: JobContext) -> AddResult:
        """Move a finished Parquet file into the lake and commit it as the next version of
        ``name`` (or report it unchanged when the newest version has the same content)."""
        return self._register_many([(name, temp, origin)], label, context)[0]

    def _register_many(
        self, items: list[tuple[str, Path, dict[str, Any]]], label: str, context: JobContext, allow_empty: bool = False
    ) -> list[AddResult]:
        """Register several finished files as versions of their tables in ONE transaction, so
        a golden table and its members table appear together or not at all."""
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
                files.append((name, content_hash, rows, path.stat().st_size, columns, origin))
            for attempt in range(REGISTER_ATTEMPTS):
                try:
                    with self.engine.begin() as connection:
                        results = [self._commit_version(connection, *file) for file in files]
                    break
                except sa.exc.IntegrityError:
                    # Another process added the same name or version first: read again and retry.
                    if attempt == REGISTER_ATTEMPTS - 1:
                        raise StudioError(f"{label}: other writes of this {self.kind} kept winning the race; try again") from None
        except Exception:
            for content_hash, created_file in stored:
                if created_file:
                    self._remove_file_if_unused(content_hash)
            raise
        for result in results:
            if not result.unchanged:
                added = result.source
                context.log(f"{added.name} v{added.version}: {added.rows:,} rows, {len(added.columns)} columns")
        return results

    def _commit_version(
        self, connection: sa.Connection, name: str, content_hash: str, rows: int, size: int, columns: list[dict[str, str]], origin: dict[str, Any]
    ) -> AddResult:
        """Within ``connection``'s transaction: the table row if new, then the next version
        (or nothing when the newest version has this content already)."""
        existing = connection.execute(
            sa.select(meta.sources.c.id, meta.sources.c.name, meta.sources.c.kind).where(
                sa.func.lower(meta.sources.c.name) == name.lower()
            )
        ).first()
        if existing is not None and existing.kind != self.kind:
            raise StudioError(f"{existing.name!r} is the name of a {existing.kind}; choose another {self.kind} name")
        if existing is not None and existing.name != name:
            raise StudioError(f"a {self.kind} named {existing.name!r} exists already; names may not differ only in case")
        table_id = existing.id if existing else connection.execute(
            sa.insert(meta.sources).values(name=name, kind=self.kind, created_at=time.time())
        ).inserted_primary_key[0]
        latest = connection.execute(
            sa.select(meta.source_versions.c.version, meta.source_versions.c.content_hash)
            .where(meta.source_versions.c.source_id == table_id)
            .order_by(meta.source_versions.c.version.desc())
            .limit(1)
        ).first()
        if latest is not None and latest.content_hash == content_hash:
            return AddResult(self.get(name, latest.version, connection=connection), unchanged=True)
        version = (latest.version + 1) if latest else 1
        connection.execute(
            sa.insert(meta.source_versions).values(
                source_id=table_id, version=version, content_hash=content_hash, rows=rows, bytes=size,
                columns=columns, origin=origin, created_at=time.time(),
            )
        )
        return AddResult(self.get(name, version, connection=connection), unchanged=False)

    # ------------------------------------------------------------ reading

    def _select_versions(self) -> sa.Select[Any]:
        v, s = meta.source_versions, meta.sources
        return sa.select(s.c.name, s.c.kind, v).join(s, s.c.id == v.c.source_id).where(s.c.kind == self.kind)

    def _from_row(self, row: Any) -> TableVersion:
        return TableVersion(
            name=row.name,
            version=row.version,
            content_hash=row.content_hash,
            rows=row.rows,
            bytes=row.bytes,
            columns=row.columns,
            origin=row.origin,
            created_at=row.created_at,
            path=self.lake.table_path(row.content_hash),
            kind=row.kind,
            table_id=row.source_id,
        )

    def _not_found(self, name: str, version: int | None = None) -> NotFound:
        what = f"{self.kind} {name!r}" + (f" version {version}" if version is not None else "")
        return NotFound(f"no {what}; `{self.list_command}` shows the {self.kind}s")

    def get(self, name: str, version: int | None = None, connection: sa.Connection | None = None) -> TableVersion:
        """One version of a table (the newest when ``version`` is None)."""
        # Names are unique regardless of case (as SQL sees them), so lookups ignore case too.
        query = self._select_versions().where(sa.func.lower(meta.sources.c.name) == name.lower())
        if version is not None:
            query = query.where(meta.source_versions.c.version == version)
        query = query.order_by(meta.source_versions.c.version.desc()).limit(1)
        if connection is not None:
            row = connection.execute(query).first()
        else:
            with self.engine.connect() as own:
                row = own.execute(query).first()
        if row is None:
            raise self._not_found(name, version)
        return self._from_row(row)

    def get_by_id(self, table_id: int, version: int) -> TableVersion:
        """A version of the table with this id, whatever it is called now."""
        query = self._select_versions().where(meta.sources.c.id == table_id, meta.source_versions.c.version == version)
        with self.engine.connect() as connection:
            row = connection.execute(query).first()
        if row is None:
            raise NotFound(f"no {self.kind} with id {table_id} version {version}")
        return self._from_row(row)

    def versions(self, name: str) -> list[TableVersion]:
        query = self._select_versions().where(sa.func.lower(meta.sources.c.name) == name.lower()).order_by(meta.source_versions.c.version.desc())
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        if not rows:
            raise self._not_found(name)
        return [self._from_row(row) for row in rows]

    def list(self) -> list[TableVersion]:
        """The newest version of every table of this kind, by name."""
        v = meta.source_versions
        newest = sa.select(v.c.source_id, sa.func.max(v.c.version).label("version")).group_by(v.c.source_id).subquery()
        query = self._select_versions().join(
            newest, sa.and_(newest.c.source_id == v.c.source_id, newest.c.version == v.c.version)
        ).order_by(meta.sources.c.name)
        with self.engine.connect() as connection:
            return [self._from_row(row) for row in connection.execute(query)]

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
        (context or JobContext.null()).progress(0.5, f"profiling {name}")
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
        return self.workspace.jobs.submit(
            f"{self.kind}.profile", {"name": name, "version": table.version, "kind": self.kind}, title=f"Profile {name} v{table.version}"
        )

    # ------------------------------------------------------------ changing

    def rename(self, name: str, new_name: str) -> TableVersion:
        """Rename a table. Refused while saved recipes name it (as an input, in their SQL, or
        as their output): they would stop running. Lineage follows the table's id."""
        validate_name(new_name, self.kind)
        name = self.get(name).name
        self._refuse_if_recipes_need(name, "named by", "renaming", self.workspace.datasets.recipes_naming(name))
        with self.engine.begin() as connection:
            taken = connection.execute(
                sa.select(meta.sources.c.name, meta.sources.c.kind).where(
                    sa.func.lower(meta.sources.c.name) == new_name.lower(), meta.sources.c.name != name
                )
            ).first()
            if taken is not None:
                raise StudioError(f"a {taken.kind} named {taken.name!r} exists already; choose another name")
            connection.execute(sa.update(meta.sources).where(meta.sources.c.name == name).values(name=new_name))
        return self.get(new_name)

    @staticmethod
    def _refuse_if_recipes_need(name: str, how: str, doing: str, recipes: list[str]) -> None:
        if not recipes:
            return
        them = "them" if len(recipes) > 1 else "it"
        raise StudioError(
            f"{name} is {how} recipe{'s' if len(recipes) > 1 else ''} {', '.join(recipes)}; {doing} it would break {them}: "
            f"point {them} at another table, or delete {them} first (`studio consolidate delete NAME`, or the Consolidate page)"
        )

    def delete(self, name: str) -> list[int]:
        """Delete a table and all its versions; files no other version uses are removed.
        Refused while saved recipes read it (their own outputs may go: a build remakes them)."""
        versions = self.versions(name)
        name = versions[0].name
        self._refuse_if_recipes_need(name, "read by", "deleting", self.workspace.datasets.recipes_naming(name, reading_only=True))
        with self.engine.begin() as connection:
            connection.execute(
                sa.delete(meta.source_versions).where(
                    meta.source_versions.c.source_id
                    == sa.select(meta.sources.c.id).where(meta.sources.c.name == name).scalar_subquery()
                )
            )
            connection.execute(sa.delete(meta.sources).where(meta.sources.c.name == name))
        for version in versions:
            self._remove_file_if_unused(version.content_hash)
        return [v.version for v in versions]

    def _remove_file_if_unused(self, content_hash: str) -> None:
        with self.engine.begin() as connection:
            used = connection.execute(
                sa.select(sa.func.count()).select_from(meta.source_versions).where(meta.source_versions.c.content_hash == content_hash)
            ).scalar_one()
            if used == 0:
                connection.execute(sa.delete(meta.profiles).where(meta.profiles.c.content_hash == content_hash))
        if used == 0:
            self.lake.remove(content_hash)

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


def profile_job(context: JobContext, workspace: "Workspace", name: str, version: int, kind: str = "source") -> dict[str, Any]:
    """Job: profile one version of a source or dataset."""
    store = workspace.datasets if kind == "dataset" else workspace.sources
    profile = store.profile(name, version, context=context)
    return {"name": name, "version": version, "rows": profile["rows"], "columns": len(profile["columns"])}
