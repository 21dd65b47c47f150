"""The Registry (``workspace.registry``): aliases over the model store's versions, gated
promotion, rollback, archive, tags and descriptions, the audit log and webhooks.

Versions themselves stay the model store's (immutable, numbered without gaps under concurrent
registration); the registry keeps what may change about them in its own tables.

Concurrency: every change to a model's aliases or notes runs in one transaction that starts by
writing the model's ``assets`` row (a no-op update). That takes the write lock on SQLite and
the row lock on PostgreSQL, so changes to one model are serialized across processes: each reads
the state its predecessor committed, and the change, its audit row and its test run commit
together or not at all. The test suite of a promotion runs before that transaction (it takes
seconds); if the alias or the production version moved meanwhile, the promotion is refused
rather than judged against a stale reference. Webhooks fire after the commit.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from studio import meta
from studio.errors import NotFound, StudioError
from studio.evaluation import SuiteSpec, model_card, suite_passed
from studio.models import MODEL_NAMESPACE, ModelStore, ModelVersion
from studio.registry._audit import (
    ARCHIVE,
    BLOCKED,
    CLEAR_ALIAS,
    OVERRIDE,
    PROMOTE,
    ROLLBACK,
    SET_ALIAS,
    UNARCHIVE,
    AuditEntry,
    alias_stack,
    checked_actor,
    checked_reason,
    read_entries,
    tests_summary,
    write_entry,
)
from studio.registry._compare import compare_versions
from studio.registry._export import export_version
from studio.registry._gate import PromotionResult, TestRun, run_gate, suite_spec
from studio.registry._webhooks import Webhooks
from studio.versioned import AssetRef, Dependent, StoreServices

PRODUCTION, STAGING = "production", "staging"
GATED_ALIASES = (PRODUCTION,)  # set only by a promotion, which runs the test suite
ALIAS_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
MAX_TAG_KEY, MAX_TAG_VALUE, MAX_DESCRIPTION = 100, 500, 10_000
ALIAS_FIX = "move or clear {them} first (`studio models unalias NAME ALIAS`)"


def checked_alias(alias: str) -> str:
    """``alias`` lower-cased, or a one-line error."""
    key = str(alias or "").strip().lower()
    if not ALIAS_PATTERN.match(key):
        raise StudioError(f"{alias!r} is not a valid alias; use a letter, then letters, digits, _ or -, at most 40 characters (like staging)")
    return key


@dataclass(frozen=True)
class RegistryVersion:
    """A model version with what the registry keeps about it."""

    model: ModelVersion
    aliases: list[str] = field(default_factory=list)
    description: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    archived: bool = False
    tests: TestRun | None = None  # the newest stored run of the suite

    def to_json(self) -> dict[str, Any]:
        return {
            **self.model.to_json(), "aliases": self.aliases, "description": self.description, "tags": self.tags,
            "archived": self.archived, "tests": None if self.tests is None else self.tests.to_json(),
        }


@dataclass(frozen=True)
class BlockedPromotion:
    """A version's newest promotion attempt, which its tests blocked (``entry``: who, when;
    ``result``: the attempt with every test of its run, ``blocked_message`` its one line)."""

    entry: AuditEntry
    result: PromotionResult

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [row for row in self.result.tests if not row["passed"]]


class Registry:
    """What happens to model versions once they exist. Every method that changes something takes
    ``actor`` (default: ``STUDIO_USER`` or the OS user) and most a ``reason``; both go into the
    audit log."""

    def __init__(self, services: StoreServices, models: ModelStore) -> None:
        self.engine = services.engine
        self.models = models
        self.webhooks = Webhooks(services.engine)

    # ------------------------------------------------------------ reading

    def aliases(self, name: str) -> dict[str, int]:
        """alias -> version, for model ``name``."""
        asset_id = self.models.get(name).asset_id
        with self.engine.connect() as connection:
            return self._aliases(connection, asset_id)

    def holder(self, name: str, alias: str = PRODUCTION) -> int | None:
        """The version ``alias`` points at ("which version is production"), None when unset."""
        return self.aliases(name).get(checked_alias(alias))

    def alias_history(self, name: str, alias: str = PRODUCTION) -> list[int | None]:
        """The versions that held ``alias`` as a rollback sees them, oldest first: the last is
        the current one, the one before it where ``rollback`` goes (None: cleared)."""
        asset_id = self.models.get(name).asset_id
        with self.engine.connect() as connection:
            return alias_stack(connection, asset_id, checked_alias(alias))

    def get(self, name: str, alias: str = PRODUCTION) -> ModelVersion:
        """The version ``alias`` of model ``name`` points at."""
        number = self.holder(name, alias)
        if number is None:
            raise NotFound(f"model {name} has no {checked_alias(alias)} version; promote one first")
        return self.models.get(name, number)

    def version(self, name: str, version: int | None = None) -> RegistryVersion:
        """One version (the newest when None) with its aliases, notes and last test run."""
        model = self.models.get(name, version)
        return self._with_notes([model])[0]

    def versions(self, name: str) -> list[RegistryVersion]:
        """Every version of ``name``, newest first, with its aliases, notes and last test run."""
        return self._with_notes(self.models.versions(name))

    def tests(self, name: str, version: int) -> TestRun | None:
        """The newest stored run of the test suite on a version (None: never run)."""
        return self.version(name, version).tests

    def lineage(self, name: str, version: int | None = None) -> dict[str, Any]:
        """Where a version came from, from its origin: the dataset version, feature recipe version
        and training run, each dataset and recipe with the name its asset has now (None: deleted)."""
        model = self.models.get(name, version)
        origin = model.origin or {}
        out: dict[str, Any] = {"model": model.name, "version": model.version, "kind": origin.get("kind")}
        with self.engine.connect() as connection:
            for role in ("dataset", "feature_recipe"):
                used = origin.get(role)
                if isinstance(used, dict) and used.get("asset_id") is not None:
                    now = connection.execute(sa.select(meta.assets.c.name).where(meta.assets.c.id == used["asset_id"])).scalar()
                    used = {**used, "current_name": now}
                out[role] = used
        out["run"] = origin.get("run")
        return out

    def compare(self, name: str, a: int, b: int) -> dict[str, Any]:
        """Versions ``a`` and ``b`` side by side: recorded info (metrics, parameters), newest test
        results, lineage, aliases, tags, description, archive and artifact."""
        left, right = self.version(name, a), self.version(name, b)
        return compare_versions(left, right, self.lineage(name, a), self.lineage(name, b))

    def card(self, name: str, version: int | None = None, *, report: dict[str, Any] | None = None) -> str:
        """The version's model card (Markdown) from what the studio keeps: its description,
        signature, lineage, newest test run, and ``report`` (its stored evaluation report)."""
        kept = self.version(name, version)
        model = kept.model
        lineage = self.lineage(model.name, model.version)
        table, recipe = lineage.get("dataset") or {}, lineage.get("feature_recipe")
        facts: dict[str, Any] = {
            "trained on": f"{table.get('current_name') or table.get('table')} v{table.get('version')}" if table else None,
            "feature recipe": f"{recipe.get('current_name') or recipe.get('recipe')} v{recipe.get('version')}" if recipe else "the studio's treatment by column kind",
            "training run": lineage.get("run"),
            "metric": model.info.get("metric"),
            "validation": model.info.get("validation"),
            "trials": model.info.get("trials"),
            "aliases": ", ".join(kept.aliases) or None,
        }
        return model_card(
            model.name, model.version, report=report, tests=kept.tests.tests if kept.tests else None, signature=model.signature or None,
            lineage={key: value for key, value in facts.items() if value is not None}, description=kept.description or None,
        )

    def export(self, name: str, version: int | None, fmt: str, out: Path) -> dict[str, Any]:
        """Export a version as an MLflow model folder or an ONNX file (``export_version``)."""
        return export_version(self.models, self.models.get(name, version), fmt, out)

    def audit(self, name: str | None = None, limit: int | None = None) -> list[AuditEntry]:
        """The audit log, newest first: every model's, or one model's (also after it was deleted,
        by the name it had)."""
        with self.engine.connect() as connection:
            if name is None:
                return read_entries(connection, limit=limit)
            try:
                asset_id = self.models.get(name).asset_id
            except NotFound:
                return read_entries(connection, model_key=name.lower(), limit=limit)
            return read_entries(connection, asset_id=asset_id, limit=limit)

    def blocked(self, name: str) -> list[BlockedPromotion]:
        """The versions whose newest promotion attempt the tests blocked, newest first, unless
        the alias it aimed at points at them now or they were archived since: what stays to
        decide (fix the model, override with a reason, or archive it)."""
        model = self.models.get(name)
        runs, notes = meta.model_test_runs, meta.model_version_notes
        out: list[BlockedPromotion] = []
        seen: set[tuple[int | None, str | None]] = set()
        with self.engine.connect() as connection:
            aliases = self._aliases(connection, model.asset_id)
            archived = set(connection.execute(sa.select(notes.c.version).where(notes.c.asset_id == model.asset_id, notes.c.archived)).scalars())
            for entry in read_entries(connection, asset_id=model.asset_id):
                if entry.action not in (PROMOTE, OVERRIDE, BLOCKED) or (entry.version, entry.alias) in seen:
                    continue
                seen.add((entry.version, entry.alias))
                if entry.action != BLOCKED or entry.version is None or entry.alias is None:
                    continue
                if aliases.get(entry.alias) == entry.version or entry.version in archived:
                    continue
                run_id = (entry.tests or {}).get("run_id")
                tests = connection.execute(sa.select(runs.c.tests).where(runs.c.id == run_id)).scalar() or []
                result = PromotionResult(model.name, entry.version, entry.alias, tests, False, entry.previous_version, test_run=run_id)
                out.append(BlockedPromotion(entry, result))
        return out

    # ------------------------------------------------------------ notes

    def describe(self, name: str, version: int, description: str) -> RegistryVersion:
        """Set a version's description (replacing the old one)."""
        text = str(description).strip()
        if len(text) > MAX_DESCRIPTION:
            raise StudioError(f"the description is over {MAX_DESCRIPTION} characters; shorten it")
        model = self.models.get(name, version)
        with self._locked(model) as connection:
            self._write_notes(connection, model, description=text)
        return self.version(name, version)

    def tag(self, name: str, version: int, tags: Mapping[str, str | None]) -> RegistryVersion:
        """Set a version's tags (key -> value); a value None removes that tag."""
        model = self.models.get(name, version)
        for key, value in tags.items():
            if not isinstance(key, str) or not key.strip() or len(key) > MAX_TAG_KEY:
                raise StudioError(f"tag key {key!r} must be a text of 1 to {MAX_TAG_KEY} characters")
            if value is not None and (not isinstance(value, str) or len(value) > MAX_TAG_VALUE):
                raise StudioError(f"tag {key}: the value must be a text of at most {MAX_TAG_VALUE} characters (None removes the tag)")
        with self._locked(model) as connection:
            merged = {**self._notes(connection, model)["tags"], **{k.strip(): v for k, v in tags.items()}}
            self._write_notes(connection, model, tags={k: v for k, v in merged.items() if v is not None})
        return self.version(name, version)

    def archive(self, name: str, version: int, *, reason: str | None = None, actor: str | None = None) -> RegistryVersion:
        """Archive a version: it keeps its artifact and history but cannot get an alias. Refused
        while an alias points at it."""
        return self._set_archived(name, version, True, reason, actor)

    def unarchive(self, name: str, version: int, *, reason: str | None = None, actor: str | None = None) -> RegistryVersion:
        return self._set_archived(name, version, False, reason, actor)

    def _set_archived(self, name: str, version: int, archived: bool, reason: str | None, actor: str | None) -> RegistryVersion:
        reason, actor = checked_reason(reason), checked_actor(actor)
        model = self.models.get(name, version)
        entries = []
        with self._locked(model) as connection:
            if self._notes(connection, model)["archived"] != archived:
                holding = sorted(alias for alias, number in self._aliases(connection, model.asset_id).items() if number == model.version)
                if archived and holding:
                    raise StudioError(
                        f"model {model.name} v{model.version} is {', '.join(holding)}; move or clear "
                        f"{'that alias' if len(holding) == 1 else 'those aliases'} before archiving it"
                    )
                self._write_notes(connection, model, archived=archived)
                entries.append(write_entry(
                    connection, actor=actor, action=ARCHIVE if archived else UNARCHIVE, asset_id=model.asset_id,
                    model=model.name, version=model.version, reason=reason,
                ))
        self._notify(entries)
        return self.version(name, version)

    # ------------------------------------------------------------ aliases

    def set_alias(self, name: str, version: int, alias: str, *, reason: str | None = None, actor: str | None = None) -> AuditEntry | None:
        """Point ``alias`` (``staging`` or one of your own) at a version, without tests; None when
        it points there already. ``production`` is set by ``promote``, which runs them."""
        alias, reason, actor = checked_alias(alias), checked_reason(reason), checked_actor(actor)
        if alias in GATED_ALIASES:
            raise StudioError(f"{alias} is set by a promotion, which runs the test suite: promote the version instead (`studio models promote NAME VERSION`)")
        model = self.models.get(name, version)
        with self._locked(model) as connection:
            self._refuse_archived(connection, model)
            current = self._aliases(connection, model.asset_id).get(alias)
            if current == model.version:
                return None
            entry = self._move(connection, model, alias, model.version, SET_ALIAS, current, reason, actor)
        self._notify([entry])
        return entry

    def clear_alias(self, name: str, alias: str, *, reason: str | None = None, actor: str | None = None) -> AuditEntry:
        """Remove ``alias`` from model ``name`` (a rollback can bring it back)."""
        alias, reason, actor = checked_alias(alias), checked_reason(reason), checked_actor(actor)
        model = self.models.get(name)
        with self._locked(model) as connection:
            current = self._aliases(connection, model.asset_id).get(alias)
            if current is None:
                raise StudioError(f"model {model.name} has no alias {alias}; its aliases are listed with its versions")
            entry = self._move(connection, model, alias, None, CLEAR_ALIAS, current, reason, actor)
        self._notify([entry])
        return entry

    def rollback(self, name: str, alias: str = PRODUCTION, *, reason: str | None = None, actor: str | None = None) -> AuditEntry:
        """Point ``alias`` back at the version that held it before the current one (one step per
        call: v1 → v2 → v3, then rollback gives v2, again v1). Not gated: that version held it."""
        alias, reason, actor = checked_alias(alias), checked_reason(reason), checked_actor(actor)
        model = self.models.get(name)
        with self._locked(model) as connection:
            stack = alias_stack(connection, model.asset_id, alias)
            if len(stack) < 2:
                raise StudioError(f"{alias} of model {model.name} has no earlier version to roll back to")
            current, target = stack[-1], stack[-2]
            if target is not None:
                self._refuse_archived(connection, self.models.get(model.name, target, connection=connection))
            entry = self._move(connection, model, alias, target, ROLLBACK, current, reason, actor)
        self._notify([entry])
        return entry

    # ------------------------------------------------------------ the gate

    def validate(self, name: str, version: int, *, suite: SuiteSpec | dict[str, Any] | None = None, actor: str | None = None) -> TestRun:
        """Run the test suite on a version (against the production version, if another one is)
        and store the result, without moving any alias."""
        actor = checked_actor(actor)
        model = self.models.get(name, version)
        spec = suite_spec(model, suite)
        reference = self._reference(model, spec, self.aliases(model.name).get(PRODUCTION))
        tests = run_gate(self.models, model, reference, spec)
        with self._locked(model) as connection:
            return self._store_run(connection, model, reference, tests, spec, actor)

    def promote(
        self,
        name: str,
        version: int,
        alias: str = PRODUCTION,
        *,
        reason: str | None = None,
        actor: str | None = None,
        suite: SuiteSpec | dict[str, Any] | None = None,
    ) -> PromotionResult:
        """Run the test suite on a version (its holdout rows; the production version, if another
        one is, as the no-regression reference), store the result and point ``alias`` at it if
        every test passed, or if ``reason`` says why it should anyway (an audited override).
        A blocked promotion returns ``promoted`` False (and is audited too); it raises only for
        bad input, an archived version, or an alias that moved while the tests ran."""
        alias, reason, actor = checked_alias(alias), checked_reason(reason), checked_actor(actor)
        model = self.models.get(name, version)
        with self.engine.connect() as connection:
            self._refuse_archived(connection, model)
            before = self._aliases(connection, model.asset_id)
        current = before.get(alias)
        if current == model.version:
            last = self.tests(model.name, model.version)
            return PromotionResult(
                model.name, model.version, alias, last.tests if last else [], True, current, unchanged=True,
                test_run=last.id if last else None,
            )
        spec = suite_spec(model, suite)
        reference = self._reference(model, spec, before.get(PRODUCTION))
        tests = run_gate(self.models, model, reference, spec)
        passed = suite_passed(tests)
        action = PROMOTE if passed else OVERRIDE if reason else BLOCKED
        with self._locked(model) as connection:
            now = self._aliases(connection, model.asset_id)
            for moved in dict.fromkeys([alias, PRODUCTION]):
                if now.get(moved) != before.get(moved):
                    change = "was cleared" if now.get(moved) is None else f"moved to v{now[moved]}"
                    raise StudioError(f"{moved} of model {model.name} {change} while the tests ran; promote again")
            run = self._store_run(connection, model, reference, tests, spec, actor)
            if action != BLOCKED:
                self._refuse_archived(connection, model)
                self._point(connection, model.asset_id, alias, model.version)
            entry = write_entry(
                connection, actor=actor, action=action, asset_id=model.asset_id, model=model.name, version=model.version,
                alias=alias, previous_version=current, reason=reason, tests=tests_summary(tests, run.id),
            )
        self._notify([entry])
        return PromotionResult(
            model.name, model.version, alias, tests, action != BLOCKED, current,
            overridden=action == OVERRIDE, reason=reason, test_run=run.id,
        )

    def _reference(self, model: ModelVersion, spec: SuiteSpec, production: int | None) -> ModelVersion | None:
        """The production version to compare ``model`` with: None when there is none, it is
        ``model`` itself, or the suite has no no-regression test."""
        if spec.no_regression is None or production is None or production == model.version:
            return None
        return self.models.get(model.name, production)

    # ------------------------------------------------------------ dependents

    def dependents_of(self, ref: AssetRef, connection: sa.Connection) -> list[Dependent]:
        """Aliases block deleting the model they point into (whatever serves an alias would
        lose its model)."""
        if ref.namespace != MODEL_NAMESPACE:
            return []
        pointed = self._aliases(connection, ref.asset_id)
        return [
            Dependent("alias", f"{alias} (v{number})", {"delete": "pointed at by"}, ALIAS_FIX)
            for alias, number in sorted(pointed.items())
            if ref.version is None or number == ref.version
        ]

    # ------------------------------------------------------------ within a transaction

    @contextmanager
    def _locked(self, model: ModelVersion) -> Iterator[sa.Connection]:
        """A transaction that holds the model's lock from its first statement (see the module
        docstring); the model was deleted meanwhile when the lock finds no row."""
        a = meta.assets
        with self.engine.begin() as connection:
            if not connection.execute(sa.update(a).where(a.c.id == model.asset_id).values(name=a.c.name)).rowcount:
                raise NotFound(f"model {model.name} was deleted meanwhile; `studio models list` shows the models")
            yield connection

    @staticmethod
    def _aliases(connection: sa.Connection, asset_id: int) -> dict[str, int]:
        rows = connection.execute(sa.select(meta.model_aliases.c.alias, meta.model_aliases.c.version).where(meta.model_aliases.c.asset_id == asset_id))
        return {row.alias: row.version for row in rows}

    def _move(
        self, connection: sa.Connection, model: ModelVersion, alias: str, version: int | None, action: str, previous: int | None,
        reason: str | None, actor: str,
    ) -> AuditEntry:
        """Point ``alias`` of ``model``'s asset at ``version`` (None: clear it) and audit it."""
        self._point(connection, model.asset_id, alias, version)
        return write_entry(
            connection, actor=actor, action=action, asset_id=model.asset_id, model=model.name,
            version=version, alias=alias, previous_version=previous, reason=reason,
        )

    @staticmethod
    def _point(connection: sa.Connection, asset_id: int, alias: str, version: int | None) -> None:
        """Point ``alias`` at ``version`` (None: remove it)."""
        table = meta.model_aliases
        connection.execute(sa.delete(table).where(table.c.asset_id == asset_id, table.c.alias == alias))
        if version is not None:
            connection.execute(sa.insert(table).values(asset_id=asset_id, alias=alias, version=version, updated_at=time.time()))

    @staticmethod
    def _notes(connection: sa.Connection, model: ModelVersion) -> dict[str, Any]:
        table = meta.model_version_notes
        row = connection.execute(sa.select(table).where(table.c.asset_id == model.asset_id, table.c.version == model.version)).first()
        if row is None:
            return {"description": "", "tags": {}, "archived": False}
        return {"description": row.description, "tags": dict(row.tags), "archived": bool(row.archived)}

    def _write_notes(self, connection: sa.Connection, model: ModelVersion, **changes: Any) -> None:
        table = meta.model_version_notes
        notes = {**self._notes(connection, model), **changes}
        connection.execute(sa.delete(table).where(table.c.asset_id == model.asset_id, table.c.version == model.version))
        connection.execute(sa.insert(table).values(asset_id=model.asset_id, version=model.version, updated_at=time.time(), **notes))

    def _refuse_archived(self, connection: sa.Connection, model: ModelVersion) -> None:
        if self._notes(connection, model)["archived"]:
            raise StudioError(f"model {model.name} v{model.version} is archived, so it cannot get an alias; unarchive it first")

    @staticmethod
    def _store_run(
        connection: sa.Connection, model: ModelVersion, reference: ModelVersion | None, tests: list[dict[str, Any]], spec: SuiteSpec, actor: str
    ) -> TestRun:
        values = {
            "asset_id": model.asset_id, "version": model.version, "reference_version": reference.version if reference else None,
            "passed": suite_passed(tests), "tests": tests, "spec": spec.to_json(), "actor": actor, "at": time.time(),
        }
        run_id = connection.execute(sa.insert(meta.model_test_runs).values(**values)).inserted_primary_key[0]
        del values["asset_id"]
        return TestRun(id=run_id, model=model.name, **values)

    def _with_notes(self, models: list[ModelVersion]) -> list[RegistryVersion]:
        if not models:
            return []
        asset_id = models[0].asset_id
        notes, runs = meta.model_version_notes, meta.model_test_runs
        with self.engine.connect() as connection:
            aliases = self._aliases(connection, asset_id)
            kept = {row.version: row for row in connection.execute(sa.select(notes).where(notes.c.asset_id == asset_id))}
            newest: dict[int, Any] = {}
            for row in connection.execute(sa.select(runs).where(runs.c.asset_id == asset_id).order_by(runs.c.id.desc())):
                newest.setdefault(row.version, row)
        out = []
        for model in models:
            note, run = kept.get(model.version), newest.get(model.version)
            out.append(RegistryVersion(
                model=model,
                aliases=sorted(alias for alias, number in aliases.items() if number == model.version),
                description=note.description if note else "",
                tags=dict(note.tags) if note else {},
                archived=bool(note.archived) if note else False,
                tests=None if run is None else TestRun(
                    id=run.id, model=model.name, version=run.version, reference_version=run.reference_version, passed=bool(run.passed),
                    tests=run.tests, spec=run.spec, actor=run.actor, at=run.at,
                ),
            ))
        return out

    def _notify(self, entries: list[AuditEntry]) -> None:
        for entry in entries:
            self.webhooks.notify({"event": entry.action, **entry.to_json()})
