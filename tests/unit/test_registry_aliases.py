"""Registry aliases, notes and archive (studio/registry/_registry.py): set, move and clear an
alias, which version is production, tags and descriptions, archived versions that cannot get
an alias, lineage from the version's origin, two versions compared side by side, aliases that block
deleting their model, and alias moves from several processes at once that stay serialized."""

import multiprocessing

import pytest

from studio import StudioError, Workspace
from studio.errors import NotFound
from studio.registry import checked_alias
from studio.registry._audit import alias_stack
from tests.helpers.registry_models import register
from tests.helpers.servers import fresh_database


def test_an_alias_is_set_moved_and_cleared(workspace):
    register(workspace, "good"), register(workspace, "good_too")
    registry = workspace.registry
    assert registry.aliases("churn") == {} and registry.holder("churn", "staging") is None
    entry = registry.set_alias("churn", 1, "Staging", actor="ann")
    assert (entry.action, entry.version, entry.alias, entry.previous_version, entry.actor) == ("set_alias", 1, "staging", None, "ann")
    assert registry.set_alias("churn", 1, "staging") is None  # already there: nothing to record
    moved = registry.set_alias("churn", 2, "staging", reason="fresher data")
    assert (moved.version, moved.previous_version, moved.reason) == (2, 1, "fresher data")
    registry.set_alias("churn", 1, "shadow")
    assert registry.aliases("churn") == {"staging": 2, "shadow": 1}
    assert registry.get("churn", "staging").version == 2
    assert [v.aliases for v in registry.versions("churn")] == [["staging"], ["shadow"]]
    cleared = registry.clear_alias("churn", "staging")
    assert (cleared.action, cleared.version, cleared.previous_version) == ("clear_alias", None, 2)
    assert registry.aliases("churn") == {"shadow": 1}
    with pytest.raises(NotFound, match="model churn has no staging version; promote one first"):
        registry.get("churn", "staging")
    with pytest.raises(StudioError, match="model churn has no alias staging"):
        registry.clear_alias("churn", "staging")


def test_bad_aliases_and_production_without_the_gate_are_refused(workspace):
    register(workspace)
    for bad in ("", "1st", "has space", "x" * 41, "prod!"):
        with pytest.raises(StudioError, match="is not a valid alias"):
            checked_alias(bad)
    with pytest.raises(StudioError, match="production is set by a promotion, which runs the test suite"):
        workspace.registry.set_alias("churn", 1, "production")
    with pytest.raises(NotFound, match="churn has no version 9"):
        workspace.registry.set_alias("churn", 9, "staging")
    with pytest.raises(StudioError, match="the reason is empty"):
        workspace.registry.set_alias("churn", 1, "staging", reason="   ")
    assert workspace.registry.audit() == []


def test_tags_and_description_are_kept_per_version(workspace):
    register(workspace), register(workspace, "good_too")
    registry = workspace.registry
    registry.describe("churn", 1, "  first model, trained on March  ")
    registry.tag("churn", 1, {"team": "growth", "ticket": "ML-12"})
    tagged = registry.tag("churn", 1, {"ticket": None, "reviewed": "yes"})
    assert (tagged.description, tagged.tags) == ("first model, trained on March", {"team": "growth", "reviewed": "yes"})
    assert registry.version("churn", 2).tags == {} and registry.version("churn", 2).description == ""
    with pytest.raises(StudioError, match="tag key '' must be a text"):
        registry.tag("churn", 1, {"": "x"})
    with pytest.raises(StudioError, match="tag team: the value must be a text"):
        registry.tag("churn", 1, {"team": 3})
    assert registry.version("churn", 1).to_json()["tags"] == {"team": "growth", "reviewed": "yes"}


def test_an_archived_version_cannot_get_an_alias_and_an_aliased_one_cannot_be_archived(workspace):
    register(workspace), register(workspace, "good_too")
    registry = workspace.registry
    registry.set_alias("churn", 1, "staging")
    with pytest.raises(StudioError, match="model churn v1 is staging; move or clear that alias before archiving it"):
        registry.archive("churn", 1)
    archived = registry.archive("churn", 2, reason="superseded", actor="ann")
    assert archived.archived and registry.archive("churn", 2).archived  # again: nothing more happens
    with pytest.raises(StudioError, match="model churn v2 is archived, so it cannot get an alias; unarchive it first"):
        registry.set_alias("churn", 2, "staging")
    with pytest.raises(StudioError, match="is archived"):
        registry.promote("churn", 2, reason="anyway")
    assert not registry.unarchive("churn", 2, actor="bob").archived
    registry.set_alias("churn", 2, "staging")
    assert [(e.action, e.version, e.actor, e.reason) for e in registry.audit("churn") if e.action.endswith("archive")] == [
        ("unarchive", 2, "bob", None), ("archive", 2, "ann", "superseded"),
    ]


def test_lineage_comes_from_the_origin_and_follows_renames(workspace, files):
    table = workspace.sources.add_file(files["csv"], "orders").table
    version, _ = workspace.models.register(
        "eta", register(workspace).path.read_bytes(), {"task": "binary", "target": "y"},
        {"kind": "training_run", "dataset": table.lineage(), "run": {"study": "eta-1", "job": 4}},
    )
    workspace.sources.rename("orders", "orders_2026")
    lineage = workspace.registry.lineage("eta", version.version)
    assert lineage["kind"] == "training_run" and lineage["run"] == {"study": "eta-1", "job": 4}
    assert (lineage["dataset"]["name"], lineage["dataset"]["current_name"], lineage["dataset"]["version"]) == ("orders", "orders_2026", 1)
    assert lineage["feature_recipe"] is None


def test_an_alias_blocks_deleting_its_model(workspace):
    register(workspace)
    workspace.registry.set_alias("churn", 1, "staging")
    with pytest.raises(StudioError, match=r"churn is pointed at by alias staging \(v1\); deleting it would break it: move or clear it first"):
        workspace.models.delete("churn")
    workspace.registry.clear_alias("churn", "staging")
    assert workspace.models.delete("churn") == [1]
    assert [e.action for e in workspace.registry.audit("churn")] == ["clear_alias", "set_alias"]  # the log outlives the model


def _move_aliases(root: str, versions: list[int]) -> None:
    """Run in a separate process (multiprocessing, spawn): move staging through ``versions``."""
    registry = Workspace.open(root).registry
    for number in versions:
        registry.set_alias("churn", number, "staging", actor=f"worker {number}")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_alias_moves_from_several_processes_stay_serialized(backend, tmp_path, request, monkeypatch):
    if backend == "postgresql":  # through STUDIO_DB_URL, which the worker processes inherit
        monkeypatch.setenv("STUDIO_DB_URL", fresh_database(request.getfixturevalue("postgres_url"), f"alias_{tmp_path.name[-12:]}"))
    workspace = Workspace.init(tmp_path / "ws")
    for kind in ("good", "good_too", "worse"):
        register(workspace, kind)
    plans = [[1, 2, 3, 1, 2], [3, 1, 2, 3, 1], [2, 3, 1, 2, 3]]
    with multiprocessing.get_context("spawn").Pool(len(plans)) as pool:
        pool.starmap(_move_aliases, [(str(workspace.root), plan) for plan in plans])
    moves = list(reversed(workspace.registry.audit("churn")))
    assert moves and all(entry.action == "set_alias" for entry in moves)
    # Each move saw the one before it: its previous version is where the last move left it.
    assert [entry.previous_version for entry in moves] == [None] + [entry.version for entry in moves[:-1]]
    assert all(entry.version != entry.previous_version for entry in moves)
    with workspace.engine.connect() as connection:
        stack = alias_stack(connection, workspace.models.get("churn").asset_id, "staging")
    assert stack[-1] == workspace.registry.holder("churn", "staging") == moves[-1].version


def test_two_versions_side_by_side(workspace):
    first, _ = workspace.models.register(
        "eta", register(workspace).path.read_bytes(),
        {"task": "binary", "target": "y", "metric": "roc_auc", "scores": {"holdout": 0.98, "cv": 0.97}, "params": {"C": 1.0}, "signature": {"columns": []}},
        {"kind": "training_run", "run": "eta-1"},
    )
    second, _ = workspace.models.register(
        "eta", register(workspace, "worse").path.read_bytes(),
        {"task": "binary", "target": "y", "metric": "roc_auc", "scores": {"holdout": 0.96, "cv": 0.97}, "params": {"C": 1.0, "l1_ratio": 0.5}},
        {"kind": "training_run", "run": "eta-2"},
    )
    workspace.registry.tag("eta", 2, {"owner": "ann"})
    workspace.registry.validate("eta", 1, suite={"latency": False, "no_regression": False})
    side = workspace.registry.compare("eta", 1, 2)
    differing = {row["key"]: (row["a"], row["b"]) for row in side["info"] if row["differs"]}
    assert differing == {"scores.holdout": (0.98, 0.96), "params.l1_ratio": (None, 0.5)}
    assert "signature" not in {row["key"].split(".")[0] for row in side["info"]}
    assert [(row["name"], row["a"]["passed"], row["b"]) for row in side["tests"]] == [("suite", False, None)]  # no holdout kept
    assert (side["lineage"]["a"]["run"], side["lineage"]["b"]["run"]) == ("eta-1", "eta-2")
    assert side["notes"]["tags"] == {"a": {}, "b": {"owner": "ann"}} and side["versions"] == [1, 2]
    assert side["artifact"]["a"]["content_hash"] == first.content_hash != second.content_hash
