"""The demo world, part 5: validate and register. Once the demo's training run has stored
``delivery_time`` v1, the ``demo.promote`` job promotes it to production through the
registry's gated promotion (its test suite must pass) and computes its evaluation report. It
then queues a challenger's training run on the same table version: a quick run of linear
models that sees only the order itself (when it was placed, its items, subtotal and the
weather), not the restaurant, the courier or the trip, so it is honestly worse. When that run
has stored v2, the ``demo.challenge`` job computes v2's report and tries to promote it: the
no-regression test against production v1 blocks it, and the blocked attempt stays in the
audit log and on the Models page. Every step is a job chained by the run's ``then``, so no job
holds a slot while another trains, and all of it is done as ``studio demo``, the actor.

The challenger's run counts trials, not seconds, so a seed gives the same v2 every time."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from studio.errors import StudioError
from studio.features import FeatureRecipe
from studio.jobs import JobContext
from studio.registry import PRODUCTION, PromotionResult

if TYPE_CHECKING:
    from studio.workspace import Workspace

DEMO_ACTOR = "studio demo"
PROMOTE_KIND, CHALLENGE_KIND = "demo.promote", "demo.challenge"
CHALLENGER_COLUMNS = ("placed_at", "items", "subtotal", "weather")  # what the order alone says
CHALLENGER_FAMILIES = ["linear"]
CHALLENGER_TRIALS = 3
CHAMPION_NOTE = "The demo's model: tuned on every feature of the demo's feature recipe; promoted to production by the demo once its tests passed."
CHALLENGER_NOTE = (
    "The demo's challenger: a quick run of linear models that sees only the order itself ({columns}), not the restaurant, "
    "the courier or the trip. Its promotion is tried and blocked by the no-regression test against production."
)


def then_promote(model: str) -> dict[str, Any]:
    """The ``then`` of the demo's training run: part 5 begins once its model is stored."""
    return {"kind": PROMOTE_KIND, "title": f"Demo: test {model} and promote it to production", "params": {}}


def challenger_recipe(recipe: FeatureRecipe) -> FeatureRecipe:
    """``recipe`` reduced to what the order alone says: every other column dropped, no
    expression, no aggregate."""
    missing = [name for name in CHALLENGER_COLUMNS if name not in recipe.columns]
    if missing:
        raise StudioError(f"the demo's challenger needs the columns {', '.join(missing)}, which the recipe does not treat")
    columns = {name: dataclasses.replace(treatment, drop=name not in CHALLENGER_COLUMNS) for name, treatment in recipe.columns.items()}
    return dataclasses.replace(recipe, columns=columns, expressions=(), aggregates=(), rejected=())


def promote_demo_model(workspace: Workspace, model: str, version: int, context: JobContext) -> dict[str, Any]:
    """Promote the demo's model to production (refused in one line if its tests fail), compute
    its report, and queue the challenger's run; the result names that run as ``then``."""
    registry = workspace.registry
    context.progress(0.05, f"running the test suite of {model} v{version} and promoting it")
    result = registry.promote(model, version, PRODUCTION, actor=DEMO_ACTOR)
    if not result.promoted:
        raise StudioError(result.blocked_message())
    registry.describe(model, version, CHAMPION_NOTE)
    workspace.reports.compute(model, version, context)
    context.progress(1.0, "queueing the challenger's training run")
    trained = workspace.models.get(model, version)
    dataset, recipe = trained.origin["dataset"], workspace.features.get(trained.origin["feature_recipe"]["recipe"], trained.origin["feature_recipe"]["version"])
    run = workspace.runs.submit(
        dataset["table"], trained.target, version=dataset["version"], recipe_spec=challenger_recipe(recipe.recipe).to_json(),
        trials=CHALLENGER_TRIALS, families=CHALLENGER_FAMILIES, seed=int(trained.info.get("seed") or 0), model=model,
        then={"kind": CHALLENGE_KIND, "title": f"Demo: try to promote the challenger of {model}", "params": {}},
    )  # fmt: skip
    return _outcome(workspace, result, then=run)


def challenge_demo_model(workspace: Workspace, model: str, version: int, context: JobContext) -> dict[str, Any]:
    """Compute the challenger's report and try to promote it; what the gate said, with the
    failed tests' values and thresholds (it is meant to be blocked, and says so if not)."""
    registry = workspace.registry
    registry.describe(model, version, CHALLENGER_NOTE.format(columns=", ".join(CHALLENGER_COLUMNS)))
    workspace.reports.compute(model, version, context)
    context.progress(1.0, f"running the test suite of {model} v{version} against production and trying to promote it")
    return _outcome(workspace, registry.promote(model, version, PRODUCTION, actor=DEMO_ACTOR), then=None)


def _outcome(workspace: Workspace, result: PromotionResult, then: int | None) -> dict[str, Any]:
    """What a demo promotion job answers: the version, whether it was promoted, which version
    is production now, each failed test with its value and threshold, and the job queued next."""
    failed = [{key: row[key] for key in ("name", "value", "threshold", "detail")} for row in result.tests if not row["passed"]]
    return {
        "model": result.model, "version": result.version, "promoted": result.promoted,
        "production": workspace.registry.holder(result.model), "failed": failed, "then": then,
    }  # fmt: skip


def wait_for_demo_models(workspace: Workspace, run: int, report: Callable[[float, str], None]) -> list[dict[str, Any]]:
    """Wait for the demo's training run and every job chained after it (each result's ``then``),
    reporting their progress; their results in order, or the first failure as one line."""
    results, job = [], run
    while job is not None:
        results.append(workspace.runs.wait(job, report))
        job = results[-1].get("then")
    return results
