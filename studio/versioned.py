"""The versioned store: named things (assets) with immutable, content-hashed versions.

Sources and datasets (lake tables) are its first use; feature recipes, models and deployments
are the next. Every store of that kind keeps its assets in the metadata tables ``assets`` and
``asset_versions``; what is kind-specific lives in a version's ``info`` (a table's rows and
columns, a model's signature and metrics) and its payload (a lake file, an artifact), which the
store's subclass writes before it commits the version.

Concurrency contract (every store built on ``VersionedStore`` keeps it):

- Any number of processes (the app, the CLI, job workers, servers) may read and write the same
  store at once; each opens its own connections. Nothing is cached across calls.
- A version, once committed, never changes: its number, content hash, size, info and origin
  are fixed, and its payload is never rewritten (payloads are named by content hash).
- Adding commits one transaction: the asset row when the name is new, then the next version.
  Version numbers of an asset run 1, 2, 3, ... with no gaps and no duplicates whoever adds
  concurrently: a writer that loses a race on the database's unique constraints (a new name,
  a version number) reads again and retries, a bounded number of times, then fails with a
  one-line error. Adding the content the newest version already has changes nothing and is
  reported unchanged (so retries and re-runs are idempotent).
- The payload is in place before its metadata row is committed. A failure between the two
  leaves an unreferenced payload, which the store removes at once (or a sweep does later);
  never a row without its payload.
- Names are unique within a namespace regardless of case, enforced by the database
  (``name_key``): SQL sees sources and datasets by name, and DuckDB ignores case.
- Renaming and deleting are refused while a dependent blocks them: something another store
  keeps (a recipe, a model version) that refers to the asset. The workspace gathers the
  dependents from every store; each store answers only for what it keeps. The check runs in the
  same transaction as the change. On SQLite writers are serialized, so the check and the change
  are atomic; on PostgreSQL (READ COMMITTED) a dependent committed in the same instant can slip
  past the check, which then shows as a dangling reference in that dependent's lineage.
- Lineage (a version's origin) refers to other assets by id and version, which survive renames.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Generic, Protocol, TypeVar

import sqlalchemy as sa

from studio import meta
from studio.errors import NotFound, StudioError
from studio.lake import Lake
from studio.settings import Settings

NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}\Z")  # \Z: $ would let a trailing newline through
COMMIT_ATTEMPTS = 3
T = TypeVar("T")


def validate_name(name: str, noun: str = "source") -> str:
    """``name`` if it is a valid asset name (SQL-friendly), else a one-line error."""
    if not NAME_PATTERN.match(name or ""):
        raise StudioError(
            f"{name!r} is not a valid {noun} name; use letters, digits and _ (starting with a letter or _), at most 63 characters"
        )
    return name


@dataclass(frozen=True)
class AssetRef:
    """What a dependent may refer to: one asset (``version`` None: any of its versions)."""

    namespace: str
    kind: str
    asset_id: int
    name: str
    version: int | None = None


@dataclass(frozen=True)
class Dependent:
    """Something a store keeps that refers to an asset and so blocks changing it.

    ``blocks`` maps each action it blocks ("rename", "delete") to how it refers to the asset
    ("read by", "named by"); ``fix`` says how to lift the block, with ``{them}`` standing for
    "it" or "them"."""

    noun: str
    name: str
    blocks: Mapping[str, str]
    fix: str


class DependentsOf(Protocol):
    def __call__(self, ref: AssetRef, connection: sa.Connection) -> list[Dependent]: ...


@dataclass(frozen=True)
class StoreServices:
    """All a store may use of its workspace: the metadata DB, the lake, the workspace folder,
    the settings, job submission and the dependents gathered from every store. Stores get this,
    never the workspace, so they cannot reach through it into each other."""

    engine: sa.Engine
    lake: Lake
    root: Path
    settings: Callable[[], Settings]
    submit_job: Callable[[str, dict[str, Any], str], int]
    dependents: DependentsOf


@dataclass(frozen=True)
class Version:
    """One immutable version of an asset."""

    kind: str
    name: str
    version: int
    asset_id: int
    content_hash: str
    bytes: int
    info: dict[str, Any]
    origin: dict[str, Any]
    created_at: float

    def ref(self, namespace: str, whole: bool = False) -> AssetRef:
        return AssetRef(namespace, self.kind, self.asset_id, self.name, None if whole else self.version)

    def lineage(self) -> dict[str, Any]:
        """How another version's origin names this one: by asset id, which survives renames."""
        return {"name": self.name, "kind": self.kind, "asset_id": self.asset_id, "version": self.version, "content_hash": self.content_hash}


V = TypeVar("V", bound=Version)


def blocked_error(name: str, action: str, doing: str, dependents: Sequence[Dependent]) -> StudioError:
    """'crm is read by recipes cities, restaurants; deleting it would break them: <fix>'."""
    groups: dict[tuple[str, str], list[str]] = {}
    for dependent in dependents:
        groups.setdefault((dependent.blocks[action], dependent.noun), []).append(dependent.name)
    them = "them" if len(dependents) > 1 else "it"
    described = " and ".join(f"{how} {noun}{'s' if len(names) > 1 else ''} {', '.join(names)}" for (how, noun), names in groups.items())
    fixes = "; ".join(dict.fromkeys(d.fix.format(them=them) for d in dependents))
    return StudioError(f"{name} is {described}; {doing} it would break {them}: {fixes}")


class VersionedStore(Generic[V]):
    """Named assets of some kinds in one namespace, each with immutable numbered versions.

    Subclasses set ``namespace`` (names are unique within it), ``kind`` (what the store writes;
    None for a read-only view over several kinds), ``reads`` (the kinds it reads), ``noun`` and
    ``list_command`` (for messages), build their version type in ``_version`` and release a
    payload nothing uses any more in ``_release``. They answer for their own dependents in
    ``dependents_of``.
    """

    namespace: ClassVar[str]
    kind: ClassVar[str | None]
    reads: ClassVar[tuple[str, ...]]
    noun: ClassVar[str]
    list_command: ClassVar[str]
    versions_command: ClassVar[str]

    def __init__(self, services: StoreServices) -> None:
        self.services = services
        self.engine = services.engine

    # ------------------------------------------------------------ for subclasses

    def _version(self, row: Any) -> V:
        """The version object of one row of ``_select()`` (``version_fields`` plus the kind's own)."""
        raise NotImplementedError

    @staticmethod
    def version_fields(row: Any) -> dict[str, Any]:
        """The fields every ``Version`` has, from one row of ``_select()``."""
        return {
            "kind": row.kind, "name": row.name, "version": row.version, "asset_id": row.asset_id, "content_hash": row.content_hash,
            "bytes": row.bytes, "info": row.info, "origin": row.origin, "created_at": row.created_at,
        }

    def _release(self, connection: sa.Connection, content_hash: str) -> Callable[[], None] | None:
        """No version uses ``content_hash`` any more: drop its metadata within ``connection``
        and return what removes its payload once the transaction has committed."""
        return None

    def dependents_of(self, ref: AssetRef, connection: sa.Connection) -> list[Dependent]:
        """What this store keeps that refers to ``ref`` (an asset of any store)."""
        return []

    # ------------------------------------------------------------ reading

    def _select(self) -> sa.Select[Any]:
        a, v = meta.assets, meta.asset_versions
        return sa.select(a.c.name, a.c.kind, v).join(a, a.c.id == v.c.asset_id).where(a.c.namespace == self.namespace, a.c.kind.in_(self.reads))

    def _newest(self) -> sa.Subquery:
        v = meta.asset_versions
        return sa.select(v.c.asset_id, sa.func.max(v.c.version).label("version")).group_by(v.c.asset_id).subquery()

    def _select_newest(self) -> sa.Select[Any]:
        """The newest version of every asset this store reads."""
        v, newest = meta.asset_versions, self._newest()
        return self._select().join(newest, sa.and_(newest.c.asset_id == v.c.asset_id, newest.c.version == v.c.version))

    def _not_found(self, name: str, version: int | None = None, connection: sa.Connection | None = None) -> NotFound:
        """A missing version of an existing asset points at its versions; a missing asset at the list."""
        if version is not None and self._first(self._select().where(meta.assets.c.name_key == name.lower()).limit(1), connection) is not None:
            return NotFound(f"{name} has no version {version}; `{self.versions_command} {name}` lists its versions")
        return NotFound(f"no {self.noun} {name!r}; `{self.list_command}` shows the {self.noun}s")

    def _first(self, query: sa.Select[Any], connection: sa.Connection | None) -> Any:
        if connection is not None:
            return connection.execute(query).first()
        with self.engine.connect() as own:
            return own.execute(query).first()

    def get(self, name: str, version: int | None = None, connection: sa.Connection | None = None) -> V:
        """One version (the newest when ``version`` is None); names ignore case."""
        query = self._select().where(meta.assets.c.name_key == name.lower())
        if version is not None:
            query = query.where(meta.asset_versions.c.version == version)
        row = self._first(query.order_by(meta.asset_versions.c.version.desc()).limit(1), connection)
        if row is None:
            raise self._not_found(name, version, connection)
        return self._version(row)

    def get_by_id(self, asset_id: int, version: int) -> V:
        """A version of the asset with this id, whatever it is called now."""
        row = self._first(self._select().where(meta.assets.c.id == asset_id, meta.asset_versions.c.version == version), None)
        if row is None:
            raise NotFound(f"no {self.noun} with id {asset_id} version {version}")
        return self._version(row)

    def versions(self, name: str) -> list[V]:
        """Every version of ``name``, newest first."""
        query = self._select().where(meta.assets.c.name_key == name.lower()).order_by(meta.asset_versions.c.version.desc())
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        if not rows:
            raise self._not_found(name)
        return [self._version(row) for row in rows]

    def list(self) -> list[V]:
        """The newest version of every asset, by name."""
        with self.engine.connect() as connection:
            return [self._version(row) for row in connection.execute(self._select_newest().order_by(meta.assets.c.name))]

    # ------------------------------------------------------------ writing

    def _transaction(self, work: Callable[[sa.Connection], T], label: str) -> T:
        """Run ``work`` in one transaction, retried when a concurrent writer won a race on a
        unique constraint (see the concurrency contract)."""
        for attempt in range(COMMIT_ATTEMPTS):
            try:
                with self.engine.begin() as connection:
                    return work(connection)
            except sa.exc.IntegrityError:
                if attempt == COMMIT_ATTEMPTS - 1:
                    raise StudioError(f"{label}: other writes of this {self.noun} kept winning the race; try again") from None
        raise AssertionError("unreachable")

    def _commit_version(
        self, connection: sa.Connection, name: str, content_hash: str, size: int, info: dict[str, Any], origin: dict[str, Any]
    ) -> tuple[V, bool]:
        """Within ``connection``'s transaction: the asset row if new, then the next version;
        or nothing when the newest version has this content already. Returns (version, unchanged)."""
        assert self.kind is not None, f"{type(self).__name__} only reads"
        a, v = meta.assets, meta.asset_versions
        existing = connection.execute(
            sa.select(a.c.id, a.c.name, a.c.kind).where(a.c.namespace == self.namespace, a.c.name_key == name.lower())
        ).first()
        if existing is not None and existing.kind != self.kind:
            raise StudioError(f"{existing.name!r} is the name of a {existing.kind}; choose another {self.noun} name")
        if existing is not None and existing.name != name:
            raise StudioError(f"a {self.noun} named {existing.name!r} exists already; names may not differ only in case")
        asset_id = existing.id if existing else connection.execute(
            sa.insert(a).values(namespace=self.namespace, kind=self.kind, name=name, name_key=name.lower(), created_at=time.time())
        ).inserted_primary_key[0]
        latest = connection.execute(
            sa.select(v.c.version, v.c.content_hash).where(v.c.asset_id == asset_id).order_by(v.c.version.desc()).limit(1)
        ).first()
        if latest is not None and latest.content_hash == content_hash:
            return self.get(name, latest.version, connection=connection), True
        version = (latest.version + 1) if latest else 1
        connection.execute(
            sa.insert(v).values(
                asset_id=asset_id, version=version, content_hash=content_hash, bytes=size, info=info, origin=origin, created_at=time.time()
            )
        )
        return self.get(name, version, connection=connection), False

    def _refuse_if_blocked(self, connection: sa.Connection, ref: AssetRef, action: str, doing: str) -> None:
        blocking = [d for d in self.services.dependents(ref, connection) if action in d.blocks]
        if blocking:
            raise blocked_error(ref.name, action, doing, blocking)

    def rename(self, name: str, new_name: str) -> V:
        """Rename an asset (all its versions). Refused while a dependent names it; lineage
        follows the asset's id."""
        validate_name(new_name, self.noun)
        current = self.get(name)
        a = meta.assets
        with self.engine.begin() as connection:
            self._refuse_if_blocked(connection, current.ref(self.namespace, whole=True), "rename", "renaming")
            taken = connection.execute(
                sa.select(a.c.name, a.c.kind).where(a.c.namespace == self.namespace, a.c.name_key == new_name.lower(), a.c.id != current.asset_id)
            ).first()
            if taken is not None:
                raise StudioError(f"a {taken.kind} named {taken.name!r} exists already; choose another name")
            connection.execute(sa.update(a).where(a.c.id == current.asset_id).values(name=new_name, name_key=new_name.lower()))
        return self.get(new_name)

    def delete(self, name: str) -> list[int]:
        """Delete an asset and all its versions; payloads no other version uses go too.
        Refused while a dependent needs it. Returns the deleted version numbers."""
        versions = self.versions(name)
        newest = versions[0]
        with self.engine.begin() as connection:
            self._refuse_if_blocked(connection, newest.ref(self.namespace, whole=True), "delete", "deleting")
            connection.execute(sa.delete(meta.asset_versions).where(meta.asset_versions.c.asset_id == newest.asset_id))
            connection.execute(sa.delete(meta.assets).where(meta.assets.c.id == newest.asset_id))
        for content_hash in dict.fromkeys(v.content_hash for v in versions):
            self._release_if_unused(content_hash)
        return [v.version for v in versions]

    def _release_if_unused(self, content_hash: str) -> None:
        """Release ``content_hash``'s payload when no version in the namespace uses it."""
        a, v = meta.assets, meta.asset_versions
        with self.engine.begin() as connection:
            used = connection.execute(
                sa.select(sa.func.count()).select_from(v.join(a, a.c.id == v.c.asset_id)).where(
                    a.c.namespace == self.namespace, v.c.content_hash == content_hash
                )
            ).scalar_one()
            remove = None if used else self._release(connection, content_hash)
        if remove is not None:
            remove()
