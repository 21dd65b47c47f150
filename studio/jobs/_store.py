"""The jobs table: submit, claim, heartbeat, progress, logs, finish, cancel, reap.

Concurrency contract: every state change is one conditional UPDATE (``WHERE status = ...``),
so the app, the CLI and any number of workers may act on the same job at once and exactly one
of them wins each transition. A job that is ``running`` is owned by the worker that claimed it;
others may only request its cancellation or, once its heartbeat is stale, mark it failed.
"""

from __future__ import annotations

import dataclasses
import os
import socket
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from studio import meta
from studio.errors import NotFound, StudioError
from studio.jobs._kinds import JobKind
from studio.meta import hide_password
from studio.settings import Settings

QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED = "queued", "running", "succeeded", "failed", "cancelled"
ACTIVE = (QUEUED, RUNNING)
CLAIM_LOCK_KEY = 7_240_611  # a PostgreSQL advisory lock: one job claim at a time
FINISHED = (SUCCEEDED, FAILED, CANCELLED)
CANCEL_ANSWER_WAIT_S = 5.0  # a few worker heartbeats (the runner beats once a second)


@dataclass(frozen=True)
class Job:
    id: int
    kind: str
    title: str
    params: dict[str, Any]
    status: str
    progress: float
    message: str
    created_at: float
    started_at: float | None
    finished_at: float | None
    heartbeat_at: float | None
    worker_host: str | None
    worker_pid: int | None
    cancel_requested: bool
    result: dict[str, Any] | None
    error: str | None

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    @property
    def duration_s(self) -> float | None:
        if self.started_at is None:
            return None
        return (self.finished_at or time.time()) - self.started_at

    def detail(self) -> str:
        """What to say after the title: the error, else the latest message. An error that
        starts by naming what the title names ("ragged.csv: line 3 ..." of "Add ragged.csv as
        ragged") drops that name, so a line of title and detail says it once."""
        if not self.error:
            return self.message
        subject, separator, rest = self.error.partition(": ")
        return rest if separator and subject in self.title.split() else self.error

    def to_json(self) -> dict[str, Any]:
        """Everything about the job, with passwords in URL parameters (a source's ``url``, a
        training run's ``storage``) hidden."""
        document = {name: getattr(self, name) for name in self.__dataclass_fields__}
        document["params"] = {k: hide_password(v) if k in ("url", "storage") and isinstance(v, str) else v for k, v in self.params.items()}
        return document


@dataclass(frozen=True)
class LogLine:
    at: float
    level: str
    message: str


def _placeholder(hint: Any) -> Any:
    """A value of the type ``hint`` names, standing in for a parameter filled in later."""
    return 0 if "int" in str(hint) else ""


def _pid_alive(pid: int) -> bool:
    """True when ``pid`` runs on this machine and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


class JobStore:
    """Jobs of one workspace, stored in its metadata DB. It needs the DB, the settings, the job
    kinds, a way to start a worker for a job and a sweep for what dead workers left."""

    def __init__(
        self,
        engine: sa.Engine,
        settings: Callable[[], Settings],
        kinds: Callable[[], dict[str, JobKind]],
        launch: Callable[[int], object],
        sweep: Callable[[Iterable[int]], int],
    ) -> None:
        self.engine = engine
        self._settings = settings
        self.kinds = kinds
        self._launch = launch
        self._sweep = sweep

    def submit(self, kind: str, params: Any, title: str, *, launch: bool = True) -> int:
        """Queue a job and start a worker process for it (unless ``launch`` is False).
        ``params`` (the kind's dataclass, or a dict of its fields) is checked against the kind."""
        known = self.kinds()
        if kind not in known:
            raise StudioError(f"unknown job kind {kind!r}")
        params = known[kind].as_json(params)
        with self.engine.begin() as connection:
            job_id = connection.execute(
                sa.insert(meta.jobs).values(
                    kind=kind,
                    title=title,
                    params=params,
                    status=QUEUED,
                    progress=0.0,
                    message="queued",
                    created_at=time.time(),
                    cancel_requested=False,
                )
            ).inserted_primary_key[0]
        if launch:
            self._launch(int(job_id))
        return int(job_id)

    def checked_then(self, then: Any, given: Sequence[str]) -> dict[str, Any] | None:
        """A follow-up job to queue when another job's work is done, ``{"kind", "title",
        "params"}``, checked now: its kind known and its params accepted once the parameters
        named ``given`` (which the finishing job fills in) are added. One line when not."""
        if then is None:
            return None
        if not isinstance(then, dict) or not isinstance(then.get("kind"), str) or not isinstance(then.get("title"), str):
            raise StudioError('then: expected {"kind": ..., "title": ..., "params": {...}}, the job to queue afterwards')
        known = self.kinds()
        if then["kind"] not in known:
            raise StudioError(f"then: unknown job kind {then['kind']!r}")
        params = dict(then.get("params") or {})
        kind = known[then["kind"]]
        fields = {f.name: f for f in dataclasses.fields(kind.params)}
        kind.parse({**params, **{name: _placeholder(fields[name].type) for name in given if name in fields}})
        return {"kind": then["kind"], "title": then["title"], "params": params}

    def submit_then(self, then: dict[str, Any], given: dict[str, Any]) -> int:
        """Queue a follow-up checked by ``checked_then`` with the ``given`` parameters filled in."""
        return self.submit(then["kind"], {**then["params"], **given}, then["title"])

    def get(self, job_id: int) -> Job:
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(meta.jobs).where(meta.jobs.c.id == job_id)).mappings().first()
        if row is None:
            raise NotFound(f"no job {job_id}; `studio jobs list` shows the jobs")
        return Job(**row)

    def list(self, limit: int = 200, status: str | None = None) -> list[Job]:
        query = sa.select(meta.jobs).order_by(meta.jobs.c.id.desc()).limit(limit)
        if status:
            query = query.where(meta.jobs.c.status == status)
        with self.engine.connect() as connection:
            return [Job(**row) for row in connection.execute(query).mappings()]

    def _update(self, job_id: int, only_if: tuple[str, ...], **values: Any) -> bool:
        with self.engine.begin() as connection:
            result = connection.execute(
                sa.update(meta.jobs)
                .where(meta.jobs.c.id == job_id, meta.jobs.c.status.in_(only_if))
                .values(**values)
            )
        return result.rowcount == 1

    def slot_limit(self) -> int:
        """How many jobs may run at once (setting max_running_jobs; 0: one per CPU core)."""
        return self._settings().max_running_jobs or os.cpu_count() or 1

    def claim(self, job_id: int) -> bool:
        """Take a queued job for this process when a job slot is free: fewer jobs running
        than the limit, and no older job's worker waiting (first come, first served). False
        when no slot is free, another worker has the job, or it ended."""
        now = time.time()
        jobs, other = meta.jobs, meta.jobs.alias("other")
        running = sa.select(sa.func.count()).select_from(other).where(other.c.status == RUNNING).scalar_subquery()
        older_waiting = sa.exists().where(
            other.c.status == QUEUED, other.c.id < job_id, other.c.heartbeat_at > now - self._settings().job_heartbeat_timeout_s
        )
        with self.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # Concurrent claims must see each other's counts (SQLite serializes writes).
                connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": CLAIM_LOCK_KEY})
            result = connection.execute(
                sa.update(jobs)
                .where(jobs.c.id == job_id, jobs.c.status == QUEUED, running < self.slot_limit(), ~older_waiting)
                .values(
                    status=RUNNING,
                    started_at=now,
                    heartbeat_at=now,
                    worker_host=socket.gethostname(),
                    worker_pid=os.getpid(),
                    message="started",
                )
            )
        return result.rowcount == 1

    def wait_for_slot(self, job_id: int, poll_s: float = 0.5) -> bool:
        """Claim the job as soon as a slot is free, beating meanwhile so the job is not taken
        for abandoned. False when it stopped being queued (cancelled, or reaped)."""
        last_reap = 0.0
        while not self.claim(job_id):
            if self.get(job_id).status != QUEUED:
                return False
            now = time.time()
            if now - last_reap > 5:  # a dead worker's job must not hold its slot
                self.reap()
                last_reap = now
            running = len(self.list(status=RUNNING))
            self._update(
                job_id,
                (QUEUED,),
                heartbeat_at=now,
                worker_host=socket.gethostname(),
                worker_pid=os.getpid(),
                message=f"waiting for a free job slot ({running} running, at most {self.slot_limit()})",
            )
            time.sleep(poll_s)
        return True

    def heartbeat(self, job_id: int) -> bool:
        """Record that the worker lives. Returns True when cancellation was requested."""
        self._update(job_id, (RUNNING,), heartbeat_at=time.time())
        with self.engine.connect() as connection:
            return bool(
                connection.execute(
                    sa.select(meta.jobs.c.cancel_requested).where(meta.jobs.c.id == job_id)
                ).scalar_one()
            )

    def set_progress(self, job_id: int, fraction: float, message: str) -> None:
        self._update(job_id, (RUNNING,), progress=max(0.0, min(1.0, fraction)), message=message)

    def log(self, job_id: int, message: str, level: str = "info") -> None:
        with self.engine.begin() as connection:
            connection.execute(
                sa.insert(meta.job_logs).values(job_id=job_id, at=time.time(), level=level, message=message)
            )

    def logs(self, job_id: int) -> list[LogLine]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(meta.job_logs.c.at, meta.job_logs.c.level, meta.job_logs.c.message)
                .where(meta.job_logs.c.job_id == job_id)
                .order_by(meta.job_logs.c.id)
            ).all()
        return [LogLine(*row) for row in rows]

    def succeed(self, job_id: int, result: dict[str, Any]) -> bool:
        return self._update(
            job_id, (RUNNING,), status=SUCCEEDED, result=result, progress=1.0, message="done", finished_at=time.time()
        )

    def fail(self, job_id: int, error: str, only_if: tuple[str, ...] = ACTIVE) -> bool:
        return self._update(job_id, only_if, status=FAILED, error=error, message="failed", finished_at=time.time())

    def refuse_cancel(self, job_id: int, message: str) -> None:
        """Withdraw a cancel request the job can no longer honour, saying why."""
        if self._update(job_id, (RUNNING,), cancel_requested=False, message=message):
            self.log(job_id, message, "warning")

    def mark_cancelled(self, job_id: int) -> bool:
        return self._update(job_id, ACTIVE, status=CANCELLED, message="cancelled", finished_at=time.time())

    def cancel(self, job_id: int) -> Job:
        """Cancel a job: a queued one at once, a running one by asking its worker to stop."""
        job = self.get(job_id)
        if not job.active:
            raise StudioError(f"job {job_id} already {job.status}; only queued or running jobs can be cancelled")
        if not self._update(job_id, (QUEUED,), status=CANCELLED, message="cancelled", finished_at=time.time()):
            self._update(job_id, (RUNNING,), cancel_requested=True, message="cancelling")
        return self.get(job_id)

    def cancel_and_wait(self, job_id: int, timeout_s: float | None = None, poll_s: float = 0.1) -> tuple[Job, str]:
        """Cancel a job and wait for its worker's answer (given at its next heartbeat). Returns
        the job as it is then and one line saying what happened: "cancelled"; the worker's
        reason for refusing (a job past its point of no return finishes: it withdraws the
        request and logs why, see ``refuse_cancel``); how the job ended before its worker saw
        the request; or, after ``timeout_s`` (default CANCEL_ANSWER_WAIT_S), that the request
        stands unanswered."""
        timeout_s = CANCEL_ANSWER_WAIT_S if timeout_s is None else timeout_s
        logged_before = len(self.logs(job_id))
        job = self.cancel(job_id)
        deadline = time.monotonic() + timeout_s
        while True:
            if job.status == CANCELLED:
                return job, "cancelled"
            if not job.cancel_requested:
                # Withdrawn: the reason is the first warning the worker logged since the request.
                reason = next((line.message for line in self.logs(job_id)[logged_before:] if line.level == "warning"), None)
                if reason is not None:
                    return job, reason
            if job.status in FINISHED:
                return job, f"{job.status} before its worker answered the cancel request"
            if time.monotonic() >= deadline:
                return job, "cancel requested; the worker has not answered yet" if job.cancel_requested else job.message
            time.sleep(poll_s)
            job = self.get(job_id)

    def reap(self, timeout_s: float | None = None) -> list[int]:
        """Mark failed the jobs whose worker is gone: a dead pid on this host, or a heartbeat
        (or, for a queued job, a start) older than ``timeout_s``."""
        timeout_s = timeout_s if timeout_s is not None else self._settings().job_heartbeat_timeout_s
        now = time.time()
        host = socket.gethostname()
        reaped: list[int] = []
        dead_pids: list[int] = []
        for job in self.list(limit=10_000, status=RUNNING):
            dead_here = job.worker_host == host and job.worker_pid is not None and not _pid_alive(job.worker_pid)
            stale = job.heartbeat_at is None or now - job.heartbeat_at > timeout_s
            if dead_here:
                dead_pids.append(job.worker_pid)
                reason = f"worker process {job.worker_pid} died without reporting (killed or crashed)"
            elif stale:
                reason = f"worker stopped responding: no heartbeat for {now - (job.heartbeat_at or now):.0f} s"
            else:
                continue
            if self.fail(job.id, reason, only_if=(RUNNING,)):
                reaped.append(job.id)
        for job in self.list(limit=10_000, status=QUEUED):
            # A worker waiting for a slot beats too; a job nobody beats for was never started.
            dead_here = job.worker_host == host and job.worker_pid is not None and not _pid_alive(job.worker_pid)
            if (dead_here or now - (job.heartbeat_at or job.created_at) > timeout_s) and self.fail(
                job.id, "no worker started this job; submit it again", only_if=(QUEUED,)
            ):
                reaped.append(job.id)
        self._sweep(dead_pids)
        return reaped
