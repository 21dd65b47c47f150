"""The validation folds as float matrices, transformed once per process and reused by every
trial: the feature pipeline does not change between trials, so fitting it again for each one
would spend the budget on the same work many times over."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import TransformerMixin, clone

from studio.errors import StudioError
from studio.training._splits import Folds

FeaturesFactory = Callable[[], TransformerMixin]


@dataclass(frozen=True)
class FoldMatrices:
    """One fold: the features fitted on its training rows, applied to both parts."""

    train_x: np.ndarray
    train_y: np.ndarray
    valid_x: np.ndarray
    valid_y: np.ndarray
    valid_rows: np.ndarray


def transform(features: TransformerMixin, train: pd.DataFrame, y: np.ndarray, others: list[pd.DataFrame]) -> list[np.ndarray]:
    """Fit ``features`` on ``train`` (fit_transform, so that target encoders cross-fit their
    training rows) and transform ``others``; every result a float matrix."""
    try:
        fitted = features.fit_transform(train, y)
        outputs = [fitted, *(features.transform(frame) for frame in others)]
    except ValueError as error:
        raise StudioError(f"the feature pipeline failed on the data: {str(error).splitlines()[0]}; check the recipe against the columns") from error
    return [np.asarray(output, dtype=np.float64) for output in outputs]


class FoldCache:
    """Lazily transformed folds of the non-holdout rows, kept for the life of the process."""

    def __init__(self, frame: pd.DataFrame, y: np.ndarray, folds: Folds, features: FeaturesFactory) -> None:
        self.frame = frame
        self.y = y
        self.folds = folds
        self.features = features
        self._matrices: dict[int, FoldMatrices] = {}

    def __len__(self) -> int:
        return len(self.folds)

    def fold(self, index: int) -> FoldMatrices:
        if index not in self._matrices:
            train, valid = self.folds.train[index], self.folds.valid[index]
            train_x, valid_x = transform(clone(self.features()), self.frame.iloc[train], self.y[train], [self.frame.iloc[valid]])
            self._matrices[index] = FoldMatrices(train_x, self.y[train], valid_x, self.y[valid], valid)
        return self._matrices[index]
