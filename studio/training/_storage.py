"""Where studies live: Optuna's RDBStorage, on a SQLite file in the run folder by default or on
PostgreSQL by URL (for workers on many machines).

Why RDB and not JournalStorage's file backend: measured by benchmarks/training_storage.py
(20 SIGKILLs of a worker writing as fast as it can, per storage). Both kept the study readable
after every kill, but the journal has no heartbeat, so a killed worker's trial stays RUNNING
for good, and a kill while the worker held the journal's lock file froze every other writer
for the lock's 30 s grace period. RDBStorage rolls a torn write back, and its heartbeat lets
any process fail a dead worker's trial after the grace period.

Stale-trial recovery, two ways: the heartbeat (any machine: a trial whose heartbeat is older
than the grace period is failed by ``fail_stale_trials``), and at once for a worker on this
machine: each trial records its worker's host, pid and process start time, and a trial whose
worker process is gone is failed without waiting.
"""

from __future__ import annotations

import os
import socket
import warnings
from pathlib import Path
from typing import Any

import optuna
from optuna.trial import TrialState

from studio.errors import StudioError

HEARTBEAT_SECONDS = 2
GRACE_SECONDS = 10
WORKER = "worker"


def default_storage_url(run_dir: Path) -> str:
    return f"sqlite:///{Path(run_dir).resolve() / 'study.db'}"


def open_storage(url: str, heartbeat_seconds: int = HEARTBEAT_SECONDS, grace_seconds: int = GRACE_SECONDS) -> optuna.storages.RDBStorage:
    """An RDBStorage with heartbeats; SQLite waits for a busy database instead of failing."""
    if not url.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:")):
        raise StudioError(f"storage URL {url.split(':')[0]!r} is not supported; use sqlite:///PATH or postgresql://...")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine_kwargs: dict[str, Any] = {"connect_args": {"timeout": 60}} if url.startswith("sqlite:") else {"pool_pre_ping": True}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        try:
            return optuna.storages.RDBStorage(url, engine_kwargs=engine_kwargs, heartbeat_interval=heartbeat_seconds,
                                              grace_period=grace_seconds)
        except Exception as error:  # noqa: BLE001 - SQLAlchemy's many connection errors
            raise StudioError(f"cannot open the study storage: {str(error).splitlines()[0]}; check the storage URL and that the database is up") from error


def quiet_optuna() -> None:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (tells a reused pid apart)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def worker_identity() -> dict[str, Any]:
    return {"host": socket.gethostname(), "pid": os.getpid(), "start": _start_time(os.getpid())}


def _gone(identity: dict[str, Any]) -> bool:
    if identity.get("host") != socket.gethostname():
        return False  # another machine: only its heartbeat can tell
    return _start_time(int(identity["pid"])) != identity.get("start")


def recover_stale_trials(study: optuna.Study) -> list[int]:
    """Fail every RUNNING trial whose worker is dead; return their numbers."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        before = {t.number for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))}
        optuna.storages.fail_stale_trials(study)
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        identity = trial.user_attrs.get(WORKER)
        if identity and _gone(identity):
            try:
                study._storage.set_trial_state_values(trial._trial_id, TrialState.FAIL)
            except optuna.exceptions.UpdateFinishedTrialError:
                pass  # its worker finished it, or another process failed it first
    states = {t.number: t.state for t in study.get_trials(deepcopy=False)}
    return sorted(number for number in before if states.get(number) == TrialState.FAIL)
