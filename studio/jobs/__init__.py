"""Durable background jobs: a row in the metadata DB, run by a separate OS process."""

from studio.jobs._context import JobContext
from studio.jobs._kinds import JobKind, collect_job_kinds
from studio.jobs._runner import launch_worker
from studio.jobs._store import ACTIVE, CANCELLED, FAILED, FINISHED, QUEUED, RUNNING, SUCCEEDED, Job, JobStore, LogLine

__all__ = [
    "ACTIVE",
    "CANCELLED",
    "FAILED",
    "FINISHED",
    "QUEUED",
    "RUNNING",
    "SUCCEEDED",
    "Job",
    "JobContext",
    "JobKind",
    "JobStore",
    "LogLine",
    "collect_job_kinds",
    "launch_worker",
]
