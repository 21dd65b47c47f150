"""Feature recipes in the versioned store: saving validates (one line per problem) and records
the table version and proof; a recipe's aggregates block deleting and renaming their event
table; versions diff by structure; the online table is the aggregates as of one moment; apply
writes the fitted pipeline's output for every row, in row order."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from studio import NotFound, StudioError
from studio.features import FeatureRecipe, compile_pipeline, diff_lines, set_online_table, with_proof_rejects

AGGREGATE = {"name": "orders_3d", "table": "events", "entity": "shop", "time": "at", "window": "3d", "function": "count"}
MEAN = {"name": "mean_minutes_7d", "table": "events", "entity": "shop", "time": "at", "window": "7d", "function": "mean", "column": "minutes"}


def recipe_json(**changes) -> dict:
    spec = {
        "target": "minutes",
        "time_column": "at",
        "columns": {"distance": {"kind": "numeric"}, "weather": {"kind": "categorical"}, "shop": {"kind": "categorical"}},
        "expressions": [{"name": "double_distance", "expr": "distance * 2"}],
        "aggregates": [AGGREGATE],
    }
    return {**spec, **changes}


@pytest.fixture
def shops(workspace, tmp_path):
    """Events of five shops over 20 days (also the training rows: each order is a row)."""
    rng = np.random.default_rng(3)
    n = 400
    at = pd.Timestamp("2026-03-01") + pd.to_timedelta(np.sort(rng.integers(0, 20 * 24 * 60, n)), unit="m")
    frame = pd.DataFrame({
        "order": [f"o{i}" for i in range(n)],
        "shop": rng.choice(["a", "b", "c", "d", "e"], n),
        "at": at,
        "distance": np.round(rng.uniform(0.5, 8, n), 2),
        "weather": rng.choice(["rain", "clear"], n),
    })
    frame["minutes"] = np.round(10 + 3 * frame["distance"] + rng.normal(0, 6, n), 1)
    path = tmp_path / "events.csv"
    frame.to_csv(path, index=False)
    workspace.sources.add_file(path, "events")
    return workspace, frame


def test_save_records_the_table_version_and_the_proof(shops):
    workspace, _frame = shops
    store = workspace.features
    proof = store.prove("events", recipe=recipe_json())
    assert proof["table"] == "events" and proof["version"] == 1 and [e["table"] for e in proof["event_tables"]] == ["events"]
    by_name = {f["name"]: f for f in proof["features"]}
    assert by_name["orders_3d"]["source"] == "aggregate" and by_name["double_distance"]["source"] == "expression"
    saved = store.save("delivery", recipe_json(), table="events", proof=proof)
    version = saved.recipe
    assert (version.name, version.version, saved.unchanged) == ("delivery", 1, False)
    assert version.content_hash == FeatureRecipe.from_json(recipe_json()).spec_hash()
    assert version.origin == {"kind": "table", "table": "events", "table_id": workspace.sources.get("events").asset_id, "table_kind": "source", "version": 1}
    assert version.proof == proof and version.designed_on() == "events v1"
    assert sum(version.verdicts().values()) == len(proof["features"])
    again = store.save("delivery", recipe_json(), table="events")  # same spec: unchanged, the first proof stays
    assert again.unchanged and again.recipe == version
    assert store.save("delivery", recipe_json(seed=1)).recipe.version == 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"columns": {"nope": {"kind": "numeric"}}}, "recipe columns.nope: events has no column 'nope'; its columns: order, shop, at"),
        ({"target": "gone"}, "recipe target: events has no column 'gone'"),
        ({"expressions": [{"name": "x", "expr": "__import__('os')"}]}, "unknown function '__import__'"),
        ({"expressions": [{"name": "x", "expr": "distance.real"}]}, "recipe expressions[0]: expression 'distance.real': unexpected '.' at position 8"),
        ({"expressions": [{"name": "x", "expr": "weather * 2"}]}, "recipe expressions[0]: expression 'weather * 2': '*' needs numbers"),
        ({"expressions": [{"name": "x", "expr": "minutes + 1"}]}, "recipe expressions[0]: reads the target 'minutes'"),
        ({"aggregates": [{**AGGREGATE, "table": "orders"}]}, "recipe aggregates[0]: no table 'orders' to aggregate"),
        ({"aggregates": [{**AGGREGATE, "entity": "store"}]}, "recipe aggregates[0]: aggregate 'orders_3d': event table 'events' has no column 'store'"),
        ({"aggregates": [{**AGGREGATE, "function": "mean", "column": "weather"}]}, "must be a numeric or boolean column"),
        ({"time_column": None}, "recipe time_column: the aggregates need the time of each row"),
        ({"columns": {"distance": {"kind": "numeric", "steps": [{"op": "explode"}]}}}, "recipe columns.distance.steps[0]"),
    ],
)
def test_save_refuses_a_bad_recipe_with_one_line(shops, change, message):
    workspace, _frame = shops
    with pytest.raises(StudioError) as raised:
        workspace.features.save("delivery", recipe_json(**change), table="events")
    assert message in raised.value.message and "\n" not in raised.value.message
    with pytest.raises(NotFound):
        workspace.features.get("delivery")  # nothing saved


def test_save_refuses_long_names_and_a_proof_of_another_target(shops):
    workspace, _frame = shops
    with pytest.raises(StudioError, match="at most 56 characters"):
        workspace.features.save("x" * 57, recipe_json())
    with pytest.raises(StudioError, match="the proof is of target 'distance'"):
        workspace.features.save("delivery", recipe_json(), proof={"target": "distance", "features": []})


def test_aggregates_block_deleting_and_renaming_their_event_table(shops):
    workspace, _frame = shops
    workspace.features.save("delivery", recipe_json())
    workspace.features.save("delivery", recipe_json(aggregates=[]))  # the newest version reads no table; the first still does
    with pytest.raises(StudioError) as deleting:
        workspace.sources.delete("events")
    assert deleting.value.message == (
        "events is read by feature recipe delivery; deleting it would break it: point it at another table, "
        "or delete it first (`studio features delete NAME`, or the Features page)"
    )
    with pytest.raises(StudioError, match="events is named by feature recipe delivery; renaming it"):
        workspace.sources.rename("events", "orders")
    workspace.features.delete("delivery")
    assert workspace.sources.rename("events", "orders").name == "orders"


def test_diff_is_structured(shops):
    workspace, _frame = shops
    store = workspace.features
    store.save("delivery", recipe_json())
    changed = recipe_json(
        columns={"distance": {"kind": "numeric", "steps": [{"op": "log"}]}, "weather": {"kind": "categorical"}, "order": {"kind": "identifier"}},
        expressions=[{"name": "half_distance", "expr": "distance / 2"}],
        aggregates=[{**AGGREGATE, "window": "7d"}, MEAN],
        rejected=["weather"],
        seed=4,
    )
    store.save("delivery", changed)
    found = store.diff("delivery", 1, 2)
    assert (found["name"], found["old"], found["new"], found["same"]) == ("delivery", 1, 2, False)
    assert [c["name"] for c in found["columns"]["added"]] == ["order"]
    assert [c["name"] for c in found["columns"]["removed"]] == ["shop"]
    assert [c["name"] for c in found["columns"]["changed"]] == ["distance"]
    assert found["columns"]["changed"][0]["new"]["steps"] == [{"op": "log"}]
    assert [e["name"] for e in found["expressions"]["added"]] == ["half_distance"]
    assert [e["name"] for e in found["expressions"]["removed"]] == ["double_distance"]
    assert [a["name"] for a in found["aggregates"]["changed"]] == ["orders_3d"] and [a["name"] for a in found["aggregates"]["added"]] == ["mean_minutes_7d"]
    assert found["settings"] == [{"key": "seed", "old": 0, "new": 4}] and found["rejected"] == {"added": ["weather"], "removed": []}
    lines = diff_lines(found)
    assert "~ aggregate orders_3d: count of events by shop over 3d -> count of events by shop over 7d" in lines
    assert "+ aggregate mean_minutes_7d: mean(minutes) of events by shop over 7d" in lines
    assert "~ column distance: numeric: impute, standardize -> numeric: log" in lines
    assert store.diff("delivery", 2, 2)["same"] and diff_lines(store.diff("delivery", 1, 1)) == ["no changes"]


def test_proof_rejects_are_left_out_of_the_recipe(shops):
    workspace, _frame = shops
    spec = recipe_json(columns={**recipe_json()["columns"], "order": {"kind": "identifier"}, "copy": {"kind": "numeric"}})
    proof = {"target": "minutes", "features": [
        {"name": "copy", "verdict": "reject"}, {"name": "order", "verdict": "reject"}, {"name": "distance", "verdict": "accept"},
        {"name": "orders_3d", "verdict": "reject"}, {"name": "unknown", "verdict": "reject"},
    ]}  # fmt: skip
    assert with_proof_rejects(FeatureRecipe.from_json(spec), proof).rejected == ("copy", "orders_3d")  # order is dropped already


def test_online_table_is_the_aggregates_as_of_a_moment_and_serves_a_record(shops):
    workspace, frame = shops
    store = workspace.features
    store.save("delivery", recipe_json(aggregates=[AGGREGATE, MEAN]))
    as_of = pd.Timestamp("2026-03-12 08:00")
    added = store.materialize("delivery", as_of=str(as_of))
    assert added.table.name == "delivery_online" and added.table.kind == "online" and not added.unchanged
    assert added.table.origin["as_of"] == "2026-03-12 08:00:00" and added.table.origin["recipe_version"] == 1
    assert store.materialize("delivery", as_of=str(as_of)).unchanged  # same values: same version
    online = store.online_table("delivery")
    for shop in "abcde":
        seen = frame[(frame["shop"] == shop) & (frame["at"] < as_of)]
        count = online[(online["aggregate"] == "orders_3d") & (online["entity_key"] == shop)]["value"].item()
        mean = online[(online["aggregate"] == "mean_minutes_7d") & (online["entity_key"] == shop)]["value"].item()
        assert count == (seen["at"] >= as_of - pd.Timedelta(days=3)).sum()
        assert mean == pytest.approx(seen[seen["at"] >= as_of - pd.Timedelta(days=7)]["minutes"].mean())
    newest = store.materialize("delivery")  # default: the second after the newest event
    assert dt.datetime.fromisoformat(newest.table.origin["as_of"]) == frame["at"].max().to_pydatetime() + dt.timedelta(seconds=1)
    assert workspace.tables.get("delivery_online").version == 2  # SQL sees it by name
    recipe = store.get("delivery").recipe
    training = store.sample("events", recipe=recipe, rows=1000)
    pipeline = compile_pipeline(recipe).fit(training, training["minutes"])
    online = store.online_table("delivery")
    assert set_online_table(pipeline, online) == 1
    request = pd.DataFrame([{"shop": "c", "distance": 3.0, "weather": "rain"}])  # only the entity key, no aggregate
    values = online[online["entity_key"] == "c"].set_index("aggregate")["value"]
    given = request.assign(orders_3d=values["orders_3d"], mean_minutes_7d=values["mean_minutes_7d"])
    assert np.array_equal(pipeline.transform(request), pipeline.transform(given))
    with pytest.raises(StudioError, match="written by feature recipe delivery"):
        store.online.rename("delivery_online", "elsewhere")


def test_materialize_needs_aggregates_and_an_online_table_needs_materializing(shops):
    workspace, _frame = shops
    workspace.features.save("plain", recipe_json(aggregates=[]))
    with pytest.raises(StudioError, match="uses no aggregates, so it has no online table"):
        workspace.features.materialize("plain")
    workspace.features.save("delivery", recipe_json())
    with pytest.raises(NotFound, match="`studio features materialize delivery` computes it"):
        workspace.features.online_table("delivery")
    with pytest.raises(StudioError, match="not a date or time"):
        workspace.features.materialize("delivery", as_of="yesterday")


def test_apply_cross_fits_a_target_encoding_on_the_rows_it_fits_on(shops, tmp_path):
    workspace, frame = shops
    recipe = FeatureRecipe.from_json(recipe_json(columns={"shop": {"kind": "categorical", "steps": [{"op": "target", "smooth": 0}]}}))
    written = workspace.features.apply(recipe, "events", tmp_path / "out.parquet")
    encoded = pd.read_parquet(tmp_path / "out.parquet")[written["columns"][0]].to_numpy()
    rows = workspace.features.sample("events", recipe=recipe, rows=10_000)
    crossed = compile_pipeline(recipe).fit_transform(rows, rows["minutes"])[:, 0]
    in_sample = compile_pipeline(recipe).fit(rows, rows["minutes"]).transform(rows)[:, 0]
    assert np.allclose(encoded, crossed) and not np.allclose(encoded, in_sample)


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_apply_writes_every_row_in_order(shops, tmp_path, suffix):
    workspace, frame = shops
    recipe = FeatureRecipe.from_json(recipe_json())
    out = tmp_path / f"features{suffix}"
    written = workspace.features.apply(recipe, "events", out)
    result = pd.read_parquet(out) if suffix == ".parquet" else pd.read_csv(out)
    assert written["rows"] == len(frame) == len(result) and written["fitted_on"] == len(frame)
    assert list(result.columns) == written["columns"] and written["columns"][-1] == "minutes"
    assert result["minutes"].tolist() == pytest.approx(frame["minutes"].tolist())  # the table's row order
    pipeline = compile_pipeline(recipe)
    rows = workspace.features.sample("events", recipe=recipe, rows=10_000)
    expected = pipeline.fit(rows, rows["minutes"]).transform(rows)
    assert np.allclose(result.drop(columns=["minutes"]).to_numpy(dtype=float), expected, equal_nan=True)
    with pytest.raises(StudioError, match="already exists"):
        workspace.features.apply(recipe, "events", out)
    with pytest.raises(StudioError, match="writes .parquet or .csv"):
        workspace.features.apply(recipe, "events", tmp_path / "out.json")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temp file left
