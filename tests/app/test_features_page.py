"""The Features page under AppTest, on a real workspace (the proof runs in a real worker):
pick a table and a target, toggle and tune a treatment, add an expression and an aggregate,
prove, leave the leak out, save, load a saved version, diff two versions."""

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from studio import Workspace
from tests.app.test_pages import app_workspace, open_page, texts, wait_jobs  # noqa: F401 - the fixture


@pytest.fixture
def shop_orders(app_workspace, tmp_path) -> Workspace:  # noqa: F811
    """300 orders of four shops over two weeks, with a leak (``copy``: the target itself,
    rounded) and an id."""
    rng = np.random.default_rng(8)
    n = 300
    frame = pd.DataFrame({
        "order_id": [f"o{i:04d}" for i in range(n)],
        "shop": rng.choice(["a", "b", "c", "d"], n),
        "at": pd.Timestamp("2026-05-01") + pd.to_timedelta(np.sort(rng.integers(0, 14 * 24 * 60, n)), unit="m"),
        "distance": np.round(rng.uniform(0.5, 8, n), 2),
        "weather": rng.choice(["rain", "clear"], n),
    })
    frame["minutes"] = np.round(12 + 3 * frame["distance"] + rng.normal(0, 4, n), 1)
    frame["copy"] = frame["minutes"].round()
    frame.to_csv(tmp_path / "orders.csv", index=False)
    app_workspace.sources.add_file(tmp_path / "orders.csv", "orders")
    return app_workspace


def widget(elements, label: str):
    """The widget labelled ``label`` (keys carry a generation number, labels do not)."""
    found = [e for e in elements if e.label == label]
    assert len(found) == 1, [e.label for e in elements]
    return found[0]


def designed(workspace: Workspace, target: str = "minutes") -> AppTest:
    app = open_page("features")
    assert "Choose the target" in texts(app)
    app.selectbox(key="fd_target_orders").select(target).run()
    assert not app.exception, app.exception
    return app


def spec(app: AppTest) -> dict:
    return app.session_state["fd_spec"]


def test_pick_table_and_target_then_toggle_and_tune_a_treatment(shop_orders):
    app = designed(shop_orders)
    overview = app.dataframe[0].value
    assert overview["column"].tolist() == ["order_id", "shop", "at", "distance", "weather", "copy"]
    assert dict(zip(overview["column"], overview["kind"]))["order_id"] == "identifier"
    assert dict(zip(overview["column"], overview["model sees it"]))["order_id"] == "dropped"
    widget(app.selectbox, "Column to tune").select("distance").run()
    assert len(app.get("plotly_chart")) >= 1  # before and after on the sample
    widget(app.checkbox, "Log").check().run()
    assert [s["op"] for s in spec(app)["columns"]["distance"]["steps"]] == ["impute", "log", "standardize"]
    widget(app.toggle, "Use distance").set_value(False).run()
    assert spec(app)["columns"]["distance"]["drop"] is True
    assert dict(zip(app.dataframe[0].value["column"], app.dataframe[0].value["model sees it"]))["distance"] == "dropped"
    widget(app.selectbox, "Column to tune").select("weather").run()
    widget(app.selectbox, "Encoding").select("ordinal").run()
    assert spec(app)["columns"]["weather"]["steps"] == [{"op": "ordinal", "categories": []}]
    assert not app.exception and not app.error


def test_expressions_are_checked_as_typed_and_aggregates_come_from_a_form(shop_orders):
    app = designed(shop_orders)
    app.text_input(key="fd_expr_name").input("double_distance").run()
    app.text_input(key="fd_expr_text").input("distance * weather").run()
    assert "'*' needs numbers, but this side is text" in app.error[0].value
    assert app.button(key="fd_add_expr").disabled
    app.text_input(key="fd_expr_text").input("__import__('os')").run()
    assert "unknown function '__import__'" in app.error[0].value
    app.text_input(key="fd_expr_text").input("distance * 2").run()
    assert "It may use: `order_id` (categorical), `shop` (categorical)" in texts(app)
    assert "A valid expression: a number for every row." in texts(app)
    app.button(key="fd_add_expr").click().run()
    app.button(key="fd_add_expr").click().run()  # a second click replaces, never appends
    assert spec(app)["expressions"] == [{"name": "double_distance", "expr": "distance * 2", "steps": spec(app)["expressions"][0]["steps"]}]
    assert "Choose the time column above first" in texts(app)
    widget(app.selectbox, "Time column").select("at").run()
    assert widget(app.selectbox, "Entity key (in both tables)").value == "shop"  # not the order id: it names rows
    app.button(key="fd_add_agg").click().run()
    assert [(a["name"], a["table"], a["entity"], a["time"], a["window"]) for a in spec(app)["aggregates"]] == [("shop_orders_7d", "orders", "shop", "at", "7d")]
    app.button(key="fd_remove_expressions_double_distance").click().run()
    assert spec(app)["expressions"] == [] and not app.exception


def test_prove_leaves_the_leak_out_then_save_load_and_diff(shop_orders):
    app = designed(shop_orders)
    app.button(key="fd_prove").click().run()
    wait_jobs(shop_orders)
    app.run()
    assert not app.exception, app.exception
    proof = app.session_state["fd_proof"]
    leak = next(f for f in proof["features"] if f["name"] == "copy")
    assert leak["verdict"] == "reject" and leak["reasons"][0].startswith("leak: alone it predicts the target")
    assert spec(app)["rejected"] == ["copy"]  # off by default, a click brings it back
    assert any("Features ranked by what they tell about minutes" in chart.proto.spec for chart in app.get("plotly_chart"))
    assert "leak: alone it predicts the target almost perfectly" in texts(app)
    app.text_input(key="fd_save_name").input("delivery").run()
    app.button(key="fd_save").click().run()
    assert "Saved delivery v1 with its proof." in texts(app)
    saved = shop_orders.features.get("delivery")
    assert saved.recipe.rejected == ("copy",) and saved.proof["target"] == "minutes" and saved.designed_on() == "orders v1"
    app.button(key="fd_card_button_copy").click().run()  # bring it back
    assert spec(app)["rejected"] == []
    app.button(key="fd_save").click().run()
    assert shop_orders.features.get("delivery").version == 2
    app.selectbox(key="fd_diff_name").select("delivery").run()
    assert "- rejected copy (back in)" in app.code[-1].value
    app.selectbox(key="fd_start_orders_minutes").select("delivery v1").run()
    assert spec(app)["rejected"] == ["copy"] and app.session_state["fd_proof"] == saved.proof
    assert not app.exception and not app.error
