"""Small labelled frames and ordinary scikit-learn pipelines for the evaluation and artifact
tests: a feature step (imputation, scaling, one-hot) and an estimator, as training makes them."""

from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

NUMERIC = ["size", "signal", "count"]
CATEGORICAL = ["city"]
CITIES = ["Paris", "Lyon", "Nice"]


def frame(rows: int, task: str, seed: int = 0) -> pd.DataFrame:
    """``signal`` drives the target, ``city`` shifts it, ``size`` has gaps and no effect,
    ``count`` is a small whole number with no effect; the target is ``y``."""
    rng = np.random.default_rng(seed)
    data = pd.DataFrame(
        {
            "size": rng.normal(10, 2, rows),
            "signal": rng.normal(0, 1, rows),
            "count": rng.integers(0, 4, rows),
            "city": rng.choice(CITIES, rows),
        }
    )
    data.loc[data.index % 7 == 0, "size"] = np.nan
    drive = 2.0 * data["signal"] + (data["city"] == "Paris") * 1.0 + rng.normal(0, 0.5, rows)
    if task == "regression":
        data["y"] = 3.0 * drive + 10.0
    elif task == "binary":
        data["y"] = np.where(drive > 0.5, "yes", "no")
    else:
        data["y"] = np.select([drive < -0.5, drive < 1.0], ["low", "mid"], "high")
    return data


def features(one_hot: bool = True) -> ColumnTransformer:
    numeric = Pipeline([("impute", SimpleImputer()), ("scale", StandardScaler())])
    categorical: Any = OneHotEncoder(handle_unknown="ignore") if one_hot else "drop"
    return ColumnTransformer([("numeric", numeric, NUMERIC), ("categorical", categorical, CATEGORICAL)])


def fit(estimator: Any, data: pd.DataFrame, target: str = "y") -> Pipeline:
    pipeline = Pipeline([("features", features()), ("model", estimator)])
    return pipeline.fit(data.drop(columns=[target]), data[target])
