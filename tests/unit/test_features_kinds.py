"""Column kinds from the DuckDB type and the profile, and the suggested treatments that training
uses when there is no recipe."""

import duckdb
import numpy as np
import pandas as pd
import pytest

from studio.errors import StudioError
from studio.features import classify_columns, compile_pipeline, suggest_recipe
from studio.features._kinds import classify, named_like_identifier
from studio.lake import sql_literal
from studio.tables import profile_parquet


@pytest.mark.parametrize(
    ("name", "named"),
    [("order_id", True), ("id", True), ("customerId", True), ("UUID", True), ("row_key", True), ("user-guid", True), ("idle_minutes", False), ("paid", False), ("valid", False), ("monkey", False), ("keyboard", False)],
)
def test_identifier_names(name, named):
    assert named_like_identifier(name) is named


@pytest.mark.parametrize(
    ("name", "type_name", "stats", "rows", "kind"),
    [
        ("flag", "BOOLEAN", None, None, "boolean"),
        ("placed_at", "TIMESTAMP", None, None, "date"),
        ("opened_on", "DATE", None, None, "date"),
        ("tags", "VARCHAR[]", None, None, "other"),
        ("distance", "DOUBLE", {"distance": 900}, 1000, "numeric"),
        ("amount", "DOUBLE", {"distinct": 1000, "min": 0.5, "max": 999.0}, 1000, "numeric"),  # continuous, not an identifier
        ("row_number", "BIGINT", {"distinct": 1000, "min": 1, "max": 1000}, 1000, "identifier"),  # a running number
        ("order_id", "BIGINT", None, None, "identifier"),
        ("store_id", "BIGINT", {"distinct": 40}, 1000, "numeric"),  # a few stores: an entity key, kept
        ("is_late", "INTEGER", {"distinct": 2, "min": 0, "max": 1}, 1000, "boolean"),
        ("answer", "VARCHAR", {"distinct": 2, "top": [{"value": "Yes"}, {"value": "no"}]}, 1000, "boolean"),
        ("city", "VARCHAR", {"distinct": 12, "mean_length": 7}, 1000, "categorical"),
        ("customer_id", "VARCHAR", {"distinct": 990}, 1000, "identifier"),
        ("restaurant_id", "VARCHAR", {"distinct": 50}, 1000, "categorical"),
        ("token", "VARCHAR", {"distinct": 999, "mean_length": 12}, 1000, "identifier"),
        ("review", "VARCHAR", {"distinct": 999, "mean_length": 120}, 1000, "text"),
        ("order_id", "VARCHAR", None, None, "identifier"),
        ("city", "VARCHAR", None, None, "categorical"),
    ],
)
def test_classify(name, type_name, stats, rows, kind):
    assert classify(name, type_name, stats, rows)[0] == kind


@pytest.fixture
def profiled(tmp_path) -> tuple[pd.DataFrame, dict]:
    rng = np.random.default_rng(0)
    n = 2000
    frame = pd.DataFrame(
        {
            "order_id": [f"O{i:05d}" for i in range(n)],
            "placed_at": pd.Timestamp("2026-06-01") + pd.to_timedelta(rng.integers(0, 10**6, n), unit="min"),
            "opened_on": (pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 1000, n), unit="D")).date,
            "distance_km": np.where(rng.random(n) < 0.1, np.nan, rng.gamma(2, 2, n)),
            "income": rng.lognormal(3, 2, n),
            "city": rng.choice(["Utrecht", "Breda", None], n),
            "restaurant": [f"R{i}" for i in rng.integers(0, 300, n)],
            "note": [" ".join(["word"] * int(k)) for k in rng.integers(8, 30, n)],
            "express": rng.random(n) < 0.3,
            "source": "web",
            "cluster_id": rng.integers(0, 1500, n),
            "y": rng.normal(size=n),
        }
    )
    path = tmp_path / "frame.parquet"
    frame.to_parquet(path)
    con = duckdb.connect()
    return con.execute(f"SELECT * FROM read_parquet({sql_literal(str(path))})").df(), profile_parquet(con, path)


def test_suggested_treatments(profiled):
    frame, profile = profiled
    columns = [{"name": c["name"], "type": c["type"]} for c in profile["columns"]]
    entries = {e["name"]: e for e in classify_columns(columns, profile, "y")}
    assert "y" not in entries
    assert entries["source"]["treatment"]["drop"] and "one value only" in entries["source"]["why"]
    ops = {name: [s["op"] for s in e["treatment"]["steps"]] for name, e in entries.items()}
    assert ops["distance_km"] == ["impute", "standardize"]
    assert ops["income"] == ["impute", "log", "standardize"]  # heavy right tail
    assert ops["city"] == ["one_hot"] and ops["restaurant"] == ["target"]
    assert ops["placed_at"] == ["date_parts", "cyclic", "impute"] and ops["opened_on"] == ["date_parts", "cyclic", "impute"]
    assert entries["placed_at"]["treatment"]["steps"][0]["parts"] == ["month", "dayofweek", "hour"]
    assert "hour" not in entries["opened_on"]["treatment"]["steps"][0]["parts"]  # a date has no time of day
    assert ops["note"] == ["text_stats", "impute"] and entries["express"]["kind"] == "boolean"
    assert entries["order_id"]["kind"] == "identifier" and entries["order_id"]["treatment"]["drop"]
    assert entries["cluster_id"]["kind"] == "identifier"
    recipe = suggest_recipe(columns, profile, "y")
    assert recipe.group_column == "cluster_id"
    out = compile_pipeline(recipe, task="regression").fit_transform(frame, frame["y"])
    assert out.dtype == np.float64 and not np.isnan(out).any()


def test_the_group_column_is_never_a_feature_however_often_its_values_repeat(tmp_path):
    # Ten rows per consolidated entity: too few distinct values for "named like an identifier"
    # alone, but a model that learnt the entity ids would score on entities it has seen only.
    frame = pd.DataFrame({"cluster_id": np.repeat(np.arange(100), 10), "x": np.arange(1000.0), "y": np.arange(1000.0) % 7})
    path = tmp_path / "grouped.parquet"
    frame.to_parquet(path)
    profile = profile_parquet(duckdb.connect(), path)
    columns = [{"name": c["name"], "type": c["type"]} for c in profile["columns"]]
    entries = {e["name"]: e for e in classify_columns(columns, profile, "y")}
    assert entries["cluster_id"]["kind"] == "identifier" and entries["cluster_id"]["treatment"]["drop"]
    assert "one side of a split" in entries["cluster_id"]["why"] and entries["x"]["kind"] == "numeric"
    assert suggest_recipe(columns, profile, "y").group_column == "cluster_id"


def test_suggestion_without_a_profile_goes_by_type_and_name(profiled):
    _frame, profile = profiled
    columns = [{"name": c["name"], "type": c["type"]} for c in profile["columns"]]
    recipe = suggest_recipe(columns, None, "y")
    assert recipe.columns["order_id"].drop and recipe.columns["cluster_id"].drop
    assert recipe.columns["city"].kind == "categorical" and recipe.columns["distance_km"].kind == "numeric"
    with pytest.raises(StudioError, match="no column 'price' to predict"):
        suggest_recipe(columns, None, "price")
