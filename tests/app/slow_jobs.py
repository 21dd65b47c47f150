"""Replaces the table.profile job kind with one that takes its time (STUDIO_JOB_MODULES), so
the page tests see a job running: it reports progress for up to a minute, until cancelled."""

import time
from typing import Any

from studio.jobs import JobContext, JobKind
from studio.tables._jobs import ProfileParams


def slow_job(context: JobContext, workspace: Any, params: ProfileParams) -> dict[str, Any]:
    for step in range(600):
        context.progress(step / 600, "working slowly")
        time.sleep(0.1)
    return {}


JOB_KINDS = (JobKind("table.profile", ProfileParams, slow_job),)
