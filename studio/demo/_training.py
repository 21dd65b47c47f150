"""The demo world, part 4: the delivery-time model, trained from the demo's feature recipe as a
run the user can watch. It runs as a job, so the app shows at once and the model a couple of
minutes later, with every trial of its run on the Train page. Once the model is stored, the run
queues part 5 (``_registry``)."""

from typing import TYPE_CHECKING

from studio.demo._features import RECIPE_NAME, TABLE, TARGET
from studio.demo._registry import then_promote

if TYPE_CHECKING:
    from studio.workspace import Workspace

MODEL_NAME = "delivery_time"
TRAINING_SECONDS = 120.0


def submit_demo_training(workspace: "Workspace", seconds: float | None = None) -> int | None:
    """Queue the demo's training run, which queues part 5 once its model is stored, and return
    its run id; None when the workspace has no demo feature recipe, when the demo model exists
    already, or when a run of it is queued or running (so asking twice trains once)."""
    if not any(recipe.name == RECIPE_NAME for recipe in workspace.features.list()):
        return None
    if any(model.name == MODEL_NAME for model in workspace.models.list()):
        return None
    if any(run.active and run.params.get("model") == MODEL_NAME for run in workspace.runs.list()):
        return None
    return workspace.runs.submit(TABLE, TARGET, recipe=RECIPE_NAME, seconds=seconds or TRAINING_SECONDS, model=MODEL_NAME,
                                then=then_promote(MODEL_NAME))
