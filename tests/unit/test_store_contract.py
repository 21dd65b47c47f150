"""The versioned store's contract (studio/versioned.py), run against every store: adding and
versioning, names that ignore case, rename and delete (refused while something depends on the
asset), export, and concurrent adds from several processes."""

import multiprocessing

import pandas as pd
import pytest

from studio import NotFound, StudioError
from tests.helpers.store_cases import CASES, add_in_process

every_store = pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
depended_on_stores = pytest.mark.parametrize("case", [c for c in CASES.values() if c.depend], ids=[n for n, c in CASES.items() if c.depend])
exporting_stores = pytest.mark.parametrize("case", [c for c in CASES.values() if c.exports], ids=[n for n, c in CASES.items() if c.exports])
payload_stores = pytest.mark.parametrize("case", [c for c in CASES.values() if c.payload], ids=[n for n, c in CASES.items() if c.payload])


@every_store
def test_versions_are_numbered_and_immutable(case, workspace):
    store = case.store(workspace)
    first = case.add(workspace, "things", 1)
    assert (first.name, first.version) == ("things", 1)
    again = case.add(workspace, "things", 1)
    assert again.version == 1 and again.content_hash == first.content_hash  # same content: unchanged
    second = case.add(workspace, "things", 2)
    assert second.version == 2 and second.content_hash != first.content_hash
    assert [v.version for v in store.versions("things")] == [2, 1]
    assert store.get("things") == second
    assert store.get("things", 1) == first  # an old version reads back exactly as it was
    assert store.get_by_id(first.asset_id, 1) == first
    if case.payload is not None:
        assert case.payload(workspace, first).exists() and case.payload(workspace, second).exists()
    with pytest.raises(NotFound, match="version 3"):
        store.get("things", 3)


@every_store
def test_delete_removes_every_version(case, workspace):
    store = case.store(workspace)
    case.add(workspace, "things", 1)
    case.add(workspace, "things", 2)
    kept = case.add(workspace, "keeper", 1)
    assert store.delete("things") == [2, 1]
    with pytest.raises(NotFound):
        store.versions("things")
    assert [v.name for v in store.list()] == ["keeper"] and store.get("keeper") == kept


@every_store
def test_list_gives_the_newest_version_of_each_by_name(case, workspace):
    store = case.store(workspace)
    case.add(workspace, "beta", 1)
    case.add(workspace, "alpha", 1)
    case.add(workspace, "alpha", 2)
    assert [(v.name, v.version) for v in store.list()] == [("alpha", 2), ("beta", 1)]


@every_store
def test_names_ignore_case_and_must_be_valid(case, workspace):
    store = case.store(workspace)
    case.add(workspace, "Things", 1)
    assert store.get("things").name == "Things"
    with pytest.raises(StudioError, match="may not differ only in case"):
        case.add(workspace, "THINGS", 2)
    with pytest.raises(StudioError, match="not a valid"):
        store.rename("Things", "no spaces")
    with pytest.raises(StudioError, match="not a valid"):
        store.rename("Things", "x" * 64)
    assert store.rename("Things", "y" * 63).name == "y" * 63  # 63 characters are allowed


@every_store
def test_rename_keeps_versions_and_identity(case, workspace):
    store = case.store(workspace)
    first = case.add(workspace, "things", 1)
    case.add(workspace, "things", 2)
    renamed = store.rename("things", "stuff")
    assert (renamed.name, renamed.version, renamed.asset_id) == ("stuff", 2, first.asset_id)
    assert [v.version for v in store.versions("stuff")] == [2, 1]
    with pytest.raises(NotFound):
        store.get("things")
    case.add(workspace, "other", 1)
    with pytest.raises(StudioError, match="exists already"):
        store.rename("stuff", "OTHER")
    assert store.rename("stuff", "Stuff").name == "Stuff"  # a change of case only is fine


@depended_on_stores
def test_rename_and_delete_are_refused_while_something_depends_on_it(case, workspace):
    store = case.store(workspace)
    version = case.add(workspace, "things", 1)
    undo = case.depend(workspace, "things")
    with pytest.raises(StudioError, match="things is .* by .*renaming it would break it"):
        store.rename("things", "stuff")
    with pytest.raises(StudioError, match="things is .* by .*deleting it would break it"):
        store.delete("things")
    assert store.get("things") == version and case.payload(workspace, version).exists()
    undo()
    assert store.delete("things") == [1]
    with pytest.raises(NotFound):
        store.get("things")


@payload_stores
def test_delete_removes_payloads_nothing_else_uses(case, workspace):
    store = case.store(workspace)
    kept = case.add(workspace, "keeper", 1)
    first = case.add(workspace, "things", 1)  # the same content as keeper's
    second = case.add(workspace, "things", 2)
    assert store.delete("things") == [2, 1]
    assert case.payload(workspace, kept).exists() and first.content_hash == kept.content_hash
    assert not case.payload(workspace, second).exists()
    assert store.get("keeper") == kept


@exporting_stores
def test_export_writes_a_version(case, workspace, tmp_path):
    store = case.store(workspace)
    case.add(workspace, "things", 1)
    case.add(workspace, "things", 2)
    assert len(pd.read_parquet(store.export("things", tmp_path / "old.parquet", version=1))) == 2
    assert len(pd.read_csv(store.export("things", tmp_path / "new.csv"))) == 3
    with pytest.raises(StudioError, match="already exists"):
        store.export("things", tmp_path / "new.csv")


@every_store
def test_concurrent_adds_from_several_processes_get_consecutive_versions(case, workspace):
    workers = 4
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        results = pool.starmap(add_in_process, [(case.name, str(workspace.root), "shared", variant) for variant in range(1, workers + 1)])
    assert sorted(number for number, _ in results) == list(range(1, workers + 1))
    assert len({content_hash for _, content_hash in results}) == workers
    assert [v.version for v in case.store(workspace).versions("shared")] == list(range(workers, 0, -1))


# ---------------------------------------------------------------- the store's own rules and messages


def test_a_valid_name_is_sql_friendly_and_the_refusal_names_the_noun():
    from studio.versioned import validate_name

    for name in ("a", "_x", "Orders_2026", "x" * 63):
        assert validate_name(name) == name
    for name in ("", None, "2fast", "with space", "dash-ed", "x" * 64, "ok\n"):
        with pytest.raises(StudioError) as caught:
            validate_name(name, "dataset")
        assert caught.value.message == (
            f"{name!r} is not a valid dataset name; use letters, digits and _ (starting with a letter or _), at most 63 characters"
        )
    with pytest.raises(StudioError, match="'no way' is not a valid source name"):
        validate_name("no way")


def test_a_blocked_change_names_each_dependent_once_grouped_by_how_it_refers():
    from studio.versioned import Dependent, blocked_error

    def dependent(noun, name, how="read by", fix="delete {them} first"):
        return Dependent(noun=noun, name=name, blocks={"delete": how, "rename": "named by"}, fix=fix)

    one = blocked_error("crm", "delete", "deleting", [dependent("recipe", "cities")])
    assert one.message == "crm is read by recipe cities; deleting it would break it: delete it first"
    many = blocked_error(
        "crm",
        "delete",
        "deleting",
        [dependent("recipe", "cities"), dependent("recipe", "shops"), dependent("model", "churn", "trained on", "retire {them}")],
    )
    assert many.message == (
        "crm is read by recipes cities, shops and trained on model churn; deleting it would break them: delete them first; retire them"
    )
    two = blocked_error("crm", "delete", "deleting", [dependent("recipe", "cities"), dependent("recipe", "shops", fix="delete {them} first")])
    assert two.message == "crm is read by recipes cities, shops; deleting it would break them: delete them first"
    renamed = blocked_error("crm", "rename", "renaming", [dependent("recipe", "cities")])
    assert renamed.message == "crm is named by recipe cities; renaming it would break it: delete it first"


@every_store
def test_version_refs_and_lineage_name_the_asset_by_id(case, workspace):
    version = case.add(workspace, "things", 1)
    ref = version.ref("space")
    assert (ref.namespace, ref.kind, ref.asset_id, ref.name, ref.version) == ("space", version.kind, version.asset_id, "things", 1)
    assert version.ref("space", whole=True).version is None
    assert version.lineage() == {
        "name": "things", "kind": version.kind, "asset_id": version.asset_id, "version": 1, "content_hash": version.content_hash,
    }


@every_store
def test_what_is_missing_is_said_with_the_command_that_lists_what_is_there(case, workspace):
    store = case.store(workspace)
    version = case.add(workspace, "things", 1)
    with pytest.raises(NotFound) as caught:
        store.get("THINGS", 2)
    assert caught.value.message == f"THINGS has no version 2; `{store.versions_command} THINGS` lists its versions"
    for missing in (lambda: store.get("nothing"), lambda: store.get("nothing", 1), lambda: store.versions("nothing")):
        with pytest.raises(NotFound) as caught:
            missing()
        assert caught.value.message == f"no {store.noun} 'nothing'; `{store.list_command}` shows the {store.noun}s"
    with pytest.raises(NotFound) as caught:
        store.get_by_id(version.asset_id, 2)
    assert caught.value.message == f"no {store.noun} with id {version.asset_id} version 2"
    with pytest.raises(NotFound):
        store.get_by_id(version.asset_id + 1000, 1)


@every_store
def test_an_asset_keeps_its_versions_apart_from_others(case, workspace):
    """Versions number per asset, the newest is the highest number, and a version's time of
    creation is when it was added."""
    import time

    store = case.store(workspace)
    before = time.time()
    case.add(workspace, "alpha", 1)
    case.add(workspace, "alpha", 2)
    beta = case.add(workspace, "beta", 3)
    alpha = case.add(workspace, "alpha", 3)
    assert (alpha.version, beta.version) == (3, 1)
    assert before <= beta.created_at <= alpha.created_at <= time.time()
    assert store.get("alpha") == alpha and store.get("beta") == beta
    assert [v.version for v in store.versions("alpha")] == [3, 2, 1] and store.versions("beta") == [beta]
    assert store.get_by_id(beta.asset_id, 1) == beta and alpha.asset_id != beta.asset_id


def test_a_name_is_one_asset_across_the_kinds_of_a_namespace(workspace, files):
    """Sources and datasets share the tables' namespace (SQL sees both by name)."""
    from studio.datasets import Recipe

    workspace.sources.add_file(files["csv"], "orders")
    workspace.datasets.build(Recipe.from_json({"name": "build_cities", "output": "cities", "inputs": ["orders"]}))
    with pytest.raises(StudioError) as caught:
        workspace.sources.add_file(files["csv"], "Cities")
    assert caught.value.message == "'cities' is the name of a dataset; choose another source name"
    with pytest.raises(StudioError) as caught:
        workspace.sources.rename("orders", "CITIES")
    assert caught.value.message == "a dataset named 'cities' exists already; choose another name"
    assert [t.name for t in workspace.tables.list()] == ["cities", "orders"]


def test_a_write_that_keeps_losing_the_race_is_retried_then_refused(workspace):
    import sqlalchemy as sa

    store = workspace.sources
    attempts = []

    def losing(connection):
        attempts.append(connection)
        raise sa.exc.IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed"))

    with pytest.raises(StudioError) as caught:
        store._transaction(losing, "adding things")
    assert caught.value.message == "adding things: other writes of this source kept winning the race; try again"
    assert len(attempts) == 3

    def wins_the_second_time(connection):
        attempts.append(connection)
        if len(attempts) == 4:
            raise sa.exc.IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed"))
        return "done"

    assert store._transaction(wins_the_second_time, "adding things") == "done" and len(attempts) == 5


@every_store
def test_rename_and_delete_ask_for_what_depends_on_any_version_and_name_the_noun(case, workspace):
    """A dependent of any version blocks renaming or deleting the asset, so the store asks
    about the whole asset (version None), whichever version is newest."""
    import copy
    import dataclasses

    store = case.store(workspace)
    case.add(workspace, "things", 1)
    case.add(workspace, "things", 2)
    asked = []
    watched = copy.copy(store)
    watched.services = dataclasses.replace(store.services, dependents=lambda ref, connection: asked.append(ref) or [])
    watched.rename("things", "stuff")
    watched.delete("stuff")
    assert [(ref.name, ref.version, ref.kind) for ref in asked] == [("things", None, store.kind), ("stuff", None, store.kind)]
    case.add(workspace, "other", 1)
    with pytest.raises(StudioError) as caught:
        store.rename("other", "no way")
    assert caught.value.message.startswith(f"'no way' is not a valid {store.noun} name;")


@every_store
def test_a_deleted_asset_leaves_no_row_and_frees_its_name(case, workspace):
    import sqlalchemy as sa

    from studio import meta

    store = case.store(workspace)
    gone = case.add(workspace, "things", 1)
    case.add(workspace, "things", 2)
    case.add(workspace, "keeper", 1)
    store.delete("things")
    with workspace.engine.connect() as connection:
        assert connection.execute(sa.select(meta.assets.c.id).where(meta.assets.c.id == gone.asset_id)).all() == []
        assert connection.execute(sa.select(meta.asset_versions.c.version).where(meta.asset_versions.c.asset_id == gone.asset_id)).all() == []
    assert store.rename("keeper", "things").name == "things"


def test_a_name_is_taken_only_within_its_namespace(workspace, files):
    """A feature recipe and a source may share a name: they live in different namespaces."""
    for name in ("orders", "sales"):
        workspace.features.save(name, {"target": "y", "columns": {"x": {"kind": "numeric"}}})
    assert workspace.sources.add_file(files["csv"], "orders").table.version == 1
    workspace.sources.add_file(files["csv"], "stock")
    assert workspace.sources.rename("stock", "sales").name == "sales"
    assert [v.name for v in workspace.features.list()] == ["orders", "sales"]
    with pytest.raises(AssertionError, match="TableStore only reads"):
        workspace.tables._commit_version(None, "x", "hash", 0, {}, {})


def test_a_store_reads_only_its_own_kinds(workspace, files):
    """Sources and datasets share a namespace; each store sees only its kind, the tables view both."""
    from studio.datasets import Recipe

    workspace.sources.add_file(files["csv"], "orders")
    workspace.datasets.build(Recipe.from_json({"name": "build_cities", "output": "cities", "inputs": ["orders"]}))
    assert [v.name for v in workspace.sources.list()] == ["orders"]
    assert [v.name for v in workspace.datasets.list()] == ["cities"]
    assert [v.name for v in workspace.tables.list()] == ["cities", "orders"]
    with pytest.raises(NotFound):
        workspace.sources.get("cities")
    with pytest.raises(NotFound):
        workspace.datasets.versions("orders")


def test_adding_says_whether_anything_changed_and_keeps_the_origin(workspace, files, tmp_path):
    added = workspace.sources.add_file(files["csv"], "orders")
    assert added.unchanged is False and added.table.origin["file"] == "data.csv"
    again = workspace.sources.add_file(files["csv"], "orders")
    assert again.unchanged is True and again.table == added.table
    other = tmp_path / "other.csv"
    other.write_text("id,city\n1,Paris\n")
    newer = workspace.sources.add_file(other, "orders")
    assert (newer.unchanged, newer.table.version, newer.table.origin["file"]) == (False, 2, "other.csv")
    assert workspace.sources.get("orders", 1).origin == added.table.origin
    recipe = {"target": "y", "columns": {"x": {"kind": "numeric"}}}
    assert workspace.features.save("spec", recipe).unchanged is False
    assert workspace.features.save("spec", recipe).unchanged is True


def test_a_payload_goes_when_no_version_of_its_namespace_uses_it(workspace, files):
    """Namespaces keep their payloads apart: a version elsewhere with the same content hash
    does not keep a deleted table's file."""
    import sqlalchemy as sa

    from studio import meta

    table = workspace.sources.add_file(files["csv"], "orders").table
    with workspace.engine.begin() as connection:
        elsewhere = connection.execute(
            sa.insert(meta.assets).values(namespace="elsewhere", kind="other", name="orders", name_key="orders", created_at=0.0)
        ).inserted_primary_key[0]
        connection.execute(
            sa.insert(meta.asset_versions).values(
                asset_id=elsewhere, version=1, content_hash=table.content_hash, bytes=0, info={}, origin={}, created_at=0.0
            )
        )
    assert table.path.exists()
    workspace.sources.delete("orders")
    assert not table.path.exists()
