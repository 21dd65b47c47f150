"""The report's task views as plain data: confusion matrix, ROC, precision-recall and
calibration curves and the threshold explorer for classifiers; predicted against actual and
residuals by predicted range for regressors. Every curve is thinned to at most ``max_points``."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn import metrics as skm

from studio.evaluation._predictions import Predictions

CALIBRATION_BINS = 10
RESIDUAL_BINS = 10
HISTOGRAM_BINS = 40
THRESHOLDS = np.round(np.arange(0.01, 1.0, 0.01), 2)


def plain(values: np.ndarray | list[Any]) -> list[Any]:
    """A JSON list: numpy scalars as Python ones, NaN and infinities as None."""
    out = []
    for value in np.asarray(values).tolist():
        out.append(None if isinstance(value, float) and not np.isfinite(value) else value)
    return out


def thin(count: int, max_points: int) -> np.ndarray:
    """At most ``max_points`` evenly spread indexes of ``count`` points, first and last kept."""
    if count <= max_points:
        return np.arange(count)
    return np.unique(np.linspace(0, count - 1, max_points).round().astype(int))


def confusion(p: Predictions) -> dict[str, Any]:
    assert p.classes is not None
    matrix = skm.confusion_matrix(p.y_true, p.predicted, labels=p.classes)
    return {"labels": plain(p.classes), "matrix": matrix.tolist()}


def _roc(is_positive: np.ndarray, score: np.ndarray, max_points: int) -> dict[str, Any] | None:
    if is_positive.all() or not is_positive.any():
        return None
    fpr, tpr, thresholds = skm.roc_curve(is_positive, score)
    keep = thin(len(fpr), max_points)
    return {"fpr": plain(fpr[keep]), "tpr": plain(tpr[keep]), "thresholds": plain(np.minimum(thresholds[keep], 1.0)), "auc": float(skm.auc(fpr, tpr))}


def _pr(is_positive: np.ndarray, score: np.ndarray, max_points: int) -> dict[str, Any] | None:
    if not is_positive.any():
        return None
    precision, recall, _ = skm.precision_recall_curve(is_positive, score)
    keep = thin(len(precision), max_points)
    return {
        "precision": plain(precision[keep]),
        "recall": plain(recall[keep]),
        "average_precision": float(skm.average_precision_score(is_positive, score)),
        "prevalence": float(is_positive.mean()),
    }


def roc_curves(p: Predictions, max_points: int) -> list[dict[str, Any]]:
    """One curve for a binary model (its positive class), one per class (one against the rest)
    for a multiclass model; a class absent from the rows has none."""
    return _per_class(p, max_points, _roc)


def pr_curves(p: Predictions, max_points: int) -> list[dict[str, Any]]:
    return _per_class(p, max_points, _pr)


def _per_class(p: Predictions, max_points: int, curve: Any) -> list[dict[str, Any]]:
    assert p.classes is not None and p.proba is not None
    indexes = [1] if p.task == "binary" else range(len(p.classes))
    out = []
    for index in indexes:
        label = p.classes[index]
        found = curve(p.y_true == label, p.proba[:, index], max_points)
        if found is not None:
            out.append({"class": plain([label])[0], **found})
    return out


def calibration(p: Predictions, bins: int = CALIBRATION_BINS) -> dict[str, Any]:
    """Reliability over equal-width probability bins: for a binary model the positive-class
    probability against the positive rate; for a multiclass model the top-class confidence
    against accuracy. ``error`` is the expected calibration error (row-weighted gap)."""
    if p.task == "binary":
        score, hit = p.positive, p.is_positive
    else:
        score, hit = p.confidence, p.predicted == p.y_true
    index = np.clip((score * bins).astype(int), 0, bins - 1)
    counts = np.bincount(index, minlength=bins)
    mean_score = np.bincount(index, weights=score, minlength=bins)
    observed = np.bincount(index, weights=hit.astype("float64"), minlength=bins)
    rows = []
    for b in range(bins):
        if counts[b]:
            rows.append({"low": b / bins, "high": (b + 1) / bins, "rows": int(counts[b]), "predicted": float(mean_score[b] / counts[b]), "observed": float(observed[b] / counts[b])})
    error = float(sum(row["rows"] * abs(row["predicted"] - row["observed"]) for row in rows) / len(p)) if len(p) else 0.0
    return {"kind": "positive" if p.task == "binary" else "confidence", "bins": rows, "error": error}


def threshold_table(p: Predictions) -> list[dict[str, Any]]:
    """For each threshold on the positive-class probability: the counts of the confusion
    matrix, precision, recall, F1 and the share of rows called positive."""
    score, actual = p.positive, p.is_positive
    pos_scores, neg_scores = np.sort(score[actual]), np.sort(score[~actual])
    n_pos, n_neg = len(pos_scores), len(neg_scores)
    rows = []
    for threshold in THRESHOLDS:
        tp = n_pos - int(np.searchsorted(pos_scores, threshold, side="left"))
        fp = n_neg - int(np.searchsorted(neg_scores, threshold, side="left"))
        fn, tn = n_pos - tp, n_neg - fp
        precision = tp / (tp + fp) if tp + fp else None
        recall = tp / n_pos if n_pos else None
        f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else None
        rows.append(
            {"threshold": float(threshold), "tp": tp, "fp": fp, "fn": fn, "tn": tn, "precision": precision, "recall": recall, "f1": f1,
             "positive_rate": (tp + fp) / len(score), "accuracy": (tp + tn) / len(score)}
        )
    return rows


def confidence_table(p: Predictions) -> list[dict[str, Any]]:
    """For a multiclass model: predicting only when the top-class probability reaches a
    threshold, the share of rows covered and the accuracy on them."""
    confidence, hit = p.confidence, p.predicted == p.y_true
    order = np.argsort(confidence)
    sorted_conf, sorted_hit = confidence[order], hit[order]
    hits_from = np.concatenate([np.cumsum(sorted_hit[::-1])[::-1], [0]])
    rows = []
    for threshold in THRESHOLDS:
        start = int(np.searchsorted(sorted_conf, threshold, side="left"))
        covered = len(confidence) - start
        rows.append({"threshold": float(threshold), "coverage": covered / len(confidence), "accuracy": float(hits_from[start] / covered) if covered else None})
    return rows


def predicted_vs_actual(p: Predictions, max_points: int, seed: int) -> dict[str, Any]:
    """A seeded sample of at most ``max_points`` rows (predicted, actual), in row order."""
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(len(p), size=min(len(p), max_points), replace=False))
    return {"predicted": plain(p.predicted[rows]), "actual": plain(p.y_true[rows]), "rows": len(p), "sampled": len(rows)}


def residual_bins(p: Predictions, bins: int = RESIDUAL_BINS) -> list[dict[str, Any]]:
    """Residuals (actual - predicted) by equal-count ranges of the prediction."""
    residual = p.y_true - p.predicted
    edges = np.unique(np.quantile(p.predicted, np.linspace(0, 1, bins + 1)))
    index = np.clip(np.searchsorted(edges[1:-1], p.predicted, side="right"), 0, max(len(edges) - 2, 0))
    rows = []
    for b in range(max(len(edges) - 1, 1)):
        chosen = residual[index == b]
        if not len(chosen):
            continue
        low, mid, high = np.quantile(chosen, [0.1, 0.5, 0.9])
        rows.append(
            {"low": float(edges[b]), "high": float(edges[min(b + 1, len(edges) - 1)]), "rows": int(len(chosen)), "mean": float(chosen.mean()),
             "rmse": float(np.sqrt(np.mean(chosen**2))), "p10": float(low), "p50": float(mid), "p90": float(high)}
        )
    return rows


def residual_histogram(p: Predictions, bins: int = HISTOGRAM_BINS) -> dict[str, Any]:
    """Counts of residuals over equal-width bins spanning the 0.5th to 99.5th percentile (the
    tails are counted in the outer bins)."""
    residual = p.y_true - p.predicted
    low, high = np.quantile(residual, [0.005, 0.995])
    if high <= low:
        high = low + 1.0
    edges = np.linspace(low, high, bins + 1)
    counts = np.bincount(np.clip(np.searchsorted(edges[1:-1], residual, side="right"), 0, bins - 1), minlength=bins)
    return {"edges": plain(edges), "counts": counts.tolist()}
