"""Workspace: one folder (lake, artifacts, uploads) plus one metadata DB, and the stores over
them. It is the one place that composes the stores: each gets the small ``StoreServices``
interface, never the workspace, and the workspace gathers what they answer (what depends on
an asset)."""

import json
import os
from collections.abc import Iterable
from dataclasses import asdict
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from studio import meta
from studio.errors import NotFound, StudioError
from studio.jobs import JobKind, JobStore, collect_job_kinds, launch_worker
from studio.lake import Lake, sweep_stale
from studio.settings import Settings
from studio.versioned import AssetRef, Dependent, StoreServices, VersionedStore

if TYPE_CHECKING:
    from studio.datasets import DatasetStore, ReviewStore
    from studio.evaluation import EvaluationReports
    from studio.features import FeatureRecipeStore
    from studio.models import ModelStore
    from studio.registry import Registry
    from studio.sources import SourceStore
    from studio.tables import TableStore
    from studio.training import TrainingRuns

MARKER = "workspace.json"
DEFAULT_WORKSPACE = "workspace"
# The modules that declare each stage's job kinds (``JOB_KINDS``), imported by name when needed.
JOB_MODULES = (
    "studio.tables._jobs", "studio.sources._jobs", "studio.datasets._jobs", "studio.features._jobs", "studio.training._jobs",
    "studio.evaluation._jobs", "studio.demo._jobs",
)


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
        self.services = StoreServices(
            engine=self.engine,
            lake=self.lake,
            root=self.root,
            settings=lambda: self.settings,
            submit_job=lambda kind, params, title: self.jobs.submit(kind, params, title),
            dependents=self.dependents,
        )

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

    # ------------------------------------------------------------ settings

    @property
    def settings(self) -> Settings:
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(meta.settings.c.key, meta.settings.c.value)).all()
        return Settings.from_stored(dict(rows))

    def set_setting(self, key: str, value: str | int) -> Settings:
        number = Settings.checked(key, value)
        with self.engine.begin() as connection:
            connection.execute(sa.delete(meta.settings).where(meta.settings.c.key == key))
            connection.execute(sa.insert(meta.settings).values(key=key, value=number))
        return self.settings

    # ------------------------------------------------------------ stores

    @cached_property
    def jobs(self) -> JobStore:
        return JobStore(
            self.engine,
            settings=lambda: self.settings,
            kinds=self.job_kinds,
            launch=lambda job_id: launch_worker(self.root, self.db_url, job_id),
            sweep=self.sweep_scratch,
        )

    def job_kinds(self) -> dict[str, JobKind]:
        return collect_job_kinds(JOB_MODULES)

    @cached_property
    def tables(self) -> "TableStore":
        """Every lake table, sources and datasets alike (read only)."""
        from studio.tables import TableStore

        return TableStore(self.services)

    @cached_property
    def sources(self) -> "SourceStore":
        from studio.sources import SourceStore

        return SourceStore(self.services)

    @cached_property
    def datasets(self) -> "DatasetStore":
        from studio.datasets import DatasetStore

        return DatasetStore(self.services)

    @cached_property
    def reviews(self) -> "ReviewStore":
        from studio.datasets import ReviewStore

        return ReviewStore(self.datasets)

    @cached_property
    def features(self) -> "FeatureRecipeStore":
        """Feature recipes (and their online tables)."""
        from studio.features import FeatureRecipeStore

        return FeatureRecipeStore(self.services)

    @cached_property
    def models(self) -> "ModelStore":
        from studio.features import TRUSTED_TYPES as FEATURE_TYPES
        from studio.models import ModelStore, trusted_types
        from studio.training import TRUSTED_TYPES as TRAINING_TYPES

        # The allow-list of model artifacts: the base types plus what each stage declares.
        return ModelStore(self.services, trusted=lambda: trusted_types(FEATURE_TYPES, TRAINING_TYPES))

    @cached_property
    def runs(self) -> "TrainingRuns":
        """Training runs (jobs with their studies under runs/), batch prediction."""
        from studio.training import TrainingRuns

        return TrainingRuns(self.root, self.jobs, self.tables, self.features, self.models)

    @cached_property
    def reports(self) -> "EvaluationReports":
        """Each model version's evaluation report, computed once (a job) and stored."""
        from studio.evaluation import EvaluationReports

        return EvaluationReports(self.artifacts_dir / "reports", self.models, self.services.submit_job)

    @cached_property
    def registry(self) -> "Registry":
        """Aliases, gated promotion, rollback, archive, audit and webhooks over the models."""
        from studio.registry import Registry

        return Registry(self.services, self.models)

    def _versioned_stores(self) -> list[VersionedStore[Any]]:
        return [self.sources, self.datasets, self.features, self.models]

    def dependents(self, ref: AssetRef, connection: sa.Connection) -> list[Dependent]:
        """Everything any store keeps that refers to ``ref`` (each store answers for its own;
        the registry for the aliases that point into a model)."""
        answering: list[Any] = [*self._versioned_stores(), self.registry]
        return [dependent for store in answering for dependent in store.dependents_of(ref, connection)]

    def summary(self) -> dict[str, Any]:
        """Counts for the overview: what the workspace holds."""
        with self.engine.connect() as connection:
            kinds = dict(connection.execute(sa.select(meta.assets.c.kind, sa.func.count()).group_by(meta.assets.c.kind)).all())
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
