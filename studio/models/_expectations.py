"""Input expectations: what the training data looked like, column by column, as plain JSON that
a monitor compares live traffic against.

Each column keeps its null rate and a binned reference profile: quantile bins for numbers (the
bin edges and the share of rows in each), category shares for categorical and boolean columns
(rare categories pooled into ``OTHER``), length bins for free text. A live batch is binned on
the same edges and the two profiles are compared with the population stability index (PSI):
below 0.1 is stable, 0.1-0.25 a moderate shift, above 0.25 a shift worth acting on. The bins
and shares are engine-neutral, so a monitor can count a big prediction log in DuckDB and call
``psi`` on the counts.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from studio.models._signature import MAX_CATEGORIES, column_kind
from studio.lake import json_value

EXPECTATIONS_FORMAT = 1
BINS = 10
OTHER = "__other__"
PSI_FLOOR = 1e-4  # a share of zero would make PSI infinite; this is the conventional floor


def input_expectations(sample: pd.DataFrame, *, bins: int = BINS, max_categories: int = MAX_CATEGORIES) -> dict[str, Any]:
    """Null rates and reference profiles of every column of ``sample`` (pass the input columns;
    include the target only to watch label drift once labels arrive)."""
    columns = {str(name): _profile(sample[name], bins, max_categories) for name in sample.columns}
    return {"format": EXPECTATIONS_FORMAT, "rows": int(len(sample)), "columns": columns}


def _profile(series: pd.Series, bins: int, max_categories: int) -> dict[str, Any]:
    kind = column_kind(series, max_categories)
    rows = len(series)
    profile: dict[str, Any] = {"kind": kind, "null_rate": float(series.isna().mean()) if rows else 0.0}
    values = series.dropna()
    if kind == "numeric":
        numbers = pd.to_numeric(values).to_numpy(dtype="float64")
        numbers = numbers[np.isfinite(numbers)]
        profile.update(_numeric_bins(numbers, bins))
        if len(numbers):
            profile.update(min=float(numbers.min()), max=float(numbers.max()), mean=float(numbers.mean()), std=float(numbers.std()))
    elif kind in ("categorical", "boolean"):
        shares = values.astype(str).value_counts(normalize=True)
        top = shares.iloc[:max_categories]
        profile["shares"] = {str(key): float(value) for key, value in top.items()}
        profile["shares"][OTHER] = max(0.0, 1.0 - float(top.sum()))
    elif kind == "text":
        lengths = values.astype(str).str.len().to_numpy(dtype="float64")
        profile["length"] = _numeric_bins(lengths, bins)
    elif kind == "temporal" and len(values):
        times = pd.to_datetime(values)
        profile.update(min=json_value(times.min().isoformat()), max=json_value(times.max().isoformat()))
    return profile


def _numeric_bins(numbers: np.ndarray, bins: int) -> dict[str, Any]:
    """Quantile edges (unique, so ties collapse bins) and the share of values in each bin; a
    later value below the first edge counts in the first bin, above the last in the last."""
    if not len(numbers):
        return {"edges": [], "shares": []}
    edges = np.unique(np.quantile(numbers, np.linspace(0, 1, bins + 1)))
    counts = _bin_counts(numbers, edges)
    return {"edges": [float(edge) for edge in edges], "shares": [float(c) for c in counts / counts.sum()]}


def _bin_counts(numbers: np.ndarray, edges: np.ndarray) -> np.ndarray:
    interior = np.asarray(edges, dtype="float64")[1:-1]
    return np.bincount(np.searchsorted(interior, numbers, side="right"), minlength=len(interior) + 1)


def psi(expected: list[float] | np.ndarray, actual: list[float] | np.ndarray) -> float:
    """Population stability index of two share (or count) vectors over the same bins."""
    e = np.asarray(expected, dtype="float64")
    a = np.asarray(actual, dtype="float64")
    if e.shape != a.shape or not len(e):
        raise ValueError("psi needs two share vectors over the same bins")
    e = np.maximum(e / e.sum() if e.sum() else e, PSI_FLOOR)
    a = np.maximum(a / a.sum() if a.sum() else a, PSI_FLOOR)
    return float(np.sum((a - e) * np.log(a / e)))


def expectation_drift(expectations: dict[str, Any], frame: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Per expected column present in ``frame``: its null rate against the reference one, its
    PSI against the reference profile (None for dates, which always move, and for columns with
    no values), the share of numbers outside the training range, and for categorical columns
    whose profile kept every training category the share of rows with a category never seen."""
    out: dict[str, dict[str, Any]] = {}
    for name, profile in expectations["columns"].items():
        if name not in frame.columns:
            continue
        series = frame[name]
        null_rate = float(series.isna().mean()) if len(series) else 0.0
        entry: dict[str, Any] = {
            "kind": profile["kind"],
            "null_rate": null_rate,
            "reference_null_rate": profile["null_rate"],
            "null_rate_change": null_rate - profile["null_rate"],
            "psi": None,
        }
        values = series.dropna()
        if len(values):
            entry.update(_shift(profile, values))
        out[name] = entry
    return out


def _shift(profile: dict[str, Any], values: pd.Series) -> dict[str, Any]:
    kind = profile["kind"]
    if kind == "numeric" and profile["edges"]:
        numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64")
        numbers = numbers[np.isfinite(numbers)]
        if not len(numbers):
            return {}
        below = float(np.mean(numbers < profile["edges"][0]))
        above = float(np.mean(numbers > profile["edges"][-1]))
        return {"psi": psi(profile["shares"], _bin_counts(numbers, np.array(profile["edges"]))), "out_of_range": below + above}
    if kind in ("categorical", "boolean"):
        known = [key for key in profile["shares"] if key != OTHER]
        text = values.astype(str)
        counts = text.value_counts()
        actual = [float(counts.get(key, 0)) for key in known]
        actual.append(float(len(text)) - sum(actual))
        unseen = float((~text.isin(set(known))).mean()) if profile["shares"][OTHER] == 0 else None
        return {"psi": psi([profile["shares"][key] for key in known] + [profile["shares"][OTHER]], actual), "unseen": unseen}
    if kind == "text" and profile["length"]["edges"]:
        lengths = values.astype(str).str.len().to_numpy(dtype="float64")
        return {"psi": psi(profile["length"]["shares"], _bin_counts(lengths, np.array(profile["length"]["edges"])))}
    return {}


def worst_drift(drift: dict[str, dict[str, Any]]) -> tuple[str | None, float]:
    """The column with the highest PSI and that PSI (None and 0.0 when none has one)."""
    scored = [(name, entry["psi"]) for name, entry in drift.items() if entry["psi"] is not None and math.isfinite(entry["psi"])]
    if not scored:
        return None, 0.0
    name, value = max(scored, key=lambda item: item[1])
    return name, value
