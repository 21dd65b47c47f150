"""Workspace: one folder (lake, artifacts, uploads) plus one metadata DB, and handles to both."""

import json
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from studio import meta
from studio.errors import NotFound, StudioError
from studio.lake import Lake, sweep_stale

if TYPE_CHECKING:
    from studio.datasets import DatasetStore
    from studio.jobs import JobStore
    from studio.sources import SourceStore

MARKER = "workspace.json"
DEFAULT_WORKSPACE = "workspace"


@dataclass(frozen=True)
class Settings:
    """Workspace settings, stored in the metadata DB; every field has a safe default."""

    max_source_mb: int = 4096
    duckdb_memory_limit_mb: int = 1536
    duckdb_threads: int = 0
    job_heartbeat_timeout_s: int = 30
    sql_timeout_s: int = 30
    sql_memory_limit_mb: int = 1024
    max_running_jobs: int = 0

    @classmethod
    def minimum(cls, key: str) -> int:
        """The smallest value that keeps the workspace working."""
        return {"duckdb_memory_limit_mb": 128, "sql_memory_limit_mb": 64, "job_heartbeat_timeout_s": 5, "sql_timeout_s": 1, "max_source_mb": 1}.get(key, 0)

    @classmethod
    def field_names(cls) -> list[str]:
        return [f.name for f in fields(cls)]


def default_root() -> Path:
    return Path(os.environ.get("STUDIO_WORKSPACE", DEFAULT_WORKSPACE))


def resolve_db_url(root: Path) -> str:
    return os.environ.get("STUDIO_DB_URL") or f"sqlite:///{(root / 'studio.db').resolve()}"


class Workspace:
    """Paths, settings and the stores of one workspace.

    Open with ``Workspace.open(path)`` (an existing one, migrated to the current schema) or
    ``Workspace.init(path)`` (creates it when missing).
    """

    def __init__(self, root: Path, db_url: str) -> None:
        self.root = root.resolve()
        self.db_url = db_url
        self.engine = meta.create_engine(db_url)
        settings = self.settings
        self.lake = Lake(
            self.root / "lake",
            memory_limit=f"{settings.duckdb_memory_limit_mb}MB",
            threads=settings.duckdb_threads or None,
        )
        self.uploads_dir = self.root / "uploads"
        self.artifacts_dir = self.root / "artifacts"
        self.logs_dir = self.root / "logs"

    def sweep_scratch(self, dead_pids: Iterable[int] = ()) -> int:
        """Remove what killed processes left behind: the lake scratch files of ``dead_pids``
        at once; lake scratch, upload folders and unfinished review folders (``.``-named)
        once older than a day. Returns how many entries went."""
        removed = sum(self.lake.sweep_temp(pid=pid) for pid in dead_pids)
        removed += self.lake.sweep_temp()
        removed += sweep_stale(self.uploads_dir)
        removed += sweep_stale(self.root / "reviews", prefix=".")
        return removed

    @classmethod
    def init(cls, root: Path | str | None = None) -> "Workspace":
        root = Path(root) if root is not None else default_root()
        if root.exists() and not root.is_dir():
            raise StudioError(f"{root} is a file, not a folder; choose another --workspace")
        root.mkdir(parents=True, exist_ok=True)
        for sub in ("lake/tables", "lake/tmp", "uploads", "artifacts", "logs"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        marker = root / MARKER
        if not marker.exists():
            marker.write_text(json.dumps({"studio_workspace": 1}) + "\n")
        engine = meta.create_engine(resolve_db_url(root))
        meta.upgrade(engine)
        engine.dispose()
        return cls(root, resolve_db_url(root))

    @classmethod
    def open(cls, root: Path | str | None = None) -> "Workspace":
        root = Path(root) if root is not None else default_root()
        if not (root / MARKER).exists():
            raise NotFound(f"no workspace at {root}; create one with `studio init --workspace {root}` or `studio demo`")
        engine = meta.create_engine(resolve_db_url(root))
        meta.upgrade(engine)
        engine.dispose()
        return cls(root, resolve_db_url(root))

    @property
    def settings(self) -> Settings:
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(meta.settings.c.key, meta.settings.c.value)).all()
        stored = {key: value for key, value in rows if key in Settings.field_names()}
        return Settings(**stored)

    def set_setting(self, key: str, value: str | int) -> Settings:
        if key not in Settings.field_names():
            raise StudioError(f"unknown setting {key!r}; choose one of {', '.join(Settings.field_names())}")
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise StudioError(f"setting {key} takes a whole number, not {value!r}") from None
        if number < Settings.minimum(key):
            raise StudioError(f"setting {key} must be at least {Settings.minimum(key)}")
        with self.engine.begin() as connection:
            connection.execute(sa.delete(meta.settings).where(meta.settings.c.key == key))
            connection.execute(sa.insert(meta.settings).values(key=key, value=number))
        return self.settings

    @cached_property
    def sources(self) -> "SourceStore":
        from studio.sources import SourceStore

        return SourceStore(self)

    @cached_property
    def datasets(self) -> "DatasetStore":
        from studio.datasets import DatasetStore

        return DatasetStore(self)

    @cached_property
    def jobs(self) -> "JobStore":
        from studio.jobs import JobStore

        return JobStore(self)

    def summary(self) -> dict[str, Any]:
        """Counts for the overview: what the workspace holds."""
        with self.engine.connect() as connection:
            kinds = dict(connection.execute(sa.select(meta.sources.c.kind, sa.func.count()).group_by(meta.sources.c.kind)).all())
            job_counts = dict(
                connection.execute(
                    sa.select(meta.jobs.c.status, sa.func.count()).group_by(meta.jobs.c.status)
                ).all()
            )
        return {
            "workspace": str(self.root),
            "db": sa.make_url(self.db_url).render_as_string(hide_password=True),
            "settings": asdict(self.settings),
            "sources": kinds.get("source", 0),
            "datasets": kinds.get("dataset", 0),
            "lake_bytes": sum(p.stat().st_size for p in self.lake.tables_dir.glob("*.parquet")),
            "jobs": job_counts,
        }
