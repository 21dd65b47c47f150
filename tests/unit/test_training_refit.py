"""The final refit under a seconds budget: its time model, the search's reserve for it, and the
rows it trains on. The case pinned is the demo's (200,000 rows, a short budget): its best
trial trained on a 10,000-row sample, and refitting that on every row with the rounds grown to
match would take some 64 times the trial's time; the search used to keep all of that back
(so it stopped after one trial) and then overran its budget by the refit."""

import datetime
from types import SimpleNamespace

import numpy as np
import optuna
from optuna.distributions import CategoricalDistribution
from optuna.trial import TrialState, create_trial

from studio.training import METRICS
from studio.training._evaluate import FOLD_SECONDS, SAMPLE_ROWS, SECONDS, THREADED_CELLS, fit_threads
from studio.training._finalize import _candidates
from studio.training._refit import REFIT_SHARE, refit_reserve, refit_rows, refit_seconds, scaled_params
from studio.training import _run

FAMILIES = ["lightgbm", "linear", "extra_trees"]
FOLD_ROWS, ALL_ROWS = 128_000, 160_000  # the demo's: one validation split of the non-holdout rows


def trial(number: int, family: str, value: float, fold_seconds: float, sample: int | None = None) -> optuna.trial.FrozenTrial:
    now = datetime.datetime.now()
    made = create_trial(state=TrialState.COMPLETE, value=value, params={"family": family},
                        distributions={"family": CategoricalDistribution(FAMILIES)},
                        user_attrs={SECONDS: fold_seconds, FOLD_SECONDS: [fold_seconds], SAMPLE_ROWS: sample,
                                    "refit_params": {"n_estimators": 400} if family == "lightgbm" else {}})
    made.number = number
    made.datetime_start, made.datetime_complete = now, now
    return made


def test_the_refit_time_grows_with_the_rows_and_for_boosted_trees_with_their_rounds() -> None:
    sampled = trial(0, "lightgbm", 3.0, 2.0, sample=10_000)
    assert refit_seconds(sampled, FOLD_ROWS, ALL_ROWS) == 2.0 * 16 ** 1.5  # 16x the rows, 4x the rounds
    assert refit_seconds(trial(1, "extra_trees", 3.0, 2.0, sample=10_000), FOLD_ROWS, ALL_ROWS) == 2.0 * 16
    five_folds = trial(2, "lightgbm", 3.0, 2.0)
    assert refit_seconds(five_folds, 100_000, 125_000) == 2.0 * 1.25 ** 1.5  # about 1.4x


def test_the_reserve_for_the_refit_is_at_most_a_share_of_the_budget() -> None:
    """The demo's first trial: 2 s a fold on a 10,000-row sample. Its refit on all rows would
    take 128 s; under a 60 s budget the search keeps back 12 s and goes on searching."""
    trials = [trial(0, "lightgbm", 3.0, 2.0, sample=10_000)]
    assert refit_reserve(trials, FOLD_ROWS, ALL_ROWS, maximize=False, budget=60) == REFIT_SHARE * 60
    assert refit_reserve(trials, FOLD_ROWS, ALL_ROWS, maximize=False, budget=None) == 2.0 * 16 ** 1.5
    small = [trial(0, "lightgbm", 3.0, 0.1), trial(1, "linear", 3.5, 0.01), trial(2, "lightgbm", 2.9, 0.1), trial(3, "linear", 4.0, 9.0)]
    expected = sum(refit_seconds(t, FOLD_ROWS, ALL_ROWS) for t in (small[2], small[0], small[1]))  # the three best
    assert refit_reserve(small, FOLD_ROWS, ALL_ROWS, maximize=False, budget=60) == expected < REFIT_SHARE * 60


def test_a_refit_that_does_not_fit_the_time_left_trains_on_as_many_rows_as_fit() -> None:
    sampled = trial(0, "lightgbm", 3.0, 2.0, sample=10_000)
    assert refit_rows(sampled, FOLD_ROWS, ALL_ROWS, None) == ALL_ROWS
    assert refit_rows(sampled, FOLD_ROWS, ALL_ROWS, 1000) == ALL_ROWS
    rows = refit_rows(sampled, FOLD_ROWS, ALL_ROWS, 12)
    assert 10_000 < rows < ALL_ROWS and refit_seconds(sampled, FOLD_ROWS, rows) <= 12 < refit_seconds(sampled, FOLD_ROWS, rows + 100)
    assert refit_rows(sampled, FOLD_ROWS, ALL_ROWS, 0.5) == 10_000  # never fewer than the trial trained on
    assert scaled_params("lightgbm", {"n_estimators": 400, "num_leaves": 31}, 0.25) == {"n_estimators": 200, "num_leaves": 31}
    assert scaled_params("extra_trees", {"n_estimators": 400}, 0.25) == {"n_estimators": 400}


def test_the_final_candidates_and_rows_fit_the_time_left(tmp_path) -> None:
    """The best trial sets the refit's rows (as many as the time left allows); the others join
    the ensemble's candidates only while their refits on those rows still fit it."""
    trials = [trial(0, "lightgbm", 3.0, 2.0, sample=10_000), trial(1, "linear", 3.2, 0.05, sample=10_000),
              trial(2, "extra_trees", 3.1, 6.0, sample=10_000)]
    study = optuna.create_study(direction="minimize")
    study.add_trials(trials)
    for t in trials:
        np.save(tmp_path / f"{t.number}.npy", np.zeros(4, dtype=np.float32))
    spec = SimpleNamespace(oof_dir=tmp_path, families=FAMILIES)
    kept, rows = _candidates(study, spec, METRICS["rmse"], 12.0, FOLD_ROWS, ALL_ROWS)
    assert [t.number for t in kept] == [0] and rows == refit_rows(trials[0], FOLD_ROWS, ALL_ROWS, 12.0) < ALL_ROWS
    kept, rows = _candidates(study, spec, METRICS["rmse"], 140.0, FOLD_ROWS, ALL_ROWS)  # 128 s + 0.8 s, not + 96 s
    assert [t.number for t in kept] == [0, 1] and rows == ALL_ROWS
    kept, rows = _candidates(study, spec, METRICS["rmse"], None, FOLD_ROWS, ALL_ROWS)
    assert [t.number for t in kept] == [0, 2, 1] and rows == ALL_ROWS


def test_a_fit_on_a_sample_of_a_big_table_gets_one_thread(monkeypatch) -> None:
    assert fit_threads(10_000, 50, 2) == 1 and fit_threads(THREADED_CELLS // 10, 10, 2) == 2
    monkeypatch.setattr(_run.os, "cpu_count", lambda: 4)
    monkeypatch.setattr(_run.os, "getloadavg", lambda: (6.0, 6.0, 6.0))
    assert _run.default_threads(200_000, 20, 1) == 4  # no seconds budget: the load does not count
    assert _run.default_threads(200_000, 20, 1, timed=True) == 1  # a busy machine
    monkeypatch.setattr(_run.os, "getloadavg", lambda: (2.0, 2.0, 2.0))
    assert _run.default_threads(200_000, 20, 1, timed=True) == 3  # two cores busy, one of them this run's
    assert _run.default_threads(200_000, 20, 2, timed=True) == 2
    assert _run.default_threads(1_000, 20, 1, timed=True) == 1


def test_a_command_budget_counts_from_its_process_start() -> None:
    """``studio train --timeout`` counts from the process's start (interpreter and imports
    included), read from /proc: a fresh process's start lies between its launch and now. A
    command run inside another process (a test's CliRunner, a script) counts from its call."""
    import subprocess
    import sys
    import time

    launched = time.time()
    out = subprocess.run([sys.executable, "-c", "from studio.cli._common import process_started; print(process_started())"],
                         capture_output=True, text=True, check=True).stdout
    assert launched - 0.05 <= float(out) <= time.time()
    from studio.cli._common import command_started

    before = time.time()
    assert before <= command_started() <= time.time()  # invoked inside this (pytest's) process: from now
