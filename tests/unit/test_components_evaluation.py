"""Evaluation figure builders are pure: report data in, labelled figure out, with every point
the report holds and no more."""

import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression

from components.evaluation_charts import (
    calibration_figure,
    confusion_figure,
    importance_figure,
    partial_dependence_figure,
    pr_figure,
    predicted_vs_actual_figure,
    report_figures,
    residuals_figure,
    roc_figure,
    slice_columns,
    slices_figure,
    suite_rows,
    threshold_figure,
    threshold_row,
    worst_slice_rows,
)
from studio.evaluation import evaluation_report
from tests.helpers.pipelines import fit, frame

SMALL = {"importance_rows": 300, "dependence_rows": 40}


@pytest.fixture(scope="module")
def binary():
    return evaluation_report(fit(LogisticRegression(), frame(600, "binary", seed=1)), frame(500, "binary", seed=2), "y", "binary", max_points=60, **SMALL)


@pytest.fixture(scope="module")
def regression():
    return evaluation_report(fit(LinearRegression(), frame(600, "regression", seed=1)), frame(500, "regression", seed=2), "y", "regression", max_points=100, **SMALL)


@pytest.fixture(scope="module")
def multiclass():
    return evaluation_report(fit(LogisticRegression(max_iter=500), frame(600, "multiclass", seed=1)), frame(400, "multiclass", seed=2), "y", "multiclass", **SMALL)


def axes(figure):
    return figure.layout.xaxis.title.text, figure.layout.yaxis.title.text


def test_every_figure_is_labelled_and_bounded(binary, regression, multiclass):
    for report in (binary, regression, multiclass):
        figures = report_figures(report)
        assert figures
        for name, figure in figures.items():
            x, y = axes(figure)
            assert x and y and figure.layout.title.text, name
            for trace in figure.data:
                assert len(trace.x if trace.x is not None else []) <= 2000, name


def test_binary_figures_carry_the_report(binary):
    roc = roc_figure(binary)
    assert axes(roc) == ("false positive rate", "true positive rate")
    assert list(roc.data[0].x) == binary["roc"][0]["fpr"] and len(roc.data[0].x) <= 60
    assert "AUC" in roc.data[0].name and roc.data[-1].name == "chance"
    assert axes(pr_figure(binary)) == ("recall", "precision")
    confusion = confusion_figure(binary)
    assert [list(row) for row in confusion.data[0].z] == binary["confusion"]["matrix"]
    calibration = calibration_figure(binary)
    assert len(calibration.data[0].x) == len(binary["calibration"]["bins"]) and "expected error" in calibration.layout.title.text
    thresholds = threshold_figure(binary, 0.3)
    assert [trace.name for trace in thresholds.data] == ["precision", "recall", "f1"]
    assert thresholds.layout.shapes[0].x0 == 0.3
    assert threshold_row(binary, 0.304)["threshold"] == 0.3


def test_regression_figures(regression):
    scatter = predicted_vs_actual_figure(regression)
    assert axes(scatter) == ("predicted y", "actual y") and len(scatter.data[0].x) == 100
    assert "(100 of 500 rows)" in scatter.layout.title.text
    residuals = residuals_figure(regression)
    assert len(residuals.data[0].x) == len(regression["residuals"]) and axes(residuals)[1] == "residual (actual − predicted)"


def test_importance_puts_the_most_important_on_top(binary):
    figure = importance_figure(binary, top=3)
    assert list(figure.data[0].y)[-1] == binary["importance"][0]["feature"] and len(figure.data[0].y) == 3
    assert "drop in ROC AUC" in axes(figure)[0]


def test_partial_dependence_numeric_line_categorical_bars_and_classes(binary, multiclass):
    entries = {entry["feature"]: entry for entry in binary["partial_dependence"]}
    line = partial_dependence_figure(binary, entries["signal"])
    assert line.data[0].type == "scatter" and axes(line) == ("signal", "average P(positive)")
    bars = partial_dependence_figure(binary, entries["city"])
    assert bars.data[0].type == "bar" and set(bars.data[0].x) == {"Paris", "Lyon", "Nice"}
    per_class = partial_dependence_figure(multiclass, multiclass["partial_dependence"][0])
    assert {trace.name for trace in per_class.data} == {"low", "mid", "high"} and per_class.layout.showlegend


def test_slices_and_tables(binary):
    assert slice_columns(binary) == ["size", "signal", "count", "city"]
    figure = slices_figure(binary, "city")
    assert set(figure.data[0].x) == {"Paris", "Lyon", "Nice"} and figure.layout.shapes[0].y0 == binary["metrics"]["roc_auc"]
    rows = worst_slice_rows(binary)
    assert rows and set(rows[0]) == {"column", "slice", "rows", "roc_auc", "gap"}
    results = [{"name": "a", "passed": True, "value": 1.0, "threshold": 0.5, "detail": "ok"}, {"name": "b", "passed": False, "value": 0.1, "threshold": 0.5, "detail": "low"}]
    assert [row["result"] for row in suite_rows(results)] == ["FAIL", "pass"]
