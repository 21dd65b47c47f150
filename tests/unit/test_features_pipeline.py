"""One pipeline everywhere: a recipe compiles to one scikit-learn Pipeline whose output is the
same for a batch and for one record at a time (unseen categories and missing values
included), that survives a skops round trip, and that never raises on odd values."""

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.base import clone
from sklearn.linear_model import Ridge
from sklearn.pipeline import Pipeline

from studio.demo._world import write_demo_files
from studio.errors import StudioError
from studio.features import TRUSTED_TYPES, FeatureRecipe, compile_pipeline, set_online_table, suggest_recipe
from studio.lake import sql_literal
from studio.tables import profile_parquet

TARGET = "delivery_minutes"


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[pd.DataFrame, dict]:
    """3,000 demo orders with their courier and restaurant columns, and their profile."""
    folder = tmp_path_factory.mktemp("demo")
    files = write_demo_files(folder / "files")
    con = duckdb.connect()
    joined = folder / "orders.parquet"
    con.execute(
        f"""COPY (SELECT o.*, c.vehicle, c.experience_months, c.rating AS courier_rating, r.cuisine, r.avg_prep_minutes, r.opened_on,
                     o.distance_km > 5 AS long_trip
              FROM read_csv({sql_literal(str(files["orders"]))}) o
              LEFT JOIN read_json({sql_literal(str(files["couriers"]))}) c USING (courier_id)
              LEFT JOIN read_parquet({sql_literal(str(files["restaurants_a"]))}) r USING (restaurant_id)
              WHERE o.delivery_minutes BETWEEN 1 AND 300 ORDER BY o.order_id LIMIT 3000) TO {sql_literal(str(joined))} (FORMAT parquet)"""
    )
    frame = con.execute(f"SELECT * FROM read_parquet({sql_literal(str(joined))}) ORDER BY order_id").df()
    return frame, profile_parquet(con, joined)


def demo_recipe(frame: pd.DataFrame, profile: dict) -> FeatureRecipe:
    columns = [{"name": c["name"], "type": c["type"]} for c in profile["columns"]]
    data = suggest_recipe(columns, profile, TARGET).to_json()
    data["columns"]["opened_on"]["steps"] = [{"op": "elapsed", "since": "placed_at", "unit": "days"}, {"op": "impute"}]
    data["columns"]["subtotal"]["steps"] = [{"op": "impute"}, {"op": "clip", "low": 0, "high": 100}, {"op": "log"}, {"op": "bins", "n_bins": 4, "encode": "one_hot"}]
    data["columns"]["items"]["steps"] = [{"op": "impute", "strategy": "most_frequent"}, {"op": "bins", "n_bins": 3}]
    data["columns"]["cuisine"]["steps"] = [{"op": "impute", "strategy": "most_frequent"}, {"op": "ordinal"}]
    data["columns"]["weather"]["steps"] = [{"op": "one_hot", "min_frequency": 0.2}]
    data["columns"]["order_note"] = {"kind": "text"}
    data["expressions"] = [
        {"name": "eta", "expr": "distance_km / experience_months * 60"},
        {"name": "rainy_long", "expr": "weather == 'rain' and long_trip"},
        {"name": "restaurant_age_days", "expr": "days_between(placed_at, opened_on)"},
    ]
    return FeatureRecipe.from_json(data)


def with_notes(frame: pd.DataFrame) -> pd.DataFrame:
    notes = np.array(["ring twice", "", None, "leave at the door please"], dtype=object)
    return frame.assign(order_note=notes[np.arange(len(frame)) % 4])


def odd_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows a model never saw: unseen categories, every value missing, wrong types."""
    unseen = frame.iloc[:3].copy()
    unseen["weather"] = ["hail", "sandstorm", None]
    unseen["vehicle"] = ["hoverboard", None, "car"]
    unseen["cuisine"] = ["Martian", None, "Pizza"]
    unseen["restaurant_id"] = ["R9999", None, "R0001"]
    empty = pd.DataFrame([{column: None for column in frame.columns}])
    return pd.concat([unseen, empty.astype(frame.dtypes.to_dict(), errors="ignore")], ignore_index=True)


def json_record(row: dict) -> dict:
    """A record as a JSON request carries it: ISO text for times, None for missing, whole
    numbers as int."""
    out = {}
    for key, value in row.items():
        if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
            out[key] = None
        elif isinstance(value, pd.Timestamp):
            out[key] = value.isoformat()
        elif isinstance(value, float) and value.is_integer():
            out[key] = int(value)
        elif isinstance(value, (np.integer, np.bool_)):
            out[key] = value.item()
        else:
            out[key] = value
    return out


@pytest.fixture(scope="module")
def fitted(demo):
    frame, profile = demo
    frame = with_notes(frame)
    recipe = demo_recipe(frame, profile)
    pipeline = compile_pipeline(recipe, task="regression").fit(frame.iloc[:2000], frame[TARGET].iloc[:2000])
    return recipe, pipeline, frame


def test_suggested_recipe_of_the_demo(demo):
    _frame, profile = demo
    recipe = suggest_recipe([{"name": c["name"], "type": c["type"]} for c in profile["columns"]], profile, TARGET)
    kinds = {name: (t.kind, t.drop) for name, t in recipe.columns.items()}
    assert kinds["order_id"] == ("identifier", True)
    assert kinds["distance_km"] == ("numeric", False) and kinds["placed_at"] == ("date", False)
    assert kinds["weather"] == ("categorical", False) and kinds["long_trip"] == ("boolean", False)
    assert [s.op for s in recipe.columns["restaurant_id"].steps] == ["target"]  # hundreds of restaurants
    assert [s.op for s in recipe.columns["vehicle"].steps] == ["one_hot"]
    assert TARGET not in recipe.columns


def test_output_is_float_named_and_free_of_missing_values(fitted):
    _recipe, pipeline, frame = fitted
    out = pipeline.transform(frame)
    names = pipeline.get_feature_names_out()
    assert out.dtype == np.float64 and out.shape == (len(frame), len(names))
    assert len(set(names)) == len(names)
    assert not np.isnan(out).any()  # every treatment of this recipe imputes
    for expected in ("eta", "eta__missing", "placed_at__hour_sin", "opened_on__days_since_placed_at", "subtotal__bin3", "order_note__tokens", "restaurant_id", "weather=(other)"):
        assert expected in names
    assert not np.isnan(pipeline.transform(odd_rows(frame))).any()


def test_batch_and_one_record_at_a_time_are_identical(fitted):
    _recipe, pipeline, frame = fitted
    rows = pd.concat([frame.iloc[2000:2150], odd_rows(frame)], ignore_index=True)
    batch = pipeline.transform(rows)
    for i, record in enumerate(rows.to_dict("records")):
        assert np.array_equal(pipeline.transform(pd.DataFrame([record])), batch[i : i + 1]), f"row {i} differs as a typed record"
        assert np.array_equal(pipeline.transform(pd.DataFrame([json_record(record)])), batch[i : i + 1]), f"row {i} differs as a JSON record"


def test_columns_the_recipe_does_not_name_are_ignored_and_missing_ones_named(fitted):
    recipe, pipeline, frame = fitted
    rows = frame.iloc[2000:2050]
    extra = rows.assign(unrelated=1, **{TARGET: -1.0}).iloc[:, ::-1]  # other order, target present or not
    assert np.array_equal(pipeline.transform(extra), pipeline.transform(rows.drop(columns=[TARGET])))
    needed = recipe.input_columns()
    assert TARGET not in needed and "order_id" not in needed
    with pytest.raises(StudioError, match="the input has no column 'distance_km'; the features need:"):
        pipeline.transform(rows.drop(columns=["distance_km"]))
    with pytest.raises(StudioError, match="pandas DataFrame"):
        pipeline.transform(rows.to_numpy())


def test_skops_round_trip_with_the_allow_list(fitted, tmp_path: Path):
    _recipe, pipeline, frame = fitted
    model = Pipeline([("features", pipeline), ("model", Ridge())]).fit(frame.iloc[:2000], frame[TARGET].iloc[:2000])
    path = tmp_path / "model.skops"
    sio.dump(model, path)
    assert set(sio.get_untrusted_types(file=path)) <= set(TRUSTED_TYPES)
    loaded = sio.load(path, trusted=TRUSTED_TYPES)
    rows = pd.concat([frame.iloc[2000:2300], odd_rows(frame)], ignore_index=True)
    assert np.array_equal(loaded[0].transform(rows), pipeline.transform(rows))
    assert np.array_equal(loaded.predict(rows), model.predict(rows))
    with pytest.raises(Exception, match="[Uu]ntrusted"):
        sio.load(path, trusted=[])


def test_target_encoding_is_cross_fitted():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"code": rng.integers(0, 400, 4000).astype(str), "x": rng.normal(size=4000)})
    y = rng.normal(size=4000)  # unrelated to the code: any fit to it is memorization
    recipe = FeatureRecipe.from_json({"target": "y", "columns": {"code": {"kind": "categorical", "steps": [{"op": "target", "smooth": 0}]}}})
    pipeline = compile_pipeline(recipe, task="regression")
    crossed = pipeline.fit_transform(frame, y)[:, 0]
    in_sample = pipeline.transform(frame)[:, 0]
    assert abs(np.corrcoef(crossed, y)[0, 1]) < 0.1  # no row saw its own target
    assert np.corrcoef(in_sample, y)[0, 1] > 0.2  # what encoding without folds would have leaked
    assert np.array_equal(compile_pipeline(recipe, task="regression").fit_transform(frame, y)[:, 0], crossed)  # seeded


def test_whole_number_targets_encode_as_regression_when_told():
    frame = pd.DataFrame({"code": list("abcab") * 20})
    y = np.arange(100) % 7  # 7 whole numbers: auto would take them for classes
    recipe = FeatureRecipe.from_json({"target": "y", "columns": {"code": {"kind": "categorical", "steps": ["target"]}}})
    assert compile_pipeline(recipe, task="regression").fit_transform(frame, y).shape == (100, 1)
    assert compile_pipeline(recipe, task="multiclass").fit_transform(frame, y).shape == (100, 7)
    with pytest.raises(StudioError, match="task 'ranking'"):
        compile_pipeline(recipe, task="ranking")


def test_aggregates_come_from_the_rows_or_the_online_table(tmp_path: Path):
    recipe = FeatureRecipe.from_json(
        {
            "target": "y",
            "time_column": "t",
            "columns": {"x": "numeric"},
            "aggregates": [
                {"name": "n7", "table": "events", "entity": "shop", "time": "t", "window": "7d", "function": "count"},
                {"name": "avg30", "table": "events", "entity": "shop", "time": "t", "window": "30d", "function": "mean", "column": "v"},
            ],
            "expressions": [{"name": "per_item", "expr": "avg30 / x"}],
        }
    )
    train = pd.DataFrame({"x": [1.0, 2.0, 4.0, 2.0], "shop": ["a", "b", "a", None], "n7": [0.0, 3.0, 1.0, np.nan], "avg30": [np.nan, 10.0, 20.0, np.nan]})
    pipeline = compile_pipeline(recipe).fit(train, [1.0, 2.0, 3.0, 4.0])
    assert {"n7", "avg30", "per_item"} <= set(pipeline.get_feature_names_out())
    request = pd.DataFrame({"x": [2.0, 2.0, 2.0, 2.0], "shop": ["a", "b", "zzz", None]})
    with pytest.raises(StudioError, match="no online table is loaded"):
        pipeline.transform(request)
    online = pd.DataFrame({"aggregate": ["n7", "avg30", "n7", "avg30"], "entity_key": ["a", "a", "b", "b"], "value": [5.0, 12.0, 2.0, 8.0]})
    assert set_online_table(Pipeline([("features", pipeline), ("model", Ridge())]), online) == 1
    looked_up = pipeline.transform(request)
    given = pipeline.transform(request.assign(n7=[5.0, 2.0, 0.0, np.nan], avg30=[12.0, 8.0, np.nan, np.nan]))
    assert np.array_equal(looked_up, given)  # a key with no events counts 0; a missing key is missing
    path = tmp_path / "served.skops"
    sio.dump(pipeline, path)
    assert set(sio.get_untrusted_types(file=path)) <= set(TRUSTED_TYPES)
    assert np.array_equal(sio.load(path, trusted=TRUSTED_TYPES).transform(request), looked_up)  # the online table travels along when set
    with pytest.raises(StudioError, match="training rows have no aggregate column 'n7'"):
        clone(pipeline).fit(train.drop(columns=["n7"]), [1.0, 2.0, 3.0, 4.0])


def test_a_recipe_that_leaves_nothing_is_refused():
    recipe = FeatureRecipe.from_json({"target": "y", "columns": {"id": "identifier", "x": {"kind": "numeric", "drop": True}, "z": "numeric"}, "rejected": ["z"]})
    with pytest.raises(StudioError, match="leaves no feature"):
        compile_pipeline(recipe)
