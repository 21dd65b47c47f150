"""Job functions of the datasets stage (run inside a worker process)."""

from typing import TYPE_CHECKING, Any

from studio.datasets._recipe import Recipe
from studio.jobs import JobContext

if TYPE_CHECKING:
    from studio.workspace import Workspace


def run_recipe_job(context: JobContext, workspace: "Workspace", recipe: dict[str, Any]) -> dict[str, Any]:
    """Build a recipe's dataset, then profile it so the Datasets page shows it at once."""
    result = workspace.datasets.build(Recipe.from_json(recipe), context=context)
    context.progress(0.98, "profiling")
    workspace.datasets.profile(result.dataset.name, result.dataset.version)
    return result.to_json()
