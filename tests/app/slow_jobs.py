"""A job kind the page tests put in place of a real one (through STUDIO_JOB_KINDS), to see a
job running: it reports progress for up to a minute, until it is cancelled."""

import time
from typing import Any


def slow_job(context: Any, workspace: Any, **params: Any) -> dict[str, Any]:
    for step in range(600):
        context.progress(step / 600, "working slowly")
        time.sleep(0.1)
    return {}
