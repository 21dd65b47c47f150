"""The end of a run: choose the final model (the best trial, or a greedy weighted ensemble of
the best trials when it beats it on out-of-fold predictions), refit it with the feature
pipeline on all non-holdout rows, and score it once on the untouched holdout."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import optuna
import pandas as pd
from optuna.trial import FrozenTrial, TrialState
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from studio.errors import StudioError
from studio.training._ensemble import WeightedEnsemble, greedy_weights
from studio.training._evaluate import REFIT_PARAMS, fit_threads, oof_path
from studio.training._families import build
from studio.training._refit import FINAL_OVERHEAD_SECONDS, refit_rows, refit_seconds, scaled_params
from studio.training._search import SearchData
from studio.training._spec import RunSpec, load_features
from studio.training._tasks import Metric, resolve_metric

MAX_CANDIDATES = 15


@dataclass(frozen=True)
class Member:
    """One estimator of the final model."""

    trial: int
    family: str
    weight: float
    params: dict[str, Any]


@dataclass(frozen=True)
class OutOfFold:
    """The final model's out-of-fold predictions on the non-holdout rows that some fold
    validated on: ``rows`` are positions into the input rows, ``target`` the encoded truth."""

    rows: np.ndarray
    target: np.ndarray
    predictions: np.ndarray


@dataclass(frozen=True)
class TrainingResult:
    """What a run returns; the wiring round stores it as a model version."""

    study_name: str
    storage: str
    task: str
    metric: str
    direction: str
    family: str  # the best trial's family
    best_params: dict[str, Any]  # the best trial's parameters (refit values)
    best_trial: int
    best_trial_score: float
    cv_score: float  # the final model's validation score (the ensemble's, when it is one)
    holdout_score: float
    members: list[Member]
    trials: int  # finished trials
    trial_states: dict[str, int]
    seconds: float
    pipeline: Pipeline
    classes: list[Any] | None
    oof: OutOfFold
    holdout_rows: np.ndarray
    refit_rows: int  # the rows the final model was refit on (fewer than all when a budget did not allow all)


def _params(trial: FrozenTrial) -> dict[str, Any]:
    return dict(trial.user_attrs.get(REFIT_PARAMS, {}))


def _candidates(study: optuna.Study, spec: RunSpec, metric: Metric, seconds_left: float | None, fold_rows: int,
                all_rows: int) -> tuple[list[FrozenTrial], int]:
    """The best finished trials with saved predictions, best first: the top ones and each
    family's best (diversity helps an ensemble), as many as the time left can refit; and the
    rows the refit trains on (all ``all_rows`` unless the best one's refit does not fit the
    time left, see ``_refit``)."""
    done = [t for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
            if t.value is not None and oof_path(spec.oof_dir, t.number).exists()]
    if not done:
        raise StudioError("no trial finished inside the budget; give the run more seconds or trials")
    done.sort(key=lambda t: (metric.loss(t.value), t.number))
    chosen = done[:MAX_CANDIDATES - len(spec.families)]
    for family in spec.families:
        best = next((t for t in done if t.params["family"] == family), None)
        if best is not None and best not in chosen:
            chosen.append(best)
    chosen.sort(key=lambda t: (metric.loss(t.value), t.number))
    if seconds_left is None:
        return chosen, all_rows
    rows = refit_rows(chosen[0], fold_rows, all_rows, seconds_left)
    kept, spent = [chosen[0]], refit_seconds(chosen[0], fold_rows, rows)
    for trial in chosen[1:]:
        if spent + refit_seconds(trial, fold_rows, rows) <= seconds_left:
            kept.append(trial)
            spent += refit_seconds(trial, fold_rows, rows)
    return kept, rows


def aligned_proba(pipeline: Pipeline, frame: pd.DataFrame, classes: list[Any]) -> np.ndarray:
    """Probabilities with one column per run class, in encoding order."""
    proba = pipeline.predict_proba(frame)
    columns = np.searchsorted(np.asarray(classes), pipeline.classes_)
    full = np.zeros((len(frame), len(classes)))
    full[:, columns] = proba
    return full


def finalize(study: optuna.Study, storage: str, spec: RunSpec, data: SearchData, holdout: pd.DataFrame,
             holdout_y: np.ndarray, holdout_rows: np.ndarray) -> TrainingResult:
    metric = resolve_metric(spec.task, spec.metric)
    rest, rest_y = data.frame, data.y
    seconds_left = None if spec.ends is None else spec.ends - time.time() - 2 * data.features_seconds - FINAL_OVERHEAD_SECONDS
    candidates, fit_rows = _candidates(study, spec, metric, seconds_left, len(data.cache.fold(0).train_y), len(rest_y))
    predictions = [np.load(oof_path(spec.oof_dir, t.number)).astype(np.float64) for t in candidates]
    covered = ~np.isnan(predictions[0].reshape(len(rest_y), -1)).any(axis=1)
    counts, ensemble_score = greedy_weights([p[covered] for p in predictions], rest_y[covered], metric)
    single_score = metric.score(rest_y[covered], predictions[0][covered])
    if sum(c > 0 for c in counts) > 1 and metric.better(ensemble_score, single_score):
        picked = [(trial, count) for trial, count in zip(candidates, counts) if count > 0]
        cv_score = ensemble_score
    else:
        picked = [(candidates[0], 1)]
        cv_score = float(candidates[0].value)
    total = sum(count for _, count in picked)
    share = fit_rows / len(rest_y)
    members = [Member(t.number, t.params["family"], count / total, scaled_params(t.params["family"], _params(t), share)) for t, count in picked]
    threads = fit_threads(fit_rows, data.cache.fold(0).train_x.shape[1], spec.threads)
    estimators = [(f"{m.family}_{m.trial}", build(m.family, m.params, spec.task, spec.seed, threads)) for m in members]
    pipeline = Pipeline([("features", load_features(spec.features)()),
                         ("model", WeightedEnsemble(estimators, [m.weight for m in members], spec.task))])
    labels = rest_y if spec.classes is None else np.asarray(spec.classes)[rest_y]
    if fit_rows < len(rest_y):  # the refit on all rows would not fit the budget: a seeded sample
        take = np.sort(np.random.default_rng(spec.seed).choice(len(rest_y), fit_rows, replace=False))
        rest, labels = rest.iloc[take], labels[take]
    with threadpool_limits(limits=spec.threads):
        pipeline.fit(rest, labels)
        if spec.task == "regression":
            holdout_prediction = np.asarray(pipeline.predict(holdout), dtype=np.float64)
        else:
            holdout_prediction = aligned_proba(pipeline, holdout, spec.classes or [])
    oof = sum(m.weight * predictions[candidates.index(t)] for m, (t, _) in zip(members, picked))
    best = candidates[0]
    states = study.get_trials(deepcopy=False)
    return TrainingResult(
        study_name=study.study_name,
        storage=storage,
        task=spec.task,
        metric=metric.name,
        direction=metric.direction,
        family=best.params["family"],
        best_params=scaled_params(best.params["family"], _params(best), share),
        best_trial=best.number,
        best_trial_score=float(best.value),
        cv_score=float(cv_score),
        holdout_score=metric.score(holdout_y, holdout_prediction),
        members=members,
        trials=sum(t.state == TrialState.COMPLETE for t in states),
        trial_states={state.name: sum(t.state == state for t in states) for state in TrialState if any(t.state == state for t in states)},
        seconds=time.time() - spec.started,
        pipeline=pipeline,
        classes=spec.classes,
        oof=OutOfFold(data.rows[covered], rest_y[covered], np.asarray(oof)[covered]),
        holdout_rows=holdout_rows,
        refit_rows=fit_rows,
    )
