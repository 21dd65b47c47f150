"""The feature proof flags constructed leaks, identifiers, constants, time leaks, instability,
redundancy and entity leaks, with reasons, and returns plain JSON-able data."""

import json

import duckdb
import numpy as np
import pandas as pd
import pytest

from studio.errors import StudioError
from studio.features import FeatureRecipe, prove_features

N = 3000


def table(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    placed_at = pd.Timestamp("2026-06-01") + pd.to_timedelta(np.sort(rng.integers(0, 90 * 24 * 60, N)), unit="min")
    cluster = rng.integers(0, 600, N)
    cluster_effect = rng.normal(0, 10, 600)[cluster]
    good = rng.normal(size=N)
    y = 10 * good + cluster_effect + rng.normal(0, 2, N) + 40
    mostly_missing = np.where(rng.random(N) < 0.97, np.nan, rng.normal(size=N))
    return pd.DataFrame(
        {
            "order_id": [f"O{i:06d}" for i in rng.permutation(N)],
            "seq": np.arange(N) + 1000,
            "cluster_id": cluster,
            "member_tag": [f"tag{c}" for c in cluster],  # one value per consolidated entity
            "placed_at": placed_at,
            "delivered_at": placed_at + pd.to_timedelta(y, unit="min"),
            "good": good,
            "good_twice": 2 * good + rng.normal(0, 0.01, N),
            "logged_minutes": y + rng.normal(0, 0.3, N),  # the label, copied under another name
            "noise": rng.normal(size=N),
            "drifting": np.arange(N) / N + rng.normal(0, 0.05, N),
            "constant": "same",
            "mostly_missing": mostly_missing,
            "city": rng.choice(["Utrecht", "Breda", "Delft"], N),
            "y": y,
        }
    )


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    connection.register("orders", table())
    return connection


def by_name(result: dict) -> dict[str, dict]:
    return {f["name"]: f for f in result["features"]}


@pytest.fixture(scope="module")
def timed(con) -> dict:
    return prove_features(con, "orders", "y", time_column="placed_at")


@pytest.fixture(scope="module")
def grouped(con) -> dict:
    return prove_features(con, "orders", "y")


def reasons(feature: dict) -> str:
    return " | ".join(feature["reasons"])


def test_result_is_plain_json_in_the_cli_contract(timed):
    again = json.loads(json.dumps(timed))
    assert again == timed
    assert {"target", "task", "metric", "rows", "sample_rows", "split", "redundancy", "features"} <= set(timed)
    assert timed["task"] == "regression" and timed["metric"] == "r2" and timed["rows"] == N
    for feature in timed["features"]:
        assert {"name", "verdict", "reasons", "mutual_info", "single_feature_score", "missing_rate", "cardinality", "psi"} <= set(feature)
        assert feature["verdict"] in ("accept", "warn", "reject")
        assert (feature["verdict"] == "accept") == (not feature["reasons"])
    assert "y" not in by_name(timed)
    scores = [f["mutual_info"] for f in timed["features"]]
    assert scores == sorted(scores, reverse=True)  # ranked


def test_a_copy_of_the_label_is_rejected_as_a_leak(timed):
    leak = by_name(timed)["logged_minutes"]
    assert leak["verdict"] == "reject" and "leak: alone it predicts the target almost perfectly (r2 0.9" in reasons(leak)
    assert leak["single_feature_score"] > 0.95


def test_identifiers_and_constants_are_rejected(timed):
    features = by_name(timed)
    assert features["order_id"]["verdict"] == "reject" and "identifier: named like one, and 100% of its values are distinct" in reasons(features["order_id"])
    assert features["seq"]["verdict"] == "reject" and "identifier-like: 100% of its values are distinct" in reasons(features["seq"])
    assert features["constant"]["verdict"] == "reject" and "constant: one value only" in reasons(features["constant"])
    assert features["constant"]["cardinality"] == 1
    assert features["mostly_missing"]["verdict"] == "reject" and "missing in 97% of rows" in reasons(features["mostly_missing"])
    assert features["mostly_missing"]["missing_rate"] == pytest.approx(0.97, abs=0.01)


def test_a_time_after_the_label_time_is_rejected(timed):
    features = by_name(timed)
    late = features["delivered_at"]
    assert late["verdict"] == "reject" and late["after_label_time"] == 1.0
    assert "time leak: after the label time (placed_at) in 100.0% of rows" in reasons(late)
    assert "time leak" not in reasons(features["placed_at"]) and features["placed_at"]["psi"] is None


def test_good_features_pass_and_weak_drifting_or_redundant_ones_warn(timed):
    features = by_name(timed)
    assert features["good"]["single_feature_score"] > 0.3
    assert features["good"]["verdict"] in ("accept", "warn") and "leak" not in reasons(features["good"])
    pair = {features["good"]["verdict"], features["good_twice"]["verdict"]}
    assert "warn" in pair and any("redundant: carries the same information as" in reasons(features[n]) for n in ("good", "good_twice"))
    group = next(g for g in timed["redundancy"] if "good" in g["features"])
    assert group["features"] == ["good", "good_twice"] and group["keep"] in group["features"] and group["association"] > 0.99
    assert features["noise"]["verdict"] == "warn" and "no signal" in reasons(features["noise"])
    assert features["drifting"]["psi"] > 1 and "unstable over time: PSI" in reasons(features["drifting"])
    assert features["noise"]["psi"] < 0.1
    assert timed["split"]["method"] == "time"


def test_entity_leak_and_group_splits(grouped):
    features = by_name(grouped)
    split = grouped["split"]
    assert (split["method"], split["group_column"], split["recommended"]) == ("group", "cluster_id", "group") and split["rows_in_shared_groups"] > 0.9
    tag = features["member_tag"]
    assert tag["random_split_score"] - tag["single_feature_score"] >= 0.1
    assert "entity leak: scores" in reasons(tag) and "when rows of one cluster_id sit on both sides of a split" in reasons(tag)
    assert features["cluster_id"]["verdict"] == "reject" and "the group column" in reasons(features["cluster_id"])
    assert "entity leak" not in reasons(features["good"])


def test_a_binary_target_leak_is_found_by_auc(con):
    frame = table(1).assign(late=lambda f: np.where(f["y"] > 45, "yes", "no"))
    frame["late_flag_copy"] = (frame["late"] == "yes").astype(int)
    con.register("binary_orders", frame.drop(columns=["y", "logged_minutes", "delivered_at"]))
    result = prove_features(con, "binary_orders", "late")
    assert result["task"] == "binary" and result["metric"] == "roc_auc"
    features = by_name(result)
    assert features["late_flag_copy"]["verdict"] == "reject" and "(roc_auc 1.000)" in reasons(features["late_flag_copy"])
    assert 0.7 < features["good"]["single_feature_score"] < 0.99


def test_recipe_expressions_and_aggregates_are_proved_too(con):
    recipe = FeatureRecipe.from_json(
        {
            "target": "y",
            "time_column": "placed_at",
            "columns": {"city": {"kind": "categorical", "steps": ["target"]}},
            "expressions": [{"name": "good_squared", "expr": "good ** 2"}, {"name": "leaky_sum", "expr": "logged_minutes + noise * 0.01"}],
            "aggregates": [{"name": "city_mean_7d", "table": "orders", "entity": "city", "time": "placed_at", "window": "7d", "function": "mean", "column": "y"}],
        }
    )
    result = prove_features(con, "orders", "y", recipe=recipe)
    features = by_name(result)
    assert features["leaky_sum"]["source"] == "expression" and features["leaky_sum"]["verdict"] == "reject"
    assert features["city_mean_7d"]["source"] == "aggregate" and features["city_mean_7d"]["missing_rate"] < 0.05
    assert "leak" not in reasons(features["city_mean_7d"])  # computed strictly before each row: no leak


def test_sampling_is_repeatable_and_big_tables_are_sampled(con):
    big = pd.concat([table(2)] * 4, ignore_index=True)
    con.register("big_orders", big)
    first = prove_features(con, "big_orders", "y", sample_rows=2000, seed=3)
    second = prove_features(con, "big_orders", "y", sample_rows=2000, seed=3)
    assert first == second
    assert first["rows"] == 4 * N and first["sample_rows"] == 2000
    assert by_name(first)["constant"]["missing_rate"] == 0.0


def test_problems_are_named(con):
    with pytest.raises(StudioError, match="no column 'price' to predict"):
        prove_features(con, "orders", "price")
    with pytest.raises(StudioError, match="no time column 'when'"):
        prove_features(con, "orders", "y", time_column="when")
    with pytest.raises(StudioError, match="cannot read the table to prove"):
        prove_features(con, "nowhere", "y")
    aggregate = FeatureRecipe.from_json({"target": "y", "aggregates": [{"name": "n", "table": "orders", "entity": "city", "time": "placed_at", "window": "7d", "function": "count"}]})
    with pytest.raises(StudioError, match="need its time_column"):
        prove_features(con, "orders", "y", recipe=aggregate)


def test_columns_of_other_types_are_rejected(con):
    con.execute("CREATE OR REPLACE VIEW tagged AS SELECT good, y, [round(good), 1] AS tags FROM orders")
    tags = by_name(prove_features(con, "tagged", "y"))["tags"]
    assert tags["kind"] == "other" and tags["verdict"] == "reject" and "not model input" in reasons(tags)
