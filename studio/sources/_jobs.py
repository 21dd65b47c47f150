"""Job kinds of the sources stage (run inside a worker process)."""

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio.jobs import JobContext, JobKind
from studio.sources._readers import ReadOptions

if TYPE_CHECKING:
    from studio.workspace import Workspace


@dataclass(frozen=True)
class AddFileParams:
    path: str
    name: str
    options: dict[str, Any]
    label: str
    remove_after: bool = False  # an upload: remove its folder however the job ends


@dataclass(frozen=True)
class AddDatabaseParams:
    url: str
    name: str
    table: str | None = None
    query: str | None = None


def add_file_job(context: JobContext, workspace: "Workspace", params: AddFileParams) -> dict[str, Any]:
    """Add a file, then profile it, so the Sources page can show the profile at once. An
    upload (``remove_after``) is removed however the job ends, a cancel included."""
    def remove_upload() -> None:
        if params.remove_after:
            shutil.rmtree(Path(params.path).parent, ignore_errors=True)

    context.on_cancel.append(remove_upload)
    try:
        result = workspace.sources.add_file(Path(params.path), params.name, ReadOptions(**params.options), context=context, label=params.label)
    finally:
        remove_upload()
    context.progress(0.98, "profiling")
    workspace.sources.profile(params.name, result.table.version)
    document = result.to_json()
    skipped = result.table.skipped_text()
    if skipped:
        document["warning"] = skipped
        context.log(skipped, "warning")
    return document


def add_database_job(context: JobContext, workspace: "Workspace", params: AddDatabaseParams) -> dict[str, Any]:
    result = workspace.sources.add_database(params.url, params.name, table=params.table, query=params.query, context=context)
    context.progress(0.98, "profiling")
    workspace.sources.profile(params.name, result.table.version)
    return result.to_json()


JOB_KINDS = (
    JobKind("source.add_file", AddFileParams, add_file_job),
    JobKind("source.add_database", AddDatabaseParams, add_database_job),
)
