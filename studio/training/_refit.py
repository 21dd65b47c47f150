"""The final refit's time model and its size: how long refitting a trial's configuration on
the non-holdout rows will take, and, under a seconds budget, on how many of them it fits.

A trial's folds train on a fold's training rows (or on a sample of them, on big tables); the
refit trains on all the non-holdout rows, and boosted trees also get more rounds (the rounds
their folds chose times the square root of the growth in rows, see ``refit_params``). So its
time is the trial's mean fold time scaled by the growth in rows, and for boosted trees by the
growth in rounds too: ``growth ** 1.5`` (with five folds, 1.25 ** 1.5 = 1.4).

On a big table a short budget cannot always pay for refitting on every row (a configuration
found on a 10,000-row sample would refit on 160,000 rows with four times the rounds: some 64
times the trial's time). The search then keeps back at most ``REFIT_SHARE`` of the budget, and
the refit trains on a seeded sample of the rows, as many as that time allows (never fewer than
the trial trained on), with the rounds scaled to it: the budget holds, and the model is as
good as the time bought (FLAML keeps a sample-trained model the same way when its full retrain
does not fit).
"""

from __future__ import annotations

import math

import numpy as np
from optuna.trial import FrozenTrial, TrialState

from studio.training._evaluate import FOLD_SECONDS, SAMPLE_ROWS
from studio.training._families import FAMILIES, Params

# Under a seconds budget, the search keeps back at most this share of it for the refit.
REFIT_SHARE = 0.2
# The reserve counts the refits of this many of the best trials (the ensemble's likely members).
TOP_FOR_RESERVE = 3
FINAL_OVERHEAD_SECONDS = 1.0


def trained_rows(trial: FrozenTrial, fold_rows: int) -> int:
    """The training rows of each of the trial's folds."""
    return int(trial.user_attrs.get(SAMPLE_ROWS) or fold_rows)


def _exponent(trial: FrozenTrial) -> float:
    family = FAMILIES.get(str(trial.params.get("family")))
    return 1.5 if family is not None and family.early_stopping else 1.0


def refit_seconds(trial: FrozenTrial, fold_rows: int, rows: int) -> float:
    """The estimated seconds of refitting the trial's configuration on ``rows`` rows."""
    seconds = float(np.mean(trial.user_attrs.get(FOLD_SECONDS) or [0.0]))
    return seconds * (rows / trained_rows(trial, fold_rows)) ** _exponent(trial)


def refit_rows(trial: FrozenTrial, fold_rows: int, all_rows: int, seconds: float | None) -> int:
    """The rows the refit of ``trial`` trains on: all ``all_rows`` when its estimated time fits
    ``seconds`` (or there is no seconds budget), else as many as fit, never fewer than the
    trial's folds trained on."""
    if seconds is None or refit_seconds(trial, fold_rows, all_rows) <= seconds:
        return all_rows
    per_fold = float(np.mean(trial.user_attrs.get(FOLD_SECONDS) or [0.0]))
    trained = trained_rows(trial, fold_rows)
    if per_fold <= 0 or seconds <= per_fold:
        return min(all_rows, trained)
    fitting = trained * (seconds / per_fold) ** (1.0 / _exponent(trial))
    return int(min(all_rows, max(trained, math.floor(fitting))))


def refit_reserve(trials: list[FrozenTrial], fold_rows: int, all_rows: int, maximize: bool, budget: float | None) -> float:
    """What the search keeps back for refitting the best trials (without the features and the
    overhead): their refits on all rows, at most ``REFIT_SHARE`` of a seconds budget."""
    done = [t for t in trials if t.state == TrialState.COMPLETE and t.value is not None]
    done.sort(key=lambda t: t.value if not maximize else -t.value)
    full = sum(refit_seconds(t, fold_rows, all_rows) for t in done[:TOP_FOR_RESERVE])
    return full if budget is None else min(full, REFIT_SHARE * budget)


def scaled_params(family: str, params: Params, share: float) -> Params:
    """Refit parameters (for all rows) scaled to a refit on ``share`` of them: boosted trees'
    rounds shrink with the square root of the rows, as they grew with it."""
    if share >= 1.0 or not FAMILIES[family].early_stopping or "n_estimators" not in params:
        return dict(params)
    return {**params, "n_estimators": max(1, int(round(params["n_estimators"] * math.sqrt(share))))}
