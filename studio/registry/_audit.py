"""The registry's audit log: one row per promotion (passed, overridden or blocked), rollback,
alias change and (un)archive, saying who, when, what and why, with the test suite's summary.

The log is also the history of every alias: replaying a model's rows for one alias gives the
versions that held it, which is what a rollback steps back through (``alias_stack``).
"""

from __future__ import annotations

import getpass
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import sqlalchemy as sa

from studio import meta
from studio.errors import StudioError

PROMOTE, OVERRIDE, BLOCKED, ROLLBACK = "promote", "override", "blocked", "rollback"
SET_ALIAS, CLEAR_ALIAS, ARCHIVE, UNARCHIVE = "set_alias", "clear_alias", "archive", "unarchive"
ACTIONS = (PROMOTE, OVERRIDE, BLOCKED, ROLLBACK, SET_ALIAS, CLEAR_ALIAS, ARCHIVE, UNARCHIVE)
# What each action does to the alias it names: point it at the row's version, clear it, or
# step back one (a blocked promotion and (un)archiving leave aliases alone).
_PUSHES = (PROMOTE, OVERRIDE, SET_ALIAS)
MAX_ACTOR = 200


def default_actor() -> str:
    """Who acts when no one is named: ``STUDIO_USER``, else the operating-system user."""
    try:
        fallback = getpass.getuser()
    except (KeyError, OSError):
        fallback = "unknown"
    return os.environ.get("STUDIO_USER") or fallback


def checked_actor(actor: str | None) -> str:
    actor = default_actor() if actor is None else " ".join(str(actor).split())
    if not actor:
        raise StudioError("the actor is empty; name who acts (or set STUDIO_USER)")
    if len(actor) > MAX_ACTOR:
        raise StudioError(f"the actor name is over {MAX_ACTOR} characters; use a shorter one")
    return actor


def checked_reason(reason: str | None) -> str | None:
    """None, or the reason with its spacing tidied; a blank reason is refused."""
    if reason is None:
        return None
    tidy = " ".join(str(reason).split())
    if not tidy:
        raise StudioError("the reason is empty; write why (it goes into the audit log)")
    return tidy


@dataclass(frozen=True)
class AuditEntry:
    """One audited registry action. ``previous_version`` is what the alias pointed at before
    (None: nothing); ``tests`` the suite's summary for promotions."""

    id: int
    at: float
    actor: str
    action: str
    model: str
    version: int | None
    alias: str | None
    previous_version: int | None
    reason: str | None
    tests: dict[str, Any] | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def tests_summary(tests: Sequence[dict[str, Any]], run_id: int | None) -> dict[str, Any]:
    """What the audit log keeps of a suite run: the counts, the failed tests' names and the run."""
    failed = [row["name"] for row in tests if not row["passed"]]
    return {"run_id": run_id, "passed": not failed, "total": len(tests), "failed": failed}


def write_entry(
    connection: sa.Connection,
    *,
    actor: str,
    action: str,
    asset_id: int,
    model: str,
    version: int | None,
    alias: str | None = None,
    previous_version: int | None = None,
    reason: str | None = None,
    tests: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add one row within ``connection``'s transaction (so it commits with the change it records)."""
    assert action in ACTIONS, action
    values = {
        "at": time.time(), "actor": actor, "action": action, "asset_id": asset_id, "model": model, "model_key": model.lower(),
        "version": version, "alias": alias, "previous_version": previous_version, "reason": reason, "tests": tests,
    }
    entry_id = connection.execute(sa.insert(meta.registry_audit).values(**values)).inserted_primary_key[0]
    return _entry({**values, "id": entry_id})


def _entry(values: Mapping[str, Any]) -> AuditEntry:
    return AuditEntry(
        id=values["id"], at=values["at"], actor=values["actor"], action=values["action"], model=values["model"],
        version=values["version"], alias=values["alias"], previous_version=values["previous_version"],
        reason=values["reason"], tests=values["tests"],
    )


def read_entries(connection: sa.Connection, *, asset_id: int | None = None, model_key: str | None = None, limit: int | None = None) -> list[AuditEntry]:
    """Rows newest first: every model's, one model's by id (it survives renames), or by the name
    it had (for a model deleted since)."""
    audit = meta.registry_audit
    query = sa.select(audit).order_by(audit.c.id.desc())
    if asset_id is not None:
        query = query.where(audit.c.asset_id == asset_id)
    elif model_key is not None:
        query = query.where(audit.c.model_key == model_key)
    if limit is not None:
        query = query.limit(limit)
    return [_entry(row._mapping) for row in connection.execute(query)]


def alias_stack(connection: sa.Connection, asset_id: int, alias: str) -> list[int | None]:
    """The versions that held ``alias`` of a model, oldest first, as a stack: a promotion or an
    alias set pushes its version, a clear pushes None, a rollback pops. The last item is what the
    alias points at now; the one before it is where a rollback goes."""
    audit = meta.registry_audit
    rows = connection.execute(
        sa.select(audit.c.action, audit.c.version).where(audit.c.asset_id == asset_id, audit.c.alias == alias).order_by(audit.c.id)
    ).all()
    stack: list[int | None] = []
    for row in rows:
        if row.action in _PUSHES:
            stack.append(row.version)
        elif row.action == CLEAR_ALIAS:
            stack.append(None)
        elif row.action == ROLLBACK and stack:
            stack.pop()
    return stack
