"""The demo world: ``studio demo`` builds a workspace that shows everything the studio does:
``build_demo`` makes its data, datasets and feature recipe (under a minute), and
``submit_demo_training`` queues the training of its model as a job the user can watch, after
which part 5 promotes it and blocks a worse challenger (``_registry``)."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from studio.datasets import Recipe
from studio.demo._features import RECIPE_NAME, build_features
from studio.demo._recipes import DEMO_RECIPES
from studio.demo._registry import DEMO_ACTOR, wait_for_demo_models
from studio.demo._training import MODEL_NAME, submit_demo_training
from studio.demo._world import restaurant_truth, write_demo_files

if TYPE_CHECKING:
    from studio.workspace import Workspace

DEMO_FOLDER = "demo_files"


def build_demo(workspace: "Workspace", progress: Callable[[float, str], None] | None = None) -> dict[str, Any]:
    """Generate the demo files, add them as sources, build the demo's datasets with its saved
    recipes, then prove and save its feature recipe and refresh that recipe's online table
    (idempotent: same content, same versions)."""
    report = progress or (lambda fraction, message: None)
    report(0.05, "generating the demo files")
    paths = write_demo_files(workspace.root / DEMO_FOLDER)
    store = workspace.sources
    added = []
    steps = [
        ("orders", lambda: store.add_file(paths["orders"], "orders")),
        ("restaurants_a", lambda: store.add_file(paths["restaurants_a"], "restaurants_a")),
        ("restaurants_b", lambda: store.add_database(f"sqlite:///{paths['restaurants_b']}", "restaurants_b", table="merchants")),
        ("couriers", lambda: store.add_file(paths["couriers"], "couriers")),
    ]
    for index, (name, add) in enumerate(steps):
        report(0.1 + 0.4 * index / len(steps), f"adding {name}")
        result = add()
        store.profile(name, result.table.version)
        added.append({**result.to_json(), "name": name})
    built = []
    for index, spec in enumerate(DEMO_RECIPES):
        recipe = Recipe.from_json(spec)
        report(0.5 + 0.35 * index / len(DEMO_RECIPES), f"building {recipe.output}")
        result = workspace.datasets.build(recipe, save=True)
        workspace.datasets.profile(recipe.output, result.dataset.version)
        built.append(result.to_json())
    report(0.86, f"proving the features of {RECIPE_NAME}")
    features = build_features(workspace, report)
    report(1.0, "demo ready")
    return {"workspace": str(workspace.root), "sources": added, "datasets": built, **features}


__all__ = [
    "DEMO_ACTOR",
    "DEMO_RECIPES",
    "MODEL_NAME",
    "build_demo",
    "restaurant_truth",
    "submit_demo_training",
    "wait_for_demo_models",
    "write_demo_files",
]
