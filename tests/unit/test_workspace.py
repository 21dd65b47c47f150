import pytest

from studio import NotFound, StudioError, Workspace, meta
from studio.meta import current_revision, head_revision
from tests.helpers.servers import fresh_database


def test_init_creates_layout_and_migrates_to_head(tmp_path):
    workspace = Workspace.init(tmp_path / "ws")
    for sub in ("lake/tables", "lake/tmp", "uploads", "artifacts", "logs"):
        assert (workspace.root / sub).is_dir()
    assert (workspace.root / "studio.db").exists()
    assert current_revision(workspace.engine) == head_revision()
    with workspace.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_open_missing_workspace_names_the_fix(tmp_path):
    with pytest.raises(NotFound, match="studio init"):
        Workspace.open(tmp_path / "nowhere")


def test_init_on_a_file_is_refused(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(StudioError, match="is a file"):
        Workspace.init(tmp_path / "file")


def test_opening_an_old_workspace_migrates_it_and_keeps_its_data(tmp_path, files):
    workspace = Workspace.init(tmp_path / "ws")
    workspace.sources.add_file(files["csv"], "orders")
    # Take the schema back to revision 0001, as a workspace from before jobs and datasets existed.
    from alembic import command

    from studio.meta._engine import alembic_config

    config = alembic_config()
    with workspace.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
    workspace.engine.dispose()
    assert current_revision(meta.create_engine(workspace.db_url)) == "0001"

    reopened = Workspace.open(tmp_path / "ws")
    assert current_revision(reopened.engine) == head_revision()
    assert [s.name for s in reopened.sources.list()] == ["orders"]
    assert reopened.jobs.list() == []


def test_settings_defaults_set_and_validation(workspace):
    assert workspace.settings.max_source_mb == 4096
    assert workspace.set_setting("max_source_mb", "10").max_source_mb == 10
    assert Workspace.open(workspace.root).settings.max_source_mb == 10
    with pytest.raises(StudioError, match="unknown setting"):
        workspace.set_setting("colour", 1)
    with pytest.raises(StudioError, match="whole number"):
        workspace.set_setting("max_source_mb", "lots")
    with pytest.raises(StudioError, match="must be at least 1"):
        workspace.set_setting("max_source_mb", -1)
    with pytest.raises(StudioError, match="must be at least 5"):
        workspace.set_setting("job_heartbeat_timeout_s", 0)


@pytest.mark.parametrize("store", ["sqlite", "postgresql"])
def test_metadata_db_backends_hold_sources_and_jobs(store, tmp_path, files, request, monkeypatch):
    """The same operations on both metadata backends (SQLite file; PostgreSQL via STUDIO_DB_URL)."""
    if store == "postgresql":
        monkeypatch.setenv("STUDIO_DB_URL", fresh_database(request.getfixturevalue("postgres_url"), f"meta_{tmp_path.name[-12:]}"))
    workspace = Workspace.init(tmp_path / "ws")
    assert workspace.engine.dialect.name == store
    first = workspace.sources.add_file(files["csv"], "orders")
    assert first.table.version == 1
    assert workspace.sources.add_file(files["parquet"], "orders").unchanged is False
    assert [v.version for v in workspace.sources.versions("orders")] == [2, 1]
    job_id = workspace.jobs.submit("test.sleep", {"seconds": 0.1}, title="sleep", launch=False)
    assert workspace.jobs.claim(job_id) is True
    assert workspace.jobs.claim(job_id) is False
    workspace.jobs.succeed(job_id, {"ok": True})
    assert workspace.jobs.get(job_id).result == {"ok": True}
    workspace.set_setting("max_running_jobs", 1)
    held, waiting = (workspace.jobs.submit("test.sleep", {}, title=t, launch=False) for t in ("held", "waiting"))
    assert workspace.jobs.claim(held) and not workspace.jobs.claim(waiting)  # the one slot is taken
    workspace.jobs.succeed(held, {})
    assert workspace.jobs.claim(waiting)
