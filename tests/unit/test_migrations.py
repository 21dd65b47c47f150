"""Migrations: a workspace written by an older studio opens with all its data, and the
migrations build exactly the schema the code declares."""

import json
import time
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from studio import Workspace, meta
from studio.lake import sha256_file
from studio.meta import current_revision, head_revision
from studio.workspace import MARKER
from tests.helpers.servers import fresh_database


def _database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The metadata DB of the workspace at ``tmp_path/ws``: a SQLite file, or a fresh database
    on the tests' PostgreSQL server (through STUDIO_DB_URL, as a team would set it)."""
    if backend == "sqlite":
        return f"sqlite:///{(tmp_path / 'ws' / 'studio.db').resolve()}"
    db_url = fresh_database(request.getfixturevalue("postgres_url"), f"mig_{tmp_path.name[-12:]}")
    monkeypatch.setenv("STUDIO_DB_URL", db_url)
    return db_url


def _old_workspace(root: Path, db_url: str) -> dict[str, str]:
    """A workspace as the studio of revision 0003 wrote it: two sources (one renamed since a
    dataset was built from it), a dataset with lineage by table id, a saved recipe, a profile
    and a finished job, with the lake files in place. Returns the content hashes."""
    for sub in ("lake/tables", "lake/tmp", "uploads", "artifacts", "logs"):  # as `studio init` made them
        (root / sub).mkdir(parents=True)
    (root / MARKER).write_text(json.dumps({"studio_workspace": 1}) + "\n")
    hashes = {}
    for name, frame in {
        "orders": pd.DataFrame({"id": [1, 2, 3], "city": ["Paris", "Lyon", None]}),
        "clean": pd.DataFrame({"id": [1, 2], "city": ["Paris", "Lyon"]}),
    }.items():
        temp = root / f"{name}.parquet"
        frame.to_parquet(temp, index=False)
        hashes[name] = sha256_file(temp)
        temp.rename(root / "lake" / "tables" / f"{hashes[name]}.parquet")
    engine = meta.create_engine(db_url)
    meta.upgrade(engine, "0003")
    now = time.time()
    columns = [{"name": "id", "type": "BIGINT"}, {"name": "city", "type": "VARCHAR"}]
    old = sa.MetaData()
    with engine.begin() as connection:
        sources, versions, recipes, profiles, jobs = (sa.Table(t, old, autoload_with=connection) for t in ("sources", "source_versions", "recipes", "profiles", "jobs"))
        connection.execute(sa.insert(sources), [
            {"id": 1, "name": "Orders_Raw", "created_at": now, "kind": "source"},
            {"id": 2, "name": "clean", "created_at": now, "kind": "dataset"},
        ])
        connection.execute(sa.insert(versions), [
            {"source_id": 1, "version": 1, "content_hash": hashes["orders"], "rows": 3, "bytes": 100, "columns": columns,
             "origin": {"kind": "file", "file": "orders.csv"}, "created_at": now},
            {"source_id": 2, "version": 1, "content_hash": hashes["clean"], "rows": 2, "bytes": 90, "columns": columns,
             "origin": {"kind": "recipe", "recipe": "Clean", "recipe_hash": "ab" * 32, "spec": {"inputs": [{"table": "orders", "version": None}]},
                        "inputs": [{"table": "orders", "table_id": 1, "kind": "source", "version": 1, "content_hash": hashes["orders"]}]},
             "created_at": now},
        ])
        connection.execute(sa.insert(recipes), [
            {"name": "Clean", "spec": {"name": "Clean", "output": "clean", "inputs": [{"table": "Orders_Raw"}], "sql": "SELECT * FROM input WHERE city IS NOT NULL"},
             "created_at": now, "updated_at": now},
        ])
        connection.execute(sa.insert(profiles), [{"content_hash": hashes["orders"], "profile": {"format": 0}, "created_at": now}])
        connection.execute(sa.insert(jobs), [
            {"kind": "source.add_file", "title": "Add orders.csv", "params": {}, "status": "succeeded", "progress": 1.0, "message": "done",
             "created_at": now, "cancel_requested": False, "result": {"version": 1}},
        ])
    engine.dispose()
    return hashes


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_workspace_of_the_previous_schema_keeps_all_its_data(backend, tmp_path, request, monkeypatch, files):
    root = tmp_path / "ws"
    db_url = _database_url(backend, tmp_path, request, monkeypatch)
    hashes = _old_workspace(root, db_url)

    workspace = Workspace.open(root)
    assert current_revision(workspace.engine) == head_revision()
    source, dataset = workspace.sources.get("orders_raw"), workspace.datasets.get("clean")
    assert (source.name, source.version, source.rows, source.table_id, source.content_hash) == ("Orders_Raw", 1, 3, 1, hashes["orders"])
    assert source.columns == [{"name": "id", "type": "BIGINT"}, {"name": "city", "type": "VARCHAR"}]
    assert workspace.sources.preview("Orders_Raw")["id"].tolist() == [1, 2, 3]
    assert (dataset.kind, dataset.rows, dataset.table_id) == ("dataset", 2, 2)
    # Lineage still finds the input by its id, under its new name.
    labels = {node["label"] for node in workspace.datasets.lineage("clean")["nodes"]}
    assert labels == {"Orders_Raw v1", "recipe Clean", "clean v1"}
    # The recipe came across, and its names now ignore case; it still guards its input.
    assert workspace.datasets.recipe("clean").output == "clean"
    with pytest.raises(Exception, match="read by recipe Clean"):
        workspace.sources.delete("Orders_Raw")
    assert workspace.jobs.list()[0].result == {"version": 1}
    assert workspace.summary()["sources"] == 1 and workspace.summary()["datasets"] == 1
    # New rows get fresh ids after the carried-over ones (PostgreSQL's sequences moved on).
    added = workspace.sources.add_file(files["csv"], "more").table
    assert added.table_id == 3 and added.version == 1
    assert workspace.sources.add_file(files["parquet"], "Orders_Raw").table.version == 2


def test_names_that_differed_only_in_case_stay_apart(tmp_path):
    root = tmp_path / "ws"
    db_url = f"sqlite:///{(root / 'studio.db').resolve()}"
    _old_workspace(root, db_url)
    engine = meta.create_engine(db_url)
    with engine.begin() as connection:
        old = sa.MetaData()
        sources = sa.Table("sources", old, autoload_with=connection)
        connection.execute(sa.insert(sources).values(id=7, name="orders_raw", created_at=time.time(), kind="source"))
    engine.dispose()
    names = sorted(t.name for t in Workspace.open(root).sources.list())
    assert names == ["Orders_Raw"]  # the clash has no version, so only the first is listed
    with Workspace.open(root).engine.connect() as connection:
        assert sorted(connection.execute(sa.select(meta.assets.c.name)).scalars()) == ["Orders_Raw", "clean", "orders_raw_7"]


def test_downgrade_and_upgrade_again_keep_the_data(workspace, files):
    from alembic import command

    from studio.meta._engine import alembic_config

    workspace.sources.add_file(files["csv"], "orders")
    config = alembic_config()
    with workspace.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0003")
    reopened = Workspace.open(workspace.root)
    assert [(t.name, t.rows) for t in reopened.sources.list()] == [("orders", 100)]


def test_the_migrations_build_exactly_the_declared_schema(workspace):
    with workspace.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), meta.metadata)
    assert differences == []
