"""``studio train``, ``predict``, ``runs``, ``models`` and ``worker`` as a user runs them: the
run is a job that the command waits for; --timeout bounds the whole command; a cancelled run
resumes, and its worker processes stop with it; a worker joins a running run; bad input is
one ``error:`` line with nothing submitted or written."""

import os
import signal
from pathlib import Path

import optuna
import pandas as pd
import pytest

from studio import Workspace
from studio.jobs import CANCELLED, FAILED, SUCCEEDED
from studio.training import open_storage
from studio.training._runs import study_ready
from tests.helpers.servers import fresh_database
from tests.unit.test_cli import assert_one_error_line, cli, cli_json
from tests.unit.test_jobs import wait_for, wait_until
from tests.unit.test_training_jobs import RESULT_KEYS, orders


@pytest.fixture
def shop(tmp_path):
    """A workspace with table ``orders`` (see ``orders``) and its CSV."""
    path = tmp_path / "orders.csv"
    orders().to_csv(path, index=False)
    ws = tmp_path / "ws"
    cli("init", "--workspace", ws)
    cli("sources", "add", path, "--name", "orders", "--workspace", ws)
    return ws, path


def test_train_then_predict_a_file(shop, tmp_path):
    ws, path = shop
    result = cli_json("train", "orders", "--target", "late", "--trials", "2", "--families", "linear", "--model", "late", "--workspace", ws)
    assert set(result) == RESULT_KEYS and (result["model"], result["version"], result["task"], result["trials"]) == ("late", 1, "binary", 2)
    text = cli("predict", "late", path, "--out", tmp_path / "p.csv", "--workspace", ws).stdout
    assert text.strip() == f"wrote 240 predictions of late v1 to {tmp_path / 'p.csv'}"
    out = pd.read_csv(tmp_path / "p.csv")
    assert list(out.columns) == ["prediction", "proba_late", "proba_on_time"] and len(out) == 240
    listed = cli("runs", "list", "--workspace", ws).stdout
    assert f"{result['run']:>5}  succeeded  late v1" in listed and "orders v1 -> late  roc_auc holdout" in listed
    orders().drop(columns=["city"]).to_csv(tmp_path / "no_city.csv", index=False)
    failed = cli("predict", "late", tmp_path / "no_city.csv", "--out", tmp_path / "q.parquet", "--workspace", ws, check=False)
    assert_one_error_line(failed, "no_city.csv (rows 1-240): input does not match the model's signature: column 'city' is missing")
    assert not (tmp_path / "q.parquet").exists() and not list(tmp_path.glob(".q.parquet*"))
    assert cli("models", "show", "late:1", "--workspace", ws).stdout.startswith("late                     v1   binary")


def test_bad_input_is_one_line_and_nothing_is_submitted_or_written(shop, tmp_path):
    ws, path = shop
    assert_one_error_line(cli("train", "orders", "--target", "nope", "--workspace", ws, check=False), "orders has no column 'nope' to predict")
    assert_one_error_line(cli("train", "orders", "--target", "late", "--families", "linear,magic", "--workspace", ws, check=False),
                          "unknown model family 'magic'")
    assert_one_error_line(cli("train", "orders", "--target", "late", "--recipe", tmp_path / "none.json", "--workspace", ws, check=False),
                          "none.json: no such file")
    assert Workspace.open(ws).jobs.list() == []
    assert_one_error_line(cli("predict", "nomodel", path, "--out", tmp_path / "p.csv", "--workspace", ws, check=False), "nomodel")
    assert not (tmp_path / "p.csv").exists()


def test_timeout_bounds_the_whole_command(shop):
    """--timeout counts from the command's start, through the worker's start, the search and
    the refit, to the stored model (the machine may be busy: the search gets what is left)."""
    ws, _path = shop
    result = cli_json("train", "orders", "--target", "minutes", "--timeout", "40", "--families", "linear,lightgbm", "--workspace", ws)
    assert result["trials"] >= 1 and result["task"] == "regression"
    assert result["seconds"] <= 40 + 2


@pytest.mark.parametrize("stop", ["cancel", "kill"])
def test_a_stopped_run_resumes_to_a_model(shop, stop):
    """Cancelled, or its worker killed with SIGKILL mid-search: no trial is left RUNNING and
    `studio runs resume` searches on and stores the model."""
    ws, _path = shop
    workspace = Workspace.open(ws)
    run = workspace.runs.submit("orders", "late", seconds=300, families=["linear"], model="resumed")
    wait_until(lambda: workspace.runs.show(run)["trials"].get("COMPLETE", 0) >= 2, timeout=120)
    if stop == "cancel":
        job, answer = workspace.jobs.cancel_and_wait(run, timeout_s=30)
        assert (job.status, answer) == (CANCELLED, "cancelled")
    else:
        os.kill(workspace.jobs.get(run).worker_pid, signal.SIGKILL)
        wait_until(lambda: not _alive(workspace.jobs.get(run).worker_pid), timeout=30)
    assert_one_error_line(cli("runs", "cancel", run, "--workspace", ws, check=False), "only queued or running jobs can be cancelled")
    done = sum(workspace.runs.show(run)["trials"].values())
    result = cli_json("runs", "resume", run, "--trials", done + 1, "--workspace", ws)
    assert (result["run"], result["model"], result["version"]) == (run, "resumed", 1)
    shown = cli_json("runs", "show", run, "--workspace", ws)
    first = {"cancel": "cancelled", "kill": "failed"}[stop]
    assert shown["status"] == "succeeded" and [j["status"] for j in shown["jobs"]] == [first, "succeeded"]
    assert "RUNNING" not in shown["trials"] and sum(shown["trials"].values()) == done + 1


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"


def test_cancelling_a_run_stops_its_worker_processes(shop):
    ws, _path = shop
    workspace = Workspace.open(ws)
    run = workspace.runs.submit("orders", "late", seconds=300, families=["linear"], workers=2, model="parallel")
    study = workspace.runs.run_dir(run)
    wait_until(lambda: workspace.runs.show(run)["trials"].get("COMPLETE", 0) >= 2, timeout=120)

    def worker_pids() -> set[int]:
        trials = optuna.load_study(study_name=f"run-{run}", storage=open_storage(f"sqlite:///{study / 'study.db'}")).trials
        return {t.user_attrs["worker"]["pid"] for t in trials if "worker" in t.user_attrs}

    # On a busy machine the first worker can finish two trials before the second one starts.
    wait_until(lambda: len(worker_pids()) == 2, timeout=120)
    pids = worker_pids()
    assert len(pids) == 2 and workspace.jobs.get(run).worker_pid not in pids
    job, answer = workspace.jobs.cancel_and_wait(run, timeout_s=30)
    assert (job.status, answer) == (CANCELLED, "cancelled")
    wait_until(lambda: not any(_alive(pid) for pid in pids), timeout=30)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_worker_joins_a_running_run(shop, backend, request):
    """`studio worker --run` searches beside the run's own worker: on the run folder's SQLite
    study, or (as a worker on another machine would, given --storage) on PostgreSQL."""
    ws, _path = shop
    workspace = Workspace.open(ws)
    storage = fresh_database(request.getfixturevalue("postgres_url"), f"join_{os.getpid()}") if backend == "postgresql" else None
    run = workspace.runs.submit("orders", "late", seconds=30, families=["linear", "lightgbm"], model="joined", storage=storage)
    assert workspace.runs.storage(run) == storage or backend == "sqlite"
    wait_until(lambda: study_ready(workspace.runs.storage(run), f"run-{run}"), timeout=120)
    joined = cli("worker", "--run", run, *(["--storage", storage] if storage else []), "--workspace", ws)
    assert f"run {run}: this worker is done" in joined.stderr
    job = wait_for(workspace, run, (SUCCEEDED, FAILED), timeout=120)
    assert job.status == SUCCEEDED, job.error
    trials = optuna.load_study(study_name=f"run-{run}", storage=open_storage(workspace.runs.storage(run))).trials
    assert {t.user_attrs["worker"]["pid"] for t in trials if "worker" in t.user_attrs} == {job.worker_pid, os.getpid()}
