"""SourceStore: add, version, list, preview, profile, rename, delete and export sources.

A source is a name with immutable versions; each version is one content-addressed Parquet
file in the lake plus a row in ``source_versions``. Adding writes the Parquet file to a scratch
path first, moves it into the lake, then commits the metadata row; any failure before the
commit removes what was written, so nothing half-registered is ever visible.
"""

from __future__ import annotations

import re
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow.parquet as pq
import sqlalchemy as sa

from studio import meta
from studio.errors import NotFound, StudioError
from studio.jobs import JobContext
from studio.lake import atomic_replace, sql_literal
from studio.meta import hide_password
from studio.sources._database import write_database
from studio.sources._profile import PROFILE_FORMAT, profile_parquet
from studio.sources._readers import WRITERS, ReadOptions, detect_format

if TYPE_CHECKING:
    import pandas as pd

    from studio.workspace import Workspace

NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
PREVIEW_MAX_ROWS = 1000
REGISTER_ATTEMPTS = 3
EXPORT_FORMATS = {".parquet": "parquet", ".csv": "csv"}


@dataclass(frozen=True)
class SourceVersion:
    name: str
    version: int
    content_hash: str
    rows: int
    bytes: int
    columns: list[dict[str, str]]
    origin: dict[str, Any]
    created_at: float
    path: Path

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
    source: SourceVersion
    unchanged: bool

    def to_json(self) -> dict[str, Any]:
        return {**self.source.to_json(), "unchanged": self.unchanged}


def validate_name(name: str) -> str:
    if not NAME_PATTERN.match(name or ""):
        raise StudioError(
            f"{name!r} is not a valid source name; use letters, digits and _ (starting with a letter or _), at most 63 characters"
        )
    return name


def suggest_name(filename: str) -> str:
    """A valid source name from a file name: ``Orders 2024.csv`` -> ``orders_2024``."""
    stem = re.sub(r"[^A-Za-z0-9_]+", "_", Path(filename).stem).strip("_").lower() or "source"
    return ("_" + stem if stem[0].isdigit() else stem)[:63]


class SourceStore:
    def __init__(self, workspace: "Workspace") -> None:
        self.workspace = workspace
        self.lake = workspace.lake
        self.engine = workspace.engine

    # ------------------------------------------------------------ adding

    def add_file(
        self,
        path: Path | str,
        name: str,
        options: ReadOptions | None = None,
        context: JobContext | None = None,
        label: str | None = None,
    ) -> AddResult:
        """Load a file as a new version of source ``name`` (or find it unchanged)."""
        path = Path(path)
        options = options or ReadOptions()
        context = context or JobContext.null()
        label = label or path.name
        validate_name(name)
        if not path.exists():
            raise StudioError(f"{label}: no such file; check the path")
        if not path.is_file():
            raise StudioError(f"{label}: is a folder, not a file")
        size = path.stat().st_size
        limit_mb = self.workspace.settings.max_source_mb
        if size > limit_mb * 1024 * 1024:
            raise StudioError(
                f"{label}: is {size / 1024 / 1024:,.0f} MB, over the workspace limit of {limit_mb:,} MB; "
                f"raise it with `studio settings max_source_mb N`"
            )
        if size == 0:
            raise StudioError(f"{label}: the file is empty")
        fmt = detect_format(path, options.format)
        temp = self.lake.temp_path()
        context.progress(0.02, f"reading {label}")
        try:
            with self.lake.connect() as con:
                details = WRITERS[fmt](con, path, options, fmt, temp, context.progress, label)
            origin = {"kind": "file", "file": label, "path": str(path.resolve()), "format": fmt, "file_bytes": size, "options": options.to_json(), **details}
            return self._register(name, temp, origin, label, context)
        finally:
            temp.unlink(missing_ok=True)

    def add_database(
        self,
        url: str,
        name: str,
        table: str | None = None,
        query: str | None = None,
        context: JobContext | None = None,
    ) -> AddResult:
        """Load a table or query result from SQLite or PostgreSQL as a version of ``name``."""
        validate_name(name)
        context = context or JobContext.null()
        temp = self.lake.temp_path()
        context.progress(0.02, f"connecting to {hide_password(url)}")
        try:
            details = write_database(url, table, query, self.lake, temp, context.progress)
            return self._register(name, temp, {"kind": "database", **details}, hide_password(url), context)
        finally:
            temp.unlink(missing_ok=True)

    def _register(self, name: str, temp: Path, origin: dict[str, Any], label: str, context: JobContext) -> AddResult:
        rows = pq.read_metadata(temp).num_rows
        if rows == 0:
            raise StudioError(f"{label}: has no data rows; nothing to add")
        with self.lake.connect() as con:
            described = con.execute(f"DESCRIBE SELECT * FROM read_parquet({sql_literal(str(temp))})").fetchall()
        columns = [{"name": row[0], "type": row[1]} for row in described]
        context.progress(0.96, "storing")
        content_hash, path, created_file = self.lake.store(temp)
        try:
            for attempt in range(REGISTER_ATTEMPTS):
                try:
                    result = self._commit_version(name, content_hash, rows, path.stat().st_size, columns, origin)
                    break
                except sa.exc.IntegrityError:
                    # Another process added the same name or version first: read again and retry.
                    if attempt == REGISTER_ATTEMPTS - 1:
                        raise StudioError(f"{name}: other adds of this source kept winning the race; try again") from None
        except Exception:
            if created_file:
                self._remove_file_if_unused(content_hash)
            raise
        if result.unchanged:
            return result
        added = result.source
        context.log(f"{name} v{added.version}: {rows:,} rows, {len(columns)} columns")
        return AddResult(added, unchanged=False)

    def _commit_version(
        self, name: str, content_hash: str, rows: int, size: int, columns: list[dict[str, str]], origin: dict[str, Any]
    ) -> AddResult:
        """One transaction: the source row if new, then the next version (or nothing when the
        newest version has this content already)."""
        with self.engine.begin() as connection:
            existing = connection.execute(
                sa.select(meta.sources.c.id, meta.sources.c.name).where(sa.func.lower(meta.sources.c.name) == name.lower())
            ).first()
            if existing is not None and existing.name != name:
                raise StudioError(f"a source named {existing.name!r} exists already; names may not differ only in case")
            source_id = existing.id if existing else connection.execute(
                sa.insert(meta.sources).values(name=name, created_at=time.time())
            ).inserted_primary_key[0]
            latest = connection.execute(
                sa.select(meta.source_versions.c.version, meta.source_versions.c.content_hash)
                .where(meta.source_versions.c.source_id == source_id)
                .order_by(meta.source_versions.c.version.desc())
                .limit(1)
            ).first()
            if latest is not None and latest.content_hash == content_hash:
                return AddResult(self.get(name, latest.version, connection=connection), unchanged=True)
            version = (latest.version + 1) if latest else 1
            connection.execute(
                sa.insert(meta.source_versions).values(
                    source_id=source_id, version=version, content_hash=content_hash, rows=rows, bytes=size,
                    columns=columns, origin=origin, created_at=time.time(),
                )
            )
            return AddResult(self.get(name, version, connection=connection), unchanged=False)

    def submit_add_file(self, path: Path, name: str, options: ReadOptions, label: str, remove_after: bool = False) -> int:
        """Run ``add_file`` (then profile) as a background job; returns the job id."""
        validate_name(name)
        params = {"path": str(path), "name": name, "options": options.__dict__, "label": label, "remove_after": remove_after}
        return self.workspace.jobs.submit("source.add_file", params, title=f"Add {label} as {name}")

    def submit_add_database(self, url: str, name: str, table: str | None, query: str | None) -> int:
        validate_name(name)
        params = {"url": url, "name": name, "table": table, "query": query}
        return self.workspace.jobs.submit("source.add_database", params, title=f"Add {table or 'query'} from {hide_password(url)} as {name}")

    def save_upload(self, filename: str, data: bytes) -> Path:
        """Write uploaded bytes atomically to ``uploads/<random>/<filename>`` for an add job."""
        safe = Path(filename).name or "upload"
        folder = self.workspace.uploads_dir / uuid.uuid4().hex
        folder.mkdir(parents=True)
        temp = folder / f".{safe}.part"
        temp.write_bytes(data)
        target = folder / safe
        atomic_replace(temp, target)
        return target

    # ------------------------------------------------------------ reading

    def _select_versions(self) -> sa.Select[Any]:
        v, s = meta.source_versions, meta.sources
        return sa.select(s.c.name, v).join(s, s.c.id == v.c.source_id)

    def _from_row(self, row: Any) -> SourceVersion:
        return SourceVersion(
            name=row.name,
            version=row.version,
            content_hash=row.content_hash,
            rows=row.rows,
            bytes=row.bytes,
            columns=row.columns,
            origin=row.origin,
            created_at=row.created_at,
            path=self.lake.table_path(row.content_hash),
        )

    def get(self, name: str, version: int | None = None, connection: sa.Connection | None = None) -> SourceVersion:
        """One version of a source (the newest when ``version`` is None)."""
        query = self._select_versions().where(meta.sources.c.name == name)
        if version is not None:
            query = query.where(meta.source_versions.c.version == version)
        query = query.order_by(meta.source_versions.c.version.desc()).limit(1)
        if connection is not None:
            row = connection.execute(query).first()
        else:
            with self.engine.connect() as own:
                row = own.execute(query).first()
        if row is None:
            what = f"source {name!r}" + (f" version {version}" if version is not None else "")
            raise NotFound(f"no {what}; `studio sources list` shows the sources")
        return self._from_row(row)

    def versions(self, name: str) -> list[SourceVersion]:
        query = self._select_versions().where(meta.sources.c.name == name).order_by(meta.source_versions.c.version.desc())
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        if not rows:
            raise NotFound(f"no source {name!r}; `studio sources list` shows the sources")
        return [self._from_row(row) for row in rows]

    def list(self) -> list[SourceVersion]:
        """The newest version of every source, by name."""
        v = meta.source_versions
        newest = sa.select(v.c.source_id, sa.func.max(v.c.version).label("version")).group_by(v.c.source_id).subquery()
        query = self._select_versions().join(
            newest, sa.and_(newest.c.source_id == v.c.source_id, newest.c.version == v.c.version)
        ).order_by(meta.sources.c.name)
        with self.engine.connect() as connection:
            return [self._from_row(row) for row in connection.execute(query)]

    def preview(self, name: str, limit: int = 100, version: int | None = None) -> "pd.DataFrame":
        """The first ``limit`` rows (at most PREVIEW_MAX_ROWS) as a small DataFrame."""
        source = self.get(name, version)
        limit = max(1, min(int(limit), PREVIEW_MAX_ROWS))
        with self.lake.connect() as con:
            return con.execute(f"SELECT * FROM read_parquet({sql_literal(str(source.path))}) LIMIT {limit}").df()

    def cached_profile(self, name: str, version: int | None = None) -> dict[str, Any] | None:
        """The stored profile of a version, or None when there is none of the current format."""
        source = self.get(name, version)
        with self.engine.connect() as connection:
            profile = connection.execute(
                sa.select(meta.profiles.c.profile).where(meta.profiles.c.content_hash == source.content_hash)
            ).scalar()
        return profile if profile is not None and profile.get("format") == PROFILE_FORMAT else None

    def profile(self, name: str, version: int | None = None, context: JobContext | None = None) -> dict[str, Any]:
        """The column profile of a source version, computed once per content and cached."""
        cached = self.cached_profile(name, version)
        if cached is not None:
            return cached
        source = self.get(name, version)
        (context or JobContext.null()).progress(0.5, f"profiling {name}")
        with self.lake.connect() as con:
            profile = profile_parquet(con, source.path)
        with self.engine.begin() as connection:
            connection.execute(sa.delete(meta.profiles).where(meta.profiles.c.content_hash == source.content_hash))
            connection.execute(
                sa.insert(meta.profiles).values(content_hash=source.content_hash, profile=profile, created_at=time.time())
            )
        return profile

    def submit_profile(self, name: str, version: int | None = None) -> int:
        source = self.get(name, version)
        return self.workspace.jobs.submit(
            "source.profile", {"name": name, "version": source.version}, title=f"Profile {name} v{source.version}"
        )

    # ------------------------------------------------------------ changing

    def rename(self, name: str, new_name: str) -> SourceVersion:
        validate_name(new_name)
        self.get(name)
        with self.engine.begin() as connection:
            taken = connection.execute(
                sa.select(meta.sources.c.name).where(sa.func.lower(meta.sources.c.name) == new_name.lower(), meta.sources.c.name != name)
            ).first()
            if taken is not None:
                raise StudioError(f"a source named {new_name!r} exists already; choose another name")
            connection.execute(sa.update(meta.sources).where(meta.sources.c.name == name).values(name=new_name))
        return self.get(new_name)

    def delete(self, name: str) -> list[int]:
        """Delete a source and all its versions; files no other version uses are removed."""
        versions = self.versions(name)
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

    def export(self, name: str, target: Path | str, version: int | None = None) -> Path:
        """Write a source version to ``target`` (.parquet or .csv), atomically."""
        target = Path(target)
        fmt = EXPORT_FORMATS.get(target.suffix.lower())
        if fmt is None:
            raise StudioError(f"{target.name}: export writes .parquet or .csv; change the file extension")
        if not target.parent.is_dir():
            raise StudioError(f"{target.parent}: no such folder; create it first")
        source = self.get(name, version)
        temp = target.parent / f".{target.name}.{uuid.uuid4().hex}.part"
        try:
            if fmt == "parquet":
                shutil.copyfile(source.path, temp)
            else:
                with self.lake.connect() as con:
                    con.execute(
                        f"COPY (SELECT * FROM read_parquet({sql_literal(str(source.path))})) TO {sql_literal(str(temp))} (FORMAT csv, HEADER true)"
                    )
            atomic_replace(temp, target)
        finally:
            temp.unlink(missing_ok=True)
        return target
