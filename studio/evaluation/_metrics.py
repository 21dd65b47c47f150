"""The metrics a report, a slice table and a test can be measured in.

Each metric knows its task, its direction and whether it is bounded (a score of at most 1, such
as AUC or R², where slice margins are absolute) or an error (where they are relative). Every metric takes
row weights, so one code path computes it on a holdout, on a slice and on a bootstrap resample
(Poisson weights). Means of per-row terms (log loss, Brier, accuracy, errors) and binary ROC
AUC have fast weighted forms, so a thousand resamples of a large holdout take seconds.
A metric that is undefined on some rows (AUC with one class present) gives None.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sklearn import metrics as skm

from studio.errors import StudioError
from studio.evaluation._predictions import Predictions

Weights = np.ndarray | None
EPS = 1e-15


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    tasks: tuple[str, ...]
    greater_is_better: bool
    bounded: bool
    compute: Callable[[Predictions, Weights], float | None]

    def __call__(self, predictions: Predictions, weights: Weights = None) -> float | None:
        if not len(predictions) or (weights is not None and not weights.sum()):
            return None
        value = self.compute(predictions, weights)
        return None if value is None or not np.isfinite(value) else float(value)

    def better(self, a: float, b: float) -> float:
        """How much better ``a`` is than ``b`` (negative when worse), in the metric's units."""
        return a - b if self.greater_is_better else b - a

    def resampler(self, predictions: Predictions) -> Callable[[np.ndarray], float | None]:
        """A function of row weights giving the metric on ``predictions`` (binary AUC pre-sorts
        once, so each call is linear)."""
        if self.name == "roc_auc" and predictions.task == "binary":
            return _presorted_auc(predictions)
        return lambda weights: self(predictions, weights)

    def on_rows(self, predictions: Predictions) -> Callable[[np.ndarray], float | None]:
        """A function of a boolean row mask giving the metric on those rows (binary AUC sorts
        once for every mask, so slicing a large holdout stays linear per slice)."""
        if self.name == "roc_auc" and predictions.task == "binary":
            auc = _presorted_auc(predictions)
            return lambda rows: auc(rows.astype("float64")) if rows.any() else None
        return lambda rows: self(predictions.take(rows))


def _mean(terms: np.ndarray, weights: Weights) -> float:
    return float(np.average(terms, weights=weights))


def _log_loss(p: Predictions, w: Weights) -> float:
    assert p.proba is not None and p.classes is not None
    index = np.searchsorted(p.classes, p.y_true) if _sorted(p.classes) else _class_index(p)
    chosen = np.clip(p.proba[np.arange(len(p)), index], EPS, 1.0)
    return _mean(-np.log(chosen), w)


def _sorted(classes: np.ndarray) -> bool:
    try:
        return bool(np.all(classes[:-1] < classes[1:]))
    except TypeError:
        return False


def _class_index(p: Predictions) -> np.ndarray:
    assert p.classes is not None
    lookup = {value: i for i, value in enumerate(p.classes.tolist())}
    return np.array([lookup[value] for value in p.y_true.tolist()])


def _brier(p: Predictions, w: Weights) -> float:
    return _mean((p.positive - p.is_positive) ** 2, w)


def _accuracy(p: Predictions, w: Weights) -> float:
    return _mean(p.predicted == p.y_true, w)


def _roc_auc(p: Predictions, w: Weights) -> float | None:
    if p.task == "binary":
        positive = p.is_positive
        if positive.all() or not positive.any():
            return None
        return skm.roc_auc_score(positive, p.positive, sample_weight=w)
    assert p.classes is not None and p.proba is not None
    if len(np.unique(p.y_true)) != len(p.classes):
        return None
    return skm.roc_auc_score(p.y_true, p.proba, multi_class="ovr", labels=p.classes, sample_weight=w)


def _average_precision(p: Predictions, w: Weights) -> float | None:
    positive = p.is_positive
    if not positive.any():
        return None
    return skm.average_precision_score(positive, p.positive, sample_weight=w)


def _binary_counts(p: Predictions, w: Weights) -> tuple[float, float, float]:
    weights = np.ones(len(p)) if w is None else w
    actual, called = p.is_positive, p.predicted == p.classes[1]  # type: ignore[index]
    return float(weights[actual & called].sum()), float(weights[~actual & called].sum()), float(weights[actual & ~called].sum())


def _f1(p: Predictions, w: Weights) -> float | None:
    tp, fp, fn = _binary_counts(p, w)
    return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else None


def _precision(p: Predictions, w: Weights) -> float | None:
    tp, fp, _ = _binary_counts(p, w)
    return tp / (tp + fp) if tp + fp else None


def _recall(p: Predictions, w: Weights) -> float | None:
    tp, _, fn = _binary_counts(p, w)
    return tp / (tp + fn) if tp + fn else None


def _balanced_accuracy(p: Predictions, w: Weights) -> float | None:
    weights = np.ones(len(p)) if w is None else w
    recalls = []
    for value in np.unique(p.y_true):
        rows = p.y_true == value
        if weights[rows].sum():
            recalls.append(weights[rows & (p.predicted == value)].sum() / weights[rows].sum())
    return float(np.mean(recalls)) if recalls else None


def _f1_macro(p: Predictions, w: Weights) -> float:
    assert p.classes is not None
    return skm.f1_score(p.y_true, p.predicted, labels=p.classes, average="macro", sample_weight=w, zero_division=0)


def _rmse(p: Predictions, w: Weights) -> float:
    return float(np.sqrt(_mean((p.predicted - p.y_true) ** 2, w)))


def _mae(p: Predictions, w: Weights) -> float:
    return _mean(np.abs(p.predicted - p.y_true), w)


def _r2(p: Predictions, w: Weights) -> float | None:
    centre = _mean(p.y_true, w)
    spread = _mean((p.y_true - centre) ** 2, w)
    return 1.0 - _mean((p.predicted - p.y_true) ** 2, w) / spread if spread > 0 else None


def _mape(p: Predictions, w: Weights) -> float | None:
    if np.any(p.y_true == 0):
        return None
    return _mean(np.abs((p.predicted - p.y_true) / p.y_true), w)


BIN, MULTI, REG = ("binary",), ("multiclass",), ("regression",)
CLASSIFY = BIN + MULTI

METRICS: dict[str, Metric] = {
    metric.name: metric
    for metric in (
        Metric("roc_auc", "ROC AUC", CLASSIFY, True, True, _roc_auc),
        Metric("average_precision", "average precision", BIN, True, True, _average_precision),
        Metric("log_loss", "log loss", CLASSIFY, False, False, _log_loss),
        Metric("brier", "Brier score", BIN, False, False, _brier),
        Metric("accuracy", "accuracy", CLASSIFY, True, True, _accuracy),
        Metric("balanced_accuracy", "balanced accuracy", CLASSIFY, True, True, _balanced_accuracy),
        Metric("f1", "F1", BIN, True, True, _f1),
        Metric("precision", "precision", BIN, True, True, _precision),
        Metric("recall", "recall", BIN, True, True, _recall),
        Metric("f1_macro", "macro F1", MULTI, True, True, _f1_macro),
        Metric("rmse", "RMSE", REG, False, False, _rmse),
        Metric("mae", "MAE", REG, False, False, _mae),
        Metric("r2", "R²", REG, True, True, _r2),
        Metric("mape", "MAPE", REG, False, False, _mape),
    )
}

DEFAULT_METRIC = {"binary": "roc_auc", "multiclass": "log_loss", "regression": "rmse"}


def task_metrics(task: str) -> list[Metric]:
    return [metric for metric in METRICS.values() if task in metric.tasks]


def get_metric(name: str | None, task: str) -> Metric:
    """The metric called ``name`` (None: the task's default), refused when it does not fit."""
    name = name or DEFAULT_METRIC[task]
    metric = METRICS.get(name)
    if metric is None or task not in metric.tasks:
        names = ", ".join(m.name for m in task_metrics(task))
        raise StudioError(f"metric {name!r} does not apply to {task} models: use one of {names}")
    return metric


def _presorted_auc(p: Predictions) -> Callable[[np.ndarray], float | None]:
    """Weighted binary ROC AUC with the rows sorted once: each call groups the weights by tied
    score and counts, for every positive, the negative weight ranked below it (ties count half)."""
    order = np.argsort(p.positive, kind="stable")
    scores = p.positive[order]
    positive = p.is_positive[order].astype("float64")
    group = np.concatenate([[0], np.cumsum(scores[1:] != scores[:-1])])
    groups = int(group[-1]) + 1 if len(group) else 0

    def auc(weights: np.ndarray) -> float | None:
        w = weights[order]
        pos = np.bincount(group, weights=w * positive, minlength=groups)
        neg = np.bincount(group, weights=w * (1.0 - positive), minlength=groups)
        total_pos, total_neg = pos.sum(), neg.sum()
        if not total_pos or not total_neg:
            return None
        below = np.cumsum(neg) - neg
        return float(np.sum(pos * (below + 0.5 * neg)) / (total_pos * total_neg))

    return auc
