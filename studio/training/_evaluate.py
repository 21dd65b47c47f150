"""One trial: fit a configuration on every fold, score it, report each fold to the pruner, and
keep its out-of-fold predictions (for the ensemble) in the run folder."""

from __future__ import annotations

import math
import os
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lightgbm
import numpy as np
import optuna
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning

from studio.training._families import EARLY_STOPPING_ROUNDS, FAMILIES, FORESTS, Params, build
from studio.training._folds import FoldCache
from studio.training._tasks import Metric

# Trial user attributes the runner and the scheduler read back.
SECONDS = "seconds"
FOLD_SECONDS = "fold_seconds"
REFIT_PARAMS = "refit_params"
STOPPED = "stopped"
PORTFOLIO = "portfolio"
SAMPLE_ROWS = "sample_rows"  # training rows per fold, when fewer than all

# Below this many cells (rows x columns) a fit is too short for threads to pay: OpenMP's
# start-up and spin-waiting cost more than they save, badly so on a busy machine.
THREADED_CELLS = 2_000_000


def fit_threads(rows: int, columns: int, threads: int) -> int:
    """The threads of one fit on ``rows`` x ``columns``: the run's, or one below
    THREADED_CELLS (a trial on a sample of a big table's rows gets one)."""
    return threads if rows * max(columns, 1) >= THREADED_CELLS else 1


@dataclass(frozen=True)
class TrialSettings:
    """What every trial of a run shares."""

    task: str
    metric: Metric
    seed: int
    threads: int
    n_classes: int
    oof_dir: Path


def predict(estimator: BaseEstimator, x: np.ndarray, task: str, n_classes: int) -> np.ndarray:
    """Class probabilities (one column per class, also for a class the fold's training rows
    lacked) or regression values."""
    if task == "regression":
        return np.asarray(estimator.predict(x), dtype=np.float64)
    proba = np.asarray(estimator.predict_proba(x), dtype=np.float64)
    if proba.shape[1] == n_classes:
        return proba
    full = np.zeros((len(proba), n_classes))
    full[:, np.asarray(estimator.classes_, dtype=np.int64)] = proba
    return full


class _LightgbmTimeBox:
    """Ends boosting at a wall-clock time, keeping the rounds so far (still improving, or early
    stopping would have ended it)."""

    def __init__(self, stop_at: float) -> None:
        self.stop_at = stop_at

    def __call__(self, env: Any) -> None:
        if time.time() > self.stop_at:
            raise lightgbm.callback.EarlyStopException(env.iteration, env.evaluation_result_list)


def _xgboost_time_box(stop_at: float) -> Any:
    import xgboost

    class TimeBox(xgboost.callback.TrainingCallback):
        def after_iteration(self, model: Any, epoch: int, evals_log: Any) -> bool:
            return time.time() > stop_at

    return TimeBox()


# Under a time box, forests grow and the MLP trains in this many steps (warm-started), so that
# the box can end them between two steps.
TIME_BOX_STEPS = 10


def _fit_forest(estimator: BaseEstimator, train_x: np.ndarray, train_y: np.ndarray, stop_at: float) -> int:
    """Grow the forest a tenth of its trees at a time until it is whole or the wall-clock time
    ``stop_at`` has come (fully grown trees on a wide table can take many times what the time
    model expected, and a forest of fewer trees is still a forest). With warm start the trees
    are the same ones a single fit draws, so a forest that ends whole is that fit's."""
    trees = int(estimator.get_params()["n_estimators"])
    step = max(1, math.ceil(trees / TIME_BOX_STEPS))
    grown = min(step, trees)
    estimator.set_params(warm_start=True, n_estimators=grown)
    estimator.fit(train_x, train_y)
    while grown < trees and time.time() < stop_at:
        grown = min(grown + step, trees)
        estimator.set_params(n_estimators=grown)
        estimator.fit(train_x, train_y)
    estimator.set_params(warm_start=False)
    return grown


def _fit_mlp(estimator: BaseEstimator, train_x: np.ndarray, train_y: np.ndarray, stop_at: float) -> int:
    """Train the MLP (the last step of its scaling pipeline) a tenth of its epochs at a time,
    warm-started, until it stops on its own (its early stopping), has run every epoch, or the
    wall-clock time ``stop_at`` has come: on many rows one fit can take minutes, far past what
    the time model measured on a sample. Returns the epochs run."""
    model = estimator[-1]
    epochs = int(model.get_params()["max_iter"])
    step = max(1, math.ceil(epochs / TIME_BOX_STEPS))
    model.set_params(warm_start=True, max_iter=step)
    run = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # a step's end is not the fit's
        while True:
            estimator.fit(train_x, train_y)
            run += int(model.n_iter_)
            if model.n_iter_ < step or run >= epochs or time.time() >= stop_at:
                break
    model.set_params(warm_start=False, max_iter=epochs)
    return run


def fit_fold(family: str, estimator: BaseEstimator, train_x: np.ndarray, train_y: np.ndarray,
             valid_x: np.ndarray, valid_y: np.ndarray, stop_at: float = math.inf) -> int | None:
    """Fit one fold; boosted trees stop early on the validation part, and boosted trees,
    forests and the MLP stop at the wall-clock time ``stop_at`` at the latest (a configuration that needs
    thousands of slow rounds, hundreds of deep trees or hundreds of epochs, must not eat the
    budget). Returns the rounds, trees or epochs kept (None for the other families, and for a
    forest or an MLP without a time box)."""
    if family == "lightgbm":
        callbacks: list[Any] = [lightgbm.early_stopping(EARLY_STOPPING_ROUNDS, verbose=False)]
        if stop_at < math.inf:
            callbacks.append(_LightgbmTimeBox(stop_at))
        estimator.fit(train_x, train_y, eval_X=valid_x, eval_y=valid_y, callbacks=callbacks)
        return int(estimator.best_iteration_ or estimator.n_estimators)
    if family == "xgboost":
        estimator.set_params(early_stopping_rounds=EARLY_STOPPING_ROUNDS,
                             callbacks=[_xgboost_time_box(stop_at)] if stop_at < math.inf else None)
        estimator.fit(train_x, train_y, eval_set=[(valid_x, valid_y)], verbose=False)
        return int(estimator.best_iteration) + 1
    if family == "catboost":
        estimator.fit(train_x, train_y, eval_set=(valid_x, valid_y), early_stopping_rounds=EARLY_STOPPING_ROUNDS)
        return int(estimator.get_best_iteration()) + 1
    if family in FORESTS and stop_at < math.inf:
        return _fit_forest(estimator, train_x, train_y, stop_at)
    if family == "mlp" and stop_at < math.inf:
        return _fit_mlp(estimator, train_x, train_y, stop_at)
    estimator.fit(train_x, train_y)
    return None


def refit_params(family: str, params: Params, rounds: list[int | None], growth: float) -> Params:
    """The parameters of the refit on all non-holdout rows: boosted trees get the rounds their
    folds chose instead of the early-stopping cap, times the square root of ``growth`` (how
    many times a fold's training rows the refit has: more data supports more rounds); a forest
    or an MLP under a time box gets the trees or epochs its folds ran (what was scored, and
    what the refit's time model counted)."""
    kept = [r for r in rounds if r is not None]
    if kept and (family in FORESTS or family == "mlp"):
        return {**params, "max_iter" if family == "mlp" else "n_estimators": int(round(float(np.mean(kept))))}
    if not FAMILIES[family].early_stopping or not kept:
        return dict(params)
    return {**params, "n_estimators": max(1, int(round(float(np.mean(kept)) * np.sqrt(growth))))}


def oof_path(oof_dir: Path, number: int) -> Path:
    return oof_dir / f"{number}.npy"


def save_oof(oof_dir: Path, number: int, oof: np.ndarray) -> None:
    """Write atomically: a worker killed mid-write leaves no torn file under the final name."""
    oof_dir.mkdir(parents=True, exist_ok=True)
    final = oof_path(oof_dir, number)
    temp = final.with_suffix(f".{os.getpid()}.tmp")
    with open(temp, "wb") as handle:
        np.save(handle, oof.astype(np.float32))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, final)


def evaluate(trial: optuna.Trial, family: str, params: Params, cache: FoldCache, settings: TrialSettings,
             deadline: float, prune: bool, sample_rows: int | None = None, max_seconds: float = math.inf) -> float:
    """The trial's mean fold score. Raises TrialPruned when the pruner stops it or when the next
    fold cannot end before ``deadline`` (a wall-clock time), recording why. With
    ``sample_rows``, each fold trains on that many of its training rows (a seeded sample) and
    still validates on all of its validation rows, so the score stays comparable. Boosted
    trees end their rounds when the trial has used ``max_seconds`` (each fold its share)."""
    started = time.time()
    rows = len(cache.y)
    growth = rows / (sample_rows or len(cache.folds.train[0]))
    shape: tuple[int, ...] = (rows,) if settings.task == "regression" else (rows, settings.n_classes)
    oof = np.full(shape, np.nan)
    scores: list[float] = []
    rounds: list[int | None] = []
    fold_seconds: list[float] = []
    for index in range(len(cache)):
        if fold_seconds and time.time() + max(fold_seconds) > deadline:
            _record(trial, started, fold_seconds, family, params, rounds, growth)
            trial.set_user_attr(STOPPED, "budget")
            raise optuna.TrialPruned("the budget ends before the next fold would")
        matrices = cache.fold(index)
        fold_started = time.time()
        train_x, train_y = matrices.train_x, matrices.train_y
        if sample_rows is not None and sample_rows < len(train_y):
            take = np.sort(np.random.default_rng(settings.seed + index).choice(len(train_y), sample_rows, replace=False))
            train_x, train_y = train_x[take], train_y[take]
        estimator = build(family, params, settings.task, settings.seed, fit_threads(*train_x.shape, settings.threads))
        stop_at = min(deadline, fold_started + max_seconds / len(cache))
        rounds.append(fit_fold(family, estimator, train_x, train_y, matrices.valid_x, matrices.valid_y, stop_at))
        prediction = predict(estimator, matrices.valid_x, settings.task, settings.n_classes)
        fold_seconds.append(time.time() - fold_started)
        oof[matrices.valid_rows] = prediction
        scores.append(settings.metric.score(matrices.valid_y, prediction))
        trial.report(float(np.mean(scores)), index)
        if prune and index < len(cache) - 1 and trial.should_prune():
            _record(trial, started, fold_seconds, family, params, rounds, growth)
            trial.set_user_attr(STOPPED, "pruned")
            raise optuna.TrialPruned(f"fold {index + 1}: {np.mean(scores):.5g}")
    _record(trial, started, fold_seconds, family, params, rounds, growth)
    save_oof(settings.oof_dir, trial.number, oof)
    return float(np.mean(scores))


def _record(trial: optuna.Trial, started: float, fold_seconds: list[float], family: str, params: Params,
            rounds: list[int | None], growth: float) -> None:
    attrs: dict[str, Any] = {
        SECONDS: time.time() - started,
        FOLD_SECONDS: fold_seconds,
        REFIT_PARAMS: refit_params(family, params, rounds, growth),
    }
    for key, value in attrs.items():
        trial.set_user_attr(key, value)
