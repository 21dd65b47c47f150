"""Stored evaluation reports (``workspace.reports``): each model version's report, computed once
on its kept holdout rows (the ``evaluation.report`` job, or in process) and kept as one JSON
file under ``artifacts/reports/``.

The file is named by what the report was computed from: the artifact's sha256, the holdout
rows' sha256, the metric and the report format. So a report can never describe other bytes
than the version's, a new report format is computed afresh, and two versions with the same
artifact and rows share one file. It is written to a temp name and renamed into place: a
reader finds the whole report or none.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from studio.errors import StudioError
from studio.evaluation._report import REPORT_FORMAT, evaluation_report
from studio.jobs import JobContext
from studio.lake import write_text_atomic
from studio.models import ModelStore, ModelVersion

REPORT_JOB = "evaluation.report"


class EvaluationReports:
    """Read, compute and queue the evaluation reports of model versions."""

    def __init__(self, root: Path, models: ModelStore, submit_job: Callable[[str, Any, str], int]) -> None:
        self.root = root
        self.models = models
        self._submit_job = submit_job

    def path(self, version: ModelVersion) -> Path:
        """Where ``version``'s report is kept (it may not exist yet)."""
        holdout = str((version.info.get("holdout") or {}).get("content_hash", "none"))
        metric = str(version.info.get("metric") or "default")
        return self.root / f"{version.content_hash[:32]}_{holdout[:32]}_{metric}_f{REPORT_FORMAT}.json"

    def get(self, name: str, version: int | None = None) -> dict[str, Any] | None:
        """The stored report of a version (the newest when None); None when not computed yet."""
        path = self.path(self.models.get(name, version))
        if not path.exists():
            return None
        return json.loads(path.read_text(encoding="utf-8"))

    def submit(self, name: str, version: int | None = None) -> int:
        """Queue the ``evaluation.report`` job for a version; returns the job id. An unknown
        model or version is refused here, before any worker starts."""
        found = self.models.get(name, version)
        return self._submit_job(REPORT_JOB, {"model": found.name, "version": found.version}, f"evaluation report of {found.name} v{found.version}")

    def compute(self, name: str, version: int | None = None, context: JobContext | None = None) -> dict[str, Any]:
        """The version's report: the stored one, else computed on its holdout rows and stored.
        A version without holdout rows (or with a changed file) is one line saying so."""
        context = context or JobContext()
        found = self.models.get(name, version)
        stored = self.get(found.name, found.version)
        if stored is not None:
            context.progress(1.0, "the report was computed before")
            return stored
        if not found.task or not found.target:
            raise StudioError(f"model {found.name} v{found.version} records no task or target, so it cannot be evaluated; train it again")
        started = time.time()
        context.progress(0.05, "loading the model and its holdout rows")
        pipeline = self.models.load(found)
        holdout = self.models.holdout(found)
        context.progress(0.2, f"scoring {len(holdout):,} holdout rows, importance, partial dependence and slices")
        metric = found.info.get("metric")
        report = evaluation_report(pipeline, holdout, found.target, found.task, metric=metric if isinstance(metric, str) else None)
        report["model"], report["version"], report["seconds"] = found.name, found.version, round(time.time() - started, 3)
        context.point_of_no_return("the evaluation report")
        context.progress(0.95, "storing the report")
        self.root.mkdir(parents=True, exist_ok=True)
        write_text_atomic(self.path(found), json.dumps(report, default=str))
        context.progress(1.0, "done")
        return report
