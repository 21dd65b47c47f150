"""The evaluation report: metrics, task views, importance, partial dependence and slices,
computed once from a fitted pipeline and its holdout as plain JSON."""

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LinearRegression, LogisticRegression

from studio.errors import StudioError
from studio.evaluation import METRICS, Predictions, evaluation_report, get_metric, predict
from studio.evaluation._curves import thin
from studio.evaluation._slices import MISSING_SLICE, OTHER_SLICE, slice_labels
from tests.helpers.pipelines import fit, frame


@pytest.fixture(scope="module")
def binary():
    train, holdout = frame(1500, "binary", seed=1), frame(1000, "binary", seed=2)
    pipeline = fit(LogisticRegression(), train)
    return pipeline, holdout, evaluation_report(pipeline, holdout, "y", "binary", max_points=50)


@pytest.fixture(scope="module")
def regression():
    train, holdout = frame(1500, "regression", seed=1), frame(1000, "regression", seed=2)
    pipeline = fit(LinearRegression(), train)
    return pipeline, holdout, evaluation_report(pipeline, holdout, "y", "regression", max_points=300)


@pytest.fixture(scope="module")
def multiclass():
    train, holdout = frame(1500, "multiclass", seed=1), frame(600, "multiclass", seed=2)
    pipeline = fit(LogisticRegression(max_iter=500), train)
    return pipeline, holdout, evaluation_report(pipeline, holdout, "y", "multiclass", max_points=40)


def test_binary_report_is_strict_json_and_matches_sklearn(binary):
    pipeline, holdout, report = binary
    json.dumps(report, allow_nan=False)
    proba = pipeline.predict_proba(holdout.drop(columns=["y"]))[:, 1]
    positive = holdout["y"] == "yes"
    assert report["rows"] == 1000 and report["metric"] == "roc_auc" and report["classes"] == ["no", "yes"]
    assert report["metrics"]["roc_auc"] == pytest.approx(skm.roc_auc_score(positive, proba))
    assert report["metrics"]["log_loss"] == pytest.approx(skm.log_loss(holdout["y"], pipeline.predict_proba(holdout.drop(columns=["y"]))))
    assert report["metrics"]["brier"] == pytest.approx(skm.brier_score_loss(positive, proba))
    assert report["metrics"]["f1"] == pytest.approx(skm.f1_score(positive, proba >= 0.5))
    assert report["baseline"]["roc_auc"] == 0.5 and report["metrics"]["roc_auc"] > 0.9


def test_binary_views(binary):
    _, _, report = binary
    matrix = np.array(report["confusion"]["matrix"])
    assert report["confusion"]["labels"] == ["no", "yes"] and matrix.sum() == 1000
    assert matrix.trace() / 1000 == pytest.approx(report["metrics"]["accuracy"])
    (roc,) = report["roc"]
    assert roc["class"] == "yes" and len(roc["fpr"]) <= 50 and roc["fpr"][0] == 0 and roc["fpr"][-1] == 1
    assert roc["auc"] == pytest.approx(report["metrics"]["roc_auc"])
    (pr,) = report["pr"]
    assert len(pr["precision"]) <= 50 and pr["average_precision"] == pytest.approx(report["metrics"]["average_precision"])
    calibration = report["calibration"]
    assert sum(b["rows"] for b in calibration["bins"]) == 1000 and 0 <= calibration["error"] < 0.1
    at_half = next(row for row in report["thresholds"] if row["threshold"] == 0.5)
    assert at_half["precision"] == pytest.approx(report["metrics"]["precision"]) and at_half["recall"] == pytest.approx(report["metrics"]["recall"])
    recalls = [row["recall"] for row in report["thresholds"]]
    assert recalls == sorted(recalls, reverse=True), "recall falls as the threshold rises"


def test_importance_ranks_the_driving_column_first_and_ignored_ones_near_zero(binary):
    _, _, report = binary
    ranked = {row["feature"]: row["importance"] for row in report["importance"]}
    assert list(ranked)[0] == "signal" and set(ranked) == {"size", "signal", "count", "city"}
    assert ranked["signal"] > 0.2 and ranked["city"] > 0.01
    assert abs(ranked["size"]) < 0.01 and abs(ranked["count"]) < 0.01


def test_partial_dependence_follows_the_model(binary):
    _, _, report = binary
    curves = {entry["feature"]: entry for entry in report["partial_dependence"]}
    signal = curves["signal"]
    assert signal["kind"] == "numeric" and len(signal["grid"]) <= 20 and signal["grid"] == sorted(signal["grid"])
    assert np.all(np.diff(signal["average"]) > 0), "P(yes) rises with signal"
    city = curves["city"]
    assert set(city["grid"]) == {"Paris", "Lyon", "Nice"}
    paris = city["average"][city["grid"].index("Paris")]
    assert paris > max(v for g, v in zip(city["grid"], city["average"], strict=True) if g != "Paris")


def test_slices_cover_categorical_and_binned_numeric_columns(binary):
    pipeline, holdout, report = binary
    by_column = {}
    for row in report["slices"]:
        by_column.setdefault(row["column"], []).append(row)
    assert set(by_column) == {"size", "signal", "count", "city"}
    assert {row["slice"] for row in by_column["city"]} == {"Paris", "Lyon", "Nice"}
    assert {row["slice"] for row in by_column["count"]} == {"0", "1", "2", "3"}, "few values: by value"
    assert len(by_column["signal"]) == 5 and MISSING_SLICE in {row["slice"] for row in by_column["size"]}
    assert {row["by"] for row in by_column["signal"]} == {"range"} and {row["by"] for row in by_column["city"] + by_column["count"]} == {"value"}
    for rows in by_column.values():
        assert sum(row["rows"] for row in rows) == 1000
    proba = pipeline.predict_proba(holdout.drop(columns=["y"]))[:, 1]
    for row in by_column["city"]:
        chosen = (holdout["city"] == row["slice"]).to_numpy()
        assert row["metric"] == pytest.approx(skm.roc_auc_score(holdout["y"][chosen] == "yes", proba[chosen]))
    worst = report["worst_slices"]
    assert worst and all(row["gap"] < 0 and row["rows"] >= 30 for row in worst)
    assert [row["gap"] for row in worst] == sorted(row["gap"] for row in worst)


def test_report_is_deterministic_under_a_seed(binary):
    pipeline, holdout, report = binary
    assert evaluation_report(pipeline, holdout, "y", "binary", max_points=50) == report
    other = evaluation_report(pipeline, holdout, "y", "binary", max_points=50, seed=5)
    assert other["importance"] != report["importance"]


def test_regression_views(regression):
    pipeline, holdout, report = regression
    json.dumps(report, allow_nan=False)
    predicted = pipeline.predict(holdout.drop(columns=["y"]))
    assert report["metrics"]["rmse"] == pytest.approx(np.sqrt(skm.mean_squared_error(holdout["y"], predicted)))
    assert report["metrics"]["r2"] == pytest.approx(skm.r2_score(holdout["y"], predicted))
    assert report["baseline"]["r2"] == pytest.approx(0.0, abs=1e-12)
    scatter = report["predicted_vs_actual"]
    assert scatter["sampled"] == len(scatter["predicted"]) == len(scatter["actual"]) == 300 and scatter["rows"] == 1000
    bins = report["residuals"]
    assert sum(row["rows"] for row in bins) == 1000 and len(bins) == 10
    assert [row["low"] for row in bins] == sorted(row["low"] for row in bins)
    assert all(row["p10"] <= row["p50"] <= row["p90"] for row in bins)
    assert sum(report["residual_histogram"]["counts"]) == 1000
    assert report["importance"][0]["feature"] == "signal"
    assert "confusion" not in report and "thresholds" not in report


def test_multiclass_views(multiclass):
    _, _, report = multiclass
    json.dumps(report, allow_nan=False)
    assert report["metric"] == "log_loss" and not report["greater_is_better"]
    assert sorted(report["classes"]) == ["high", "low", "mid"]
    assert len(report["roc"]) == 3 and all(len(curve["fpr"]) <= 40 for curve in report["roc"])
    assert np.array(report["confusion"]["matrix"]).sum() == 600
    coverage = [row["coverage"] for row in report["confidence"]]
    assert coverage[0] == 1.0 and coverage == sorted(coverage, reverse=True)
    assert report["calibration"]["kind"] == "confidence"
    first = report["partial_dependence"][0]
    assert set(first["by_class"]) == {"high", "low", "mid"}
    totals = np.sum([first["by_class"][c] for c in first["by_class"]], axis=0)
    np.testing.assert_allclose(totals, 1.0)  # class probabilities add up at every grid point


def test_boosted_model_report_runs_on_the_same_contract():
    train, holdout = frame(800, "binary", seed=1), frame(400, "binary", seed=2)
    report = evaluation_report(fit(HistGradientBoostingClassifier(max_iter=20), train), holdout, "y", "binary", importance_rows=200, dependence_rows=50)
    assert report["importance"][0]["feature"] == "signal" and report["metrics"]["roc_auc"] > 0.85


def test_bad_inputs_are_one_line_errors(binary):
    pipeline, holdout, _ = binary
    with pytest.raises(StudioError, match="unknown task 'ranking'"):
        evaluation_report(pipeline, holdout, "y", "ranking")
    with pytest.raises(StudioError, match="target column 'label' is not in the evaluation frame"):
        evaluation_report(pipeline, holdout, "label", "binary")
    gaps = holdout.copy()
    gaps.loc[:4, "y"] = None
    with pytest.raises(StudioError, match="5 holdout row"):
        evaluation_report(pipeline, gaps, "y", "binary")
    with pytest.raises(StudioError, match="model knows 3 classes, not 2"):
        predict(fit(LogisticRegression(max_iter=500), frame(300, "multiclass")), frame(50, "multiclass"), "y", "binary")
    unseen = holdout.copy()
    unseen.loc[0, "y"] = "maybe"
    with pytest.raises(StudioError, match="class 'maybe' that the model never saw"):
        predict(pipeline, unseen, "y", "binary")
    with pytest.raises(StudioError, match="metric 'rmse' does not apply to binary models"):
        evaluation_report(pipeline, holdout, "y", "binary", metric="rmse")


def test_one_class_holdout_gives_a_report_with_undefined_ranking_metrics(binary):
    pipeline, holdout, _ = binary
    only_yes = holdout[holdout["y"] == "yes"]
    report = evaluation_report(pipeline, only_yes, "y", "binary", max_points=50, importance_rows=100, dependence_rows=20)
    json.dumps(report, allow_nan=False)
    assert report["metrics"]["roc_auc"] is None and report["roc"] == [] and report["worst_slices"] == []
    assert report["metrics"]["accuracy"] is not None and report["importance"][0]["importance"] == 0.0


def test_predictions_of_another_frame_are_refused(binary):
    pipeline, holdout, _ = binary
    scored = predict(pipeline, holdout.head(10), "y", "binary")
    with pytest.raises(StudioError, match="predictions passed in are for 10 binary rows, not this 1000-row binary holdout"):
        evaluation_report(pipeline, holdout, "y", "binary", predictions=scored)


def test_numeric_class_labels_read_as_floats_match_integer_classes():
    train = frame(400, "binary").assign(y=lambda d: (d["y"] == "yes").astype(int))
    holdout = train.assign(y=train["y"].astype(float))
    scored = predict(fit(LogisticRegression(), train), holdout, "y", "binary")
    assert scored.y_true.dtype == scored.classes.dtype and scored.is_positive.sum() == train["y"].sum()


def test_slice_labels_pool_rare_values_and_mark_missing():
    values = pd.Series([f"v{i % 30}" for i in range(300)] + [None] * 5)
    labels = slice_labels(values)
    assert len(set(labels)) == 22 and OTHER_SLICE in labels and (labels == MISSING_SLICE).sum() == 5
    assert slice_labels(pd.Series([f"free text {i}" for i in range(200)])) is None, "free text is not sliced"


def test_thin_keeps_ends_and_bounds_points():
    assert thin(10, 20).tolist() == list(range(10))
    kept = thin(10_000, 100)
    assert len(kept) <= 100 and kept[0] == 0 and kept[-1] == 9_999


def random_binary(data, rows: int) -> Predictions:
    labels = np.array(data.draw(st.lists(st.sampled_from(["a", "b"]), min_size=rows, max_size=rows)), dtype=object)
    scores = np.array(data.draw(st.lists(st.sampled_from([0.1, 0.25, 0.5, 0.75, 0.9]), min_size=rows, max_size=rows)))
    proba = np.column_stack([1 - scores, scores])
    classes = np.array(["a", "b"], dtype=object)
    return Predictions("binary", labels, classes[(scores >= 0.5).astype(int)], proba, classes)


@settings(max_examples=60, deadline=None)
@given(st.data(), st.integers(5, 60))
def test_fast_weighted_auc_equals_sklearn_with_the_same_weights(data, rows):
    scored = random_binary(data, rows)
    weights = np.array(data.draw(st.lists(st.integers(0, 3), min_size=rows, max_size=rows)), dtype="float64")
    fast = get_metric("roc_auc", "binary").resampler(scored)(weights)
    positive = scored.y_true == "b"
    kept = weights > 0
    if kept.sum() == 0 or positive[kept].all() or not positive[kept].any():
        assert fast is None
    else:
        assert fast == pytest.approx(skm.roc_auc_score(positive[kept], scored.positive[kept], sample_weight=weights[kept]))


@settings(max_examples=40, deadline=None)
@given(st.data(), st.integers(5, 40))
def test_weighted_metrics_equal_repeating_rows(data, rows):
    """Integer weights mean the same as repeating rows: the bootstrap relies on it."""
    scored = random_binary(data, rows)
    weights = np.array(data.draw(st.lists(st.integers(1, 3), min_size=rows, max_size=rows)))
    repeated = scored.take(np.repeat(np.arange(rows), weights))
    for name in ("log_loss", "brier", "accuracy", "f1", "precision", "recall", "balanced_accuracy"):
        metric = METRICS[name]
        assert metric(scored, weights.astype("float64")) == pytest.approx(metric(repeated)), name
