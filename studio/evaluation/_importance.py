"""Which raw input columns the model relies on (permutation importance) and how its output moves
with each of the most important ones (partial dependence), both on seeded row samples.

Both work on the raw columns the pipeline takes, not on its encoded features, so they speak the
user's language (``city``, not ``city_Paris``) and treat a one-hot block as the one column it is.
Each is one batched ``predict`` per column, not one per row or per repeat.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from studio.evaluation._curves import plain
from studio.evaluation._metrics import Metric
from studio.evaluation._predictions import Predictions, model_output
from studio.models import column_kind

IMPORTANCE_ROWS = 5000
IMPORTANCE_REPEATS = 3
DEPENDENCE_ROWS = 500
DEPENDENCE_POINTS = 20
TOP_FEATURES = 5


def sample_rows(count: int, size: int, seed: int) -> np.ndarray:
    """Sorted positions of a seeded sample of at most ``size`` of ``count`` rows."""
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(count, size=min(count, size), replace=False))


def permutation_importance(
    pipeline: Any,
    features: pd.DataFrame,
    predictions: Predictions,
    metric: Metric,
    *,
    rows: int = IMPORTANCE_ROWS,
    repeats: int = IMPORTANCE_REPEATS,
    seed: int = 0,
) -> list[dict[str, Any]]:
    """Per column: how much worse ``metric`` gets when the column's values are shuffled among
    the sampled rows (mean and standard deviation over ``repeats`` shuffles), most important
    first. A column the model ignores scores 0."""
    chosen = sample_rows(len(features), rows, seed)
    sample = features.iloc[chosen].reset_index(drop=True)
    base = predictions.take(chosen)
    baseline = metric(base)
    rng = np.random.default_rng(seed)
    out = []
    for name in features.columns:
        shuffled = pd.concat([sample] * repeats, ignore_index=True)
        column = sample[name]
        shuffled[name] = pd.concat([column.iloc[rng.permutation(len(column))] for _ in range(repeats)], ignore_index=True)
        predicted, proba = model_output(pipeline, shuffled, predictions.task)
        drops = []
        for r in range(repeats):
            part = slice(r * len(sample), (r + 1) * len(sample))
            scored = Predictions(base.task, base.y_true, predicted[part], None if proba is None else proba[part], base.classes)
            value = metric(scored)
            if baseline is not None and value is not None:
                drops.append(metric.better(baseline, value))
        out.append({"feature": str(name), "importance": float(np.mean(drops)) if drops else 0.0, "std": float(np.std(drops)) if drops else 0.0})
    out.sort(key=lambda row: row["importance"], reverse=True)
    return out


def dependence_grid(series: pd.Series, points: int = DEPENDENCE_POINTS) -> tuple[str, list[Any]] | None:
    """The values to set a column to: quantiles of a number, the most frequent categories;
    None for free text and dates, where one setting for all rows means little."""
    kind = column_kind(series)
    values = series.dropna()
    if not len(values):
        return None
    if kind == "numeric":
        numbers = pd.to_numeric(values).to_numpy(dtype="float64")
        grid = np.unique(np.quantile(numbers, np.linspace(0.05, 0.95, points)))
        if pd.api.types.is_integer_dtype(series.dtype):
            grid = np.unique(grid.round()).astype(series.dtype)
        return kind, grid.tolist()
    if kind in ("categorical", "boolean"):
        return kind, values.value_counts().index[:points].tolist()
    return None


def partial_dependence(
    pipeline: Any,
    features: pd.DataFrame,
    task: str,
    columns: list[str],
    *,
    classes: np.ndarray | None = None,
    limit: int = TOP_FEATURES,
    rows: int = DEPENDENCE_ROWS,
    points: int = DEPENDENCE_POINTS,
    seed: int = 0,
) -> list[dict[str, Any]]:
    """For the first ``limit`` of ``columns`` that have a grid: the model's average output over the sampled rows with the column set to
    each grid value in turn. Output: the predicted value (regression), the positive class's
    probability (binary), each class's probability (multiclass, under ``by_class``)."""
    chosen = sample_rows(len(features), rows, seed)
    sample = features.iloc[chosen].reset_index(drop=True)
    out = []
    for name in columns:
        if len(out) == limit:
            break
        found = dependence_grid(features[name], points)
        if found is None:
            continue
        kind, grid = found
        repeated = pd.concat([sample] * len(grid), ignore_index=True)
        repeated[name] = pd.Series(np.repeat(np.array(grid, dtype=object), len(sample))).astype(features[name].dtype)
        predicted, proba = model_output(pipeline, repeated, task)
        entry: dict[str, Any] = {"feature": name, "kind": kind, "grid": plain(np.array(grid, dtype=object))}
        if task == "regression":
            entry["average"] = plain(predicted.reshape(len(grid), len(sample)).mean(axis=1))
        elif task == "binary":
            assert proba is not None
            entry["average"] = plain(proba[:, 1].reshape(len(grid), len(sample)).mean(axis=1))
        else:
            assert proba is not None and classes is not None
            means = proba.reshape(len(grid), len(sample), -1).mean(axis=1)
            entry["by_class"] = {str(label): plain(means[:, i]) for i, label in enumerate(classes)}
        out.append(entry)
    return out
