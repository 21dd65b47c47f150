"""Tasks (binary, multiclass, regression) and the metrics a run can optimize.

Every metric has a direction. Inside a run, classification targets are encoded as 0..C-1 and a
prediction is a probability matrix (one column per class) for classifiers and a vector for
regressors; each metric turns that into its score.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn import metrics as skm

from studio.errors import StudioError

TASKS = ("binary", "multiclass", "regression")

# A numeric target with at most this many distinct integer values is read as classes.
MAX_INTEGER_CLASSES = 20


@dataclass(frozen=True)
class Metric:
    """A score of predictions against the truth. ``maximize`` gives its direction."""

    name: str
    tasks: tuple[str, ...]
    maximize: bool
    description: str
    score: Callable[[np.ndarray, np.ndarray], float]

    @property
    def direction(self) -> str:
        return "maximize" if self.maximize else "minimize"

    def better(self, a: float, b: float) -> bool:
        """Whether score ``a`` is strictly better than ``b``."""
        return a > b if self.maximize else a < b

    def loss(self, value: float) -> float:
        """The score turned so that lower is better (for comparisons and improvement rates)."""
        return -value if self.maximize else value


def _labels(proba: np.ndarray) -> np.ndarray:
    return np.argmax(proba, axis=1)


def _clip(proba: np.ndarray) -> np.ndarray:
    clipped = np.clip(proba, 1e-15, 1.0)
    return clipped / clipped.sum(axis=1, keepdims=True)


def _log_loss(y: np.ndarray, proba: np.ndarray) -> float:
    return float(skm.log_loss(y, _clip(proba), labels=np.arange(proba.shape[1])))


def _roc_auc_ovr(y: np.ndarray, proba: np.ndarray) -> float:
    return float(skm.roc_auc_score(y, _clip(proba), multi_class="ovr", labels=np.arange(proba.shape[1])))


def _rmse(y: np.ndarray, pred: np.ndarray) -> float:
    return float(np.sqrt(np.mean((np.asarray(y, dtype=float) - pred) ** 2)))


_CLASSIFICATION = ("binary", "multiclass")
METRICS: dict[str, Metric] = {
    metric.name: metric
    for metric in [
        Metric("roc_auc", ("binary",), True, "area under the ROC curve", lambda y, p: float(skm.roc_auc_score(y, p[:, 1]))),
        Metric("average_precision", ("binary",), True, "area under the precision-recall curve",
               lambda y, p: float(skm.average_precision_score(y, p[:, 1]))),
        Metric("f1", ("binary",), True, "F1 of the positive class at a 0.5 threshold", lambda y, p: float(skm.f1_score(y, _labels(p)))),
        Metric("log_loss", _CLASSIFICATION, False, "cross-entropy of the predicted probabilities", _log_loss),
        Metric("accuracy", _CLASSIFICATION, True, "share of correct labels", lambda y, p: float(skm.accuracy_score(y, _labels(p)))),
        Metric("balanced_accuracy", _CLASSIFICATION, True, "mean recall over the classes",
               lambda y, p: float(skm.balanced_accuracy_score(y, _labels(p)))),
        Metric("f1_macro", _CLASSIFICATION, True, "unweighted mean F1 over the classes",
               lambda y, p: float(skm.f1_score(y, _labels(p), average="macro"))),
        Metric("roc_auc_ovr", ("multiclass",), True, "one-vs-rest ROC AUC, averaged over the classes", _roc_auc_ovr),
        Metric("rmse", ("regression",), False, "root mean squared error", _rmse),
        Metric("mae", ("regression",), False, "mean absolute error", lambda y, p: float(skm.mean_absolute_error(y, p))),
        Metric("r2", ("regression",), True, "coefficient of determination", lambda y, p: float(skm.r2_score(y, p))),
        Metric("mape", ("regression",), False, "mean absolute percentage error",
               lambda y, p: float(skm.mean_absolute_percentage_error(y, p))),
    ]
}

DEFAULT_METRICS = {"binary": "roc_auc", "multiclass": "log_loss", "regression": "rmse"}


def detect_task(y: pd.Series) -> str:
    """Binary for two distinct values, multiclass for text, booleans or few distinct integers,
    regression for other numbers."""
    values = y.dropna()
    distinct = values.nunique()
    if distinct < 2:
        raise StudioError(f"target {y.name!r} has {distinct} distinct value(s); it needs at least two to learn from")
    if distinct == 2:
        return "binary"
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return "multiclass"
    numbers = values.to_numpy(dtype=float)
    if distinct <= MAX_INTEGER_CLASSES and np.all(numbers == np.round(numbers)):
        return "multiclass"
    return "regression"


def resolve_task(y: pd.Series, task: str) -> str:
    """``task`` checked, or detected when it is ``auto``."""
    if task == "auto":
        return detect_task(y)
    if task not in TASKS:
        raise StudioError(f"unknown task {task!r}; use auto, {', '.join(TASKS)}")
    if task != "regression" and y.dropna().nunique() < 2:
        raise StudioError(f"target {y.name!r} has fewer than two classes; a {task} model needs at least two")
    if task == "binary" and y.dropna().nunique() != 2:
        raise StudioError(f"target {y.name!r} has {y.dropna().nunique()} classes, not 2; use --task multiclass")
    if task == "regression" and not pd.api.types.is_numeric_dtype(y):
        raise StudioError(f"target {y.name!r} is not numeric; use --task binary or multiclass")
    return task


def resolve_metric(task: str, metric: str | None) -> Metric:
    """The named metric checked against the task, or the task's default."""
    name = metric or DEFAULT_METRICS[task]
    found = METRICS.get(name)
    if found is None or task not in found.tasks:
        usable = ", ".join(m.name for m in METRICS.values() if task in m.tasks)
        raise StudioError(f"metric {name!r} does not apply to a {task} task; use one of {usable}")
    return found
