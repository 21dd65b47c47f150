"""Job kinds the job tests register through STUDIO_JOB_KINDS (real worker processes run them)."""

import time
from pathlib import Path
from typing import Any

from studio import StudioError


def sleep_job(context: Any, workspace: Any, seconds: float = 60.0) -> dict[str, Any]:
    """Sleeps in small steps, reporting progress; cancelled or killed by the tests."""
    steps = max(1, int(seconds / 0.1))
    for step in range(steps):
        context.progress(step / steps, f"slept {step * 0.1:.1f} s")
        time.sleep(0.1)
    return {"slept": seconds}


def saving_job(context: Any, workspace: Any, seconds: float = 3.0) -> dict[str, Any]:
    """Passes its point of no return at once, then takes its time 'saving'."""
    context.progress(0.1, "saving")
    context.point_of_no_return("the result being stored")
    time.sleep(seconds)
    return {"saved": True}


def scratch_job(context: Any, workspace: Any, scratch: str, seconds: float = 60.0) -> dict[str, Any]:
    """Holds a scratch file that a cancel must remove (as an upload is)."""
    Path(scratch).write_text("upload")
    context.on_cancel.append(lambda: Path(scratch).unlink(missing_ok=True))
    return sleep_job(context, workspace, seconds)


def failing_job(context: Any, workspace: Any, **params: Any) -> dict[str, Any]:
    raise StudioError("the input was wrong; fix it")


def crashing_job(context: Any, workspace: Any) -> dict[str, Any]:
    return {"value": 1 / 0}


KINDS = "test.sleep=tests.helpers.job_kinds:sleep_job,test.scratch=tests.helpers.job_kinds:scratch_job,test.saving=tests.helpers.job_kinds:saving_job,test.fail=tests.helpers.job_kinds:failing_job,test.crash=tests.helpers.job_kinds:crashing_job"
