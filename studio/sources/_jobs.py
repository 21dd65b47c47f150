"""Job functions of the sources stage (run inside a worker process)."""

import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio.jobs import JobContext
from studio.sources._readers import ReadOptions

if TYPE_CHECKING:
    from studio.workspace import Workspace


def add_file_job(
    context: JobContext, workspace: "Workspace", path: str, name: str, options: dict[str, Any], label: str, remove_after: bool = False
) -> dict[str, Any]:
    """Add a file, then profile it, so the Sources page can show the profile at once. An
    upload (``remove_after``) is removed however the job ends, a cancel included."""
    def remove_upload() -> None:
        if remove_after:
            shutil.rmtree(Path(path).parent, ignore_errors=True)

    context.on_cancel.append(remove_upload)
    try:
        result = workspace.sources.add_file(Path(path), name, ReadOptions(**options), context=context, label=label)
    finally:
        remove_upload()
    context.progress(0.98, "profiling")
    workspace.sources.profile(name, result.source.version)
    document = result.to_json()
    skipped = result.source.skipped_text()
    if skipped:
        document["warning"] = skipped
        context.log(skipped, "warning")
    return document


def add_database_job(
    context: JobContext, workspace: "Workspace", url: str, name: str, table: str | None = None, query: str | None = None
) -> dict[str, Any]:
    result = workspace.sources.add_database(url, name, table=table, query=query, context=context)
    context.progress(0.98, "profiling")
    workspace.sources.profile(name, result.source.version)
    return result.to_json()
