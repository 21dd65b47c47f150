"""Job kinds of the features stage (run inside a worker process)."""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from studio.jobs import JobContext, JobKind

if TYPE_CHECKING:
    from studio.workspace import Workspace


@dataclass(frozen=True)
class ProveParams:
    table: str
    target: str
    version: int | None = None  # default: the newest version
    recipe: dict[str, Any] | None = None  # a feature recipe's JSON; None proves the columns as they are
    time_column: str | None = None
    group_column: str | None = None


def prove_job(context: JobContext, workspace: "Workspace", params: ProveParams) -> dict[str, Any]:
    """Prove the features of a table version; the proof is the job's result."""
    return workspace.features.prove(
        params.table, params.target, params.version, params.recipe, params.time_column, params.group_column, context=context
    )


@dataclass(frozen=True)
class MaterializeParams:
    recipe: str
    version: int | None = None  # default: the newest version
    as_of: str | None = None  # ISO date or time; default: just after the newest event


def materialize_job(context: JobContext, workspace: "Workspace", params: MaterializeParams) -> dict[str, Any]:
    """Refresh a recipe's online table (its aggregates' latest values per entity)."""
    return workspace.features.materialize(params.recipe, params.version, params.as_of, context=context).to_json()


JOB_KINDS = (
    JobKind("features.prove", ProveParams, prove_job),
    JobKind("features.materialize", MaterializeParams, materialize_job),
)
