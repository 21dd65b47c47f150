"""Job kinds of the tables (run inside a worker process)."""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from studio.jobs import JobContext, JobKind

if TYPE_CHECKING:
    from studio.workspace import Workspace


@dataclass(frozen=True)
class ProfileParams:
    name: str
    version: int


def profile_job(context: JobContext, workspace: "Workspace", params: ProfileParams) -> dict[str, Any]:
    """Profile one version of a source or dataset."""
    profile = workspace.tables.profile(params.name, params.version, context=context)
    return {"name": params.name, "version": params.version, "rows": profile["rows"], "columns": len(profile["columns"])}


JOB_KINDS = (JobKind("table.profile", ProfileParams, profile_job),)
