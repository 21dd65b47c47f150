"""The ``evaluation.report`` job: a version's report computed once on its holdout rows in a
worker process, stored whole (a temp file renamed into place) and read back; an unknown
version is refused before any worker starts, and a version without holdout rows fails in one
line with nothing stored."""

import json

import pytest

from studio import StudioError
from studio.jobs import FAILED, SUCCEEDED, JobContext
from tests.helpers.registry_models import register
from tests.unit.test_jobs import wait_for


def test_the_job_computes_and_stores_the_report_once(workspace):
    register(workspace)
    reports = workspace.reports
    assert reports.get("churn", 1) is None
    job = wait_for(workspace, reports.submit("churn", 1), (SUCCEEDED, FAILED), timeout=120)
    assert job.status == SUCCEEDED, job.error
    assert job.kind == "evaluation.report" and job.title == "evaluation report of churn v1"
    assert set(job.result) == {"model", "version", "rows", "metric", "score", "seconds"} and job.result["rows"] == 600
    report = reports.get("churn", 1)
    assert (report["model"], report["version"], report["rows"], report["task"]) == ("churn", 1, 600, "binary")
    assert report["metrics"][report["metric"]] == job.result["score"] and report["roc"] and report["slices"]
    [stored] = list(reports.root.iterdir())  # one file, no temp file left
    assert stored == reports.path(workspace.models.get("churn", 1)) and json.loads(stored.read_text()) == report
    messages = []
    again = reports.compute("churn", 1, JobContext(on_progress=lambda fraction, message: messages.append(message)))
    assert again == report and messages == ["the report was computed before"]


def test_bad_versions_are_refused_in_one_line_and_store_nothing(workspace):
    register(workspace, holdout=False)
    with pytest.raises(StudioError, match="churn has no version 4"):
        workspace.reports.submit("churn", 4)
    assert workspace.jobs.list() == []
    job = wait_for(workspace, workspace.reports.submit("churn", 1), (SUCCEEDED, FAILED), timeout=120)
    assert job.status == FAILED and "has no holdout rows kept; train it again to evaluate it" in job.error
    assert workspace.reports.get("churn", 1) is None
    assert not workspace.reports.root.exists() or not list(workspace.reports.root.iterdir())
