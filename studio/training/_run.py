"""The training entry points: ``train`` (a new run) and ``resume`` (a run that stopped)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import optuna
import pandas as pd
import pyarrow.parquet as pq

from studio.errors import StudioError
from studio.lake import atomic_replace
from studio.training._families import resolve_families
from studio.training._evaluate import THREADED_CELLS
from studio.training._finalize import TrainingResult, finalize
from studio.training._folds import FeaturesFactory
from studio.training._search import ROW_COLUMN, TARGET_COLUMN, SearchData, load_search_data, prepare, search
from studio.training._spec import SPEC_ATTR, RunSpec, features_reference
from studio.training._splits import VALIDATIONS, choose_folds, holdout_split
from studio.training._storage import default_storage_url, fail_abandoned_trials, open_storage, quiet_optuna
from studio.training._tasks import resolve_metric, resolve_task
from studio.training._workers import load, make_pruner, make_sampler, run_workers

# A run given neither a trial nor a seconds budget gets this many seconds.
DEFAULT_SECONDS = 120.0


def default_threads(rows: int, columns: int, workers: int, timed: bool = False) -> int:
    """The threads of each fit: one on a small table (see THREADED_CELLS), else the cores
    shared among the workers. Under a seconds budget (``timed``), only the cores that other
    work leaves free, counting this run as one busy core: OpenMP threads competing with other
    processes for a core wait on each other (two-thread LightGBM fits ran ten times slower
    than one-thread ones at a load of 10 on two cores). Without one, the count does not depend
    on the machine's load, so that a seed reproduces a run."""
    if rows * max(columns, 1) < THREADED_CELLS:
        return 1
    cores = os.cpu_count() or 1
    threads = max(1, cores // workers)
    if timed:
        free = cores - max(0.0, os.getloadavg()[0] - 1.0)
        threads = max(1, min(threads, int(free)))
    return threads


def _encode(y: pd.Series, task: str) -> tuple[np.ndarray, list | None]:
    if task == "regression":
        return y.to_numpy(dtype=np.float64), None
    classes, encoded = np.unique(y.to_numpy(), return_inverse=True)
    return encoded.astype(np.int64), classes.tolist()


def _shape(path: Path) -> tuple[int, int]:
    metadata = pq.read_metadata(path)
    return metadata.num_rows, metadata.num_columns - 2  # less the target and row columns


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    temp = path.with_suffix(".tmp")
    frame.to_parquet(temp, index=False)
    atomic_replace(temp, path)


def train(
    X: pd.DataFrame,
    y: pd.Series,
    features: FeaturesFactory,
    *,
    run_dir: str | Path,
    task: str = "auto",
    metric: str | None = None,
    validation: str = "stratified",
    group_column: str | None = None,
    time_column: str | None = None,
    folds: int | None = None,
    holdout: float = 0.2,
    trials: int | None = None,
    seconds: float | None = None,
    families: list[str] | None = None,
    seed: int = 0,
    workers: int = 1,
    storage: str | None = None,
    study_name: str = "run",
    threads: int | None = None,
) -> TrainingResult:
    """Search models for ``y`` from the raw columns ``X`` through ``features()`` (an unfitted
    transformer to a float matrix) and return the refit final model, scored on the holdout.

    ``seconds`` is the whole call's wall-clock budget, refit included; ``trials`` caps the number
    of trials; with neither, ``DEFAULT_SECONDS``. Rows whose target is missing are left out. The
    study lives in ``storage`` (default: a SQLite file in ``run_dir``), which ``workers`` worker
    processes share; with ``workers=1`` the search runs in this process.
    """
    started = time.time()
    quiet_optuna()
    if trials is None and seconds is None:
        seconds = DEFAULT_SECONDS
    if (trials is not None and trials < 1) or (seconds is not None and seconds <= 0):
        raise StudioError("the budget must be at least one trial or a positive number of seconds")
    if validation not in VALIDATIONS:
        raise StudioError(f"unknown validation {validation!r}; use one of {', '.join(VALIDATIONS)}")
    if len(X) != len(y):
        raise StudioError(f"the features have {len(X)} rows but the target has {len(y)}; pass them row for row")
    if y.name is not None and y.name in X.columns:
        raise StudioError(f"the target {y.name!r} is also among the feature columns; drop it from X")
    keep = y.notna().to_numpy()
    X, y = X.loc[keep].reset_index(drop=True), y.loc[keep].reset_index(drop=True)
    rows = np.flatnonzero(keep)
    task = resolve_task(y, task)
    resolve_metric(task, metric)
    encoded, classes = _encode(y, task)
    rest, hold = holdout_split(X, encoded, validation=validation, fraction=holdout, seed=seed, stratify=task != "regression",
                               group_column=group_column, time_column=time_column)
    run_path = Path(run_dir)
    run_path.mkdir(parents=True, exist_ok=True)
    spec = RunSpec(
        target=str(y.name), task=task, metric=resolve_metric(task, metric).name, validation=validation,
        group_column=group_column, time_column=time_column,
        folds=choose_folds(len(rest), X.shape[1], seconds, folds), holdout=holdout, seed=seed,
        families=resolve_families(families, len(rest)), trials=trials, seconds=seconds, started=started,
        threads=threads or default_threads(len(rest), X.shape[1], workers, timed=seconds is not None), features=features_reference(features),
        run_dir=str(run_path.resolve()), classes=classes,
    )
    search_frame = X.iloc[rest].reset_index(drop=True)
    holdout_frame = X.iloc[hold].reset_index(drop=True)
    _write_parquet(search_frame.assign(**{TARGET_COLUMN: encoded[rest], ROW_COLUMN: rows[rest]}), spec.search_path)
    _write_parquet(holdout_frame.assign(**{TARGET_COLUMN: encoded[hold], ROW_COLUMN: rows[hold]}), spec.holdout_path)
    storage = storage or default_storage_url(run_path)
    try:
        study = optuna.create_study(study_name=study_name, storage=open_storage(storage), direction=resolve_metric(task, metric).direction,
                                    sampler=make_sampler(seed), pruner=make_pruner())
    except optuna.exceptions.DuplicatedStudyError as error:
        raise StudioError(f"a study named {study_name!r} already exists in that storage; resume it or pick another name") from error
    study.set_user_attr(SPEC_ATTR, spec.to_json())
    data = prepare(spec, search_frame, encoded[rest], rows[rest])
    _run_search(study, storage, data, workers)
    return finalize(study, storage, spec, data, holdout_frame, encoded[hold], rows[hold])


def _run_search(study: optuna.Study, storage: str, data: SearchData, workers: int) -> None:
    if workers == 1:
        search(study, data)
    else:
        run_workers(storage, study.study_name, workers)


def resume(storage: str, study_name: str, *, seconds: float | None = None, trials: int | None = None,
           workers: int = 1) -> TrainingResult:
    """Continue a run that stopped (its process killed, its budget spent): fail the trials its
    dead workers left RUNNING or queued, search again with a fresh budget (``seconds`` from now, and/or
    ``trials`` in total; by default the run's own), then refit and score as ``train`` does."""
    study, old = load(storage, study_name)
    # Every process of the run has stopped (a resume is refused while one of its jobs is
    # active): what they left RUNNING or queued is failed now, not after a grace period.
    fail_abandoned_trials(study)
    budget = old.seconds if seconds is None else seconds
    spec = RunSpec.from_json({**old.to_json(), "started": time.time(), "seconds": budget,
                              "trials": old.trials if trials is None else trials,
                              "threads": default_threads(*_shape(old.search_path), workers, timed=budget is not None)})
    study.set_user_attr(SPEC_ATTR, spec.to_json())
    data = load_search_data(spec)
    _run_search(study, storage, data, workers)
    held = pd.read_parquet(spec.holdout_path)
    held_y = held.pop(TARGET_COLUMN).to_numpy()
    held_rows = held.pop(ROW_COLUMN).to_numpy()
    return finalize(study, storage, spec, data, held, held_y, held_rows)
