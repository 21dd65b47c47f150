"""``studio jobs``: list, show and cancel, and the worker's answer to a cancel."""

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable

import pytest
from click.testing import CliRunner

from studio import Workspace
from studio.cli import main
from studio.jobs import CANCELLED, RUNNING, SUCCEEDED, Job
from tests.unit.test_cli import assert_one_error_line, cli, cli_json


def running_job(workspace: Workspace, title: str = "nap") -> int:
    """A job claimed by this process, as a worker claims it (no heartbeat runs for it)."""
    job_id = workspace.jobs.submit("test.sleep", {"seconds": 30}, title=title, launch=False)
    assert workspace.jobs.claim(job_id)
    return job_id


def worker_answering(workspace: Workspace, job_id: int, answer: Callable[[], object]) -> threading.Thread:
    """Plays the worker's side of a cancel in a thread: beats until a cancel is requested, then
    answers as the runner's heartbeat loop does."""

    def beat() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not workspace.jobs.heartbeat(job_id):
            time.sleep(0.02)
        answer()

    thread = threading.Thread(target=beat, daemon=True)
    thread.start()
    return thread


def test_a_worker_that_stops_answers_cancelled(workspace):
    job_id = running_job(workspace)
    worker = worker_answering(workspace, job_id, lambda: workspace.jobs.mark_cancelled(job_id))
    job, answer = workspace.jobs.cancel_and_wait(job_id, timeout_s=20)
    worker.join()
    assert (job.status, answer) == (CANCELLED, "cancelled")


def test_a_refusal_is_answered_with_the_workers_reason(workspace):
    job_id = running_job(workspace)
    workspace.jobs.log(job_id, "an earlier warning", "warning")  # logged before the request: not the answer
    reason = "too late to cancel: orders being stored; finishing"
    worker = worker_answering(workspace, job_id, lambda: workspace.jobs.refuse_cancel(job_id, reason))
    job, answer = workspace.jobs.cancel_and_wait(job_id, timeout_s=20)
    worker.join()
    assert answer == reason
    assert job.status == RUNNING and not job.cancel_requested


def test_a_job_that_ends_before_its_worker_answers_says_how_it_ended(workspace):
    job_id = running_job(workspace)
    worker = worker_answering(workspace, job_id, lambda: workspace.jobs.succeed(job_id, {}))
    job, answer = workspace.jobs.cancel_and_wait(job_id, timeout_s=20)
    worker.join()
    assert job.status == SUCCEEDED and answer == "succeeded before its worker answered the cancel request"


def test_no_answer_in_time_leaves_the_request_standing(workspace):
    job_id = running_job(workspace)
    job, answer = workspace.jobs.cancel_and_wait(job_id, timeout_s=0.3)
    assert answer == "cancel requested; the worker has not answered yet"
    assert job.status == RUNNING and job.cancel_requested


def test_cli_cancel_prints_the_answer(tmp_path, monkeypatch):
    ws = tmp_path / "ws"
    workspace = Workspace.init(ws)
    runner = CliRunner()
    queued = workspace.jobs.submit("test.sleep", {"seconds": 30}, title="never started", launch=False)
    assert runner.invoke(main, ["jobs", "cancel", str(queued), "--workspace", str(ws)]).stdout == f"job {queued}: cancelled\n"
    monkeypatch.setattr("studio.jobs._store.CANCEL_ANSWER_WAIT_S", 0.3)
    silent = running_job(workspace)
    assert runner.invoke(main, ["jobs", "cancel", str(silent), "--workspace", str(ws)]).stdout == (
        f"job {silent}: cancel requested; the worker has not answered yet\n"
    )


def test_cancel_past_the_point_of_no_return_says_the_worker_refused(tmp_path):
    """A real worker storing its result refuses; `jobs cancel` prints its reason, not "cancelling"."""
    workspace = Workspace.init(tmp_path / "ws")
    job_id = workspace.jobs.submit("test.saving", {"seconds": 30}, title="saving")
    try:
        deadline = time.monotonic() + 30
        while workspace.jobs.get(job_id).progress < 0.1 and time.monotonic() < deadline:
            time.sleep(0.05)
        result = CliRunner().invoke(main, ["jobs", "cancel", str(job_id), "--workspace", str(workspace.root)])
        assert result.stdout == f"job {job_id}: too late to cancel: the result being stored; finishing\n", result.stderr
        assert workspace.jobs.get(job_id).status == RUNNING
    finally:
        os.kill(workspace.jobs.get(job_id).worker_pid, signal.SIGKILL)


def test_job_lines_name_the_subject_once(tmp_path):
    ws = tmp_path / "ws"
    workspace = Workspace.init(ws)
    job_id = running_job(workspace, title="Add ragged.csv as ragged")
    workspace.jobs.fail(job_id, "ragged.csv: line 3 has 1 field (expected 2)")
    line = CliRunner().invoke(main, ["jobs", "list", "--workspace", str(ws)]).stdout.splitlines()[0]
    assert line.count("ragged.csv") == 1 and line.endswith("line 3 has 1 field (expected 2)"), line


@pytest.mark.parametrize(
    ("title", "error", "message", "detail"),
    [
        ("Add ragged.csv as ragged", "ragged.csv: line 3 has 1 field", "failed", "line 3 has 1 field"),
        ("Add ragged.csv as ragged", "ragged.csv: column x: not a number", "failed", "column x: not a number"),
        ("Build ids (recipe by_id)", "query failed: no such column", "failed", "query failed: no such column"),
        ("Add a.csv as a", "the input was wrong; fix it", "failed", "the input was wrong; fix it"),
        ("Add Data.csv as data", "a: is not it", "failed", "a: is not it"),
        ("Add ragged.csv as ragged", None, "reading ragged.csv", "reading ragged.csv"),
    ],
)
def test_job_detail_drops_only_a_subject_the_title_names(title, error, message, detail):
    job = Job(
        id=1, kind="source.add_file", title=title, params={}, status="failed" if error else RUNNING, progress=0.0, message=message,
        created_at=0.0, started_at=None, finished_at=None, heartbeat_at=None, worker_host=None, worker_pid=None,
        cancel_requested=False, result=None, error=error,
    )
    assert job.detail() == detail


def test_jobs_commands(tmp_path):
    ws = tmp_path / "ws"
    cli("init", "--workspace", ws)
    code = f"from studio import Workspace; print(Workspace.open({str(ws)!r}).jobs.submit('test.sleep', {{'seconds': 30}}, title='nap', launch=False))"
    job_id = int(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    listed = cli_json("jobs", "list", "--workspace", ws)
    assert listed[0]["id"] == job_id and listed[0]["status"] == "queued"
    cancelled = cli_json("jobs", "cancel", str(job_id), "--workspace", ws)
    assert cancelled["status"] == "cancelled"
    shown = cli_json("jobs", "show", str(job_id), "--workspace", ws)
    assert shown["status"] == "cancelled" and "log" in shown
    assert_one_error_line(cli("jobs", "cancel", str(job_id), "--workspace", ws, check=False), "already cancelled")


def test_a_wait_of_no_time_answers_with_the_job_as_the_request_left_it(workspace):
    """``timeout_s=0`` does not wait for the worker, even one that answers at once."""
    job_id = running_job(workspace)
    worker = worker_answering(workspace, job_id, lambda: workspace.jobs.mark_cancelled(job_id))
    job, answer = workspace.jobs.cancel_and_wait(job_id, timeout_s=0)
    assert (job.status, answer) == (RUNNING, "cancel requested; the worker has not answered yet")
    worker.join()
    assert workspace.jobs.get(job_id).status == CANCELLED


def test_the_refusal_is_the_answer_though_the_worker_has_moved_on(workspace):
    """The reason is the warning the worker logged, not its message of the moment."""
    job_id = running_job(workspace)
    reason = "too late to cancel: orders being stored; finishing"

    def refuse_and_carry_on():
        workspace.jobs.refuse_cancel(job_id, reason)
        workspace.jobs.set_progress(job_id, 0.5, "storing orders")

    worker = worker_answering(workspace, job_id, refuse_and_carry_on)
    job, answer = workspace.jobs.cancel_and_wait(job_id, timeout_s=3)
    worker.join()
    assert answer == reason
