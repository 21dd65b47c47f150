"""Feature recipes: validation with one line per problem naming its JSON path, canonical JSON
that round-trips, and a content hash."""

import json

import pytest

from studio.errors import StudioError
from studio.features import FeatureRecipe

FULL = {
    "target": "delivery_minutes",
    "time_column": "placed_at",
    "group_column": "cluster_id",
    "columns": {
        "distance_km": {"kind": "numeric", "steps": [{"op": "impute", "strategy": "median"}, {"op": "clip", "low": 0, "high": 50}, {"op": "log"}, {"op": "standardize"}]},
        "subtotal": {"kind": "numeric", "steps": [{"op": "impute", "strategy": "constant", "value": 0}, {"op": "bins", "n_bins": 5, "encode": "one_hot"}]},
        "weather": {"kind": "categorical", "steps": [{"op": "one_hot", "min_frequency": 20, "max_categories": 5}]},
        "size": {"kind": "categorical", "steps": [{"op": "impute", "strategy": "constant", "value": "M"}, {"op": "ordinal", "categories": ["S", "M", "L"]}]},
        "restaurant_id": {"kind": "categorical", "steps": [{"op": "target", "smooth": 5}]},
        "placed_at": {"kind": "date", "steps": [{"op": "date_parts", "parts": ["hour", "dayofweek"]}, {"op": "cyclic", "parts": ["hour"]}, {"op": "elapsed", "since": "opened_on", "unit": "days"}, {"op": "impute"}]},
        "note": {"kind": "text", "steps": [{"op": "text_stats"}, {"op": "impute", "strategy": "constant", "value": 0}]},
        "is_rush": {"kind": "boolean"},
        "order_id": {"kind": "identifier"},
        "tip": {"kind": "numeric", "drop": True},
    },
    "expressions": [{"name": "eta", "expr": "distance_km / courier_speed_kmh * 60"}, {"name": "late_eta", "expr": "eta > 45"}],
    "aggregates": [
        {"name": "restaurant_orders_7d", "table": "orders_clean", "entity": "restaurant_id", "time": "placed_at", "window": "7 days", "function": "count"},
        {"name": "courier_mean_30d", "table": "orders_clean", "entity": "courier_id", "time": "placed_at", "window": "30d", "function": "mean", "column": "delivery_minutes"},
    ],
    "rejected": ["leaky", "courier_mean_30d"],
    "seed": 7,
}


def test_full_recipe_round_trips_through_canonical_json():
    recipe = FeatureRecipe.from_json(FULL)
    data = recipe.to_json()
    assert FeatureRecipe.from_json(json.loads(json.dumps(data))) == recipe
    assert FeatureRecipe.from_json(data).to_json() == data
    assert list(data["columns"]) == sorted(FULL["columns"])
    assert data["aggregates"][0]["window"] == "7d"
    assert data["columns"]["is_rush"]["steps"] == [{"op": "impute", "strategy": "most_frequent", "indicator": True}]  # defaults written out
    assert data["columns"]["order_id"] == {"kind": "identifier", "drop": True, "steps": []}
    assert data["rejected"] == ["courier_mean_30d", "leaky"]


def test_spec_hash_names_the_content():
    recipe = FeatureRecipe.from_json(FULL)
    shuffled = dict(reversed(list(FULL.items())))
    shuffled["columns"] = dict(reversed(list(FULL["columns"].items())))
    assert FeatureRecipe.from_json(shuffled).spec_hash() == recipe.spec_hash()
    changed = json.loads(json.dumps(FULL))
    changed["columns"]["distance_km"]["steps"][1]["high"] = 60
    assert FeatureRecipe.from_json(changed).spec_hash() != recipe.spec_hash()
    assert len(recipe.spec_hash()) == 64


def test_what_the_pipeline_reads_and_leaves_out():
    recipe = FeatureRecipe.from_json(FULL)
    assert not recipe.is_used("tip") and not recipe.is_used("order_id") and not recipe.is_used("leaky")
    aggregates, expressions = recipe.computed()
    assert [a.name for a in aggregates] == ["restaurant_orders_7d"]  # the rejected one is not computed
    assert [d.name for d in expressions] == ["eta", "late_eta"]
    inputs = recipe.input_columns()
    assert {"restaurant_id", "opened_on", "courier_speed_kmh", "distance_km"} <= set(inputs)
    assert not {"tip", "order_id", "eta", "restaurant_orders_7d", "delivery_minutes"} & set(inputs)
    assert recipe.with_rejected(["eta"]).rejected == ("eta",)


def test_a_rejected_expression_still_computed_when_a_used_one_reads_it():
    recipe = FeatureRecipe.from_json({**FULL, "rejected": ["eta"]})
    _aggregates, expressions = recipe.computed()
    assert [d.name for d in expressions] == ["eta", "late_eta"]


def _with(path: list, value) -> dict:
    data = json.loads(json.dumps(FULL))
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_with(["columns", "distance_km", "steps", 1], {"op": "clip", "low": 5, "high": 1}), "recipe columns.distance_km.steps[1]: clip needs low < high"),
        (_with(["columns", "distance_km", "steps", 1], {"op": "clip"}), "recipe columns.distance_km.steps[1]: clip needs low, high or both"),
        (_with(["columns", "distance_km", "steps", 1], {"op": "impute"}), "recipe columns.distance_km.steps[1]: impute is given twice"),
        (_with(["columns", "distance_km", "steps"], [{"op": "log"}, {"op": "impute"}]), "recipe columns.distance_km.steps[1]: impute comes first"),
        (_with(["columns", "subtotal", "steps"], [{"op": "bins"}, {"op": "log"}]), "recipe columns.subtotal.steps[0]: bins comes last"),
        (_with(["columns", "subtotal", "steps", 1], {"op": "bins", "n_bins": 1}), "recipe columns.subtotal.steps[1]: n_bins is a whole number from 2 to 100"),
        (_with(["columns", "subtotal", "steps", 0], {"op": "impute", "strategy": "constant"}), 'recipe columns.subtotal.steps[0]: constant impute needs a numeric "value"'),
        (_with(["columns", "subtotal", "steps", 0], {"op": "impute", "strategy": "modal"}), "impute strategy 'modal' is not one of mean, median, most_frequent, constant"),
        (_with(["columns", "weather", "steps"], []), "recipe columns.weather.steps: a categorical column needs exactly one encoding"),
        (_with(["columns", "weather", "steps"], [{"op": "one_hot"}, {"op": "target"}]), "recipe columns.weather.steps: a categorical column needs exactly one encoding"),
        (_with(["columns", "weather", "steps"], [{"op": "standardize"}]), "recipe columns.weather.steps[0]: a categorical column cannot take 'standardize'"),
        (_with(["columns", "weather", "steps"], [{"op": "one_hot", "min_frequency": 2.5}]), "min_frequency is a share of rows (0 to 1) or a whole row count"),
        (_with(["columns", "weather", "steps"], [{"op": "one_hot", "colour": 1}]), "recipe columns.weather.steps[0]: unknown key 'colour' for one_hot"),
        (_with(["columns", "weather", "steps"], [{"op": "explode"}]), "recipe columns.weather.steps[0]: unknown step 'explode'"),
        (_with(["columns", "size", "steps", 1], {"op": "ordinal", "categories": ["S", "S"]}), "categories lists a value twice"),
        (_with(["columns", "restaurant_id", "steps", 0], {"op": "target", "smooth": -1}), 'smooth is "auto" or a number >= 0'),
        (_with(["columns", "placed_at", "steps"], [{"op": "impute"}]), "recipe columns.placed_at.steps: a date column needs date_parts, cyclic or elapsed"),
        (_with(["columns", "placed_at", "steps"], [{"op": "impute"}, {"op": "cyclic"}]), "recipe columns.placed_at.steps[1]: cyclic comes before the steps that treat its numbers"),
        (_with(["columns", "placed_at", "steps", 0], {"op": "date_parts", "parts": ["fortnight"]}), "unknown part 'fortnight'"),
        (_with(["columns", "placed_at", "steps", 2], {"op": "elapsed", "since": "placed_at"}), "elapsed needs another date column than the column itself"),
        (_with(["columns", "placed_at", "steps", 2], {"op": "elapsed", "since": "delivery_minutes"}), "elapsed cannot be measured from the target"),
        (_with(["columns", "note", "steps"], [{"op": "text_stats", "stats": []}]), "stats is a non-empty list of: length, tokens"),
        (_with(["columns", "order_id"], {"kind": "identifier", "drop": False}), "recipe columns.order_id: an identifier column is always dropped"),
        (_with(["columns", "order_id"], {"kind": "uuid"}), "recipe columns.order_id: kind 'uuid' is not one of numeric, categorical"),
        (_with(["columns", "delivery_minutes"], "numeric"), "recipe columns.delivery_minutes: 'delivery_minutes' is the target"),
        (_with(["expressions", 0, "expr"], "distance_km /"), "recipe expressions[0]: expression 'distance_km /': the expression ends too soon at position 13"),
        (_with(["expressions", 0, "name"], "distance_km"), "recipe expressions[0]: name 'distance_km' is already used by columns.distance_km"),
        (_with(["expressions"], [{"name": "a", "expr": "b + 1"}, {"name": "b", "expr": "1"}]), "recipe expressions[0]: uses 'b', which is defined at or after it"),
        (_with(["expressions"], [{"name": "a", "expr": "a + 1"}]), "recipe expressions[0]: uses 'a', which is defined at or after it"),
        (_with(["aggregates", 0, "window"], "7 parsecs"), "recipe aggregates[0].window: window '7 parsecs' is not like"),
        (_with(["aggregates", 0, "window"], "0d"), "recipe aggregates[0].window"),
        (_with(["aggregates", 1, "column"], None), 'recipe aggregates[1]: mean needs "column"'),
        (_with(["aggregates", 1, "function"], "median"), "recipe aggregates[1]: function 'median' is not one of count, sum, mean, min, max"),
        (_with(["aggregates", 1, "name"], "restaurant_orders_7d"), "recipe aggregates[1]: name 'restaurant_orders_7d' is already used by aggregates[0]"),
        (_with(["time_column"], "delivery_minutes"), "recipe time_column: 'delivery_minutes' is the target"),
        (_with(["seed"], -1), "recipe seed: seed is a whole number >= 0"),
        (_with(["format"], 2), "recipe format: this studio reads format 1, not 2"),
        (_with(["colums"], {}), "recipe: unknown key 'colums'; use format, target, columns"),
        (_with(["target"], ""), "recipe target: target is a non-empty string"),
        ([1, 2], "recipe: a feature recipe is a JSON object"),
    ],
)
def test_each_problem_is_one_line_naming_its_path(data, message):
    with pytest.raises(StudioError) as error:
        FeatureRecipe.from_json(data)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_short_forms():
    recipe = FeatureRecipe.from_json({"target": "y", "columns": {"a": "numeric", "b": {"kind": "categorical", "steps": ["target"]}}})
    assert recipe.columns["a"].to_json()["steps"][0] == {"op": "impute", "strategy": "median", "indicator": True}
    assert recipe.columns["b"].steps[0].op == "target"
    assert FeatureRecipe.from_json({"target": "y"}).columns == {}
