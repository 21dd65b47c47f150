"""ModelStore: models on the versioned store. A version's payload is its fitted pipeline as a
skops file under ``artifacts/models/<sha256>.skops``; its info holds what the later stages read
(task, target, metric and scores, the input signature and expectations, parameters); its
origin the run, dataset version and feature recipe version it came from.

Every load checks the file's sha256 against the version's content hash before skops reads a
byte, and allows only the types on the allow-list (``studio.models.trusted_types`` over the
types the stages declare, which the workspace passes in).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import sqlalchemy as sa

from studio import meta
from studio.errors import StudioError
from studio.lake import atomic_replace, sha256_file
from studio.models._artifacts import artifact_bytes, load_artifact, sha256_bytes
from studio.versioned import AssetRef, Dependent, StoreServices, Version, VersionedStore, validate_name

if TYPE_CHECKING:
    import pandas as pd

MODEL_NAMESPACE = "model"
MODEL_FIX = "delete {them} first (`studio models delete NAME`), or keep the table"


@dataclass(frozen=True)
class ModelVersion(Version):
    """A version of a model: its artifact and what training recorded about it."""

    path: Path = Path()

    @property
    def task(self) -> str:
        return str(self.info.get("task", ""))

    @property
    def target(self) -> str:
        return str(self.info.get("target", ""))

    @property
    def signature(self) -> dict[str, Any]:
        return dict(self.info.get("signature") or {})

    @property
    def expectations(self) -> dict[str, Any]:
        return dict(self.info.get("expectations") or {})

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "content_hash": self.content_hash,
            "bytes": self.bytes,
            "info": self.info,
            "origin": self.origin,
            "created_at": self.created_at,
        }


class ModelStore(VersionedStore[ModelVersion]):
    namespace: ClassVar[str] = MODEL_NAMESPACE
    kind: ClassVar[str | None] = "model"
    reads: ClassVar[tuple[str, ...]] = ("model",)
    noun: ClassVar[str] = "model"
    list_command: ClassVar[str] = "studio models list"
    versions_command: ClassVar[str] = "studio models versions"

    def __init__(self, services: StoreServices, trusted: Callable[[], Sequence[str]]) -> None:
        super().__init__(services)
        self.root = services.root / "artifacts" / "models"
        self.holdouts = services.root / "artifacts" / "holdouts"
        self._trusted = trusted

    def artifact_path(self, content_hash: str) -> Path:
        return self.root / f"{content_hash}.skops"

    def _version(self, row: Any) -> ModelVersion:
        return ModelVersion(**self.version_fields(row), path=self.artifact_path(row.content_hash))

    def _release(self, connection: sa.Connection, content_hash: str) -> Callable[[], None]:
        return lambda: self.artifact_path(content_hash).unlink(missing_ok=True)

    # ------------------------------------------------------------ registering and loading

    def serialize(self, model: Any) -> bytes:
        """``model`` as skops bytes, refused when it holds a type a load would refuse."""
        return artifact_bytes(model, self._trusted())

    def register(self, name: str, artifact: bytes, info: dict[str, Any], origin: dict[str, Any]) -> tuple[ModelVersion, bool]:
        """The next version of model ``name`` from ``artifact`` (``serialize``'s bytes): the
        file goes in place first, then the version is committed; registering the bytes the
        newest version already has changes nothing (returns it with ``unchanged`` True)."""
        validate_name(name, self.noun)
        content_hash = sha256_bytes(artifact)
        path = self.artifact_path(content_hash)
        created = not path.exists()
        if created:
            self.root.mkdir(parents=True, exist_ok=True)
            temp = self.root / f".{content_hash}.{uuid.uuid4().hex}.tmp"
            try:
                temp.write_bytes(artifact)
                atomic_replace(temp, path)
            finally:
                temp.unlink(missing_ok=True)
        try:
            return self._transaction(lambda c: self._commit_version(c, name, content_hash, len(artifact), info, origin), f"model {name}")
        except Exception:
            if created:
                self._release_if_unused(content_hash)
            raise

    def trusted_types(self) -> list[str]:
        """The allow-list every load checks (base types and what the stages declare)."""
        return list(self._trusted())

    def load(self, version: ModelVersion) -> Any:
        """The fitted pipeline of ``version``, after its sha256 and its types check out."""
        return load_artifact(version.path, version.content_hash, self._trusted())

    # ------------------------------------------------------------ holdouts

    def save_holdout(self, frame: "pd.DataFrame") -> dict[str, Any]:
        """Keep the untouched holdout rows a version was scored on (the raw input columns and
        the target), as a content-addressed Parquet file; returns what goes in the version's
        ``info["holdout"]``: {"content_hash", "rows"}. Evaluation reads them back."""
        self.holdouts.mkdir(parents=True, exist_ok=True)
        temp = self.holdouts / f".{uuid.uuid4().hex}.tmp"
        try:
            frame.to_parquet(temp, index=False)
            content_hash = sha256_file(temp)
            target = self.holdouts / f"{content_hash}.parquet"
            if target.exists():
                temp.unlink()
            else:
                atomic_replace(temp, target)
        finally:
            temp.unlink(missing_ok=True)
        return {"content_hash": content_hash, "rows": len(frame)}

    def holdout(self, version: ModelVersion) -> "pd.DataFrame":
        """The holdout rows of ``version``, after their sha256 checks out."""
        import pandas as pd

        held = version.info.get("holdout") or {}
        path = self.holdouts / f"{held.get('content_hash')}.parquet"
        if not held or not path.exists():
            raise StudioError(f"model {version.name} v{version.version} has no holdout rows kept; train it again to evaluate it")
        if sha256_file(path) != held["content_hash"]:
            raise StudioError(f"the holdout rows of model {version.name} v{version.version} were changed on disk; train it again to evaluate it")
        return pd.read_parquet(path)

    def delete(self, name: str) -> list[int]:
        """Delete a model and its versions; artifacts and holdouts no other version uses go too."""
        holdouts = {str((v.info.get("holdout") or {}).get("content_hash")) for v in self.versions(name)}
        deleted = super().delete(name)
        with self.engine.connect() as connection:
            still = {str((row.info or {}).get("holdout", {}).get("content_hash")) for row in connection.execute(self._select())}
        for content_hash in holdouts - still:
            (self.holdouts / f"{content_hash}.parquet").unlink(missing_ok=True)
        return deleted

    # ------------------------------------------------------------ dependents

    def dependents_of(self, ref: AssetRef, connection: sa.Connection) -> list[Dependent]:
        """Model versions trained on a table or with a feature recipe: deleting it would lose
        the rows their holdout was taken from (or the recipe they were built with)."""
        if ref.namespace not in ("table", "feature_recipe"):
            return []
        role = "dataset" if ref.namespace == "table" else "feature_recipe"
        how = "the training data of" if role == "dataset" else "the feature recipe of"
        rows = connection.execute(self._select().order_by(meta.assets.c.name, meta.asset_versions.c.version)).all()
        found = []
        for row in rows:
            used = (row.origin or {}).get(role) or {}
            if used.get("asset_id") == ref.asset_id and (ref.version is None or used.get("version") == ref.version):
                found.append(Dependent("model", f"{row.name} v{row.version}", {"delete": how}, MODEL_FIX))
        return found

