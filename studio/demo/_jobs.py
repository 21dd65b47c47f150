"""Job kinds of the demo world (run inside a worker process)."""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from studio.demo import build_demo
from studio.jobs import JobContext, JobKind

if TYPE_CHECKING:
    from studio.workspace import Workspace


@dataclass(frozen=True)
class DemoParams:
    """The demo takes no parameters."""


def build_demo_job(context: JobContext, workspace: "Workspace", params: DemoParams) -> dict[str, Any]:
    return build_demo(workspace, progress=context.progress)


JOB_KINDS = (JobKind("demo.build", DemoParams, build_demo_job),)
