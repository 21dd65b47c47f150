"""Training: search model families with Optuna over cached validation folds, ensemble the best
trials, refit on all non-holdout rows and score once on an untouched holdout.

The public API: ``train`` and ``resume`` (``TrainingResult``), ``run_workers`` and ``join``
(worker processes on one study), ``study_progress`` (a run's trials as plain data), the tasks
and ``METRICS``, the ``FAMILIES``, the ``WeightedEnsemble`` final step, ``TRUSTED_TYPES`` for
the skops allow-list, and ``TrainingRuns`` (``workspace.runs``): runs as jobs on a workspace's
tables, their models stored, and batch prediction.
"""

from studio.training._ensemble import WeightedEnsemble, greedy_weights
from studio.training._families import FAMILIES, available_families, default_families
from studio.training._finalize import Member, OutOfFold, TrainingResult
from studio.training._progress import StudyProgress, TrialRow, parameter_importances, progress_of, study_progress
from studio.training._run import DEFAULT_SECONDS, resume, train
from studio.training._runs import RunInputs, TrainingRuns, model_reference, recipe_pipeline
from studio.training._splits import VALIDATIONS, choose_folds, holdout_split, make_folds
from studio.training._storage import default_storage_url, open_storage, recover_stale_trials
from studio.training._tasks import DEFAULT_METRICS, METRICS, TASKS, Metric, detect_task
from studio.training._trusted import TRUSTED_TYPES
from studio.training._workers import join, run_workers

__all__ = [
    "DEFAULT_METRICS",
    "DEFAULT_SECONDS",
    "FAMILIES",
    "METRICS",
    "TASKS",
    "TRUSTED_TYPES",
    "VALIDATIONS",
    "Member",
    "Metric",
    "OutOfFold",
    "RunInputs",
    "StudyProgress",
    "TrainingResult",
    "TrainingRuns",
    "TrialRow",
    "WeightedEnsemble",
    "available_families",
    "choose_folds",
    "default_families",
    "default_storage_url",
    "detect_task",
    "greedy_weights",
    "holdout_split",
    "join",
    "make_folds",
    "model_reference",
    "open_storage",
    "parameter_importances",
    "progress_of",
    "recipe_pipeline",
    "recover_stale_trials",
    "resume",
    "run_workers",
    "study_progress",
    "train",
]
