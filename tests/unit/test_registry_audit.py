"""The audit log (studio/registry/_audit.py): one row per registry change with who, when, what
and why, newest first, per model or for all, kept after the model is deleted; the alias history
a rollback steps back through is replayed from it."""

import pytest

from studio import StudioError
from studio.registry import ACTIONS, default_actor
from studio.registry._audit import alias_stack, checked_actor, write_entry
from tests.helpers.registry_models import register


def test_every_change_is_a_row_newest_first(workspace, monkeypatch):
    register(workspace), register(workspace, "good_too"), register(workspace, name="eta")
    registry = workspace.registry
    monkeypatch.setenv("STUDIO_USER", "ops-bot")
    registry.promote("churn", 1)
    registry.set_alias("churn", 2, "staging", actor="ann", reason="try it")
    registry.promote("churn", 2, actor="ann")
    registry.rollback("churn", actor="bob", reason="latency")
    registry.clear_alias("churn", "staging")
    registry.archive("churn", 2, actor="bob")
    registry.set_alias("eta", 1, "shadow")
    log = registry.audit()
    assert [(e.model, e.action, e.version, e.alias, e.actor) for e in log] == [
        ("eta", "set_alias", 1, "shadow", "ops-bot"),
        ("churn", "archive", 2, None, "bob"),
        ("churn", "clear_alias", None, "staging", "ops-bot"),
        ("churn", "rollback", 1, "production", "bob"),
        ("churn", "promote", 2, "production", "ann"),
        ("churn", "set_alias", 2, "staging", "ann"),
        ("churn", "promote", 1, "production", "ops-bot"),
    ]
    assert [e.at for e in log] == sorted((e.at for e in log), reverse=True)
    assert {e.action for e in log} <= set(ACTIONS)
    assert [e.action for e in registry.audit("CHURN", limit=2)] == ["archive", "clear_alias"]
    assert [e.model for e in registry.audit("eta")] == ["eta"]
    assert log[3].to_json()["reason"] == "latency" and log[4].tests["passed"] is True


def test_the_log_follows_renames_and_outlives_the_model(workspace):
    register(workspace)
    workspace.registry.set_alias("churn", 1, "staging")
    workspace.models.rename("churn", "attrition")
    workspace.registry.clear_alias("attrition", "staging")
    assert [(e.model, e.action) for e in workspace.registry.audit("attrition")] == [("attrition", "clear_alias"), ("churn", "set_alias")]
    workspace.models.delete("attrition")
    assert [e.action for e in workspace.registry.audit("attrition")] == ["clear_alias"]  # by the name it had then
    assert len(workspace.registry.audit()) == 2


def test_the_alias_history_is_replayed_as_a_stack(workspace):
    with workspace.engine.begin() as connection:
        for action, version in [("promote", 1), ("blocked", 2), ("override", 2), ("set_alias", 3), ("rollback", 2), ("clear_alias", None), ("archive", 1)]:
            write_entry(connection, actor="t", action=action, asset_id=7, model="m", version=version, alias=None if action == "archive" else "production")
        write_entry(connection, actor="t", action="set_alias", asset_id=7, model="m", version=9, alias="staging")
        assert alias_stack(connection, 7, "production") == [1, 2, None]
        assert alias_stack(connection, 7, "staging") == [9]
        assert alias_stack(connection, 8, "production") == []


def test_the_actor_defaults_to_the_studio_user_and_is_checked(monkeypatch):
    monkeypatch.setenv("STUDIO_USER", "ci")
    assert default_actor() == checked_actor(None) == "ci"
    monkeypatch.delenv("STUDIO_USER")
    assert default_actor()  # the operating-system user
    assert checked_actor("  Ann   Lee ") == "Ann Lee"
    with pytest.raises(StudioError, match="the actor is empty"):
        checked_actor(" ")
    with pytest.raises(StudioError, match="the actor name is over 200 characters"):
        checked_actor("x" * 201)
