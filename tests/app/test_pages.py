"""Every page under AppTest, on a real workspace (jobs run in real worker processes)."""

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from studio.settings import Settings
from studio import Workspace
from studio.jobs import FINISHED, SUCCEEDED
from tests.unit.test_jobs import wait_for

ROOT = Path(__file__).resolve().parents[2]
PAGE_FILES = {path.stem: path.relative_to(ROOT).as_posix() for path in (ROOT / "pages").glob("*/*.py")}


@pytest.fixture
def app_workspace(tmp_path, monkeypatch) -> Workspace:
    monkeypatch.setenv("STUDIO_WORKSPACE", str(tmp_path / "ws"))
    return Workspace.init(tmp_path / "ws")


def open_page(page: str) -> AppTest:
    app = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    app.run()
    if page != "overview":
        app.switch_page(PAGE_FILES[page]).run()
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
    # While the build runs the button waits (a second click would build it twice).
    assert next(b for b in app.button if b.label == "Load the demo data").disabled
    build = app_workspace.jobs.list()[0]
    assert wait_for(app_workspace, build.id, FINISHED, timeout=120).status == SUCCEEDED
    # The demo's model trains in a run of its own, queued by the build, to watch on the Train page.
    runs = app_workspace.runs.list()
    assert [(r.params["model"], r.params["recipe"], r.params["table"]) for r in runs] == [("delivery_time", "delivery_time", "delivery_training")]
    assert build.id < runs[0].id and app_workspace.jobs.get(build.id).result["training_run"] == runs[0].id
    app_workspace.jobs.cancel(runs[0].id)  # its training is the demo test's to see through
    wait_jobs(app_workspace)
    app.run()
    assert app.metric[0].label == "Sources" and app.metric[0].value == "4"
    assert app.metric[2].label == "Datasets" and app.metric[2].value == "6"  # 4 recipes, 2 with members tables
    assert "Inspect each source's profile" in texts(app)
    assert [s.name for s in app_workspace.sources.list()] == ["couriers", "orders", "restaurants_a", "restaurants_b"]


def test_overview_lists_sources_and_recent_jobs(app_workspace, files):
    app_workspace.sources.add_file(files["csv"], "orders")
    app_workspace.jobs.submit("test.fail", {}, title="a failing job")
    wait_jobs(app_workspace)
    app = open_page("overview")
    assert app.metric[0].value == "1" and app.metric[4].label == "Jobs failed" and app.metric[4].value == "1"
    assert "orders" in app.dataframe[0].value["source"].tolist()
    assert app.dataframe[1].value["error"].tolist() == ["the input was wrong; fix it"]


def test_sources_page_shows_profile_preview_and_versions(app_workspace, files):
    app_workspace.sources.add_file(files["csv"], "orders")
    app_workspace.sources.profile("orders")
    app = open_page("sources")
    assert app.selectbox(key="selected_source").value == "orders"
    assert "orders  ·  v1" in texts(app)
    assert [m.value for m in app.metric][:2] == ["100", "4"]
    # The first column, 1 to 100 with no repeat, is a key: no histogram, a line that says so.
    assert len(app.get("plotly_chart")) == 1  # missing values only
    assert "Every value of id is distinct (1 to 100): it looks like a key." in texts(app)
    summary = app.dataframe[1].value
    assert summary["column"].tolist() == ["id", "city", "amount", "when"]
    app.selectbox(key="column_orders").select("amount").run()
    assert len(app.get("plotly_chart")) >= 2  # missing values + the column's histogram
    app.selectbox(key="column_orders").select("city").run()
    assert not app.exception
    assert any(frame.value.shape == (100, 4) for frame in app.dataframe)


def test_sources_page_adds_a_server_file_as_a_job(app_workspace, files):
    app = open_page("sources")
    assert "No sources yet" in texts(app)
    app_workspace.sources.add_file(files["csv"], "aaa_first")  # listed before the new one
    app.text_input(key="path_path").input(str(files["parquet"])).run()
    assert app.text_input(key="path_name").value == "data"
    app.button(key="path_add").click().run()
    assert not app.exception
    wait_jobs(app_workspace)
    app.run()
    assert app_workspace.sources.get("data").rows == 100
    # The new source is the one shown, and the outcome is under the add panel (its place).
    assert app.selectbox(key="selected_source").value == "data"
    assert app.expander[0].label == "Add a source" and app.expander[0].proto.expanded  # still open
    assert [s.value for s in app.container("outcome_add_source").success] == ["Add data.parquet as data: done"]
    assert "Add data.parquet as data: done" not in [s.value for s in app.container("outcome_head").success]


def test_sources_page_uploads_then_forgets_the_file_and_shows_the_new_source(app_workspace, files):
    app_workspace.sources.add_file(files["csv"], "aaa_first")
    app = open_page("sources")
    app.file_uploader[0].set_value(("Orders 2026.csv", files["csv"].read_bytes(), "text/csv")).run()
    assert app.text_input(key="upload_name").value == "orders_2026"
    app.button(key="upload_add").click().run()
    wait_jobs(app_workspace)
    app.run()
    assert app_workspace.sources.get("orders_2026").rows == 100
    assert [s.value for s in app.container("outcome_add_source").success] == ["Add Orders 2026.csv as orders_2026: done"]
    assert app.selectbox(key="selected_source").value == "orders_2026"
    # The uploader forgot the file (a fresh widget) and the name field is empty again.
    assert app.file_uploader[0].key == "upload_file_1" and app.file_uploader[0].value is None
    assert app.text_input(key="upload_name").value == ""
    assert app.button(key="upload_add").disabled


def slow_profiles(monkeypatch) -> None:
    monkeypatch.setenv("STUDIO_JOB_MODULES", "tests.helpers.job_kinds,tests.app.slow_jobs")


def cancel_beside_progress(app: AppTest, workspace: Workspace) -> None:
    """The tab's running job shows its progress with a Cancel button beside it, which works."""
    job = workspace.jobs.list()[0]
    deadline = time.time() + 60
    while workspace.jobs.get(job.id).status != "running" and time.time() < deadline:
        time.sleep(0.1)
    app.run()
    assert workspace.jobs.get(job.id).status == "running"
    button = app.button(key=f"cancel_line_{job.id}")
    assert button.label == "Cancel"
    progress = app.get("progress")
    assert progress and job.title in progress[0].proto.text
    button.click().run()
    assert workspace.jobs.get(job.id).cancel_requested  # the worker is asked; it stops the job
    wait_jobs(workspace)
    assert workspace.jobs.get(job.id).status == "cancelled"


def test_sources_page_cancels_a_running_job_beside_its_progress(app_workspace, files, monkeypatch):
    app_workspace.sources.add_file(files["csv"], "orders")
    slow_profiles(monkeypatch)
    cancel_beside_progress(open_page("sources"), app_workspace)


def test_datasets_page_cancels_a_running_job_beside_its_progress(restaurants, monkeypatch):
    from studio.datasets import Recipe

    restaurants.datasets.build(Recipe.from_json({"name": "r", "output": "zips", "inputs": ["restaurants_a"], "dedupe": {"method": "exact", "keys": ["zip"]}}))
    slow_profiles(monkeypatch)
    cancel_beside_progress(open_page("datasets"), restaurants)


def test_sources_page_shows_a_failed_add_as_one_line(app_workspace, tmp_path):
    bad = tmp_path / "broken.parquet"
    bad.write_bytes(b"not parquet at all")
    app = open_page("sources")
    app.text_input(key="path_path").input(str(bad)).run()
    app.button(key="path_add").click().run()
    wait_jobs(app_workspace)
    app.run()
    errors = [e.value for e in app.error]
    assert any("Add broken.parquet as broken: not a valid Parquet file" in e for e in errors), errors  # the file named once
    app.text_input(key="path_name").input("not valid!").run()
    app.button(key="path_add").click().run()
    assert any("is not a valid source name" in e.value for e in app.error)
    assert app_workspace.sources.list() == []


def test_sources_page_says_how_many_bad_rows_it_skipped(app_workspace, tmp_path):
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("a,b\n1,2\n3\n4,5,6\n7,8\n")
    app = open_page("sources")
    app.text_input(key="path_path").input(str(ragged)).run()
    app.selectbox(key="path_bad").select("skip").run()
    app.button(key="path_add").click().run()
    wait_jobs(app_workspace)
    app.run()
    assert any("done; 2 bad rows skipped" in w.value for w in app.warning), [w.value for w in app.warning]
    assert "ragged.csv (2 bad rows skipped)" in texts(app)


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
    field = app.number_input(key="setting_max_source_mb")
    assert field.label == "Largest source (MB)"  # words, not the field name
    assert [n.label for n in app.number_input] == [info.label for info in Settings.describe()]
    field.set_value(123)
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
    monkeypatch.setenv("STUDIO_JOB_MODULES", "tests.helpers.job_kinds,tests.helpers.failing_profile")
    app = open_page("sources")
    wait_jobs(app_workspace)
    app.run()
    assert any("Profiling failed: the input was wrong; fix it" in e.value for e in app.error)
    monkeypatch.setenv("STUDIO_JOB_MODULES", "tests.helpers.job_kinds")
    app.button(key="reprofile_orders_1").click().run()
    wait_jobs(app_workspace)
    app.run()
    assert app_workspace.sources.cached_profile("orders") is not None
    assert not app.error


@pytest.fixture
def restaurants(app_workspace, tmp_path) -> Workspace:
    """The demo's two restaurant systems as sources."""
    from studio.demo import write_demo_files

    paths = write_demo_files(tmp_path / "demo")
    app_workspace.sources.add_file(paths["restaurants_a"], "restaurants_a")
    app_workspace.sources.add_database(f"sqlite:///{paths['restaurants_b']}", "restaurants_b", table="merchants")
    return app_workspace


def open_consolidate_with_inputs(*inputs: str) -> AppTest:
    app = open_page("consolidate")
    app.multiselect(key="rc_inputs").set_value(list(inputs)).run()
    assert not app.exception, app.exception
    return app


def test_consolidate_page_aligns_normalizes_and_builds_an_exact_dedupe(restaurants):
    app = open_consolidate_with_inputs("restaurants_a", "restaurants_b")
    assert "1,050 rows; a repeatable sample of 200." in texts(app)
    app.selectbox(key="rc_norm_column").select("name").run()
    app.selectbox(key="rc_norm_op").select("case").run()
    app.button(key="rc_add_step").click().run()
    assert "1 · Change case: to lower" in texts(app)
    assert "Values the rules change (before → after)" in texts(app)
    app.selectbox(key="rc_id").select("restaurant_id").run()
    app.radio(key="rc_method").set_value("exact").run()
    app.multiselect(key="rc_keys").set_value(["name", "zip"]).run()
    app.text_input(key="rc_name").input("by_name").run()
    app.text_input(key="rc_output").input("restaurants_exact").run()
    app.button(key="rc_build").click().run()
    assert not app.exception, app.exception
    wait_jobs(restaurants)
    built = restaurants.datasets.get("restaurants_exact")
    assert built.rows < 1050 and built.origin["spec"]["normalize"][0]["column"] == "name"
    assert restaurants.datasets.get("restaurants_exact_members").rows == 1050
    assert [r["name"] for r in restaurants.datasets.recipes()] == ["by_name"]


def test_consolidate_page_scores_fuzzy_pairs_and_takes_labels(restaurants):
    app = open_consolidate_with_inputs("restaurants_a", "restaurants_b")
    app.selectbox(key="rc_id").select("restaurant_id").run()
    app.radio(key="rc_method").set_value("fuzzy").run()
    assert not app.exception, app.exception
    assert "comparisons in all" in texts(app)
    app.button(key="rc_score").click().run()
    wait_jobs(restaurants)
    app.run()
    assert not app.exception, app.exception
    assert app.slider(key="rc_threshold").value == pytest.approx(0.9)
    assert [m.label for m in app.metric][:4] == ["Rows", "Pairs linked", "Clusters", "Largest cluster"]
    yes = next(b for b in app.button if b.key and b.key.startswith("rc_yes_"))
    yes.click().run()
    assert "1 labelled: 1 same entity, 0 different." in texts(app)
    # The labelled card stays where it was (says so), so the second card is still second.
    assert " · labelled: same entity" in texts(app)
    no = [b for b in app.button if b.key and b.key.startswith("rc_no_")][1]
    no.click().run()
    assert "2 labelled: 1 same entity, 1 different." in texts(app)
    app.text_input(key="rc_name").input("fuzzy").run()
    app.text_input(key="rc_output").input("restaurants_fuzzy").run()
    app.button(key="rc_save").click().run()
    labels = restaurants.datasets.recipe("fuzzy").dedupe.labels
    assert [label.match for label in labels] == [True, False]


def test_consolidate_page_loads_a_saved_recipe_and_refuses_bad_sql(restaurants, tmp_path):
    from studio.datasets import Recipe

    restaurants.datasets.save_recipe(
        Recipe.from_json({"name": "saved", "output": "out", "inputs": ["restaurants_a"], "sql": "SELECT * FROM input", "dedupe": {"method": "exact", "keys": ["zip"]}})
    )
    app = open_page("consolidate")
    app.selectbox(key="rc_start").select("saved").run()
    app.button(key="rc_load").click().run()
    assert app.multiselect(key="rc_inputs").value == ["restaurants_a"]
    assert app.radio(key="rc_method").value == "exact" and app.multiselect(key="rc_keys").value == ["zip"]
    assert app.text_input(key="rc_output").value == "out"
    (tmp_path / "secret.csv").write_text("a\n1\n")
    app.text_area(key="rc_sql").input(f"SELECT * FROM read_csv('{tmp_path / 'secret.csv'}')").run()
    assert not app.exception, app.exception
    assert any("reaches outside the lake" in e.value for e in app.error)
    # Deleting a saved recipe asks first (the browser test clicks it through).
    app.selectbox(key="rc_start").select("saved").run()
    app.button(key="rc_delete").click().run()
    assert any(m.value.startswith("Delete the saved recipe **saved**?") for m in app.markdown)
    assert [r["name"] for r in restaurants.datasets.recipes()] == ["saved"]


def test_datasets_page_shows_lineage_diff_and_export(restaurants, tmp_path):
    from studio.datasets import Recipe

    app = open_page("datasets")
    assert "No datasets yet" in texts(app)
    recipe = Recipe.from_json({"name": "r", "output": "zips", "inputs": ["restaurants_a"], "dedupe": {"method": "exact", "keys": ["zip"]}, "id": "restaurant_id"})
    restaurants.datasets.build(recipe)
    restaurants.datasets.build(Recipe.from_json({**recipe.to_json(), "dedupe": {"method": "exact", "keys": ["city", "cuisine"]}}))
    app = open_page("datasets")
    assert app.selectbox(key="selected_dataset").value == "zips"
    assert "zips  ·  v2" in texts(app)
    assert "recipe r" in app.get("graphviz_chart")[0].proto.spec
    labels = [m.label for m in app.metric]
    assert {"Rows added", "Rows removed", "Rows changed", "Rows unchanged"} <= set(labels)
    assert not app.warning
    (tmp_path / "a.parquet").write_bytes(restaurants.sources.get("restaurants_a").path.read_bytes())
    import pandas as pd

    pd.read_parquet(tmp_path / "a.parquet").head(100).to_parquet(tmp_path / "a.parquet")
    restaurants.sources.add_file(tmp_path / "a.parquet", "restaurants_a")
    app.run()
    assert "restaurants_a v2 (built from v1)" in app.warning[0].value
    app.button(key="rebuild_zips").click().run()
    wait_jobs(restaurants)
    assert restaurants.datasets.get("zips").version == 3
    app.text_input(key="export_zips").input(str(tmp_path / "zips.csv")).run()
    app.button(key="export_button_zips").click().run()
    assert (tmp_path / "zips.csv").exists()
    app.button(key="export_button_zips").click().run()
    assert "already exists" in app.error[0].value
    app.checkbox(key="export_overwrite_zips").check().run()
    app.button(key="export_button_zips").click().run()
    assert not app.error and app.success[0].value.startswith("Wrote v")
    # Replacing is asked for each time: the box is unticked again after an export.
    assert app.checkbox(key="export_overwrite_zips").value is False
    app.button(key="export_button_zips").click().run()
    assert "already exists" in app.error[0].value


def test_manage_tab_downloads_what_fits_and_says_the_limit(app_workspace, files, monkeypatch):
    import io

    import pandas as pd

    from components import table_view

    app_workspace.sources.add_file(files["csv"], "orders")
    app_workspace.sources.profile("orders")
    app = open_page("sources")
    assert [b.label for b in app.download_button] == ["Download v1 as CSV", "Download v1 as Parquet"]
    assert "tables up to 50 MB in the lake" in texts(app)
    # What a click downloads: the same export the CLI writes.
    csv = table_view.export_bytes(app_workspace.sources, "orders", 1, ".csv")
    assert pd.read_csv(io.BytesIO(csv)).shape == (100, 4)
    assert table_view.export_bytes(app_workspace.sources, "orders", 1, ".parquet")[:4] == b"PAR1"
    monkeypatch.setattr(table_view, "DOWNLOAD_LIMIT_MB", 0)
    app.run()
    assert not app.download_button
    assert "Export it to a path on this machine below, or run `studio sources export orders PATH --version 1`." in texts(app)
    assert app.button(key="export_button_orders")  # the server path stays


def test_previews_show_dates_as_dates(app_workspace, files):
    import json

    app_workspace.sources.add_file(files["csv"], "orders")
    app_workspace.sources.profile("orders")
    assert {c["name"]: c["type"] for c in app_workspace.sources.get("orders").columns}["when"] == "DATE"
    app = open_page("sources")
    preview = next(frame for frame in app.dataframe if frame.value.shape == (100, 4))
    config = json.loads(preview.proto.columns)
    assert config["when"]["type_config"] == {"type": "date", "format": "YYYY-MM-DD"}, config
    assert set(config) - {"_index"} == {"when"}, "only the date column is told how to show"
