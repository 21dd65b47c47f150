"""The final model step: a weighted average of fitted estimators, and the greedy choice of its
weights on out-of-fold predictions (Caruana et al., "Ensemble Selection from Libraries of
Models", 2004: forward selection with replacement, keeping the best round)."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.utils.validation import check_is_fitted

from studio.training._tasks import Metric


class WeightedEnsemble(BaseEstimator):
    """A weighted average of its estimators' probabilities (classification) or predictions
    (regression). With one estimator it is a transparent wrapper; the studio always ends its
    pipelines with it so that every model predicts the original labels the same way.

    Classification members are fitted on the labels encoded as 0..C-1 (some libraries accept
    nothing else); ``classes_`` maps back.
    """

    def __init__(self, estimators: list[tuple[str, BaseEstimator]], weights: list[float], task: str) -> None:
        self.estimators = estimators
        self.weights = weights
        self.task = task

    def fit(self, X: Any, y: Any) -> WeightedEnsemble:
        y = np.asarray(y)
        if self.task == "regression":
            target = y.astype(np.float64)
        else:
            self.classes_, target = np.unique(y, return_inverse=True)
        self.estimators_ = [clone(estimator).fit(X, target) for _, estimator in self.estimators]
        total = float(np.sum(self.weights))
        self.weights_ = np.asarray(self.weights, dtype=np.float64) / total
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "estimators_")
        if self.task == "regression":
            raise AttributeError("a regression ensemble has no predict_proba")
        total = np.zeros((len(X), len(self.classes_)))
        for weight, estimator in zip(self.weights_, self.estimators_):
            proba = estimator.predict_proba(X)
            # a member that never saw a class during fit has no column for it
            total[:, np.asarray(estimator.classes_, dtype=np.int64)] += weight * proba
        return total

    def predict(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "estimators_")
        if self.task == "regression":
            return np.sum([weight * estimator.predict(X) for weight, estimator in zip(self.weights_, self.estimators_)], axis=0)
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


def greedy_weights(predictions: list[np.ndarray], y: np.ndarray, metric: Metric, rounds: int = 30) -> tuple[list[int], float]:
    """Selection counts per candidate (the weights) and the ensemble's score. Round one picks the
    best single candidate and the best round is kept, so the ensemble scores at least as well as
    its best member on these rows, by construction."""
    counts = [0] * len(predictions)
    total = np.zeros_like(predictions[0])
    best_counts: list[int] = []
    best_score = float("nan")
    for size in range(1, rounds + 1):
        scores = [metric.score(y, (total + candidate) / size) for candidate in predictions]
        pick = int(np.argmin([metric.loss(score) for score in scores]))
        counts[pick] += 1
        total = total + predictions[pick]
        if not best_counts or metric.better(scores[pick], best_score):
            best_counts, best_score = list(counts), scores[pick]
    return best_counts, best_score
