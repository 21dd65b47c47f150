"""The designer's logic without a UI: treatment settings round-trip to steps, and any
feature's values before and after its treatment on a sample."""

import numpy as np
import pandas as pd
import pytest

from studio import StudioError
from studio.features import FeatureRecipe
from studio.features._designer import (
    checked_steps,
    default_steps,
    entity_keys,
    event_tables,
    feature_preview,
    same_but_rejected,
    treatment_form,
    treatment_steps,
    with_column,
    with_item,
    with_rejected,
    without_item,
)


@pytest.mark.parametrize(
    ("kind", "steps"),
    [
        ("numeric", [{"op": "impute", "strategy": "constant", "value": 0.0, "indicator": False}, {"op": "clip", "low": None, "high": 50.0},
                     {"op": "log"}, {"op": "standardize"}, {"op": "bins", "n_bins": 4, "encode": "one_hot"}]),
        ("numeric", []),
        ("categorical", [{"op": "impute", "strategy": "constant", "value": "none", "indicator": True}, {"op": "ordinal", "categories": ["b", "a"]}]),
        ("categorical", [{"op": "target", "smooth": 5.0}]),
        ("categorical", [{"op": "one_hot", "min_frequency": 10, "max_categories": None}]),
        ("date", [{"op": "date_parts", "parts": ["year"]}, {"op": "elapsed", "since": "opened", "unit": "hours"}, {"op": "impute", "strategy": "mean", "indicator": True},
                  {"op": "standardize"}]),
        ("text", [{"op": "text_stats", "stats": ["tokens"]}, {"op": "impute", "strategy": "constant", "value": 0.0, "indicator": False}, {"op": "log"}]),
        ("boolean", [{"op": "impute", "strategy": "most_frequent", "indicator": True}]),
    ],
)
def test_treatment_settings_round_trip(kind, steps):
    canonical = checked_steps(kind, steps, "c")
    assert checked_steps(kind, treatment_steps(kind, treatment_form(kind, canonical)), "c") == canonical


def test_settings_make_steps_in_the_designer_order():
    form = treatment_form("numeric", default_steps("numeric"))
    assert form["impute"] == "median" and form["standardize"] and not form["log"]
    form |= {"log": True, "clip_low": 0.0, "bins": 5}
    assert [s["op"] for s in treatment_steps("numeric", form)] == ["impute", "clip", "log", "standardize", "bins"]
    with pytest.raises(StudioError, match="recipe columns.c.steps: a date column needs date_parts, cyclic or elapsed"):
        checked_steps("date", treatment_steps("date", {**treatment_form("date", default_steps("date")), "parts": [], "cyclic": []}), "c")


@pytest.fixture
def sample() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 200
    return pd.DataFrame({
        "x": np.where(rng.random(n) < 0.1, np.nan, rng.uniform(0, 10, n)),
        "w": rng.choice(["rain", "clear", None], n),
        "y": rng.normal(0, 1, n),
        "n_events": rng.integers(0, 5, n).astype(float),
    })


def test_preview_before_and_after_each_kind_of_feature(sample):
    recipe = FeatureRecipe.from_json({
        "target": "y",
        "columns": {"x": {"kind": "numeric"}, "w": {"kind": "categorical"}},
        "expressions": [{"name": "double_x", "expr": "x * 2"}],
        "aggregates": [{"name": "n_events", "table": "t", "entity": "w", "time": "at", "window": "7d", "function": "count"}],
        "rejected": ["w"],
    })
    before, after = feature_preview(sample, recipe, "x")
    assert before.equals(sample["x"]) and list(after.columns) == ["x", "x__missing"]
    assert after["x"].notna().all() and abs(after["x"].mean()) < 1e-9  # imputed, standardized
    before, after = feature_preview(sample, recipe, "double_x")
    assert np.allclose(before, sample["x"] * 2, equal_nan=True) and list(after.columns) == ["double_x", "double_x__missing"]
    before, after = feature_preview(sample, recipe, "n_events")
    assert before.equals(sample["n_events"]) and list(after.columns) == ["n_events"]
    before, after = feature_preview(sample, recipe, "w")  # rejected: left out
    assert before.equals(sample["w"]) and after.empty
    with pytest.raises(StudioError, match="no feature 'z'"):
        feature_preview(sample, recipe, "z")


def test_editing_a_recipe_replaces_never_appends():
    spec = FeatureRecipe.from_json({"target": "y", "columns": {"x": {"kind": "numeric"}}}).to_json()
    item = {"name": "double_x", "expr": "x * 2"}
    once = with_item(spec, "expressions", item)
    assert with_item(once, "expressions", item) == once and len(once["expressions"]) == 1
    changed = with_item(once, "expressions", {"name": "double_x", "expr": "x * 3"})
    assert [e["expr"] for e in changed["expressions"]] == ["x * 3"]
    rejected = with_rejected(with_rejected(changed, "x", True), "x", True)
    assert rejected["rejected"] == ["x"] and with_rejected(rejected, "x", False)["rejected"] == []
    assert same_but_rejected(rejected, changed) and not same_but_rejected(once, changed)
    removed = without_item(with_rejected(changed, "double_x", True), "expressions", "double_x")
    assert removed["expressions"] == [] and removed["rejected"] == []
    dropped = with_column(spec, "x", "numeric", [], True)
    assert FeatureRecipe.from_json(dropped).columns["x"].drop and spec["columns"]["x"]["drop"] is False  # a copy, not a change


def test_event_tables_and_entity_keys_likeliest_first():
    rows = [{"name": "order_id", "type": "VARCHAR"}, {"name": "shop_id", "type": "VARCHAR"}, {"name": "source", "type": "VARCHAR"},
            {"name": "at", "type": "TIMESTAMP"}, {"name": "price", "type": "DOUBLE"}, {"name": "items", "type": "BIGINT"}]
    tables = {
        "couriers": [{"name": "source", "type": "VARCHAR"}, {"name": "speed", "type": "DOUBLE"}],
        "raw": [{"name": "source", "type": "VARCHAR"}, {"name": "at", "type": "TIMESTAMP"}],
        "orders": [*rows],
        "rows": rows,
    }
    assert event_tables(tables, "rows") == ["orders", "rows", "raw", "couriers"]
    assert event_tables({"rows": rows, **tables}, "rows")[:2] == ["orders", "rows"]  # the rows themselves after another event table
    assert entity_keys(tables["orders"], rows) == ["order_id", "shop_id", "source", "items"]  # no time, no floating numbers
    assert entity_keys(tables["orders"], rows, {"order_id"}) == ["shop_id", "source", "items", "order_id"]
