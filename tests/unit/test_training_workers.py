"""Worker processes on one study: two at once, SIGKILL recovery, resume, PostgreSQL."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

from benchmarks._training_data import generated, stand_in_features
from studio.training import TrainingResult, default_storage_url, open_storage, resume, train
from studio.training._storage import WORKER

ROOT = Path(__file__).resolve().parents[2]


def trials_of(result: TrainingResult) -> list[optuna.trial.FrozenTrial]:
    return optuna.load_study(study_name=result.study_name, storage=open_storage(result.storage)).trials


def worker_pids(trials: list[optuna.trial.FrozenTrial]) -> set[int]:
    return {t.user_attrs[WORKER]["pid"] for t in trials if WORKER in t.user_attrs}


def test_two_workers_share_one_study(tmp_path: Path) -> None:
    X, y = generated("binary", 300, seed=1)
    result = train(X, y, stand_in_features, run_dir=tmp_path, trials=10, families=["linear", "lightgbm"], workers=2, seed=0)
    trials = trials_of(result)
    assert len(worker_pids(trials)) == 2 and os.getpid() not in worker_pids(trials)
    assert sum(t.state != TrialState.WAITING for t in trials) in (10, 11)  # each worker checks the budget before it starts one
    assert not [t for t in trials if t.state == TrialState.RUNNING]
    assert result.holdout_score > 0.5


def _kill_first_running_trial(storage: str, killed: list[int], stop: threading.Event) -> None:
    """SIGKILL the worker of the first trial caught between its first and its last fold."""
    study = None
    while not stop.is_set() and not killed:
        try:
            study = study or optuna.load_study(study_name="run", storage=open_storage(storage))
        except KeyError:
            time.sleep(0.05)
            continue
        for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
            pid = trial.user_attrs.get(WORKER, {}).get("pid")
            if pid and pid != os.getpid() and trial.intermediate_values:
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
                return
        time.sleep(0.02)


def test_a_killed_worker_fails_its_trial_and_the_run_goes_on(tmp_path: Path) -> None:
    X, y = generated("regression", 800, seed=2)
    storage = default_storage_url(tmp_path)
    killed: list[int] = []
    stop = threading.Event()
    killer = threading.Thread(target=_kill_first_running_trial, args=(storage, killed, stop))
    killer.start()
    try:
        result = train(X, y, stand_in_features, run_dir=tmp_path, trials=6, families=["random_forest"], workers=2, seed=0)
    finally:
        stop.set()
        killer.join()
    assert killed, "no trial was caught running"
    trials = trials_of(result)
    mine = [t for t in trials if t.user_attrs.get(WORKER, {}).get("pid") == killed[0]]
    assert [t.state for t in mine if t.state != TrialState.COMPLETE] == [TrialState.FAIL]
    assert not [t for t in trials if t.state == TrialState.RUNNING]
    assert result.trials >= 1 and result.holdout_score > 0


SCRIPT = """
import sys
from benchmarks._training_data import generated, stand_in_features
from studio.training import train
X, y = generated("regression", 1500, seed=3)
train(X, y, stand_in_features, run_dir=sys.argv[1], trials=40, families=["random_forest"], seed=0)
"""


def test_a_run_whose_process_was_killed_resumes(tmp_path: Path) -> None:
    process = subprocess.Popen([sys.executable, "-c", SCRIPT, str(tmp_path)], cwd=ROOT)
    storage = default_storage_url(tmp_path)
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            time.sleep(0.1)
            if not (tmp_path / "study.db").exists():
                continue
            try:
                study = optuna.load_study(study_name="run", storage=open_storage(storage))
            except KeyError:
                continue
            trials = study.get_trials(deepcopy=False)
            if any(t.state == TrialState.COMPLETE for t in trials) and any(
                    t.state == TrialState.RUNNING and t.intermediate_values for t in trials):
                break
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait()
    before = optuna.load_study(study_name="run", storage=open_storage(storage)).trials
    stuck = [t.number for t in before if t.state == TrialState.RUNNING]
    assert stuck
    result = resume(storage, "run", trials=len(before) + 2)
    after = {t.number: t for t in trials_of(result)}
    assert all(after[number].state == TrialState.FAIL for number in stuck)
    assert not [t for t in after.values() if t.state == TrialState.RUNNING]
    assert result.trials > sum(t.state == TrialState.COMPLETE for t in before)


def test_postgresql_with_two_workers(postgres_url: str, tmp_path: Path) -> None:
    X, y = generated("multiclass", 300, seed=4)
    name = f"pg-{os.getpid()}-{time.time_ns()}"
    result = train(X, y, stand_in_features, run_dir=tmp_path, trials=8, families=["linear", "lightgbm"], workers=2,
                   storage=postgres_url, study_name=name, seed=0)
    assert result.storage == postgres_url
    trials = trials_of(result)
    assert len(worker_pids(trials)) == 2
    assert not [t for t in trials if t.state == TrialState.RUNNING]
    assert result.holdout_score == pytest.approx(result.holdout_score) and result.holdout_score > 0
