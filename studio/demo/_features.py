"""The demo world, part 3: the feature recipe ``delivery_time`` for predicting
``delivery_minutes`` from ``delivery_training``, as a user makes it on the Features page.

It starts from the studio's suggestion for every column, takes ``placed_at`` as the moment
each prediction is made, adds the trip's hours (``distance_km / courier_speed_kmh``) and two
entity aggregates over ``orders_clean`` computed point in time: the restaurant's orders in
the 7 days before (a busy kitchen is a slow one) and the courier's mean delivery time over
the 30 days before, counting only deliveries finished by then (their time is
``delivered_at``). The proof then rejects what must not reach a model, among them the two
leaks the demo hides (``service_minutes``, the delivery time itself under an innocent name,
and ``delivered_at``, known only after the label time); they are saved as rejected, with the
proof, as version 1. Its online table (the aggregates' latest values per restaurant and
courier) is refreshed too, for serving."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from studio.features import FeatureRecipe, suggest_recipe, with_proof_rejects

if TYPE_CHECKING:
    from studio.workspace import Workspace

RECIPE_NAME = "delivery_time"
TABLE = "delivery_training"
TARGET = "delivery_minutes"
EXPRESSIONS = [{"name": "travel_hours", "expr": "distance_km / courier_speed_kmh"}]
AGGREGATES = [
    {"name": "restaurant_orders_7d", "table": "orders_clean", "entity": "restaurant_id", "time": "placed_at", "window": "7d", "function": "count"},
    {
        "name": "courier_mean_minutes_30d", "table": "orders_clean", "entity": "courier_id", "time": "delivered_at",
        "window": "30d", "function": "mean", "column": "delivery_minutes",
    },
]  # fmt: skip


def delivery_recipe(workspace: "Workspace") -> FeatureRecipe:
    """The suggested treatment of every column of the training set, with the demo's time
    column, expression and aggregates (before the proof)."""
    table = workspace.datasets.get(TABLE)
    suggested = suggest_recipe(table.columns, workspace.datasets.profile(TABLE, table.version), TARGET).to_json()
    return FeatureRecipe.from_json({**suggested, "time_column": "placed_at", "expressions": EXPRESSIONS, "aggregates": AGGREGATES})


def build_features(workspace: "Workspace", report: Callable[[float, str], None]) -> dict[str, Any]:
    """Prove and save ``delivery_time`` (unchanged when the same spec is saved already) and
    refresh its online table."""
    recipe = delivery_recipe(workspace)
    proof = workspace.features.prove(TABLE, TARGET, recipe=recipe)
    saved = workspace.features.save(RECIPE_NAME, with_proof_rejects(recipe, proof), table=TABLE, proof=proof)
    report(0.98, f"refreshing the online table of {RECIPE_NAME}")
    online = workspace.features.materialize(RECIPE_NAME)
    return {"features": [saved.to_json()], "online_tables": [online.to_json()]}
