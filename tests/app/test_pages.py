"""Every page under AppTest, on a real workspace (jobs run in real worker processes)."""

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from studio import Workspace

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def app_workspace(tmp_path, monkeypatch) -> Workspace:
    monkeypatch.setenv("STUDIO_WORKSPACE", str(tmp_path / "ws"))
    return Workspace.init(tmp_path / "ws")


def open_page(page: str) -> AppTest:
    app = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    app.run()
    if page != "overview":
        app.switch_page(f"app_pages/{page}.py").run()
    assert not app.exception, app.exception
    return app


def wait_jobs(workspace: Workspace, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while any(j.active for j in workspace.jobs.list()) and time.time() < deadline:
        time.sleep(0.2)
    assert not any(j.active for j in workspace.jobs.list())


def texts(app: AppTest) -> str:
    parts = [m.value for m in app.markdown] + [i.value for i in app.info] + [e.value for e in app.error] + [s.value for s in app.success]
    parts += [c.value for c in app.caption] + [h.value for h in app.title] + [h.value for h in app.subheader]
    return "\n".join(str(p) for p in parts)


def test_overview_on_an_empty_workspace_loads_the_demo(app_workspace):
    app = open_page("overview")
    assert "This workspace is empty" in texts(app)
    assert app.metric[0].value == "0"
    app.button[0].click().run()
    assert not app.exception
    wait_jobs(app_workspace)
    app.run()
    assert app.metric[0].label == "Sources" and app.metric[0].value == "4"
    assert "Inspect each source's profile" in texts(app)
    assert [s.name for s in app_workspace.sources.list()] == ["couriers", "orders", "restaurants_a", "restaurants_b"]


def test_overview_lists_sources_and_recent_jobs(app_workspace, files):
    app_workspace.sources.add_file(files["csv"], "orders")
    app_workspace.jobs.submit("test.fail", {}, title="a failing job")
    wait_jobs(app_workspace)
    app = open_page("overview")
    assert app.metric[0].value == "1" and app.metric[3].value == "1"
    assert "orders" in app.dataframe[0].value["source"].tolist()
    assert app.dataframe[1].value["error"].tolist() == ["the input was wrong; fix it"]


def test_sources_page_shows_profile_preview_and_versions(app_workspace, files):
    app_workspace.sources.add_file(files["csv"], "orders")
    app_workspace.sources.profile("orders")
    app = open_page("sources")
    assert app.selectbox(key="selected_source").value == "orders"
    assert "orders  ·  v1" in texts(app)
    assert [m.value for m in app.metric][:2] == ["100", "4"]
    assert len(app.get("plotly_chart")) >= 2  # missing values + the first column's chart
    summary = app.dataframe[1].value
    assert summary["column"].tolist() == ["id", "city", "amount", "when"]
    app.selectbox(key="column_orders").select("city").run()
    assert not app.exception
    assert any(frame.value.shape == (100, 4) for frame in app.dataframe)


def test_sources_page_adds_a_server_file_as_a_job(app_workspace, files):
    app = open_page("sources")
    assert "No sources yet" in texts(app)
    app.text_input(key="path_path").input(str(files["parquet"])).run()
    assert app.text_input(key="path_name").value == "data"
    app.button(key="path_add").click().run()
    assert not app.exception
    wait_jobs(app_workspace)
    app.run()
    assert app.selectbox(key="selected_source").value == "data"
    assert app_workspace.sources.get("data").rows == 100


def test_sources_page_shows_a_failed_add_as_one_line(app_workspace, tmp_path):
    bad = tmp_path / "broken.parquet"
    bad.write_bytes(b"not parquet at all")
    app = open_page("sources")
    app.text_input(key="path_path").input(str(bad)).run()
    app.button(key="path_add").click().run()
    wait_jobs(app_workspace)
    app.run()
    errors = [e.value for e in app.error]
    assert any("broken.parquet: not a valid Parquet file" in e for e in errors), errors
    app.text_input(key="path_name").input("not valid!").run()
    app.button(key="path_add").click().run()
    assert any("is not a valid source name" in e.value for e in app.error)
    assert app_workspace.sources.list() == []


def test_sources_page_adds_a_database_table(app_workspace, files):
    app = open_page("sources")
    app.text_input(key="db_url").input(f"sqlite:///{files['sqlite']}").run()
    app.text_input(key="db_table").input("orders").run()
    app.button(key="db_add").click().run()
    wait_jobs(app_workspace)
    assert app_workspace.sources.get("orders").rows == 100


def test_sources_page_renames(app_workspace, files):
    app_workspace.sources.add_file(files["csv"], "orders")
    app_workspace.sources.profile("orders")
    app = open_page("sources")
    app.text_input(key="rename_orders").input("sales").run()
    app.button(key="rename_button_orders").click().run()
    assert not app.exception
    assert [s.name for s in app_workspace.sources.list()] == ["sales"]
    assert app.selectbox(key="selected_source").value == "sales"


def test_jobs_page_lists_shows_logs_and_cancels(app_workspace, files):
    done = app_workspace.jobs.submit("test.fail", {}, title="a failing job")
    wait_jobs(app_workspace)
    queued = app_workspace.jobs.submit("test.sleep", {"seconds": 30}, title="a queued job", launch=False)
    app = open_page("jobs")
    table = app.dataframe[0].value
    assert table["job"].tolist() == [queued, done]
    assert table["status"].tolist() == ["queued", "failed"]
    assert app.selectbox(key="job_selected").value == queued
    app.button(key=f"cancel_{queued}").click().run()
    assert app_workspace.jobs.get(queued).status == "cancelled"
    app.selectbox(key="job_selected").select(done).run()
    logs = "\n".join(c.value for c in app.code)
    assert "the input was wrong; fix it" in logs


def test_settings_page_saves(app_workspace):
    app = open_page("settings")
    assert str(app_workspace.root) in texts(app)
    app.number_input[0].set_value(123)
    app.button[0].click().run()  # a form sends its values with the submit
    assert app_workspace.settings.max_source_mb == 123
    assert any("Saved" in s.value for s in app.success)


def test_sources_page_offers_the_sheets_of_an_excel_file(app_workspace, tmp_path):
    import pandas as pd

    book = tmp_path / "book.xlsx"
    with pd.ExcelWriter(book) as writer:
        pd.DataFrame({"x": [1]}).to_excel(writer, sheet_name="summary", index=False)
        pd.DataFrame({"y": [1, 2, 3]}).to_excel(writer, sheet_name="orders", index=False)
    app = open_page("sources")
    app.text_input(key="path_path").input(str(book)).run()
    picker = app.selectbox(key="path_sheet_choice")
    assert picker.options == ["summary", "orders"]
    picker.select("orders").run()
    app.button(key="path_add").click().run()
    wait_jobs(app_workspace)
    source = app_workspace.sources.get("book")
    assert source.rows == 3 and source.origin["sheet"] == "orders"


def test_sources_page_refuses_malformed_column_types(app_workspace, files):
    app = open_page("sources")
    app.text_input(key="path_path").input(str(files["csv"])).run()
    app.text_input(key="path_types").input("id=VARCHAR, city").run()
    assert any("a column type is COLUMN=TYPE (e.g. zip=VARCHAR), not 'city'" in e.value for e in app.error)
    assert app.button(key="path_add").disabled
    app.text_input(key="path_types").input("id=VARCHAR").run()
    app.button(key="path_add").click().run()
    wait_jobs(app_workspace)
    assert {c["name"]: c["type"] for c in app_workspace.sources.get("data").columns}["id"] == "VARCHAR"


def test_sources_page_shows_a_failed_profile_and_retries(app_workspace, files, monkeypatch):
    app_workspace.sources.add_file(files["csv"], "orders")
    monkeypatch.setenv("STUDIO_JOB_KINDS", "source.profile=tests.helpers.job_kinds:failing_job")
    app = open_page("sources")
    wait_jobs(app_workspace)
    app.run()
    assert any("Profiling failed: the input was wrong; fix it" in e.value for e in app.error)
    monkeypatch.delenv("STUDIO_JOB_KINDS")
    app.button(key="reprofile_orders_1").click().run()
    wait_jobs(app_workspace)
    app.run()
    assert app_workspace.sources.cached_profile("orders") is not None
    assert not app.error
