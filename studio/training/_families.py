"""Model families: each one's conditional Optuna search space, its estimator, and its portfolio
of proven starting configurations.

A trial's parameters are named ``<family>.<name>`` so that the spaces stay conditional on the
``family`` parameter (TPE models each family's group apart). Boosted trees train up to a cap of
rounds and stop early on the validation fold; the refit uses the rounds the folds chose.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import lightgbm
import optuna
from sklearn.base import BaseEstimator
from sklearn.ensemble import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from studio.errors import StudioError

MAX_ROUNDS = 2000
EARLY_STOPPING_ROUNDS = 50

Params = dict[str, Any]


@dataclass(frozen=True)
class Family:
    """One model family. ``relative_cost`` is the time model's prior (relative seconds per
    million cells per fold) until the family's own trials have been timed; ``per_class``
    families (boosted trees) build one tree per class and round, so multiclass costs more."""

    name: str
    space: Callable[[optuna.Trial, str], Params]
    build: Callable[[Params, str, int, int], BaseEstimator]
    portfolio: Callable[[str], list[Params]]
    early_stopping: bool
    relative_cost: float
    per_class: bool


def _scaled(estimator: BaseEstimator) -> Pipeline:
    return Pipeline([("scale", StandardScaler()), ("model", estimator)])


def _classifier(task: str) -> bool:
    return task != "regression"


# linear ---------------------------------------------------------------------------------------

def _linear_space(trial: optuna.Trial, task: str) -> Params:
    if _classifier(task):
        return {"C": trial.suggest_float("linear.C", 1e-3, 1e2, log=True)}
    return {"alpha": trial.suggest_float("linear.alpha", 1e-3, 1e3, log=True)}


def _linear_build(params: Params, task: str, seed: int, threads: int) -> BaseEstimator:
    if _classifier(task):
        return _scaled(LogisticRegression(C=params["C"], max_iter=2000, random_state=seed))
    return _scaled(Ridge(alpha=params["alpha"], random_state=seed))


def _linear_portfolio(task: str) -> list[Params]:
    return [{"C": 1.0}, {"C": 0.05}] if _classifier(task) else [{"alpha": 1.0}, {"alpha": 30.0}]


# random forest and extra trees ----------------------------------------------------------------

def _forest_space(prefix: str) -> Callable[[optuna.Trial, str], Params]:
    def space(trial: optuna.Trial, task: str) -> Params:
        return {
            "n_estimators": trial.suggest_int(f"{prefix}.n_estimators", 50, 400, step=50),
            "max_features": trial.suggest_float(f"{prefix}.max_features", 0.1, 1.0),
            "min_samples_leaf": trial.suggest_int(f"{prefix}.min_samples_leaf", 1, 20, log=True),
        }

    return space


def _forest_build(classifier: type, regressor: type) -> Callable[[Params, str, int, int], BaseEstimator]:
    def build(params: Params, task: str, seed: int, threads: int) -> BaseEstimator:
        cls = classifier if _classifier(task) else regressor
        return cls(**params, n_jobs=threads, random_state=seed)

    return build


def _forest_portfolio(task: str) -> list[Params]:
    if _classifier(task):
        return [{"n_estimators": 100, "max_features": 0.3, "min_samples_leaf": 1},
                {"n_estimators": 200, "max_features": 0.6, "min_samples_leaf": 2}]
    return [{"n_estimators": 100, "max_features": 0.6, "min_samples_leaf": 1},
            {"n_estimators": 200, "max_features": 1.0, "min_samples_leaf": 3}]


# scikit-learn's histogram gradient boosting (stops early on its own inner split) -------------

def _hist_space(trial: optuna.Trial, task: str) -> Params:
    return {
        "learning_rate": trial.suggest_float("hist_gbm.learning_rate", 0.01, 0.3, log=True),
        "max_leaf_nodes": trial.suggest_int("hist_gbm.max_leaf_nodes", 4, 128, log=True),
        "min_samples_leaf": trial.suggest_int("hist_gbm.min_samples_leaf", 2, 100, log=True),
        "l2_regularization": trial.suggest_float("hist_gbm.l2_regularization", 1e-6, 10.0, log=True),
        "max_features": trial.suggest_float("hist_gbm.max_features", 0.3, 1.0),
    }


def _hist_build(params: Params, task: str, seed: int, threads: int) -> BaseEstimator:
    cls = HistGradientBoostingClassifier if _classifier(task) else HistGradientBoostingRegressor
    return cls(**params, max_iter=MAX_ROUNDS, early_stopping=True, n_iter_no_change=20, random_state=seed)


def _hist_portfolio(task: str) -> list[Params]:
    return [{"learning_rate": 0.1, "max_leaf_nodes": 31, "min_samples_leaf": 20, "l2_regularization": 1e-6, "max_features": 1.0}]


# LightGBM ------------------------------------------------------------------------------------

def _lightgbm_space(trial: optuna.Trial, task: str) -> Params:
    return {
        "learning_rate": trial.suggest_float("lightgbm.learning_rate", 0.01, 0.3, log=True),
        "num_leaves": trial.suggest_int("lightgbm.num_leaves", 4, 256, log=True),
        "min_child_samples": trial.suggest_int("lightgbm.min_child_samples", 2, 100, log=True),
        "subsample": trial.suggest_float("lightgbm.subsample", 0.5, 1.0),
        "colsample_bytree": trial.suggest_float("lightgbm.colsample_bytree", 0.3, 1.0),
        "reg_lambda": trial.suggest_float("lightgbm.reg_lambda", 1e-6, 10.0, log=True),
        "reg_alpha": trial.suggest_float("lightgbm.reg_alpha", 1e-6, 10.0, log=True),
    }


def _lightgbm_build(params: Params, task: str, seed: int, threads: int) -> BaseEstimator:
    cls = lightgbm.LGBMClassifier if _classifier(task) else lightgbm.LGBMRegressor
    settings = {"n_estimators": MAX_ROUNDS, **params}
    return cls(**settings, subsample_freq=1, n_jobs=threads, random_state=seed, verbose=-1)


def _lightgbm_portfolio(task: str) -> list[Params]:
    # LightGBM's defaults with early stopping, then configurations that win often on tabular
    # benchmarks (slow-and-wide, small-leaved and regularized, column-sampled).
    base = {"subsample": 1.0, "colsample_bytree": 1.0, "reg_lambda": 1e-6, "reg_alpha": 1e-6}
    return [
        {**base, "learning_rate": 0.1, "num_leaves": 31, "min_child_samples": 20},
        {**base, "learning_rate": 0.05, "num_leaves": 15, "min_child_samples": 10, "subsample": 0.8, "colsample_bytree": 0.6, "reg_lambda": 1.0},
        {**base, "learning_rate": 0.03, "num_leaves": 64, "min_child_samples": 5, "subsample": 0.7, "colsample_bytree": 0.5, "reg_lambda": 3.0},
        {**base, "learning_rate": 0.05, "num_leaves": 8, "min_child_samples": 3, "colsample_bytree": 0.7, "reg_lambda": 0.1},
        {**base, "learning_rate": 0.08, "num_leaves": 6, "min_child_samples": 30, "colsample_bytree": 0.8},
    ]


# XGBoost and CatBoost (when installed) -------------------------------------------------------

def _xgboost_space(trial: optuna.Trial, task: str) -> Params:
    return {
        "learning_rate": trial.suggest_float("xgboost.learning_rate", 0.01, 0.3, log=True),
        "max_depth": trial.suggest_int("xgboost.max_depth", 2, 10),
        "min_child_weight": trial.suggest_float("xgboost.min_child_weight", 0.5, 20.0, log=True),
        "subsample": trial.suggest_float("xgboost.subsample", 0.5, 1.0),
        "colsample_bytree": trial.suggest_float("xgboost.colsample_bytree", 0.3, 1.0),
        "reg_lambda": trial.suggest_float("xgboost.reg_lambda", 1e-3, 10.0, log=True),
    }


def _xgboost_build(params: Params, task: str, seed: int, threads: int) -> BaseEstimator:
    import xgboost

    cls = xgboost.XGBClassifier if _classifier(task) else xgboost.XGBRegressor
    settings = {"n_estimators": MAX_ROUNDS, **params}
    return cls(**settings, tree_method="hist", n_jobs=threads, random_state=seed, verbosity=0)


def _xgboost_portfolio(task: str) -> list[Params]:
    return [{"learning_rate": 0.05, "max_depth": 6, "min_child_weight": 1.0, "subsample": 0.8, "colsample_bytree": 0.8, "reg_lambda": 1.0}]


def _catboost_space(trial: optuna.Trial, task: str) -> Params:
    return {
        "learning_rate": trial.suggest_float("catboost.learning_rate", 0.02, 0.3, log=True),
        "depth": trial.suggest_int("catboost.depth", 3, 10),
        "l2_leaf_reg": trial.suggest_float("catboost.l2_leaf_reg", 0.5, 30.0, log=True),
    }


def _catboost_build(params: Params, task: str, seed: int, threads: int) -> BaseEstimator:
    import catboost

    cls = catboost.CatBoostClassifier if _classifier(task) else catboost.CatBoostRegressor
    settings = {"n_estimators": MAX_ROUNDS, **params}
    return cls(**settings, thread_count=threads, random_seed=seed, verbose=False, allow_writing_files=False)


def _catboost_portfolio(task: str) -> list[Params]:
    return [{"learning_rate": 0.08, "depth": 6, "l2_leaf_reg": 3.0}]


# multilayer perceptron ------------------------------------------------------------------------

def _mlp_space(trial: optuna.Trial, task: str) -> Params:
    return {
        "layers": trial.suggest_int("mlp.layers", 1, 2),
        "width": trial.suggest_int("mlp.width", 16, 256, log=True),
        "alpha": trial.suggest_float("mlp.alpha", 1e-6, 1e-1, log=True),
        "learning_rate_init": trial.suggest_float("mlp.learning_rate_init", 1e-4, 1e-2, log=True),
    }


MLP_EPOCHS = 300  # at most; its own early stopping usually ends it sooner


def _mlp_build(params: Params, task: str, seed: int, threads: int) -> BaseEstimator:
    cls = MLPClassifier if _classifier(task) else MLPRegressor
    return _scaled(cls(hidden_layer_sizes=(params["width"],) * params["layers"], alpha=params["alpha"],
                       learning_rate_init=params["learning_rate_init"], early_stopping=True,
                       max_iter=params.get("max_iter", MLP_EPOCHS),
                       random_state=seed))


def _mlp_portfolio(task: str) -> list[Params]:
    return [{"layers": 2, "width": 64, "alpha": 1e-4, "learning_rate_init": 1e-3}]


# In this order (the strongest for its cost first) the families take their first trials.
FAMILIES: dict[str, Family] = {
    family.name: family
    for family in [
        Family("lightgbm", _lightgbm_space, _lightgbm_build, _lightgbm_portfolio, True, 1.0, True),
        Family("linear", _linear_space, _linear_build, _linear_portfolio, False, 0.2, False),
        Family("extra_trees", _forest_space("extra_trees"), _forest_build(ExtraTreesClassifier, ExtraTreesRegressor),
               _forest_portfolio, False, 1.5, False),
        Family("random_forest", _forest_space("random_forest"), _forest_build(RandomForestClassifier, RandomForestRegressor),
               _forest_portfolio, False, 3.0, False),
        Family("hist_gbm", _hist_space, _hist_build, _hist_portfolio, False, 1.5, True),
        Family("xgboost", _xgboost_space, _xgboost_build, _xgboost_portfolio, True, 1.5, True),
        Family("catboost", _catboost_space, _catboost_build, _catboost_portfolio, True, 4.0, True),
        Family("mlp", _mlp_space, _mlp_build, _mlp_portfolio, False, 5.0, False),
    ]
}

OPTIONAL = {"xgboost": "xgboost", "catboost": "catboost"}
# Families of independent trees (bagging): under a time box they grow fewer of them.
FORESTS = frozenset({"random_forest", "extra_trees"})


def available_families() -> list[str]:
    """Families whose libraries are importable here."""
    return [name for name in FAMILIES if name not in OPTIONAL or importlib.util.find_spec(OPTIONAL[name]) is not None]


def default_families(rows: int) -> list[str]:
    """The default set: every available family; the MLP only from 1,000 rows on, where a neural
    net has enough data to compete with the trees (below, it rarely earns its time)."""
    return [name for name in available_families() if name != "mlp" or rows >= 1000]


def resolve_families(families: list[str] | None, rows: int) -> list[str]:
    if not families:
        return default_families(rows)
    available = available_families()
    for name in families:
        if name not in FAMILIES:
            raise StudioError(f"unknown model family {name!r}; use some of {', '.join(FAMILIES)}")
        if name not in available:
            raise StudioError(f"model family {name!r} needs the {OPTIONAL[name]} package; install it or drop the family")
    return list(dict.fromkeys(families))


def suggest(trial: optuna.Trial, families: list[str], task: str) -> tuple[str, Params]:
    """The trial's family and that family's parameters (conditional on the family)."""
    name = trial.suggest_categorical("family", families)
    return str(name), FAMILIES[str(name)].space(trial, task)


def enqueued_params(family: str, params: Params) -> Params:
    """A portfolio configuration as the trial parameters to enqueue."""
    return {"family": family, **{f"{family}.{key}": value for key, value in params.items()}}


def build(family: str, params: Params, task: str, seed: int, threads: int) -> BaseEstimator:
    return FAMILIES[family].build(params, task, seed, threads)
