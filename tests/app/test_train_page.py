"""The Train page under AppTest, on a real workspace (runs in real worker processes): one click
trains, the run's trials and charts show, Advanced settings reach the run, the model predicts
a table into a file to download, two runs compare side by side, and a bad setting is one
line."""

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from studio import Workspace
from tests.app.test_pages import app_workspace, open_page, texts, wait_jobs  # noqa: F401 - the fixture
from tests.unit.test_training_jobs import orders


@pytest.fixture
def orders_table(app_workspace, tmp_path) -> Workspace:  # noqa: F811
    orders().to_csv(tmp_path / "orders.csv", index=False)
    app_workspace.sources.add_file(tmp_path / "orders.csv", "orders")
    return app_workspace


def advanced(app: AppTest, trials: int, families: list[str]) -> None:
    app.number_input(key="tr_trials").set_value(trials).run()
    app.multiselect(key="tr_families_orders").set_value(families).run()
    assert app.number_input(key="tr_trials").value == trials


def trained(workspace: Workspace, target: str = "minutes", trials: int = 3) -> AppTest:
    app = open_page("train")
    assert "Choose the target" in texts(app)
    app.selectbox(key="tr_target_orders").select(target).run()
    advanced(app, trials, ["linear"])
    app.button(key="tr_train").click().run()
    assert not app.exception, app.exception
    wait_jobs(workspace, timeout=240)
    app.run()
    assert not app.exception, app.exception
    return app


def test_one_click_trains_shows_the_run_predicts_and_compares(orders_table):
    app = trained(orders_table)
    run = orders_table.runs.list()[0]
    assert run.status == "succeeded", run.error
    assert run.params["trials"] == 3 and run.params["families"] == ["linear"] and run.params["recipe"] is None
    runs = app.dataframe[0].value
    assert runs["run"].tolist() == [run.id] and runs["status"].tolist() == ["succeeded"] and runs["model"].tolist() == ["orders_minutes v1"]
    assert app.selectbox(key="tr_run").value == run.id
    assert [m.label for m in app.metric][:4] == ["Trials", "Best trial's validation score", "Elapsed", "Remaining budget"]
    assert app.metric[0].value == "3 of 3"
    assert len(app.get("plotly_chart")) >= 3  # history, timeline, families
    trials = app.dataframe[1].value
    assert len(trials) == 3 and set(trials["family"]) == {"linear"}
    assert "Model **orders_minutes v1** (regression)" in texts(app)
    assert orders_table.models.get("orders_minutes").version == 1

    # Predict a table with the run's model: a job writing one row per input row, to download.
    app.button(key="tr_predict").click().run()
    assert not app.exception, app.exception
    wait_jobs(orders_table)
    app.run()
    predicted = pd.read_parquet(orders_table.root / "predictions" / "orders_minutes_v1_orders.parquet")
    assert len(predicted) == 240 and list(predicted.columns) == ["prediction"]
    assert any(b.label.startswith("Download orders_minutes_v1_orders.parquet") for b in app.get("download_button"))

    # A second run (a classifier on another target) and the two side by side.
    app = trained(orders_table, target="late", trials=2)
    first, second = sorted(r.id for r in orders_table.runs.list())
    assert app.selectbox(key="tr_run").value == second  # the run just submitted shows
    app.multiselect(key="tr_compare").set_value([first, second]).run()
    [table] = [d.value for d in app.dataframe if "" in d.value.columns]
    assert list(table.columns) == ["", f"run {first}", f"run {second}"]
    rows = table.set_index("")
    assert rows.loc["setting: trials"].tolist() == ["3", "2"] and rows.loc["setting: target"].tolist() == ["minutes", "late"]
    assert rows.loc["result: metric"].tolist() == ["rmse", "roc_auc"]


def test_a_bad_setting_is_one_line_and_queues_nothing(orders_table):
    app = open_page("train")
    app.selectbox(key="tr_target_orders").select("late").run()
    app.selectbox(key="tr_task").select("regression").run()
    app.selectbox(key="tr_metric").select("roc_auc").run()
    app.button(key="tr_train").click().run()
    assert not app.exception, app.exception
    assert len(app.error) == 1 and "does not apply" in app.error[0].value
    assert orders_table.runs.list() == []
