"""Jobs run in real worker processes; these tests start them and watch the jobs table."""

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from studio import StudioError, Workspace
from studio.sources import ReadOptions
from studio.jobs import CANCELLED, FAILED, QUEUED, RUNNING, SUCCEEDED
from studio.jobs._store import _pid_alive


def wait_for(workspace, job_id, statuses, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        job = workspace.jobs.get(job_id)
        if job.status in statuses:
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} stayed {workspace.jobs.get(job_id).status}")


def wait_until(condition, timeout=60):
    deadline = time.time() + timeout
    while not condition():
        if time.time() > deadline:
            raise AssertionError("the condition did not hold in time")
        time.sleep(0.1)


def test_ingest_job_runs_in_its_own_process_and_profiles(workspace, files):
    job_id = workspace.sources.submit_add_file(files["csv"], "orders", ReadOptions(), label="data.csv")
    job = wait_for(workspace, job_id, ("succeeded", "failed"))
    assert job.status == SUCCEEDED, job.error
    assert job.worker_pid not in (None, os.getpid())
    assert job.result["rows"] == 100 and job.progress == 1.0
    assert workspace.sources.cached_profile("orders") is not None
    messages = [line.message for line in workspace.jobs.logs(job_id)]
    assert any("orders v1: 100 rows" in m for m in messages)


def test_failed_job_keeps_one_line_error_and_log(workspace, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"")
    job = wait_for(workspace, workspace.sources.submit_add_file(bad, "bad", ReadOptions(), label="bad.csv"), ("failed",))
    assert job.error == "bad.csv: the file is empty"
    assert workspace.sources.list() == []
    crash = wait_for(workspace, workspace.jobs.submit("test.crash", {}, title="crash"), ("failed",))
    assert crash.error == "internal error: ZeroDivisionError: division by zero"
    assert any("Traceback" in line.message for line in workspace.jobs.logs(crash.id))
    failing = wait_for(workspace, workspace.jobs.submit("test.fail", {}, title="fail"), ("failed",))
    assert failing.error == "the input was wrong; fix it"


def test_cancel_queued_and_running_jobs(workspace):
    queued = workspace.jobs.submit("test.sleep", {"seconds": 30}, title="never started", launch=False)
    assert workspace.jobs.cancel(queued).status == CANCELLED
    running = workspace.jobs.submit("test.sleep", {"seconds": 60}, title="long sleep")
    job = wait_for(workspace, running, (RUNNING,))
    deadline = time.time() + 10
    while workspace.jobs.get(running).progress == 0 and time.time() < deadline:
        time.sleep(0.1)
    assert workspace.jobs.cancel(running).cancel_requested
    job = wait_for(workspace, running, (CANCELLED,), timeout=15)
    assert job.finished_at is not None
    with pytest.raises(StudioError, match="already cancelled"):
        workspace.jobs.cancel(running)
    deadline = time.time() + 5
    while _pid_alive(job.worker_pid) and time.time() < deadline:
        time.sleep(0.1)
    assert not _pid_alive(job.worker_pid), "the cancelled worker process has ended"


def test_killed_worker_is_detected(workspace):
    job_id = workspace.jobs.submit("test.sleep", {"seconds": 60}, title="to be killed")
    job = wait_for(workspace, job_id, (RUNNING,))
    os.kill(job.worker_pid, signal.SIGKILL)
    deadline = time.time() + 10
    while time.time() < deadline and not workspace.jobs.reap():
        time.sleep(0.2)
    job = workspace.jobs.get(job_id)
    assert job.status == FAILED
    assert f"worker process {job.worker_pid} died" in job.error


def test_reaping_sweeps_what_dead_workers_left(workspace):
    """A killed worker's scratch files go when its job is reaped; other leftovers (uploads,
    unfinished review folders, old scratch) once they are a day old; fresh ones stay."""
    job_id = workspace.jobs.submit("test.sleep", {"seconds": 60}, title="to be killed")
    job = wait_for(workspace, job_id, (RUNNING,))
    workspace.lake.tmp_dir.mkdir(parents=True, exist_ok=True)
    orphan = workspace.lake.tmp_dir / f"{job.worker_pid}-half-written.parquet"
    orphan.write_bytes(b"partial")
    two_days_ago = time.time() - 2 * 24 * 3600
    old, fresh = workspace.uploads_dir / "old", workspace.uploads_dir / "fresh"
    staging, finished = workspace.root / "reviews" / ".unfinished", workspace.root / "reviews" / "finished"
    for folder in (old, fresh, staging, finished):
        folder.mkdir(parents=True)
        (folder / "data").write_text("x")
    for folder in (old, staging, finished):
        os.utime(folder, (two_days_ago, two_days_ago))
    os.kill(job.worker_pid, signal.SIGKILL)
    deadline = time.time() + 10
    while time.time() < deadline and not workspace.jobs.reap():
        time.sleep(0.2)
    assert workspace.jobs.get(job_id).status == FAILED
    assert not orphan.exists() and not old.exists() and not staging.exists()
    assert fresh.exists() and finished.exists()  # in use, or a finished review


def test_stale_heartbeat_from_another_machine_is_detected(workspace):
    import sqlalchemy as sa

    from studio import meta

    job_id = workspace.jobs.submit("test.sleep", {}, title="elsewhere", launch=False)
    with workspace.engine.begin() as connection:
        connection.execute(
            sa.update(meta.jobs).where(meta.jobs.c.id == job_id).values(
                status=RUNNING, worker_host="another-machine", worker_pid=1, heartbeat_at=time.time() - 120, started_at=time.time() - 130
            )
        )
    assert workspace.jobs.reap(timeout_s=30) == [job_id]
    assert "no heartbeat for 120 s" in workspace.jobs.get(job_id).error
    never = workspace.jobs.submit("test.sleep", {}, title="never claimed", launch=False)
    with workspace.engine.begin() as connection:
        connection.execute(sa.update(meta.jobs).where(meta.jobs.c.id == never).values(created_at=time.time() - 100))
    assert workspace.jobs.reap(timeout_s=30) == [never]
    assert workspace.jobs.get(never).status == FAILED


def test_job_outlives_the_process_that_submitted_it(workspace):
    """What an app restart looks like: the submitter exits, the worker carries on."""
    code = (
        "from studio import Workspace; import sys; "
        f"w = Workspace.open({str(workspace.root)!r}); "
        "print(w.jobs.submit('test.sleep', {'seconds': 1.5}, title='detached'))"
    )
    submitter = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env={**os.environ})
    job_id = int(submitter.stdout.strip())
    job = wait_for(Workspace.open(workspace.root), job_id, (SUCCEEDED, FAILED), timeout=30)
    assert job.status == SUCCEEDED and job.result == {"slept": 1.5}


def test_job_parameters_are_checked_against_the_kind(workspace):
    """Each kind declares its parameters as a dataclass: a wrong one is refused at submission,
    before any worker starts; the dataclass itself is accepted and stored as JSON."""
    from tests.helpers.job_kinds import SleepParams

    with pytest.raises(StudioError, match="job test.sleep: unknown parameter 'secs'; it takes seconds"):
        workspace.jobs.submit("test.sleep", {"secs": 1}, title="x", launch=False)
    with pytest.raises(StudioError, match="job test.scratch: .*missing 1 required .*'scratch'"):
        workspace.jobs.submit("test.scratch", {}, title="x", launch=False)
    job_id = workspace.jobs.submit("test.sleep", SleepParams(seconds=2.5), title="x", launch=False)
    assert workspace.jobs.get(job_id).params == {"seconds": 2.5}
    assert workspace.jobs.list() and all(j.status == QUEUED for j in workspace.jobs.list())


def test_a_finished_job_stays_finished(workspace):
    """Every transition is conditional: a job that failed or was cancelled cannot be turned
    into a success later (a slow worker finishing after the reaper gave up on it)."""
    failed = workspace.jobs.submit("test.sleep", {}, title="reaped", launch=False)
    assert workspace.jobs.claim(failed) and workspace.jobs.fail(failed, "worker stopped responding")
    cancelled = workspace.jobs.submit("test.sleep", {}, title="cancelled", launch=False)
    workspace.jobs.cancel(cancelled)
    for job_id, status in ((failed, FAILED), (cancelled, CANCELLED)):
        assert workspace.jobs.succeed(job_id, {"late": True}) is False
        assert workspace.jobs.mark_cancelled(job_id) is False
        assert (workspace.jobs.get(job_id).status, workspace.jobs.get(job_id).result) == (status, None)
    assert workspace.jobs.fail(cancelled, "too late") is False


def test_claim_is_exclusive_and_unknown_kinds_refused(workspace):
    job_id = workspace.jobs.submit("test.sleep", {}, title="x", launch=False)
    assert workspace.jobs.get(job_id).status == QUEUED
    assert workspace.jobs.claim(job_id) and not workspace.jobs.claim(job_id)
    with pytest.raises(StudioError, match="unknown job kind"):
        workspace.jobs.submit("nope", {}, title="x")


def test_jobs_beyond_the_slot_limit_wait_their_turn(workspace):
    """With one slot, later jobs wait in the queue (beating, so they are not reaped as
    abandoned), start in the order they were submitted, and a waiting job can be cancelled."""
    workspace.set_setting("max_running_jobs", 1)
    workspace.set_setting("job_heartbeat_timeout_s", 5)
    first = workspace.jobs.submit("test.sleep", {"seconds": 60}, title="first")
    wait_for(workspace, first, (RUNNING,))
    second = workspace.jobs.submit("test.sleep", {"seconds": 0.2}, title="second")
    time.sleep(0.5)
    third = workspace.jobs.submit("test.sleep", {"seconds": 0.2}, title="third")
    doomed = workspace.jobs.submit("test.sleep", {"seconds": 0.2}, title="cancelled while waiting")
    for job_id in (second, third, doomed):  # every worker has started and beats while it waits
        wait_until(lambda: workspace.jobs.get(job_id).message.startswith("waiting"), timeout=60)
    assert workspace.jobs.get(doomed).message == "waiting for a free job slot (1 running, at most 1)"
    assert workspace.jobs.cancel(doomed).status == CANCELLED
    # Once the heartbeat timeout has passed since the last submission, a job that merely
    # waits must still not be taken for abandoned.
    wait_until(lambda: time.time() > workspace.jobs.get(doomed).created_at + 6, timeout=30)
    assert workspace.jobs.reap() == []
    assert [workspace.jobs.get(j).status for j in (first, second, third)] == [RUNNING, QUEUED, QUEUED]
    workspace.jobs.cancel(first)
    jobs = [wait_for(workspace, j, (SUCCEEDED, FAILED, CANCELLED), timeout=60) for j in (first, second, third)]
    assert [j.status for j in jobs] == [CANCELLED, SUCCEEDED, SUCCEEDED]
    assert jobs[0].finished_at <= jobs[1].started_at and jobs[1].finished_at <= jobs[2].started_at
    assert workspace.jobs.get(doomed).status == CANCELLED


def test_a_cancel_after_the_point_of_no_return_is_refused_and_the_job_finishes(workspace):
    """Once a job is storing its result, a cancel would leave it half-stored or reported
    cancelled although it exists (a source registered, then cancelled while profiling)."""
    job_id = workspace.jobs.submit("test.saving", {"seconds": 3}, title="saving")
    deadline = time.time() + 20
    while workspace.jobs.get(job_id).progress < 0.2 and time.time() < deadline:
        time.sleep(0.05)
    workspace.jobs.cancel(job_id)
    job = wait_for(workspace, job_id, (SUCCEEDED, FAILED, CANCELLED), timeout=30)
    assert job.status == SUCCEEDED and job.result == {"saved": True}
    assert any("too late to cancel: the result being stored; finishing" in line.message for line in workspace.jobs.logs(job_id))


def test_a_cancelled_job_runs_its_cleanups(workspace, tmp_path):
    """What a job holds outside the lake (an upload) goes when it is cancelled, not a day later."""
    scratch = tmp_path / "upload.csv"
    job_id = workspace.jobs.submit("test.scratch", {"scratch": str(scratch)}, title="holds an upload")
    deadline = time.time() + 20
    while not scratch.exists() and time.time() < deadline:
        time.sleep(0.05)
    while workspace.jobs.get(job_id).progress == 0 and time.time() < deadline:
        time.sleep(0.05)
    workspace.jobs.cancel(job_id)
    assert wait_for(workspace, job_id, (CANCELLED,), timeout=15).status == CANCELLED
    assert not scratch.exists()


def test_job_parameters_hide_passwords(workspace):
    job_id = workspace.sources.submit_add_database("postgresql://ann:SuperSecret@127.0.0.1:1/db", "pg", "t", None)
    shown = workspace.jobs.get(job_id).to_json()
    assert "SuperSecret" not in json.dumps(shown) and "***" in shown["params"]["url"]


# ---------------------------------------------------------------- the store's transitions, in this process


def recording_store(workspace):
    """The workspace's job store with the worker launch and the sweep recorded, not run."""
    from studio.jobs import JobStore

    launched, swept = [], []
    store = JobStore(
        workspace.engine,
        settings=lambda: workspace.settings,
        kinds=workspace.job_kinds,
        launch=launched.append,
        sweep=lambda pids: swept.append(list(pids)) or 0,
    )
    return store, launched, swept


def set_row(workspace, job_id, **values):
    import sqlalchemy as sa

    from studio import meta

    with workspace.engine.begin() as connection:
        connection.execute(sa.update(meta.jobs).where(meta.jobs.c.id == job_id).values(**values))


def one_slot_taken(workspace):
    """A store with one job slot, taken by a claimed job, and a second job queued."""
    store, _, swept = recording_store(workspace)
    workspace.set_setting("max_running_jobs", 1)
    holder, waiting = (store.submit("test.sleep", {}, title=title, launch=False) for title in ("holder", "waiting"))
    assert store.claim(holder)
    return store, swept, holder, waiting


def ended_pid():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_submit_queues_the_job_and_launches_its_worker(workspace):
    store, launched, _ = recording_store(workspace)
    before = time.time()
    job_id = store.submit("test.sleep", {"seconds": 2}, title="nap")
    assert launched == [job_id]
    job = store.get(job_id)
    assert (job.kind, job.title, job.params, job.status, job.progress, job.message) == ("test.sleep", "nap", {"seconds": 2}, QUEUED, 0.0, "queued")
    assert before <= job.created_at <= time.time()
    assert (job.started_at, job.finished_at, job.heartbeat_at, job.worker_pid, job.cancel_requested, job.result, job.error) == (
        None, None, None, None, False, None, None,
    )
    assert job.active and job.duration_s is None
    store.submit("test.sleep", {}, title="later", launch=False)
    assert launched == [job_id]
    with pytest.raises(StudioError) as caught:
        store.get(job_id + 10)
    assert caught.value.message == f"no job {job_id + 10}; `studio jobs list` shows the jobs"


def test_list_is_newest_first_and_filters_by_status(workspace):
    store, _, _ = recording_store(workspace)
    ids = [store.submit("test.sleep", {}, title=f"job {n}", launch=False) for n in range(4)]
    store.claim(ids[1])
    assert [j.id for j in store.list()] == ids[::-1]
    assert [j.id for j in store.list(limit=2)] == ids[:1:-1]
    assert [j.id for j in store.list(status=QUEUED)] == [ids[3], ids[2], ids[0]]
    assert [j.id for j in store.list(status=RUNNING)] == [ids[1]]


def test_claim_records_the_worker_and_the_start(workspace):
    import socket

    store, _, _ = recording_store(workspace)
    job_id = store.submit("test.sleep", {}, title="x", launch=False)
    before = time.time()
    assert store.claim(job_id)
    job = store.get(job_id)
    assert (job.status, job.message, job.worker_host, job.worker_pid) == (RUNNING, "started", socket.gethostname(), os.getpid())
    assert before <= job.started_at == job.heartbeat_at <= time.time()
    assert job.active and job.duration_s >= 0
    assert store.succeed(job_id, {"n": 1})
    done = store.get(job_id)
    assert (done.status, done.result, done.progress, done.message) == (SUCCEEDED, {"n": 1}, 1.0, "done")
    assert not done.active and done.duration_s == done.finished_at - done.started_at
    assert not store.claim(job_id)


def test_claim_takes_a_free_slot_first_come_first_served(workspace):
    store, _, _ = recording_store(workspace)
    workspace.set_setting("max_running_jobs", 2)
    workspace.set_setting("job_heartbeat_timeout_s", 30)
    assert store.slot_limit() == 2
    first, second, third, fourth = (store.submit("test.sleep", {}, title=str(n), launch=False) for n in range(4))
    assert store.claim(first)
    set_row(workspace, second, heartbeat_at=time.time())  # its worker waits for a slot
    assert not store.claim(third), "an older job's worker is waiting"
    set_row(workspace, second, heartbeat_at=time.time() - 31)  # that worker is gone
    assert store.claim(third)
    assert not store.claim(fourth), "both slots are taken"
    store.fail(first, "gone")
    set_row(workspace, second, heartbeat_at=time.time())  # the second job's worker beats again
    assert not store.claim(fourth), "the second job is older and its worker waits"
    assert store.mark_cancelled(second)
    assert store.claim(fourth)
    workspace.set_setting("max_running_jobs", 0)
    assert store.slot_limit() == (os.cpu_count() or 1)


def test_without_a_setting_or_a_cpu_count_one_job_runs_at_a_time(workspace, monkeypatch):
    store, _, _ = recording_store(workspace)
    workspace.set_setting("max_running_jobs", 0)
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert store.slot_limit() == 1


def test_a_waiting_worker_beats_and_says_why_until_a_slot_frees(workspace):
    import socket
    import threading

    store, _, first, second = one_slot_taken(workspace)
    claimed = []
    waiter = threading.Thread(target=lambda: claimed.append(store.wait_for_slot(second, poll_s=0.02)), daemon=True)
    waiter.start()
    wait_until(lambda: store.get(second).heartbeat_at is not None)
    job = store.get(second)
    assert (job.status, job.message, job.worker_pid) == (QUEUED, "waiting for a free job slot (1 running, at most 1)", os.getpid())
    assert job.worker_host == socket.gethostname(), "so that the reaper sees when the waiting worker dies"
    store.succeed(first, {})
    waiter.join(30)
    assert claimed == [True] and store.get(second).status == RUNNING
    third = store.submit("test.sleep", {}, title="third", launch=False)
    waiter = threading.Thread(target=lambda: claimed.append(store.wait_for_slot(third, poll_s=0.02)), daemon=True)
    waiter.start()
    wait_until(lambda: store.get(third).heartbeat_at is not None)
    store.cancel(third)
    waiter.join(30)
    assert claimed == [True, False]


def test_heartbeat_progress_and_logs_of_a_running_job(workspace):
    store, _, _ = recording_store(workspace)
    job_id = store.submit("test.sleep", {}, title="x", launch=False)
    assert store.heartbeat(job_id) is False and store.get(job_id).heartbeat_at is None, "only a running job beats"
    store.set_progress(job_id, 0.5, "half")
    assert (store.get(job_id).progress, store.get(job_id).message) == (0.0, "queued")
    store.claim(job_id)
    set_row(workspace, job_id, heartbeat_at=1.0)
    assert store.heartbeat(job_id) is False and store.get(job_id).heartbeat_at > 1.0
    for fraction, kept in ((0.25, 0.25), (-1.0, 0.0), (7.0, 1.0)):
        store.set_progress(job_id, fraction, f"at {fraction}")
        assert (store.get(job_id).progress, store.get(job_id).message) == (kept, f"at {fraction}")
    store.log(job_id, "first")
    store.log(job_id, "second", "warning")
    lines = store.logs(job_id)
    assert [(line.level, line.message) for line in lines] == [("info", "first"), ("warning", "second")]
    assert lines[0].at <= lines[1].at
    assert store.cancel(job_id).cancel_requested and store.heartbeat(job_id) is True


def test_cancel_of_queued_running_and_finished_jobs(workspace):
    store, _, _ = recording_store(workspace)
    queued = store.submit("test.sleep", {}, title="q", launch=False)
    job = store.cancel(queued)
    assert (job.status, job.message, job.cancel_requested) == (CANCELLED, "cancelled", False) and job.finished_at is not None
    running = store.submit("test.sleep", {}, title="r", launch=False)
    store.claim(running)
    job = store.cancel(running)
    assert (job.status, job.message, job.cancel_requested, job.finished_at) == (RUNNING, "cancelling", True, None)
    store.refuse_cancel(running, "too late to cancel: storing")
    job = store.get(running)
    assert (job.status, job.message, job.cancel_requested) == (RUNNING, "too late to cancel: storing", False)
    assert [(line.level, line.message) for line in store.logs(running)] == [("warning", "too late to cancel: storing")]
    assert store.mark_cancelled(running) and store.get(running).status == CANCELLED
    assert store.get(running).finished_at >= store.get(running).started_at
    store.refuse_cancel(running, "not running any more")
    assert store.get(running).message == "cancelled" and len(store.logs(running)) == 1
    with pytest.raises(StudioError) as caught:
        store.cancel(running)
    assert caught.value.message == f"job {running} already cancelled; only queued or running jobs can be cancelled"
    failing = store.submit("test.sleep", {}, title="f", launch=False)
    assert store.fail(failing, "broken")
    job = store.get(failing)
    assert (job.status, job.error, job.message) == (FAILED, "broken", "failed") and job.finished_at is not None


def test_cancel_and_wait_returns_what_the_worker_left_when_it_gives_up(workspace):
    """A worker that withdraws the request without a warning: after the wait, its message."""
    import threading

    store, _, _ = recording_store(workspace)
    job_id = store.submit("test.sleep", {}, title="x", launch=False)
    store.claim(job_id)

    def withdraw():
        wait_until(lambda: store.get(job_id).cancel_requested)
        set_row(workspace, job_id, cancel_requested=False, message="busy")

    threading.Thread(target=withdraw, daemon=True).start()
    job, answer = store.cancel_and_wait(job_id, timeout_s=1.0, poll_s=0.02)
    assert (job.status, answer) == (RUNNING, "busy")
    queued = store.submit("test.sleep", {}, title="q", launch=False)
    assert store.cancel_and_wait(queued, timeout_s=0)[1] == "cancelled"


def test_reap_fails_running_jobs_whose_worker_is_gone(workspace):
    import socket

    store, _, swept = recording_store(workspace)
    workspace.set_setting("job_heartbeat_timeout_s", 30)
    workspace.set_setting("max_running_jobs", 4)
    now = time.time()
    dead, alive, stale, unbeaten = (store.submit("test.sleep", {}, title=str(n), launch=False) for n in range(4))
    for job_id in (dead, alive, stale, unbeaten):
        store.claim(job_id)
    pid = ended_pid()
    set_row(workspace, dead, worker_pid=pid, heartbeat_at=now)
    set_row(workspace, stale, worker_host="elsewhere", heartbeat_at=now - 40)
    set_row(workspace, unbeaten, worker_host="elsewhere", heartbeat_at=None)
    assert sorted(store.reap()) == sorted([dead, stale, unbeaten])
    assert store.get(dead).error == f"worker process {pid} died without reporting (killed or crashed)"
    assert store.get(stale).error.startswith("worker stopped responding: no heartbeat for 4")
    assert store.get(unbeaten).error == "worker stopped responding: no heartbeat for 0 s"
    assert store.get(alive).status == RUNNING and store.get(alive).worker_host == socket.gethostname()
    assert swept == [[pid]]
    assert store.reap(timeout_s=1000) == [] and swept[-1] == []
    set_row(workspace, alive, heartbeat_at=time.time() - 5)
    assert store.reap(timeout_s=1) == [alive]


def test_reap_fails_queued_jobs_no_worker_took(workspace):
    import socket

    store, _, _ = recording_store(workspace)
    workspace.set_setting("job_heartbeat_timeout_s", 30)
    fresh, waiting, abandoned, orphaned = (store.submit("test.sleep", {}, title=str(n), launch=False) for n in range(4))
    now = time.time()
    set_row(workspace, waiting, created_at=now - 100, heartbeat_at=now, worker_pid=os.getpid())
    set_row(workspace, abandoned, created_at=now - 100)
    set_row(workspace, orphaned, heartbeat_at=now, worker_pid=ended_pid(), worker_host=socket.gethostname())
    assert sorted(store.reap()) == sorted([abandoned, orphaned])
    assert store.get(abandoned).error == "no worker started this job; submit it again"
    assert [store.get(j).status for j in (fresh, waiting)] == [QUEUED, QUEUED]


def test_pid_alive_tells_running_ended_and_zombie_processes():
    assert _pid_alive(os.getpid())
    assert not _pid_alive(ended_pid())
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        wait_until(lambda: open(f"/proc/{child.pid}/stat").read().rsplit(")", 1)[1].split()[0] == "Z")
        assert not _pid_alive(child.pid), "a zombie is not alive"
    finally:
        child.wait()


def test_job_json_hides_only_a_url_parameters_password(workspace):
    store, _, _ = recording_store(workspace)
    job_id = store.submit("test.sleep", {}, title="x", launch=False)
    document = store.get(job_id).to_json()
    assert set(document) == {
        "id", "kind", "title", "params", "status", "progress", "message", "created_at", "started_at", "finished_at",
        "heartbeat_at", "worker_host", "worker_pid", "cancel_requested", "result", "error",
    }
    job = store.get(job_id)
    shown = dataclasses.replace(job, params={"url": "postgresql://ann:pw1@h/db", "note": "postgresql://ann:pw2@h/db", "n": 3}).to_json()
    assert shown["params"] == {"url": "postgresql://ann:***@h/db", "note": "postgresql://ann:pw2@h/db", "n": 3}


def test_a_waiting_worker_reaps_a_dead_worker_that_holds_the_slot(workspace):
    import socket

    store, swept, holder, waiting = one_slot_taken(workspace)
    pid = ended_pid()
    set_row(workspace, holder, worker_pid=pid, worker_host=socket.gethostname())
    assert store.wait_for_slot(waiting, poll_s=0.01)
    assert store.get(holder).status == FAILED and swept == [[pid]]
    assert store.get(waiting).status == RUNNING


def test_pid_alive_only_asks_and_reads_the_state_after_the_name(tmp_path):
    """It sends no signal (0 only asks), and a process whose name holds ') Z' is not taken for a
    zombie: the state is the first field after the last ')'."""
    code = (
        "import signal, sys\n"
        "signal.signal(signal.SIGHUP, lambda *a: print('hangup', flush=True))\n"
        "open('/proc/self/comm', 'w').write('x) Z y')\n"
        "print('ready', flush=True)\n"
        "sys.stdin.read()\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline() == "ready\n"
        assert _pid_alive(child.pid)
    finally:
        out, _ = child.communicate("")
    assert out == "", "no signal reached the process"


def test_pid_alive_when_the_answer_is_not_ours_to_know(monkeypatch):
    """A process of another user (the signal is refused) and a system without /proc count as
    alive: only a pid that is surely gone or a zombie counts as dead."""
    import studio.jobs._store as store_module

    def refused(pid, signal):
        raise PermissionError(1, "Operation not permitted")

    def no_proc(path, *args, **kwargs):
        raise FileNotFoundError(2, "No such file or directory", path)

    monkeypatch.setattr(store_module, "open", no_proc, raising=False)
    assert _pid_alive(os.getpid())
    monkeypatch.setattr(os, "kill", refused)
    assert _pid_alive(os.getpid())


def test_claims_on_postgresql_take_the_claim_lock_in_turn(tmp_path, request, monkeypatch):
    """PostgreSQL does not serialize writers as SQLite does: a claim first takes an advisory
    lock, so concurrent claims count each other's running jobs. While another session holds
    that lock, a claim waits for it."""
    import threading

    import sqlalchemy as sa

    from studio.jobs._store import CLAIM_LOCK_KEY
    from tests.helpers.servers import fresh_database

    monkeypatch.setenv("STUDIO_DB_URL", fresh_database(request.getfixturevalue("postgres_url"), f"claims_{tmp_path.name[-12:]}"))
    workspace = Workspace.init(tmp_path / "ws")
    store, _, _ = recording_store(workspace)
    workspace.set_setting("max_running_jobs", 1)
    first, second = (store.submit("test.sleep", {}, title=t, launch=False) for t in ("first", "second"))
    claimed = []
    with workspace.engine.connect() as holder:
        holder.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": CLAIM_LOCK_KEY})
        claimer = threading.Thread(target=lambda: claimed.append(store.claim(first)), daemon=True)
        claimer.start()
        claimer.join(1.0)
        assert claimer.is_alive() and claimed == [], "the claim waits for the lock"
        holder.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": CLAIM_LOCK_KEY})
        holder.commit()
    claimer.join(30)
    assert claimed == [True] and not store.claim(second)
    assert store.get(first).status == RUNNING and store.get(second).status == QUEUED


def test_list_shows_200_jobs_unless_told_but_the_reaper_sees_them_all(workspace):
    import sqlalchemy as sa

    from studio import meta

    store, _, _ = recording_store(workspace)
    old = time.time() - 1000
    row = dict(kind="test.sleep", title="old", params={}, status=QUEUED, progress=0.0, message="queued", created_at=old, cancel_requested=False)
    with workspace.engine.begin() as connection:
        connection.execute(sa.insert(meta.jobs), [row] * 230 + [{**row, "status": RUNNING, "heartbeat_at": old, "worker_host": "elsewhere"}] * 230)
    assert len(store.list()) == 200 and len(store.list(limit=500)) == 460
    assert len(store.reap(timeout_s=30)) == 460
    assert {job.status for job in store.list(limit=500)} == {FAILED}


def test_a_pid_of_another_machine_says_nothing_about_its_worker(workspace):
    store, _, swept = recording_store(workspace)
    workspace.set_setting("max_running_jobs", 4)
    queued, running = (store.submit("test.sleep", {}, title=t, launch=False) for t in ("queued", "running"))
    store.claim(running)
    pid = ended_pid()
    for job_id in (queued, running):
        set_row(workspace, job_id, worker_host="elsewhere", worker_pid=pid, heartbeat_at=time.time())
    assert store.reap(timeout_s=30) == [] and swept == [[]]
    assert [store.get(j).status for j in (queued, running)] == [QUEUED, RUNNING]


def test_the_reaper_leaves_a_job_that_was_claimed_after_it_looked(workspace, monkeypatch):
    """Between the reaper's listing and its update a worker may claim the job: the update is
    conditional on the job still being queued."""
    store, _, _ = recording_store(workspace)
    job_id = store.submit("test.sleep", {}, title="late", launch=False)
    set_row(workspace, job_id, created_at=time.time() - 100)
    queued_then = store.list(status=QUEUED)
    assert store.claim(job_id)
    monkeypatch.setattr(store, "list", lambda limit=200, status=None: queued_then if status == QUEUED else [])
    assert store.reap(timeout_s=30) == []
    assert store.get(job_id).status == RUNNING
