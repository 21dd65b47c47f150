"""Job kinds of the training stage (run inside a worker process): a run, the resumption of a
stopped run, and batch prediction. A run's job id is its run id."""

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from studio.jobs import JobContext, JobKind

if TYPE_CHECKING:
    from studio.workspace import Workspace


@dataclass(frozen=True)
class TrainParams:
    table: str
    target: str
    version: int | None = None  # default: the newest version
    recipe: str | None = None  # a saved feature recipe's name; None with no recipe_spec: the default treatment by column kind
    recipe_version: int | None = None  # default: the newest version
    recipe_spec: dict[str, Any] | None = None  # a feature recipe's JSON (from a file)
    task: str = "auto"
    metric: str | None = None  # default: the task's
    trials: int | None = None
    seconds: float | None = None  # the whole run's wall-clock budget, from ``started``
    families: list[str] | None = None
    workers: int = 1
    seed: int = 0
    model: str | None = None  # default: <table>_<target>
    time_column: str | None = None
    group_column: str | None = None  # default: the recipe's, else cluster_id when the table has it
    started: float | None = None  # epoch seconds the budget counts from (the command's start); default: the job's
    storage: str | None = None  # the study's storage URL; default: a SQLite file in the run folder
    then: dict[str, Any] | None = None  # a job to queue once the model is stored: {"kind", "title", "params"} (see TrainingRuns.submit)


def train_job(context: JobContext, workspace: "Workspace", params: TrainParams) -> dict[str, Any]:
    """Train on a table version and store the model; the result is what `studio train` prints."""
    return workspace.runs.run(context, **asdict(params))


@dataclass(frozen=True)
class ResumeParams:
    run: int
    seconds: float | None = None  # default: the run's own budget, from now
    trials: int | None = None  # default: the run's own (in total)
    workers: int = 1
    started: float | None = None


def resume_job(context: JobContext, workspace: "Workspace", params: ResumeParams) -> dict[str, Any]:
    """Continue a stopped run, then refit and store its model as a run does."""
    return workspace.runs.resume(context, **asdict(params))


@dataclass(frozen=True)
class PredictParams:
    model: str  # NAME or NAME:VERSION
    source: str  # a file path or a lake table's name
    out: str  # .parquet or .csv
    overwrite: bool = False


def predict_job(context: JobContext, workspace: "Workspace", params: PredictParams) -> dict[str, Any]:
    """Score a file or a table with a model version into a file."""
    return workspace.runs.predict(params.model, params.source, params.out, overwrite=params.overwrite, context=context)


JOB_KINDS = (
    JobKind("training.run", TrainParams, train_job),
    JobKind("training.resume", ResumeParams, resume_job),
    JobKind("training.predict", PredictParams, predict_job),
)
