"""Job kinds the job tests register through STUDIO_JOB_MODULES (real worker processes run them)."""

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from studio import StudioError
from studio.jobs import JobContext, JobKind


@dataclass(frozen=True)
class SleepParams:
    seconds: float = 60.0


@dataclass(frozen=True)
class SavingParams:
    seconds: float = 3.0


@dataclass(frozen=True)
class ScratchParams:
    scratch: str
    seconds: float = 60.0


@dataclass(frozen=True)
class NoParams:
    pass


def _sleep(context: JobContext, seconds: float) -> dict[str, Any]:
    steps = max(1, int(seconds / 0.1))
    for step in range(steps):
        context.progress(step / steps, f"slept {step * 0.1:.1f} s")
        time.sleep(0.1)
    return {"slept": seconds}


def sleep_job(context: JobContext, workspace: Any, params: SleepParams) -> dict[str, Any]:
    """Sleeps in small steps, reporting progress; cancelled or killed by the tests."""
    return _sleep(context, params.seconds)


def saving_job(context: JobContext, workspace: Any, params: SavingParams) -> dict[str, Any]:
    """Passes its point of no return at once, then takes its time 'saving'."""
    context.progress(0.1, "saving")
    context.point_of_no_return("the result being stored")
    context.progress(0.2, "past the point of no return")
    time.sleep(params.seconds)
    return {"saved": True}


def scratch_job(context: JobContext, workspace: Any, params: ScratchParams) -> dict[str, Any]:
    """Holds a scratch file that a cancel must remove (as an upload is)."""
    Path(params.scratch).write_text("upload")
    context.on_cancel.append(lambda: Path(params.scratch).unlink(missing_ok=True))
    return _sleep(context, params.seconds)


def failing_job(context: JobContext, workspace: Any, params: Any) -> dict[str, Any]:
    raise StudioError("the input was wrong; fix it")


def crashing_job(context: JobContext, workspace: Any, params: NoParams) -> dict[str, Any]:
    return {"value": 1 / 0}


JOB_KINDS = (
    JobKind("test.sleep", SleepParams, sleep_job),
    JobKind("test.scratch", ScratchParams, scratch_job),
    JobKind("test.saving", SavingParams, saving_job),
    JobKind("test.fail", NoParams, failing_job),
    JobKind("test.crash", NoParams, crashing_job),
)
