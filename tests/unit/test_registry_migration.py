"""Migration 0005 (the registry's tables): a workspace of revision 0004 holding a model and a
table keeps them all, gets empty registry tables the registry then works on, and a downgrade to
0004 drops only what 0005 added."""

import json
import time

import pandas as pd
import sqlalchemy as sa
from alembic import command

from studio import Workspace, meta
from studio.lake import sha256_file
from studio.meta import current_revision, head_revision
from studio.meta._engine import alembic_config
from studio.workspace import MARKER
from tests.helpers.registry_models import pipeline

REGISTRY_TABLES = {"model_aliases", "model_version_notes", "model_test_runs", "registry_audit", "webhooks"}


def _workspace_of_0004(root, tmp_path):
    """A workspace as revision 0004 left it: a source table and a model of two versions, their
    files in place (the model's artifact written by a workspace of today, then the DB taken back)."""
    for sub in ("lake/tables", "lake/tmp", "uploads", "artifacts/models", "logs"):
        (root / sub).mkdir(parents=True)
    (root / MARKER).write_text(json.dumps({"studio_workspace": 1}) + "\n")
    db_url = f"sqlite:///{(root / 'studio.db').resolve()}"
    engine = meta.create_engine(db_url)
    meta.upgrade(engine, "0004")
    table_file = tmp_path / "orders.parquet"
    pd.DataFrame({"id": [1, 2]}).to_parquet(table_file, index=False)
    table_hash = sha256_file(table_file)
    table_file.rename(root / "lake" / "tables" / f"{table_hash}.parquet")
    artifacts = {}
    for kind in ("good", "worse"):
        scratch = Workspace.init(tmp_path / f"scratch_{kind}")
        data = scratch.models.serialize(pipeline(kind))
        scratch_file = tmp_path / f"{kind}.skops"
        scratch_file.write_bytes(data)
        artifacts[kind] = sha256_file(scratch_file)
        scratch_file.rename(root / "artifacts" / "models" / f"{artifacts[kind]}.skops")
    now = time.time()
    with engine.begin() as connection:
        old = sa.MetaData()
        assets, versions = (sa.Table(name, old, autoload_with=connection) for name in ("assets", "asset_versions"))
        connection.execute(sa.insert(assets), [
            {"id": 1, "namespace": "table", "kind": "source", "name": "orders", "name_key": "orders", "created_at": now},
            {"id": 2, "namespace": "model", "kind": "model", "name": "churn", "name_key": "churn", "created_at": now},
        ])
        connection.execute(sa.insert(versions), [
            {"asset_id": 1, "version": 1, "content_hash": table_hash, "bytes": 10, "info": {"rows": 2, "columns": [{"name": "id", "type": "BIGINT"}]},
             "origin": {"kind": "file"}, "created_at": now},
            *[{"asset_id": 2, "version": number, "content_hash": artifacts[kind], "bytes": 10, "info": {"task": "binary", "target": "y"},
               "origin": {"kind": "training_run", "dataset": {"name": "orders", "kind": "source", "asset_id": 1, "version": 1}}, "created_at": now}
              for number, kind in ((1, "good"), (2, "worse"))],
        ])
    engine.dispose()
    return artifacts


def test_a_workspace_of_0004_keeps_its_models_and_gets_the_registry(tmp_path):
    root = tmp_path / "ws"
    artifacts = _workspace_of_0004(root, tmp_path)
    workspace = Workspace.open(root)
    assert current_revision(workspace.engine) == head_revision()
    assert REGISTRY_TABLES <= set(sa.inspect(workspace.engine).get_table_names())
    versions = workspace.models.versions("churn")
    assert [(v.version, v.content_hash) for v in versions] == [(2, artifacts["worse"]), (1, artifacts["good"])]
    assert workspace.models.load(versions[1]).predict(pd.DataFrame({"size": [1.0], "signal": [2.0], "count": [0], "city": ["Paris"]}))[0] == "yes"
    assert workspace.sources.get("orders").rows == 2
    # The registry works on what was there: no holdout was kept, so the gate cannot run and
    # only a reason lets a version through.
    blocked = workspace.registry.promote("churn", 1, actor="ann")
    assert not blocked.promoted and blocked.failed == ["suite"] and "has no holdout rows kept" in blocked.tests[0]["detail"]
    forced = workspace.registry.promote("churn", 1, actor="ann", reason="trained before holdouts were kept")
    assert forced.promoted and forced.overridden and workspace.registry.holder("churn") == 1
    assert workspace.registry.lineage("churn", 1)["dataset"]["current_name"] == "orders"


def test_downgrade_to_0004_drops_only_the_registry_tables(workspace):
    from tests.helpers.registry_models import register

    register(workspace)
    workspace.registry.set_alias("churn", 1, "staging")
    config = alembic_config()
    with workspace.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0004")
    assert not REGISTRY_TABLES & set(sa.inspect(workspace.engine).get_table_names())
    assert [v.version for v in workspace.models.versions("churn")] == [1]
    reopened = Workspace.open(workspace.root)
    assert reopened.registry.aliases("churn") == {} and reopened.registry.audit() == []
