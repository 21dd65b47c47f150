"""Shared by the training benchmark and the training tests: a stand-in feature pipeline (until
studio.features' compile_pipeline is merged in its place) and generated datasets with
categorical columns and missing values."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.model_selection import KFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, TargetEncoder

MAX_ONE_HOT = 12


class StandInFeatures(TransformerMixin, BaseEstimator):
    """Numbers: median imputation with missing indicators. Text columns: one-hot with rare
    categories grouped (at most MAX_ONE_HOT distinct values), target encoding (cross-fitted)
    above that. Other columns (dates) are dropped."""

    def _build(self, X: pd.DataFrame) -> ColumnTransformer:
        numeric = [c for c in X.columns if pd.api.types.is_numeric_dtype(X[c]) and not pd.api.types.is_bool_dtype(X[c])]
        text = _text_columns(X)
        low = [c for c in text if X[c].nunique() <= MAX_ONE_HOT]
        high = [c for c in text if c not in low]
        fill = SimpleImputer(strategy="constant", fill_value="missing")
        parts: list[tuple[str, Any, list[str]]] = []
        if numeric:
            parts.append(("numeric", SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True), numeric))
        if low:
            parts.append(("one_hot", Pipeline([("fill", fill), ("encode", OneHotEncoder(handle_unknown="infrequent_if_exist",
                                                                                           min_frequency=5, sparse_output=False))]), low))
        if high:
            parts.append(("target", Pipeline([("fill", fill), ("encode", TargetEncoder(cv=KFold(5, shuffle=True, random_state=0)))]), high))
        return ColumnTransformer(parts, remainder="drop", sparse_threshold=0.0)

    def fit(self, X: pd.DataFrame, y: Any = None) -> StandInFeatures:
        self.fit_transform(X, y)
        return self

    def fit_transform(self, X: pd.DataFrame, y: Any = None, **fit_params: Any) -> np.ndarray:
        self.transformer_ = self._build(X)
        return self.transformer_.fit_transform(self._text_as_object(X), y)

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        return self.transformer_.transform(self._text_as_object(X))

    @staticmethod
    def _text_as_object(X: pd.DataFrame) -> pd.DataFrame:
        out = X.copy()
        for column in _text_columns(X):
            values = out[column].astype(object)
            out[column] = values.where(values.notna(), None).map(lambda v: None if v is None else str(v)).astype(object)
        return out


def _text_columns(X: pd.DataFrame) -> list[str]:
    return [c for c in X.columns if pd.api.types.is_string_dtype(X[c]) or isinstance(X[c].dtype, pd.CategoricalDtype)
            or pd.api.types.is_bool_dtype(X[c]) or X[c].dtype == object]


def stand_in_features() -> StandInFeatures:
    return StandInFeatures()


def generated(task: str, rows: int, seed: int) -> tuple[pd.DataFrame, pd.Series]:
    """A table with numbers (some with missing values, some irrelevant), a low-cardinality and a
    high-cardinality categorical column that both matter, and a target of ``task``."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 6))
    city = rng.choice(["north", "south", "east", "west", "centre"], size=rows, p=[0.3, 0.25, 0.2, 0.15, 0.1])
    shop = rng.integers(0, 200, size=rows)
    shop_effect = np.random.default_rng(seed + 1).normal(size=200)[shop]
    city_effect = pd.Series(city).map({"north": 0.8, "south": -0.5, "east": 0.2, "west": -0.9, "centre": 0.4}).to_numpy()
    signal = 1.2 * x[:, 0] - 0.8 * x[:, 1] ** 2 + np.sin(2 * x[:, 2]) + x[:, 3] * x[:, 0] + city_effect + 0.9 * shop_effect
    frame = pd.DataFrame({f"n{i}": x[:, i] for i in range(6)})
    frame["city"] = pd.Series(city, dtype="str")
    frame["shop"] = pd.Series([f"shop{s}" for s in shop], dtype="str")
    for column, rate in [("n0", 0.1), ("n2", 0.2), ("city", 0.05), ("shop", 0.05)]:
        frame.loc[rng.random(rows) < rate, column] = None
    noise = rng.normal(scale=0.7, size=rows)
    if task == "regression":
        return frame, pd.Series(3.0 * signal + 2.0 * noise + 10.0, name="target")
    if task == "binary":
        return frame, pd.Series(np.where(signal + noise > 0.3, "yes", "no"), name="target", dtype="str")
    cuts = np.quantile(signal + noise, [0.25, 0.5, 0.75])
    return frame, pd.Series(np.digitize(signal + noise, cuts), name="target")
