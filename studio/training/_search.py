"""The search loop one worker runs on a study: recover stale trials, ask the scheduler what to
try, enqueue it, let Optuna run it; until the trial or seconds budget is spent."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import optuna
import pandas as pd
from optuna.trial import FrozenTrial, TrialState
from threadpoolctl import threadpool_limits

from studio.training._evaluate import PORTFOLIO, SAMPLE_ROWS, TrialSettings, evaluate
from studio.training._families import enqueued_params, suggest
from studio.training._folds import FoldCache
from studio.training._refit import FINAL_OVERHEAD_SECONDS, refit_reserve
from studio.training._scheduler import Scheduler
from studio.training._spec import RunSpec, load_features
from studio.training._splits import make_folds
from studio.training._storage import WORKER, recover_stale_trials, worker_identity
from studio.training._tasks import resolve_metric

TARGET_COLUMN = "__target__"
ROW_COLUMN = "__row__"  # the row's position in the run's input
# Under a seconds budget no single trial may take more than this share of it.
MAX_TRIAL_SHARE = 0.12


@dataclass
class SearchData:
    """A worker's view of the run: the non-holdout rows, encoded target, and cached folds."""

    spec: RunSpec
    frame: pd.DataFrame
    y: np.ndarray
    rows: np.ndarray
    cache: FoldCache
    features_seconds: float


def load_search_data(spec: RunSpec) -> SearchData:
    table = pd.read_parquet(spec.search_path)
    y = table.pop(TARGET_COLUMN).to_numpy()
    rows = table.pop(ROW_COLUMN).to_numpy()
    return prepare(spec, table, y, rows)


def prepare(spec: RunSpec, frame: pd.DataFrame, y: np.ndarray, rows: np.ndarray) -> SearchData:
    """Fold the rows and transform the first fold now, so that a feature pipeline that fails on
    the data fails before any trial, and its time is known for the reserve."""
    stratify = spec.task != "regression"
    folds = make_folds(frame, y, validation=spec.validation, folds=spec.folds, seed=spec.seed, stratify=stratify,
                       group_column=spec.group_column, time_column=spec.time_column)
    cache = FoldCache(frame, y, folds, load_features(spec.features))
    started = time.time()
    cache.fold(0)
    return SearchData(spec, frame, y, rows, cache, time.time() - started)


def reserve_seconds(trials: list[FrozenTrial], data: SearchData, maximize: bool) -> float:
    """Time kept back for the end: refitting the few best trials (the ensemble's likely
    members; at most a share of the budget, see ``_refit``) and the feature pipeline on all
    rows, and scoring the holdout."""
    fold_rows = len(data.cache.fold(0).train_y)
    refit = refit_reserve(trials, fold_rows, len(data.y), maximize, data.spec.seconds)
    return refit + 2 * data.features_seconds + FINAL_OVERHEAD_SECONDS


def counted(trials: list[FrozenTrial]) -> int:
    """Trials that use up the trial budget: every one started (a failed one counts too)."""
    return sum(t.state != TrialState.WAITING for t in trials)


def search(study: optuna.Study, data: SearchData) -> None:
    """Run trials until the budget is spent, with BLAS and OpenMP pools held to the run's
    threads (on a busy machine, spinning idle threads slow a small fit twentyfold)."""
    with threadpool_limits(limits=data.spec.threads):
        _search(study, data)


def _search(study: optuna.Study, data: SearchData) -> None:
    spec = data.spec
    metric = resolve_metric(spec.task, spec.metric)
    timed = spec.seconds is not None
    first = data.cache.fold(0)
    classes = len(spec.classes or []) if spec.task == "multiclass" else 1
    scheduler = Scheduler(spec.families, spec.task, metric, len(first.train_y), first.train_x.shape[1], len(data.cache),
                          classes, spec.seed, timed)
    settings = TrialSettings(spec.task, metric, spec.seed, spec.threads, len(spec.classes or []), spec.oof_dir)
    rescued = False
    while True:
        trials = study.get_trials(deepcopy=False)
        if recover_stale_trials(study, trials):
            trials = study.get_trials(deepcopy=False)
        if spec.trials is not None and counted(trials) >= spec.trials:
            return
        deadline = math.inf
        if spec.ends is not None:
            deadline = spec.ends - reserve_seconds(trials, data, metric.maximize)
        remaining = deadline - time.time()
        choice = scheduler.choose(trials, remaining) if remaining > 0 else None
        if choice is None:
            if rescued or any(t.state == TrialState.COMPLETE for t in trials):
                return
            # No trial has finished and the budget is spent (a busy machine took it to start
            # the run): one trial, the cheapest the scheduler knows, runs to its end, so the
            # run ends a little late with a model rather than on time without one.
            rescued, deadline = True, math.inf
            choice = scheduler.choose(trials, math.inf, cheapest=True)
            if choice is None:
                return
        study.enqueue_trial(enqueued_params(choice.family, choice.params or {}),
                            user_attrs={PORTFOLIO: choice.params is not None, SAMPLE_ROWS: choice.sample_rows})
        study.optimize(_Objective(data, settings, deadline), n_trials=1, catch=(Exception,))


class _Objective:
    """Optuna's objective for one trial (a class, so the deadline and data travel with it)."""

    def __init__(self, data: SearchData, settings: TrialSettings, deadline: float) -> None:
        self.data = data
        self.settings = settings
        self.deadline = deadline

    def __call__(self, trial: optuna.Trial) -> float:
        trial.set_user_attr(WORKER, worker_identity())
        family, params = suggest(trial, self.data.spec.families, self.data.spec.task)
        portfolio = bool(trial.user_attrs.get(PORTFOLIO))
        seconds = self.data.spec.seconds
        return evaluate(trial, family, params, self.data.cache, self.settings, self.deadline, prune=not portfolio,
                        sample_rows=trial.user_attrs.get(SAMPLE_ROWS),
                        max_seconds=math.inf if seconds is None else MAX_TRIAL_SHARE * seconds)
