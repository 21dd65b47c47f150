"""A fitted pipeline's outputs on a labelled frame, computed once and shared by the report and
the test suite."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from studio.errors import StudioError

TASKS = ("binary", "multiclass", "regression")
# Threads for the numeric libraries while the report and the suite make their many batched
# predictions. A studio job holds one core slot (one job per core runs at once), and a pool of
# threads woken for every predict call only fights the other jobs: on a busy 2-core machine
# permutation importance of a HistGradientBoosting model ran 4x faster on one thread.
PREDICT_THREADS = 1


@dataclass(frozen=True)
class Predictions:
    """Targets and outputs row by row. Classifiers have ``proba`` (one column per entry of
    ``classes``, in the model's order) and ``predicted`` is the most probable class; a
    regressor's ``predicted`` is its value."""

    task: str
    y_true: np.ndarray
    predicted: np.ndarray
    proba: np.ndarray | None = None
    classes: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.y_true)

    def take(self, rows: np.ndarray) -> Predictions:
        """The rows selected by a boolean mask or an index array."""
        return Predictions(
            self.task,
            self.y_true[rows],
            self.predicted[rows],
            None if self.proba is None else self.proba[rows],
            self.classes,
        )

    @property
    def positive(self) -> np.ndarray:
        """The binary task's probability of the positive class (the model's second class)."""
        assert self.proba is not None and self.task == "binary"
        return self.proba[:, 1]

    @cached_property
    def is_positive(self) -> np.ndarray:
        """Whether each row's target is the positive class (computed once: metrics ask often)."""
        assert self.classes is not None
        return self.y_true == self.classes[1]

    @property
    def confidence(self) -> np.ndarray:
        """A classifier's probability of the class it predicts."""
        assert self.proba is not None
        return self.proba.max(axis=1)


def check_task(task: str) -> str:
    if task not in TASKS:
        raise StudioError(f"unknown task {task!r}: use one of {', '.join(TASKS)}")
    return task


def split_target(frame: pd.DataFrame, target: str) -> tuple[pd.DataFrame, np.ndarray]:
    if target not in frame.columns:
        raise StudioError(f"target column {target!r} is not in the evaluation frame: pass the holdout with its target")
    if not len(frame):
        raise StudioError("the evaluation frame has no rows: pass a non-empty holdout")
    y = frame[target]
    missing = int(y.isna().sum())
    if missing:
        raise StudioError(f"{missing} holdout row(s) have no value in target {target!r}: drop them before evaluating")
    return frame.drop(columns=[target]), y.to_numpy()


def model_output(pipeline: Any, features: pd.DataFrame, task: str) -> tuple[np.ndarray, np.ndarray | None]:
    """``(predicted, proba)`` of ``pipeline`` on ``features``; ``proba`` is None for a regressor."""
    if task == "regression":
        return np.asarray(pipeline.predict(features), dtype="float64"), None
    if not hasattr(pipeline, "predict_proba"):
        raise StudioError(f"the model has no predict_proba, so it cannot be evaluated as a {task} classifier: train a classifier")
    proba = np.asarray(pipeline.predict_proba(features), dtype="float64")
    classes = np.asarray(pipeline.classes_)
    return classes[proba.argmax(axis=1)], proba


def scoring_of(pipeline: Any, frame: pd.DataFrame, target: str, task: str, given: Predictions | None) -> Predictions:
    """``given`` when it is a scoring of ``frame`` (one row each, the same task), else a new one."""
    if given is None:
        return predict(pipeline, frame, target, task, threads=None)  # the caller has set the limit
    if len(given) != len(frame) or given.task != task:
        raise StudioError(f"the predictions passed in are for {len(given)} {given.task} rows, not this {len(frame)}-row {task} holdout: score this holdout")
    return given


def predict(pipeline: Any, frame: pd.DataFrame, target: str, task: str, threads: int | None = PREDICT_THREADS) -> Predictions:
    """Score the labelled ``frame`` once (``threads``: see ``PREDICT_THREADS``; None leaves the
    thread pools as they are)."""
    check_task(task)
    features, y = split_target(frame, target)
    with threadpool_limits(limits=threads):
        predicted, proba = model_output(pipeline, features, task)
    if task == "regression":
        try:
            y_true = y.astype("float64")
        except (TypeError, ValueError):
            raise StudioError(f"target {target!r} is not numeric, so the model cannot be evaluated for regression: pick the classification task") from None
        return Predictions(task, y_true, predicted)
    classes = np.asarray(pipeline.classes_)
    if task == "binary" and len(classes) != 2:
        raise StudioError(f"the model knows {len(classes)} classes, not 2: evaluate it as multiclass")
    return Predictions(task, _as_class_values(y, classes, target), predicted, proba, classes)


def _as_class_values(y: np.ndarray, classes: np.ndarray, target: str) -> np.ndarray:
    """``y`` in the dtype of ``classes`` so that ``==`` compares like with like (a target read as
    text against classes learnt as text, 1.0 against 1)."""
    if np.isin(y, classes).all():
        return y.astype(classes.dtype)
    lookup = {str(value): value for value in classes}
    unknown = sorted({str(value) for value in pd.unique(y)} - set(lookup))
    if unknown:
        raise StudioError(f"holdout target {target!r} has class {unknown[0]!r} that the model never saw: retrain on data with every class")
    return np.array([lookup[str(value)] for value in y], dtype=classes.dtype)


def constant_baseline(p: Predictions) -> Predictions:
    """What a model that ignores its inputs would score on the same rows: the class shares
    (most frequent class predicted) or the mean value."""
    if p.task == "regression":
        return Predictions(p.task, p.y_true, np.full(len(p), float(p.y_true.mean())))
    assert p.classes is not None
    shares = np.array([(p.y_true == label).mean() for label in p.classes])
    proba = np.tile(shares, (len(p), 1))
    return Predictions(p.task, p.y_true, np.full(len(p), p.classes[int(shares.argmax())], dtype=p.classes.dtype), proba, p.classes)
