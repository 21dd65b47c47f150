"""Point-in-time entity aggregates: each row sees only its entity's events strictly before its
own timestamp (never its future, never events tied with it), and the online table serves the
same values a row at that moment would have had."""

import datetime as dt

import duckdb
import numpy as np
import pandas as pd
import pytest

from studio.errors import StudioError
from studio.features import FeatureRecipe, compile_pipeline, online_table_sql, point_in_time_aggregates, write_online_table

START = pd.Timestamp("2026-06-01")
WINDOWS = {"7d": pd.Timedelta(days=7), "36h": pd.Timedelta(hours=36), "all": None}


def aggregates(table: str = "events", time: str = "t") -> FeatureRecipe:
    specs = []
    for window in WINDOWS:
        specs.append({"name": f"n_{window}", "table": table, "entity": "shop", "time": time, "window": window, "function": "count"})
        for function in ("sum", "mean", "min", "max"):
            specs.append({"name": f"{function}_{window}", "table": table, "entity": "shop", "time": time, "window": window, "function": function, "column": "v"})
    specs.append({"name": "n_v_7d", "table": table, "entity": "shop", "time": time, "window": "7d", "function": "count", "column": "v"})
    return FeatureRecipe.from_json({"target": "y", "time_column": "t", "aggregates": specs})


def brute_force(events: pd.DataFrame, shop, t) -> dict[str, float]:
    """Every aggregate by definition: over the shop's events in [t - window, t)."""
    if pd.isna(shop) or pd.isna(t):
        return {}
    mine = events[(events["shop"] == shop) & (events["t"] < t)]
    out = {}
    for window, length in WINDOWS.items():
        seen = mine if length is None else mine[mine["t"] >= t - length]
        values = seen["v"].dropna()
        out[f"n_{window}"] = float(len(seen))
        out[f"sum_{window}"] = float(values.sum())
        for function in ("mean", "min", "max"):
            out[f"{function}_{window}"] = float(getattr(values, function)()) if len(values) else np.nan
        if window == "7d":
            out["n_v_7d"] = float(len(values))
    return out


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


def random_events(seed: int, n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    # hours on a coarse grid so that many events share a timestamp
    times = START + pd.to_timedelta(rng.integers(0, 24 * 20, n) // 6 * 6, unit="h")
    values = rng.normal(30, 10, n).round(1)
    values[rng.random(n) < 0.1] = np.nan
    return pd.DataFrame({"shop": rng.choice(["a", "b", "c"], n), "t": times, "v": values})


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_aggregate_matches_its_definition(con, seed):
    events = random_events(seed)
    rng = np.random.default_rng(seed + 100)
    rows = pd.DataFrame(
        {
            "shop": list(rng.choice(["a", "b", "c", "d"], 150)) + [None, "a"],
            "t": list(events["t"].sample(75, random_state=seed)) + list(START + pd.to_timedelta(rng.integers(0, 24 * 22, 75), unit="h")) + [START, pd.NaT],
            "row_id": np.arange(152),
        }
    )
    con.register("events", events)
    con.register("rows", rows)
    recipe = aggregates()
    out = con.execute(point_in_time_aggregates(con, "SELECT * FROM rows", recipe.aggregates, "t") + " ORDER BY row_id").df()
    assert len(out) == len(rows) and out["row_id"].tolist() == list(range(152))
    expected = [brute_force(events, s, t) for s, t in zip(rows["shop"], rows["t"])]
    for aggregate in recipe.aggregates:
        values = [row.get(aggregate.name, np.nan) for row in expected]
        assert np.allclose(out[aggregate.name].to_numpy(dtype=float), values, equal_nan=True), aggregate.name


def test_no_row_sees_its_own_future_nor_its_own_label(con):
    """The rows are their own event table, and each value is its row's time in hours: any
    aggregate that saw the row itself or a later one would reach the row's own value."""
    rng = np.random.default_rng(7)
    times = START + pd.to_timedelta(np.sort(rng.integers(0, 24 * 30, 500)) // 3 * 3, unit="h")
    rows = pd.DataFrame({"shop": rng.choice(["a", "b"], 500), "t": times})
    rows["v"] = (rows["t"] - START) / pd.Timedelta(hours=1)
    con.register("orders", rows)
    recipe = aggregates(table="orders")
    out = con.execute(point_in_time_aggregates(con, "SELECT * FROM orders", recipe.aggregates, "t")).df()
    assert len(out) == len(rows)
    for window in WINDOWS:
        seen = out[out[f"n_{window}"] > 0]
        assert (seen[f"max_{window}"] < seen["v"]).all(), window
        assert out.loc[out[f"n_{window}"] == 0, f"max_{window}"].isna().all()
    first = out.sort_values("t").groupby("shop").head(1)
    assert (first["n_all"] == 0).all()  # the first order of a shop has no history


def test_events_tied_with_the_row_are_excluded(con):
    noon = START + pd.Timedelta(hours=12)
    events = pd.DataFrame({"shop": ["a", "a", "a", "a"], "t": [START, noon, noon, noon + pd.Timedelta(microseconds=1)], "v": [1.0, 2.0, 3.0, 4.0]})
    rows = pd.DataFrame({"shop": ["a", "a", "a"], "t": [noon, noon, noon + pd.Timedelta(microseconds=1)], "row_id": [0, 1, 2]})
    con.register("events", events)
    con.register("rows", rows)
    recipe = aggregates()
    out = con.execute(point_in_time_aggregates(con, "SELECT * FROM rows", recipe.aggregates, "t") + " ORDER BY row_id").df()
    assert out["n_all"].tolist() == [1, 1, 3]  # at noon only the midnight event; a microsecond later, the noon ones too
    assert out["sum_all"].tolist() == [1.0, 1.0, 6.0]


def test_rows_future_events_do_not_change_the_past(con):
    events = pd.DataFrame({"shop": ["a"] * 3, "t": [START, START + pd.Timedelta(days=1), START + pd.Timedelta(days=2)], "v": [10.0, 20.0, 30.0]})
    rows = pd.DataFrame({"shop": ["a"], "t": [START + pd.Timedelta(days=1, hours=1)]})
    con.register("rows", rows)
    recipe = aggregates()
    con.register("events", events)
    before = con.execute(point_in_time_aggregates(con, "SELECT * FROM rows", recipe.aggregates, "t")).df()
    future = pd.concat([events, pd.DataFrame({"shop": ["a"] * 2, "t": [rows["t"][0], START + pd.Timedelta(days=9)], "v": [1e6, 1e6]})])
    con.register("events", future)
    after = con.execute(point_in_time_aggregates(con, "SELECT * FROM rows", recipe.aggregates, "t")).df()
    pd.testing.assert_frame_equal(before, after)
    assert before["mean_all"][0] == 15.0 and before["n_7d"][0] == 2


def test_online_table_serves_what_a_row_at_that_moment_would_see(con):
    events = random_events(11)
    con.register("events", events)
    recipe = aggregates()
    as_of = dt.datetime(2026, 6, 15, 6, 0)
    online = con.execute(online_table_sql(con, recipe.aggregates, as_of)).df()
    assert set(online.columns) == {"aggregate", "entity_key", "value", "as_of"}
    assert (online["as_of"] == pd.Timestamp(as_of)).all()
    rows = pd.DataFrame({"shop": ["a", "b", "c", "zzz"], "t": [pd.Timestamp(as_of)] * 4})
    con.register("rows", rows)
    at_that_moment = con.execute(point_in_time_aggregates(con, "SELECT * FROM rows", recipe.aggregates, "t") + " ORDER BY shop").df()
    pipeline = compile_pipeline(recipe.with_rejected([])).fit(at_that_moment, np.zeros(4))
    pipeline.named_steps["aggregates"].set_online_table(online)
    served = pipeline.transform(rows.drop(columns=["t"]).sort_values("shop").assign(t=pd.NaT))
    assert np.allclose(served, pipeline.transform(at_that_moment), rtol=1e-12, atol=1e-9)  # two SQL paths, sums may differ in the last bit


def test_write_online_table(con, tmp_path):
    con.register("events", random_events(5))
    path = tmp_path / "online.parquet"
    count = write_online_table(con, aggregates().aggregates, dt.datetime(2026, 6, 10), path)
    frame = pd.read_parquet(path)
    assert count == len(frame) > 0 and not list(tmp_path.glob(".*partial"))
    assert frame.sort_values(["aggregate", "entity_key"]).reset_index(drop=True).equals(frame)


def test_numeric_entity_keys_are_spelled_as_the_pipeline_looks_them_up(con):
    con.execute("CREATE TABLE visits AS SELECT * FROM (VALUES (7, TIMESTAMP '2026-06-01'), (7.0, TIMESTAMP '2026-06-02')) t(shop, t)")
    spec = [{"name": "n", "table": "visits", "entity": "shop", "time": "t", "window": "all", "function": "count"}]
    recipe = FeatureRecipe.from_json({"target": "y", "aggregates": spec})
    online = con.execute(online_table_sql(con, recipe.aggregates, dt.datetime(2026, 7, 1))).df()
    assert online["entity_key"].tolist() == ["7"]
    pipeline = compile_pipeline(recipe).fit(pd.DataFrame({"shop": [7], "n": [1.0]}), [0.0])
    pipeline.named_steps["aggregates"].set_online_table(online)
    assert pipeline.transform(pd.DataFrame({"shop": [7.0]}))[0, 0] == pipeline.transform(pd.DataFrame({"shop": ["7"], "n": [2.0]}))[0, 0]


def test_problems_are_named(con):
    con.register("events", random_events(3))
    con.register("rows", pd.DataFrame({"shop": [1, 2], "t": [START, START], "when": ["x", "y"]}))
    recipe = aggregates()
    with pytest.raises(StudioError, match="'shop' is BIGINT in the rows but VARCHAR in 'events'"):
        point_in_time_aggregates(con, "SELECT * FROM rows", recipe.aggregates, "t")
    with pytest.raises(StudioError, match="the rows's column 'when' is VARCHAR; it must be a temporal column"):
        point_in_time_aggregates(con, "SELECT * FROM rows", recipe.aggregates, "when")
    missing = FeatureRecipe.from_json({"target": "y", "aggregates": [{"name": "s", "table": "events", "entity": "shop", "time": "t", "window": "7d", "function": "sum", "column": "price"}]})
    with pytest.raises(StudioError, match="event table 'events' has no column 'price'"):
        point_in_time_aggregates(con, "SELECT shop::VARCHAR AS shop, t FROM rows", missing.aggregates, "t")
    nowhere = FeatureRecipe.from_json({"target": "y", "aggregates": [{"name": "s", "table": "nowhere", "entity": "shop", "time": "t", "window": "7d", "function": "count"}]})
    with pytest.raises(StudioError, match="cannot read aggregate 's': event table 'nowhere'"):
        point_in_time_aggregates(con, "SELECT shop::VARCHAR AS shop, t FROM rows", nowhere.aggregates, "t")
