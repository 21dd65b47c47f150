"""Where studies live: Optuna's RDBStorage, on a SQLite file in the run folder by default or on
PostgreSQL by URL (for workers on many machines).

Why RDB and not JournalStorage's file backend, measured by benchmarks/training_storage.py: 20
SIGKILLs per storage of a worker writing as fast as it can (a 256 KB attribute and an
intermediate value per step), each at a random 0.3-1.5 s, then the study reopened:

    storage     opened  left a trial RUNNING  recovered  resumed  worst first write after
    journal     20/20   12                    0 of 12    20/20    30.2 s (stale lock file)
    sqlite      20/20   7                     6 of 7     20/20    0.2 s
    postgresql  20/20   1                     1 of 1     20/20    0.1 s

("recovered": no trial RUNNING after Optuna's own heartbeat check, 3 s after the kill.) No
storage was corrupted. The journal has no heartbeat, so its killed trials stay RUNNING for good,
and a kill while the worker held the journal's lock file froze every writer for the lock's 30 s
grace period. RDBStorage rolls a torn write back and its heartbeat lets any process fail a dead
worker's trial after the grace period.

Stale-trial recovery here goes further than Optuna's: the heartbeat (any machine), and at once
for a worker on this machine: each trial records its worker's host, pid and process start
time, and a trial whose worker process is gone is failed without waiting. The one SQLite trial
the heartbeat missed belonged to a worker killed before the trial's first heartbeat, which the
heartbeat query never finds; such a trial also lacks the worker record and is failed once it
is older than the grace period.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import sqlite3
import time
import socket
import warnings
from pathlib import Path
from typing import Any

import optuna
import sqlalchemy
from optuna.trial import FrozenTrial, TrialState

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
    sqlite = url.startswith("sqlite:")
    engine_kwargs: dict[str, Any] = {"connect_args": {"timeout": 60}} if sqlite else {"pool_pre_ping": True}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        try:
            if sqlite:
                _write_ahead_log(url)
            storage = _rdb(url, engine_kwargs, heartbeat_seconds, grace_seconds)
        except Exception as error:  # noqa: BLE001 - SQLAlchemy's many connection errors
            raise StudioError(f"cannot open the study storage: {str(error).splitlines()[0]}; check the storage URL and that the database is up") from error
    if sqlite:
        sqlalchemy.event.listen(storage.engine, "connect", _relaxed_sync)
        storage.engine.dispose()  # connections made from now on get the setting
    return storage


def _rdb(url: str, engine_kwargs: dict[str, Any], heartbeat_seconds: int, grace_seconds: int) -> optuna.storages.RDBStorage:
    """Two processes opening a new database at once both try to create its tables; the one
    that loses sees them exist on its next try."""
    for _ in range(2):
        try:
            return optuna.storages.RDBStorage(url, engine_kwargs=engine_kwargs, heartbeat_interval=heartbeat_seconds,
                                              grace_period=grace_seconds)
        except sqlalchemy.exc.OperationalError as error:
            if "already exists" not in str(error):
                raise
            time.sleep(0.2)
    return optuna.storages.RDBStorage(url, engine_kwargs=engine_kwargs, heartbeat_interval=heartbeat_seconds,
                                      grace_period=grace_seconds)


def _write_ahead_log(url: str) -> None:
    """WAL journal mode (kept in the file): readers never block the writer, and a commit
    appends to the log instead of rewriting pages."""
    path = url.split(":///", 1)[1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        with contextlib.closing(sqlite3.connect(path, timeout=60)) as connection:
            connection.execute("PRAGMA journal_mode=WAL")


def _relaxed_sync(connection: Any, _record: Any) -> None:
    """synchronous=NORMAL: in WAL mode a killed process loses no committed transaction (the
    kernel has the log); only a power cut may lose the last commits, and never corrupts the
    file. It saves an fsync per commit, a large share of a short trial's time."""
    connection.execute("PRAGMA synchronous=NORMAL")


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


def fail_abandoned_trials(study: optuna.Study) -> list[int]:
    """Fail the trials a stopped run left behind: queued ones, RUNNING ones of this process (a
    cancelled run's, as it exits), of workers already gone, and with no worker recorded yet
    (begun in the instant before the stop); return their numbers. A worker on another machine
    keeps its trial."""
    failed = recover_stale_trials(study) + fail_queued_trials(study)
    me = worker_identity()
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        identity = trial.user_attrs.get(WORKER)
        if identity is None or (identity.get("host"), identity.get("pid")) == (me["host"], me["pid"]):
            with contextlib.suppress(optuna.exceptions.UpdateFinishedTrialError):
                study._storage.set_trial_state_values(trial._trial_id, TrialState.FAIL)
                failed.append(trial.number)
    return sorted(failed)


def fail_queued_trials(study: optuna.Study) -> list[int]:
    """Fail the trials a stopped run queued (WAITING) but never began, and return their numbers:
    left queued, the next search would run them in place of those it queues itself and end
    with one of its own still queued."""
    failed = []
    for trial in study.get_trials(deepcopy=False, states=(TrialState.WAITING,)):
        with contextlib.suppress(optuna.exceptions.UpdateFinishedTrialError):
            study._storage.set_trial_state_values(trial._trial_id, TrialState.FAIL)
            failed.append(trial.number)
    return failed


def recover_stale_trials(study: optuna.Study, trials: list[FrozenTrial] | None = None) -> list[int]:
    """Fail every RUNNING trial whose worker is dead; return their numbers. Given ``trials``
    (the search loop's fresh list; Optuna's optimize runs the heartbeat check itself), only
    the local checks run, without another read of the storage."""
    failed: list[int] = []
    if trials is None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            before = {t.number for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))}
            optuna.storages.fail_stale_trials(study)
        trials = study.get_trials(deepcopy=False)
        failed = [t.number for t in trials if t.number in before and t.state == TrialState.FAIL]
    now = datetime.datetime.now()
    for trial in trials:
        if trial.state != TrialState.RUNNING:
            continue
        identity = trial.user_attrs.get(WORKER)
        # A worker records itself first thing in a trial; one killed before that (and before its
        # first heartbeat, which Optuna's check then never sees) left a trial without either.
        orphan = identity is None and trial.datetime_start is not None and (now - trial.datetime_start).total_seconds() > GRACE_SECONDS
        if orphan or (identity and _gone(identity)):
            try:
                study._storage.set_trial_state_values(trial._trial_id, TrialState.FAIL)
                failed.append(trial.number)
            except optuna.exceptions.UpdateFinishedTrialError:
                pass  # its worker finished it, or another process failed it first
    return sorted(failed)
