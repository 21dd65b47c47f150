"""Feature designer views: info functions (plain data, unit-tested) and figure builders (data
in, figure out) for a feature's values before and after its treatment and for the proof.
Nothing here touches the workspace or Streamlit."""

from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from components.figures import MARGIN, labelled

BEFORE, AFTER = "#8A94A6", "#2F6FED"
VERDICT_COLORS = {"accept": "#2E9E5B", "warn": "#E0A100", "reject": "#D9534F"}
VERDICT_ICONS = {"accept": ":material/check_circle:", "warn": ":material/warning:", "reject": ":material/block:"}
TOP_CATEGORIES = 15
BINS = 30
MAX_LABEL = 28
METRIC_NAMES = {"r2": "R²", "roc_auc": "ROC AUC", "balanced_accuracy": "balanced accuracy"}


def _label(value: Any) -> str:
    text = "(missing)" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def value_counts(values: pd.Series, top: int = TOP_CATEGORIES) -> tuple[list[str], list[int]]:
    """The ``top`` most frequent values (missing included, as "(missing)") and their counts,
    the rest summed as "(other)"."""
    counts = values.astype(object).where(values.notna(), None).map(_label).value_counts()
    labels, numbers = [str(v) for v in counts.index[:top]], [int(c) for c in counts.iloc[:top]]
    if len(counts) > top:
        labels.append("(other)")
        numbers.append(int(counts.iloc[top:].sum()))
    return labels, numbers


def _is_numeric(values: pd.Series) -> bool:
    return (pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype)) or pd.api.types.is_datetime64_any_dtype(values.dtype)


def _distribution(values: pd.Series, color: str, name: str) -> go.Histogram | go.Bar:
    if _is_numeric(values):
        return go.Histogram(x=values.dropna(), nbinsx=BINS, marker_color=color, name=name, opacity=0.85)
    labels, counts = value_counts(values)
    return go.Bar(x=labels, y=counts, marker_color=color, name=name)


def _binary_columns(frame: pd.DataFrame) -> list[str]:
    """The 0/1 columns (missing indicators, one-hot columns) of a treatment's output."""
    return [c for c in frame.columns if frame[c].isin([0.0, 1.0]).all()]


def before_after_figure(name: str, before: pd.Series, after: pd.DataFrame) -> go.Figure:
    """The raw values of feature ``name`` on the sample, then the model columns its treatment
    makes of them: numbers as histograms (overlaid when several), 0/1 columns (indicators,
    one-hot) as the share of rows that are 1, each kind in a panel of its own."""
    binary = _binary_columns(after)
    values = [c for c in after.columns if c not in binary]
    panels = ["Before: the raw values"] + (["After: numbers the model sees"] if values else []) + (["After: 0/1 columns"] if binary else [])
    if after.empty:
        panels.append("After: left out")
    figure = make_subplots(rows=1, cols=len(panels), subplot_titles=panels, horizontal_spacing=0.1)
    figure.add_trace(_distribution(before, BEFORE, name).update(showlegend=False), row=1, col=1)
    figure.update_xaxes(title_text=name, row=1, col=1)
    figure.update_yaxes(title_text="sampled rows", row=1, col=1)
    col = 2
    if values:
        for index, column in enumerate(values):
            figure.add_trace(go.Histogram(x=after[column], nbinsx=BINS, name=_label(column), opacity=0.6 if len(values) > 1 else 0.85,
                                          marker_color=AFTER if index == 0 else None, showlegend=len(values) > 1), row=1, col=col)  # fmt: skip
        figure.update_xaxes(title_text="model input value", row=1, col=col)
        figure.update_yaxes(title_text="sampled rows", row=1, col=col)
        col += 1
    if binary:
        shares = after[binary].mean().round(4)
        figure.add_trace(go.Bar(x=[_label(c) for c in binary], y=shares, text=[f"{v:.1%}" for v in shares], textposition="outside",
                                marker_color=AFTER, showlegend=False), row=1, col=col)  # fmt: skip
        figure.update_xaxes(title_text="model column", type="category", row=1, col=col)
        figure.update_yaxes(title_text="share of rows that are 1", range=[0, 1], row=1, col=col)
    if after.empty:
        figure.add_annotation(text="the model does not see it", xref=f"x{col} domain", yref=f"y{col} domain", x=0.5, y=0.5, showarrow=False)
        figure.update_xaxes(visible=False, row=1, col=col)
        figure.update_yaxes(visible=False, row=1, col=col)
    figure.update_layout(height=340, margin=MARGIN, template="plotly_white", barmode="overlay", legend={"orientation": "h", "y": -0.25})
    return figure


def values_figure(name: str, values: pd.Series | np.ndarray) -> go.Figure:
    """The distribution of one set of sampled values (an expression being typed)."""
    series = pd.Series(values)
    figure = go.Figure(_distribution(series, AFTER, name))
    return labelled(figure, f"{name} on the sample", name, "sampled rows", height=260)


def proof_overview_figure(proof: dict[str, Any]) -> go.Figure:
    """Every feature ranked by its mutual information with the target (strongest on top),
    coloured by verdict, with the one-feature score beside it in the hover. A leak that
    dwarfs the rest is cut at the axis's end (its value written on it), so the others stay
    readable."""
    features = proof["features"]
    metric = METRIC_NAMES.get(proof["metric"], proof["metric"])
    ranked = list(reversed(features))
    hover = [
        f"{f['name']}: {f['verdict']}<br>mutual information {f['mutual_info']:.3f}<br>"
        + (f"one-feature {metric} {f['single_feature_score']:.3f}" if f["single_feature_score"] is not None else f"one-feature {metric} —")
        + f"<br>missing {f['missing_rate']:.1%}"
        for f in ranked
    ]
    strengths = sorted((f["mutual_info"] for f in features), reverse=True)
    cut = strengths[1] * 1.4 if len(strengths) > 1 and strengths[1] > 0 and strengths[0] > 3 * strengths[1] else None
    figure = go.Figure(go.Bar(
        x=[min(f["mutual_info"], cut) if cut is not None else f["mutual_info"] for f in ranked], y=[f["name"] for f in ranked], orientation="h",
        marker_color=[VERDICT_COLORS[f["verdict"]] for f in ranked], hovertext=hover, hoverinfo="text",
    ))  # fmt: skip
    figure.update_yaxes(type="category", title_text="feature")
    if cut is not None:
        figure.update_xaxes(range=[0, cut])
        for f in features:
            if f["mutual_info"] > cut:
                figure.add_annotation(x=cut, y=f["name"], text=f"{f['mutual_info']:.2f} →", xanchor="right", showarrow=False,
                                      font={"size": 12, "color": "white"})  # fmt: skip
    return labelled(
        figure, f"Features ranked by what they tell about {proof['target']}", "mutual information with the target (nats, above chance)",
        height=max(260, 60 + 24 * len(features)),
    )


def verdict_counts(proof: dict[str, Any]) -> dict[str, int]:
    counts = dict.fromkeys(VERDICT_COLORS, 0)
    for feature in proof["features"]:
        counts[feature["verdict"]] += 1
    return counts


def card_facts(feature: dict[str, Any], metric: str) -> list[tuple[str, str, str]]:
    """What a feature's card shows, as (label, value, help): strength, stability,
    missingness, redundancy and cardinality."""
    score = feature["single_feature_score"]
    name = METRIC_NAMES.get(metric, metric)
    psi, same_as = feature.get("psi"), feature.get("redundant_with")
    return [
        ("Strength", f"MI {feature['mutual_info']:.3f}" + (f" · {name} {score:.2f}" if score is not None else ""),
         f"Mutual information with the target, and a cross-validated one-feature model's {name}."),
        ("Stability", "—" if psi is None else f"PSI {psi:.2f}", "Population stability between the first and later time folds (under 0.1 stable, over 0.25 shifting)."),
        ("Missing", f"{feature['missing_rate']:.1%}", "Share of the table's rows without a value."),
        ("Redundancy", f"same as {same_as}" if same_as else "none", "A stronger feature carrying the same information."),
        ("Distinct", f"{feature['cardinality']:,}", "Distinct values in the table (approximate when large)."),
    ]  # fmt: skip
