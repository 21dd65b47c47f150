"""Job kinds of the demo world (run inside a worker process)."""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from studio.demo import build_demo, submit_demo_training
from studio.jobs import JobContext, JobKind

if TYPE_CHECKING:
    from studio.workspace import Workspace


@dataclass(frozen=True)
class DemoParams:
    """The demo takes no parameters."""


def build_demo_job(context: JobContext, workspace: "Workspace", params: DemoParams) -> dict[str, Any]:
    """Build the demo, then queue the training of its model (a job of its own, to watch)."""
    result = build_demo(workspace, progress=context.progress)
    return {**result, "training_run": submit_demo_training(workspace)}


JOB_KINDS = (JobKind("demo.build", DemoParams, build_demo_job),)
