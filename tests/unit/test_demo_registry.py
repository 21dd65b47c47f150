"""The demo world, part 5, on a small training set shaped like the demo's (its table, target and
feature recipe names): once the demo model's v1 is stored, its run's ``then`` chains the jobs
that promote v1 to production, train the challenger (linear models on the order alone) as
v2, and try to promote v2, which the no-regression test blocks; both are in the audit log as
the demo's, and v2's blocked attempt is what the Models page shows."""

import numpy as np
import pandas as pd
import pytest

from studio import StudioError, Workspace
from studio.demo import DEMO_ACTOR, MODEL_NAME, wait_for_demo_models
from studio.demo._features import RECIPE_NAME, TABLE, TARGET
from studio.demo._registry import CHALLENGER_COLUMNS, challenger_recipe, then_promote
from studio.features import FeatureRecipe
from studio.jobs import JobContext
from studio.registry import PRODUCTION

RECIPE = {
    "target": TARGET, "time_column": "placed_at",
    "columns": {
        "placed_at": {"kind": "date"}, "restaurant_id": {"kind": "categorical"}, "distance_km": {"kind": "numeric"},
        "items": {"kind": "numeric"}, "subtotal": {"kind": "numeric"}, "weather": {"kind": "categorical"},
    },
}  # fmt: skip


def deliveries(rows: int = 2500, seed: int = 3) -> pd.DataFrame:
    """Orders whose delivery time is the kitchen's (by restaurant and items, slower at rush hour)
    plus the trip's (by distance, slower in rain), as the demo's generator makes them."""
    rng = np.random.default_rng(seed)
    prep = rng.uniform(8, 30, 40)
    restaurant = rng.integers(0, 40, rows)
    minute = np.sort(rng.integers(0, 30 * 24 * 60, rows))
    rush = np.isin(minute // 60 % 24, [12, 13, 18, 19, 20])
    distance = np.round(np.clip(rng.gamma(2.2, 1.4, rows), 0.3, 25), 2)
    items, rain = rng.integers(1, 8, rows), rng.random(rows) < 0.18
    minutes = prep[restaurant] * (1 + 0.06 * (items - 1)) * np.where(rush, 1.25, 1) + distance * 3 * np.where(rain, 1.2, 1)
    return pd.DataFrame({
        "placed_at": (pd.Timestamp("2026-01-01") + pd.to_timedelta(minute, unit="m")).strftime("%Y-%m-%d %H:%M:%S"),
        "restaurant_id": [f"R{r:03d}" for r in restaurant], "distance_km": distance, "items": items,
        "subtotal": np.round(items * rng.uniform(6, 16, rows), 2), "weather": np.where(rain, "rain", "clear"),
        TARGET: np.round(minutes + rng.uniform(2, 5, rows) + rng.normal(0, 2.5, rows), 1),
    })  # fmt: skip


@pytest.fixture
def demo_shaped(workspace: Workspace, tmp_path) -> Workspace:
    deliveries().to_csv(tmp_path / "deliveries.csv", index=False)
    workspace.sources.add_file(tmp_path / "deliveries.csv", TABLE)
    workspace.features.save(RECIPE_NAME, RECIPE, table=TABLE)
    return workspace


def test_part_5_promotes_v1_and_blocks_the_worse_v2_by_no_regression(demo_shaped):
    workspace = demo_shaped
    # v1 as the demo's run stores it (here in this process, with a small budget), queueing part 5.
    trained = workspace.runs.run(
        JobContext(), table=TABLE, target=TARGET, recipe=RECIPE_NAME, trials=2, families=["linear"], model=MODEL_NAME, then=then_promote(MODEL_NAME),
    )  # fmt: skip
    promoted, challenger, challenged = wait_for_demo_models(workspace, trained["then"], lambda fraction, message: None)

    assert (promoted["version"], promoted["promoted"], promoted["production"], promoted["failed"]) == (1, True, 1, [])
    assert (challenger["model"], challenger["version"], challenger["run"]) == (MODEL_NAME, 2, promoted["then"])
    assert challenger["holdout_score"] > trained["holdout_score"]  # RMSE: honestly worse
    assert challenged["version"] == 2 and not challenged["promoted"] and challenged["production"] == 1
    [failed] = challenged["failed"]
    # Compared on the same holdout rows, each version reading its own columns (v2 reads fewer).
    assert failed["name"] == "no_regression" and failed["value"] < failed["threshold"] == 0.0 and "on the same 500 rows" in failed["detail"]

    registry = workspace.registry
    assert registry.holder(MODEL_NAME, PRODUCTION) == 1 and [v.model.version for v in registry.versions(MODEL_NAME)] == [2, 1]
    v2 = workspace.models.get(MODEL_NAME, 2)
    assert v2.origin["dataset"]["version"] == 1 and set(challenger_recipe(FeatureRecipe.from_json(RECIPE)).used_columns()) == set(CHALLENGER_COLUMNS)
    assert v2.info["family"] == "linear" and v2.info["trials"] == 3
    audit = registry.audit(MODEL_NAME)
    assert [(e.action, e.version, e.actor) for e in audit] == [("blocked", 2, DEMO_ACTOR), ("promote", 1, DEMO_ACTOR)]
    assert audit[0].tests["failed"] == ["no_regression"]
    [blocked] = registry.blocked(MODEL_NAME)
    assert blocked.result.version == 2 and [row["name"] for row in blocked.failed] == ["no_regression"]
    assert workspace.reports.get(MODEL_NAME, 1) is not None and workspace.reports.get(MODEL_NAME, 2) is not None


def test_the_challenger_needs_the_order_columns_and_a_run_refuses_an_unknown_then(demo_shaped):
    recipe = FeatureRecipe.from_json({"target": TARGET, "columns": {"items": {"kind": "numeric"}}})
    with pytest.raises(StudioError, match="the demo's challenger needs the columns placed_at, subtotal, weather"):
        challenger_recipe(recipe)
    with pytest.raises(StudioError, match="then: unknown job kind 'nope'"):
        demo_shaped.runs.submit(TABLE, TARGET, trials=1, then={"kind": "nope", "title": "never"})
    with pytest.raises(StudioError, match="then: expected"):
        demo_shaped.runs.submit(TABLE, TARGET, trials=1, then={"kind": "demo.promote"})
