"""Job kinds of the demo world (run inside a worker process)."""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from studio.demo import build_demo, submit_demo_training
from studio.demo._registry import CHALLENGE_KIND, PROMOTE_KIND, challenge_demo_model, promote_demo_model
from studio.jobs import JobContext, JobKind

if TYPE_CHECKING:
    from studio.workspace import Workspace


@dataclass(frozen=True)
class DemoParams:
    """The demo takes no parameters."""


@dataclass(frozen=True)
class DemoModelParams:
    """The model version a demo training run stored (given by the run's ``then``)."""

    model: str
    version: int


def build_demo_job(context: JobContext, workspace: "Workspace", params: DemoParams) -> dict[str, Any]:
    """Build the demo, then queue the training of its model (a job of its own, to watch)."""
    result = build_demo(workspace, progress=context.progress)
    return {**result, "training_run": submit_demo_training(workspace)}


def promote_job(context: JobContext, workspace: "Workspace", params: DemoModelParams) -> dict[str, Any]:
    return promote_demo_model(workspace, params.model, params.version, context)


def challenge_job(context: JobContext, workspace: "Workspace", params: DemoModelParams) -> dict[str, Any]:
    return challenge_demo_model(workspace, params.model, params.version, context)


JOB_KINDS = (
    JobKind("demo.build", DemoParams, build_demo_job),
    JobKind(PROMOTE_KIND, DemoModelParams, promote_job),
    JobKind(CHALLENGE_KIND, DemoModelParams, challenge_job),
)
