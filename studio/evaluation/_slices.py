"""Metrics per slice: every categorical or boolean column by value, every numeric or date
column by equal-count ranges (a number with few distinct values by value), with missing values
as their own slice. Free text is not sliced. The worst slices are the ones whose metric falls
furthest below the overall value among slices with enough rows to mean something."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from studio.evaluation._metrics import Metric
from studio.evaluation._predictions import Predictions
from studio.models import column_kind

SLICE_BINS = 5
MAX_SLICE_VALUES = 20  # more frequent values are slices; the rest pool into OTHER_SLICE
FEW_VALUES = 10  # a numeric column with at most this many distinct values is sliced by value
MIN_SLICE_ROWS = 30
WORST_COUNT = 10
MISSING_SLICE = "(missing)"
OTHER_SLICE = "(other)"


def sliced_by_value(series: pd.Series) -> bool:
    """Whether a column's slices are its values (not ranges or nothing)."""
    kind = column_kind(series)
    return kind in ("categorical", "boolean") or (kind == "numeric" and series.nunique(dropna=True) <= FEW_VALUES)


def slice_labels(series: pd.Series) -> np.ndarray | None:
    """The slice name of every row of ``series`` (None when the column is not sliced)."""
    kind = column_kind(series)
    missing = series.isna().to_numpy()
    if kind == "text":
        return None
    if kind == "numeric" and series.nunique(dropna=True) > FEW_VALUES:
        labels = _ranges(pd.to_numeric(series).to_numpy(dtype="float64"), missing, _number)
    elif kind == "temporal":
        times = pd.to_datetime(series)
        epoch = np.where(missing, 0, times.to_numpy(dtype="datetime64[ns]").astype("int64")).astype("float64")
        labels = _ranges(epoch, missing, lambda value: pd.Timestamp(int(value)).strftime("%Y-%m-%d"))
    else:
        text = series.astype(str).to_numpy(dtype=object)
        counts = pd.Series(text[~missing]).value_counts()
        kept = np.array(counts.index[:MAX_SLICE_VALUES].tolist(), dtype=object)
        labels = np.where(np.isin(text, kept), text, OTHER_SLICE).astype(object)
    labels[missing] = MISSING_SLICE
    return labels


def _number(value: float) -> str:
    return f"{value:.4g}"


def _ranges(values: np.ndarray, missing: np.ndarray, show: Any) -> np.ndarray:
    present = values[~missing]
    edges = np.unique(np.quantile(present, np.linspace(0, 1, SLICE_BINS + 1))) if len(present) else np.array([0.0])
    index = np.searchsorted(edges[1:-1], values, side="right")
    names = [f"{show(edges[i])} – {show(edges[min(i + 1, len(edges) - 1)])}" for i in range(max(len(edges) - 1, 1))]
    return np.array(names, dtype=object)[np.minimum(index, len(names) - 1)]


def slice_metrics(features: pd.DataFrame, predictions: Predictions, metric: Metric, overall: float | None) -> list[dict[str, Any]]:
    """One row per (column, slice): whether the slice is a value or a range (``by``), rows,
    share of all rows, the metric and its gap to ``overall`` (positive: the slice does better)."""
    out = []
    total = len(predictions)
    on_rows = metric.on_rows(predictions)
    for name in features.columns:
        labels = slice_labels(features[name])
        if labels is None:
            continue
        by = "value" if sliced_by_value(features[name]) else "range"
        codes, uniques = pd.factorize(labels, sort=True)
        for code, label in enumerate(uniques):
            rows = codes == code
            count = int(rows.sum())
            value = on_rows(rows)
            gap = metric.better(value, overall) if value is not None and overall is not None else None
            out.append({"column": str(name), "by": by, "slice": str(label), "rows": count, "share": count / total, "metric": value, "gap": gap})
    return out


def worst_slices(slices: list[dict[str, Any]], *, min_rows: int = MIN_SLICE_ROWS, count: int = WORST_COUNT) -> list[dict[str, Any]]:
    """The ``count`` slices of at least ``min_rows`` rows that fall furthest below overall."""
    ranked = [row for row in slices if row["rows"] >= min_rows and row["gap"] is not None and row["gap"] < 0]
    ranked.sort(key=lambda row: row["gap"])
    return ranked[:count]
