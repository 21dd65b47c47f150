"""``studio jobs``: list, show and cancel background jobs."""

import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from studio.cli._common import emit, json_option, workspace_option
from studio.workspace import Workspace

if TYPE_CHECKING:
    from studio.jobs import Job


@click.group()
def jobs() -> None:
    """List, show and cancel background jobs."""


def _job_line(job: "Job") -> str:
    return f"{job.id:>5}  {job.status:<10} {job.progress:4.0%}  {job.title[:60]:<60}  {job.detail()}"


@jobs.command("list")
@click.option("--status", type=click.Choice(["queued", "running", "succeeded", "failed", "cancelled"]))
@click.option("--limit", default=50, show_default=True)
@workspace_option
@json_option
def list_(status: str | None, limit: int, workspace_dir: Path | None, as_json: bool) -> None:
    """List jobs, newest first (dead workers are detected first)."""
    store = Workspace.open(workspace_dir).jobs
    store.reap()
    items = store.list(limit=limit, status=status)
    emit(as_json, [j.to_json() for j in items], "\n".join(_job_line(j) for j in items) or "no jobs")


@jobs.command("show")
@click.argument("job_id", type=int)
@workspace_option
@json_option
def show(job_id: int, workspace_dir: Path | None, as_json: bool) -> None:
    """Show one job with its log."""
    store = Workspace.open(workspace_dir).jobs
    store.reap()
    job = store.get(job_id)
    logs = store.logs(job_id)
    document = {**job.to_json(), "log": [{"at": line.at, "level": line.level, "message": line.message} for line in logs]}
    text = "\n".join([_job_line(job)] + [f"  {time.strftime('%H:%M:%S', time.localtime(l.at))} {l.level:<7} {l.message}" for l in logs])
    emit(as_json, document, text)


@jobs.command("cancel")
@click.argument("job_id", type=int)
@workspace_option
@json_option
def cancel(job_id: int, workspace_dir: Path | None, as_json: bool) -> None:
    """Cancel a queued or running job; says whether its worker stopped it or refused (a job
    storing its result finishes)."""
    job, answer = Workspace.open(workspace_dir).jobs.cancel_and_wait(job_id)
    emit(as_json, job.to_json(), f"job {job.id}: {answer}")


COMMANDS = (jobs,)
