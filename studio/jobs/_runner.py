"""Start a worker process for a job (the worker itself is ``studio.jobs.worker``)."""

import os
import subprocess
import sys
from pathlib import Path

HEARTBEAT_INTERVAL_S = 1.0
CANCELLED_EXIT_CODE = 130


def launch_worker(root: Path, db_url: str, job_id: int) -> subprocess.Popen[bytes]:
    """Start ``python -m studio.jobs.worker`` for one job in its own session, so it outlives a
    Streamlit rerun or restart; its stdout/stderr go to ``logs/job-<id>.out``."""
    logs = root / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    with open(logs / f"job-{job_id}.out", "ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "studio.jobs.worker", "--workspace", str(root), str(job_id)],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, "STUDIO_DB_URL": db_url},
        )
