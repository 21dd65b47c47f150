"""Job kinds of the evaluation stage: a model version's evaluation report, computed on its
holdout rows in a worker process and stored (``workspace.reports``)."""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from studio.evaluation._stored import REPORT_JOB
from studio.jobs import JobContext, JobKind

if TYPE_CHECKING:
    from studio.workspace import Workspace


@dataclass(frozen=True)
class ReportParams:
    model: str
    version: int


def report_job(context: JobContext, workspace: "Workspace", params: ReportParams) -> dict[str, Any]:
    """Compute and store a version's report (at once if it was stored before); the result
    says what was evaluated, not the report itself (``workspace.reports.get`` reads it)."""
    report = workspace.reports.compute(params.model, params.version, context)
    return {
        "model": params.model, "version": params.version, "rows": report["rows"], "metric": report["metric"],
        "score": report["metrics"].get(report["metric"]), "seconds": report.get("seconds"),
    }  # fmt: skip


JOB_KINDS = (JobKind(REPORT_JOB, ReportParams, report_job),)
