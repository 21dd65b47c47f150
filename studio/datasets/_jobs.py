"""Job kinds of the datasets stage (run inside a worker process)."""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from studio.datasets._recipe import Recipe
from studio.jobs import JobContext, JobKind

if TYPE_CHECKING:
    from studio.workspace import Workspace


@dataclass(frozen=True)
class RecipeParams:
    recipe: dict[str, Any]  # the recipe's JSON spec


def run_recipe_job(context: JobContext, workspace: "Workspace", params: RecipeParams) -> dict[str, Any]:
    """Build a recipe's dataset, then profile it so the Datasets page shows it at once."""
    result = workspace.datasets.build(Recipe.from_json(params.recipe), context=context)
    context.progress(0.98, "profiling")
    workspace.datasets.profile(result.dataset.name, result.dataset.version)
    document = result.to_json()
    if result.warnings:
        document["warning"] = "; ".join(result.warnings)  # shown beside the job's "done"
    return document


def score_fuzzy_job(context: JobContext, workspace: "Workspace", params: RecipeParams) -> dict[str, Any]:
    """Train and score a recipe's fuzzy step once, for the review of its pairs."""
    return workspace.reviews.score(Recipe.from_json(params.recipe), context)


JOB_KINDS = (
    JobKind("consolidate.run", RecipeParams, run_recipe_job),
    JobKind("consolidate.score_fuzzy", RecipeParams, score_fuzzy_job),
)
