"""The stores the contract suite runs against (tests/unit/test_store_contract.py), each as a
case: how to add a version with distinct content, and how to make something that depends on
an asset. A new store (feature recipes, models, deployments) adds one case here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from studio import Workspace
from studio.datasets import Recipe
from studio.versioned import Version, VersionedStore


def _frame(variant: int) -> pd.DataFrame:
    """Content that differs with ``variant`` (variant + 1 rows)."""
    return pd.DataFrame({"id": list(range(variant + 1)), "city": [f"city {i}" for i in range(variant + 1)]})


def _add_source(workspace: Workspace, name: str, variant: int) -> Version:
    path = workspace.root / f"{name}-{variant}.csv"
    _frame(variant).to_csv(path, index=False)
    return workspace.sources.add_file(path, name).table


def _add_dataset(workspace: Workspace, name: str, variant: int) -> Version:
    """A dataset built (by an unsaved recipe, so nothing else names it) over the source
    holding ``variant``'s content (shared by every dataset of that variant, so equal variants
    give equal content)."""
    source = f"input{variant}"
    _add_source(workspace, source, variant)
    recipe = Recipe.from_json({"name": f"build_{name}", "output": name, "inputs": [source]})
    return workspace.datasets.build(recipe).dataset


_ARTIFACTS: dict[int, bytes] = {}  # per variant, so that adding a variant again adds the same bytes


def _add_model(workspace: Workspace, name: str, variant: int) -> Version:
    """A model fitted on ``variant``'s rows, registered as the next version of ``name``."""
    if variant not in _ARTIFACTS:
        from sklearn.linear_model import LinearRegression

        frame = _frame(variant)
        model = LinearRegression().fit(frame[["id"]], frame["id"] * variant)
        _ARTIFACTS[variant] = workspace.models.serialize(model)
    version, _ = workspace.models.register(name, _ARTIFACTS[variant], {"task": "regression", "target": "id"}, {"kind": "test"})
    return version


def _recipe_reading(workspace: Workspace, name: str) -> Callable[[], None]:
    """Save a consolidation recipe that reads ``name``; returns what removes it again."""
    recipe = Recipe.from_json({"name": f"reads_{name}", "output": f"from_{name}", "inputs": [name]})
    workspace.datasets.save_recipe(recipe)
    return lambda: workspace.datasets.delete_recipe(recipe.name)


@dataclass(frozen=True)
class StoreCase:
    name: str
    store: Callable[[Workspace], VersionedStore]
    add: Callable[[Workspace, str, int], Version]
    depend: Callable[[Workspace, str], Callable[[], None]] | None  # None: nothing depends on its kind yet
    payload: Callable[[Workspace, Version], Path]
    exports: bool


CASES = {
    "sources": StoreCase("sources", lambda ws: ws.sources, _add_source, _recipe_reading, lambda ws, v: ws.lake.table_path(v.content_hash), True),
    "datasets": StoreCase("datasets", lambda ws: ws.datasets, _add_dataset, _recipe_reading, lambda ws, v: ws.lake.table_path(v.content_hash), True),
    "models": StoreCase("models", lambda ws: ws.models, _add_model, None, lambda ws, v: ws.models.artifact_path(v.content_hash), False),
}


def add_in_process(case: str, root: str, name: str, variant: int) -> tuple[int, str]:
    """Run in a separate process (multiprocessing, spawn): open the workspace and add."""
    version = CASES[case].add(Workspace.open(root), name, variant)
    return version.version, version.content_hash
