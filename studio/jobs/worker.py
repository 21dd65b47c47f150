"""Worker entry point: ``python -m studio.jobs.worker --workspace DIR JOB_ID`` claims one job
(when a job slot is free) and runs it in this process, beating every second."""

import argparse
import os
import sys
import threading
import traceback
from typing import Any

from studio.errors import StudioError
from studio.jobs._context import JobContext
from studio.jobs._runner import CANCELLED_EXIT_CODE, HEARTBEAT_INTERVAL_S
from studio.workspace import Workspace


def _heartbeat_loop(workspace: Workspace, job_id: int, done: threading.Event, context: JobContext) -> None:
    """Beat until the job ends; on a cancel request mark it cancelled, sweep its scratch files
    and end the process at once (a running DuckDB query cannot be interrupted politely) -
    unless the job is past its point of no return: then it finishes and says so."""
    store = workspace.jobs
    while not done.wait(HEARTBEAT_INTERVAL_S):
        try:
            cancel = store.heartbeat(job_id)
        except Exception:  # a busy DB must not kill the job; the next beat retries
            continue
        if not cancel:
            continue
        with context.cancel_lock:
            if context.saving_what is not None:
                store.refuse_cancel(job_id, f"too late to cancel: {context.saving_what}; finishing")
            elif store.mark_cancelled(job_id):
                store.log(job_id, "cancelled by request", "warning")
                workspace.lake.sweep_temp(pid=os.getpid())
                for cleanup in context.on_cancel:
                    cleanup()
                os._exit(CANCELLED_EXIT_CODE)


def run_job(workspace: Workspace, job_id: int) -> int:
    """Claim and run one job in this process. Returns the process exit code."""
    store = workspace.jobs
    if not store.wait_for_slot(job_id):
        return 0
    job = store.get(job_id)
    done = threading.Event()
    context = JobContext(store, job_id)
    threading.Thread(target=_heartbeat_loop, args=(workspace, job_id, done, context), daemon=True).start()
    try:
        kind = store.kinds()[job.kind]
        store.log(job_id, f"started {job.kind} in pid {os.getpid()}")
        result: dict[str, Any] = kind.run(context, workspace, kind.parse(job.params))
    except StudioError as exc:
        done.set()
        store.log(job_id, exc.message, "error")
        store.fail(job_id, exc.message)
        return 1
    except BaseException as exc:  # noqa: BLE001 - the job must end as failed whatever happened
        done.set()
        store.log(job_id, traceback.format_exc(), "error")
        store.fail(job_id, f"internal error: {type(exc).__name__}: {exc}".splitlines()[0])
        return 2
    finally:
        workspace.lake.sweep_temp(pid=os.getpid())
    done.set()
    store.log(job_id, "finished")
    store.succeed(job_id, result)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="studio-worker")
    parser.add_argument("--workspace", required=True)
    parser.add_argument("job_id", type=int)
    args = parser.parse_args(argv)
    return run_job(Workspace.open(args.workspace), args.job_id)


if __name__ == "__main__":
    sys.exit(main())
