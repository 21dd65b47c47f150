"""Evaluation views: figure builders and table rows drawn from an evaluation report and test
results (plain data in, labelled figure out). Nothing here touches the workspace or Streamlit;
the report already holds at most a few thousand points per curve."""

from typing import Any

import plotly.graph_objects as go

from components.figures import ACCENT, MAX_LABEL, labelled

SECOND = "#E07B39"
THIRD = "#3C8D5A"
MUTED = "#9AA5B1"
BAD = "#B03A2E"
PALETTE = [ACCENT, SECOND, THIRD, "#8E44AD", "#C0392B", "#16A085", "#7F8C8D", "#D4AC0D"]


def _layout(figure: go.Figure, title: str, x_title: str, y_title: str, *, height: int = 360, legend: bool = False) -> go.Figure:
    return labelled(figure, title, x_title, y_title, height=height, legend=legend)


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def _diagonal(figure: go.Figure, name: str) -> None:
    figure.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", line={"dash": "dash", "color": MUTED}, name=name, hoverinfo="skip"))


def confusion_figure(report: dict[str, Any]) -> go.Figure:
    """Counts of actual (rows) by predicted (columns) class, each cell labelled."""
    labels = [_short(label) for label in report["confusion"]["labels"]]
    matrix = report["confusion"]["matrix"]
    figure = go.Figure(
        go.Heatmap(z=matrix, x=labels, y=labels, colorscale="Blues", text=matrix, texttemplate="%{text:,}", hovertemplate="actual %{y}, predicted %{x}: %{z:,}<extra></extra>", showscale=False)
    )
    figure.update_yaxes(autorange="reversed", type="category")
    figure.update_xaxes(type="category")
    return _layout(figure, "Confusion matrix", "predicted class", "actual class")


def roc_figure(report: dict[str, Any]) -> go.Figure:
    """ROC curves (one per class for a multiclass model) against the chance diagonal."""
    figure = go.Figure()
    for i, curve in enumerate(report["roc"]):
        figure.add_trace(go.Scatter(x=curve["fpr"], y=curve["tpr"], mode="lines", line={"color": PALETTE[i % len(PALETTE)]}, name=f"{_short(curve['class'])} (AUC {curve['auc']:.3f})"))
    _diagonal(figure, "chance")
    figure.update_xaxes(range=[0, 1])
    figure.update_yaxes(range=[0, 1.02])
    return _layout(figure, "ROC curve", "false positive rate", "true positive rate", legend=True)


def pr_figure(report: dict[str, Any]) -> go.Figure:
    """Precision against recall, with each class's prevalence (what chance would give)."""
    figure = go.Figure()
    for i, curve in enumerate(report["pr"]):
        color = PALETTE[i % len(PALETTE)]
        figure.add_trace(go.Scatter(x=curve["recall"], y=curve["precision"], mode="lines", line={"color": color}, name=f"{_short(curve['class'])} (AP {curve['average_precision']:.3f})"))
        figure.add_hline(y=curve["prevalence"], line_dash="dot", line_color=color, opacity=0.5)
    figure.update_xaxes(range=[0, 1])
    figure.update_yaxes(range=[0, 1.02])
    return _layout(figure, "Precision-recall curve", "recall", "precision", legend=True)


def calibration_figure(report: dict[str, Any]) -> go.Figure:
    """Mean predicted probability against what happened, per probability bin; the diagonal is
    perfect calibration."""
    calibration = report["calibration"]
    bins = calibration["bins"]
    observed = "observed positive rate" if calibration["kind"] == "positive" else "observed accuracy"
    figure = go.Figure(
        go.Scatter(
            x=[b["predicted"] for b in bins], y=[b["observed"] for b in bins], mode="lines+markers", line={"color": ACCENT}, name="model",
            customdata=[b["rows"] for b in bins], hovertemplate="predicted %{x:.2f}, observed %{y:.2f} (%{customdata:,} rows)<extra></extra>",
        )
    )
    _diagonal(figure, "perfectly calibrated")
    predicted = "mean predicted probability" if calibration["kind"] == "positive" else "mean confidence of the predicted class"
    figure.update_xaxes(range=[0, 1])
    figure.update_yaxes(range=[0, 1.02])
    return _layout(figure, f"Calibration (expected error {calibration['error']:.3f})", predicted, observed, legend=True)


def threshold_figure(report: dict[str, Any], threshold: float | None = None) -> go.Figure:
    """Precision, recall and F1 of a binary model by decision threshold; ``threshold`` is drawn."""
    rows = report["thresholds"]
    x = [row["threshold"] for row in rows]
    figure = go.Figure()
    for key, color in (("precision", ACCENT), ("recall", SECOND), ("f1", THIRD)):
        figure.add_trace(go.Scatter(x=x, y=[row[key] for row in rows], mode="lines", name=key, line={"color": color}))
    if threshold is not None:
        figure.add_vline(x=threshold, line_dash="dash", line_color=BAD, annotation_text=f"threshold {threshold:.2f}", annotation_position="top")
    figure.update_xaxes(range=[0, 1])
    figure.update_yaxes(range=[0, 1.02])
    return _layout(figure, "Threshold explorer", "decision threshold on P(positive)", "score", legend=True)


def threshold_row(report: dict[str, Any], threshold: float) -> dict[str, Any]:
    """The threshold explorer's row nearest ``threshold``."""
    return min(report["thresholds"], key=lambda row: abs(row["threshold"] - threshold))


def confidence_figure(report: dict[str, Any]) -> go.Figure:
    """For a multiclass model: coverage and accuracy when predicting only above a confidence."""
    rows = report["confidence"]
    x = [row["threshold"] for row in rows]
    figure = go.Figure()
    figure.add_trace(go.Scatter(x=x, y=[row["coverage"] for row in rows], mode="lines", name="share of rows predicted", line={"color": ACCENT}))
    figure.add_trace(go.Scatter(x=x, y=[row["accuracy"] for row in rows], mode="lines", name="accuracy on them", line={"color": SECOND}))
    figure.update_yaxes(range=[0, 1.02])
    return _layout(figure, "Confidence threshold", "minimum probability of the predicted class", "share", legend=True)


def predicted_vs_actual_figure(report: dict[str, Any]) -> go.Figure:
    """A sample of (predicted, actual) points and the identity line."""
    points = report["predicted_vs_actual"]
    values = [v for v in points["predicted"] + points["actual"] if v is not None]
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    figure = go.Figure(go.Scattergl(x=points["predicted"], y=points["actual"], mode="markers", marker={"color": ACCENT, "size": 4, "opacity": 0.5}, name="rows"))
    figure.add_trace(go.Scatter(x=[low, high], y=[low, high], mode="lines", line={"dash": "dash", "color": MUTED}, name="perfect", hoverinfo="skip"))
    title = "Predicted vs actual"
    if points["sampled"] < points["rows"]:
        title += f" ({points['sampled']:,} of {points['rows']:,} rows)"
    return _layout(figure, title, f"predicted {report['target']}", f"actual {report['target']}")


def residuals_figure(report: dict[str, Any]) -> go.Figure:
    """Residuals by predicted range: the median with the 10th-90th percentile band, and the mean."""
    bins = report["residuals"]
    x = [(b["low"] + b["high"]) / 2 for b in bins]
    figure = go.Figure(
        go.Scatter(
            x=x, y=[b["p50"] for b in bins], mode="markers", marker={"color": ACCENT, "size": 9}, name="median",
            error_y={"type": "data", "symmetric": False, "array": [b["p90"] - b["p50"] for b in bins], "arrayminus": [b["p50"] - b["p10"] for b in bins]},
            customdata=[[b["low"], b["high"], b["rows"]] for b in bins],
            hovertemplate="predicted %{customdata[0]:.4g} – %{customdata[1]:.4g} (%{customdata[2]:,} rows): median %{y:.4g}<extra></extra>",
        )
    )
    figure.add_trace(go.Scatter(x=x, y=[b["mean"] for b in bins], mode="lines+markers", line={"color": SECOND}, name="mean"))
    figure.add_hline(y=0, line_dash="dash", line_color=MUTED)
    return _layout(figure, "Residuals by predicted range (10th–90th percentile)", f"predicted {report['target']}", "residual (actual − predicted)", legend=True)


def residual_histogram_figure(report: dict[str, Any]) -> go.Figure:
    histogram = report["residual_histogram"]
    edges, counts = histogram["edges"], histogram["counts"]
    centers = [(edges[i] + edges[i + 1]) / 2 for i in range(len(counts))]
    width = (edges[1] - edges[0]) if len(edges) > 1 else 1
    figure = go.Figure(go.Bar(x=centers, y=counts, width=[width * 0.95] * len(counts), marker_color=ACCENT))
    return _layout(figure, "Distribution of residuals", "residual (actual − predicted)", "rows")


def importance_figure(report: dict[str, Any], top: int = 15) -> go.Figure:
    """Permutation importance of the ``top`` columns, most important on top, with its spread."""
    rows = report["importance"][:top][::-1]
    figure = go.Figure(
        go.Bar(x=[r["importance"] for r in rows], y=[_short(r["feature"]) for r in rows], orientation="h", marker_color=ACCENT,
               error_x={"type": "data", "array": [r["std"] for r in rows]})
    )
    figure.update_yaxes(type="category")
    return _layout(figure, "Permutation importance", f"drop in {report['metric_label']} when shuffled", "column", height=max(260, 28 * len(rows) + 100))


def partial_dependence_figure(report: dict[str, Any], entry: dict[str, Any]) -> go.Figure:
    """The model's average output as one column is set to each grid value: a line for numbers,
    bars for categories, one trace per class for a multiclass model."""
    output = {"regression": f"average predicted {report['target']}", "binary": "average P(positive)", "multiclass": "average probability"}[report["task"]]
    series = entry["by_class"] if "by_class" in entry else {"model": entry["average"]}
    figure = go.Figure()
    grid = entry["grid"] if entry["kind"] == "numeric" else [_short(value) for value in entry["grid"]]
    for i, (name, values) in enumerate(series.items()):
        color = PALETTE[i % len(PALETTE)]
        if entry["kind"] == "numeric":
            figure.add_trace(go.Scatter(x=grid, y=values, mode="lines+markers", line={"color": color}, name=_short(name)))
        else:
            figure.add_trace(go.Bar(x=grid, y=values, marker_color=color, name=_short(name)))
    if entry["kind"] != "numeric":
        figure.update_xaxes(type="category")
    return _layout(figure, f"Partial dependence on {entry['feature']}", entry["feature"], output, legend=len(series) > 1)


def slices_figure(report: dict[str, Any], column: str) -> go.Figure:
    """The metric per slice of ``column`` against the overall value (a dashed line)."""
    rows = [row for row in report["slices"] if row["column"] == column]
    overall = report["metrics"].get(report["metric"])
    colors = [BAD if row["gap"] is not None and row["gap"] < 0 else ACCENT for row in rows]
    figure = go.Figure(
        go.Bar(x=[_short(row["slice"]) for row in rows], y=[row["metric"] for row in rows], marker_color=colors,
               customdata=[row["rows"] for row in rows], hovertemplate="%{x}: %{y:.4g} (%{customdata:,} rows)<extra></extra>")
    )
    if overall is not None:
        figure.add_hline(y=overall, line_dash="dash", line_color=MUTED, annotation_text=f"overall {overall:.4g}", annotation_position="top left")
    figure.update_xaxes(type="category")
    return _layout(figure, f"{report['metric_label']} by {column}", column, report["metric_label"])


def slice_columns(report: dict[str, Any]) -> list[str]:
    """The sliced columns, in the report's order."""
    return list(dict.fromkeys(row["column"] for row in report["slices"]))


def worst_slice_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"column": row["column"], "slice": row["slice"], "rows": row["rows"], report["metric"]: row["metric"], "gap": row["gap"]}
        for row in report["worst_slices"]
    ]


def suite_rows(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The test results as table rows, failures first."""
    ordered = sorted(results, key=lambda row: row["passed"])
    return [
        {"test": row["name"], "result": "pass" if row["passed"] else "FAIL", "value": row["value"], "threshold": row["threshold"], "detail": row["detail"]}
        for row in ordered
    ]


def report_figures(report: dict[str, Any]) -> dict[str, go.Figure]:
    """Every figure of the report by name, in display order."""
    figures: dict[str, go.Figure] = {}
    if report["task"] == "regression":
        figures["predicted_vs_actual"] = predicted_vs_actual_figure(report)
        figures["residuals"] = residuals_figure(report)
        figures["residual_histogram"] = residual_histogram_figure(report)
    else:
        figures["confusion"] = confusion_figure(report)
        figures["roc"] = roc_figure(report)
        figures["pr"] = pr_figure(report)
        figures["calibration"] = calibration_figure(report)
        if report["task"] == "binary":
            figures["thresholds"] = threshold_figure(report, 0.5)
        else:
            figures["confidence"] = confidence_figure(report)
    figures["importance"] = importance_figure(report)
    for entry in report["partial_dependence"]:
        figures[f"partial_dependence:{entry['feature']}"] = partial_dependence_figure(report, entry)
    for column in slice_columns(report):
        figures[f"slices:{column}"] = slices_figure(report, column)
    return figures
