import json

import numpy as np
import pandas as pd
import pytest

from studio.tables._profile import BINS, column_kind, profile_parquet


@pytest.fixture
def profiled(tmp_path, workspace):
    rng = np.random.default_rng(0)
    n = 5000
    values = rng.normal(10, 2, n)
    values[:250] = np.nan
    frame = pd.DataFrame(
        {
            "value": values,
            "count": rng.integers(0, 5, n),
            "city": rng.choice(["Paris", "Lyon", "Nice"], n, p=[0.6, 0.3, 0.1]),
            "flag": rng.random(n) < 0.25,
            "day": pd.date_range("2026-01-01", periods=n, freq="h"),
            "empty": [None] * n,
            "nested": [[1, 2]] * n,
        }
    )
    path = tmp_path / "t.parquet"
    frame.to_parquet(path, index=False)
    with workspace.lake.connect() as con:
        profile = profile_parquet(con, path)
    return frame, {c["name"]: c for c in profile["columns"]}, profile


def test_numeric_statistics_match_numpy(profiled):
    frame, columns, profile = profiled
    assert profile["rows"] == 5000
    value = columns["value"]
    finite = frame["value"].dropna()
    assert value["kind"] == "numeric"
    assert value["nulls"] == 250 and value["null_fraction"] == pytest.approx(0.05)
    assert value["mean"] == pytest.approx(finite.mean())
    assert value["std"] == pytest.approx(finite.std())
    assert value["min"] == pytest.approx(finite.min()) and value["max"] == pytest.approx(finite.max())
    assert value["quantiles"]["p50"] == pytest.approx(finite.median(), abs=0.1)
    assert sum(value["histogram"]["counts"]) == len(finite)
    assert len(value["histogram"]["counts"]) == BINS and len(value["histogram"]["edges"]) == BINS + 1


def test_top_values_distinct_and_text(profiled):
    frame, columns, _ = profiled
    city = columns["city"]
    assert city["kind"] == "text"
    assert city["distinct"] == 3
    assert [t["value"] for t in city["top"]] == ["Paris", "Lyon", "Nice"]
    assert city["top"][0]["count"] == (frame["city"] == "Paris").sum()
    assert city["min_length"] == 4 and city["max_length"] == 5
    assert columns["count"]["distinct"] == 5


def test_boolean_temporal_empty_and_nested(profiled):
    frame, columns, _ = profiled
    flag = columns["flag"]
    assert flag["kind"] == "boolean" and {t["value"] for t in flag["top"]} == {True, False}
    day = columns["day"]
    assert day["kind"] == "temporal" and day["min"].startswith("2026-01-01")
    assert sum(day["histogram"]["counts"]) == 5000
    empty = columns["empty"]
    assert empty["nulls"] == 5000 and "top" not in empty and "histogram" not in empty
    assert columns["nested"]["kind"] == "other"


def test_constant_column_has_one_bin(tmp_path, workspace):
    path = tmp_path / "c.parquet"
    pd.DataFrame({"c": [7.0] * 10}).to_parquet(path)
    with workspace.lake.connect() as con:
        column = profile_parquet(con, path)["columns"][0]
    assert column["histogram"]["counts"] == [10]


def test_column_kind():
    assert column_kind("DECIMAL(10,2)") == "numeric"
    assert column_kind("TIMESTAMP WITH TIME ZONE") == "temporal"
    assert column_kind("VARCHAR") == "text"
    assert column_kind("STRUCT(a INTEGER)") == "other"


def test_profile_is_cached_by_content(workspace, files):
    workspace.sources.add_file(files["csv"], "orders")
    assert workspace.sources.cached_profile("orders") is None
    first = workspace.sources.profile("orders")
    assert workspace.sources.cached_profile("orders") == first
    workspace.sources.add_file(files["csv"], "twin")
    assert workspace.sources.cached_profile("twin") == first


def test_profile_of_an_older_format_is_recomputed(workspace, files):
    import sqlalchemy as sa

    from studio import meta

    workspace.sources.add_file(files["csv"], "orders")
    workspace.sources.profile("orders")
    with workspace.engine.begin() as connection:
        connection.execute(sa.update(meta.profiles).values(profile={"rows": 1, "columns": []}))
    assert workspace.sources.cached_profile("orders") is None
    assert workspace.sources.profile("orders")["rows"] == 100


def test_outliers_get_a_core_histogram(tmp_path, workspace):
    path = tmp_path / "o.parquet"
    values = [float(v % 50) for v in range(10_000)] + [999.0] * 20
    pd.DataFrame({"minutes": values, "even": [float(v % 50) for v in range(10_020)]}).to_parquet(path)
    with workspace.lake.connect() as con:
        columns = {c["name"]: c for c in profile_parquet(con, path)["columns"]}
    core = columns["minutes"]["histogram_core"]
    assert core["edges"][-1] < 60 and core["outside"] >= 20
    assert sum(core["counts"]) + core["outside"] == 10_020
    assert "histogram_core" not in columns["even"], "no outliers, no second view"


def test_timezone_timestamps_and_infinities_profile(workspace, tmp_path):
    path = tmp_path / "tz.csv"
    path.write_text("id,ts,x\n1,2024-01-01T10:00:00+02:00,inf\n2,2024-01-02T10:00:00+02:00,1.5\n")
    workspace.sources.add_file(path, "tz")
    profile = workspace.sources.profile("tz")
    columns = {c["name"]: c for c in profile["columns"]}
    assert columns["ts"]["type"] == "TIMESTAMP WITH TIME ZONE" and columns["ts"]["min"].startswith("2024-01-01")
    json.dumps(profile, allow_nan=False)  # valid JSON: no Infinity token


def test_wide_tables_profile_in_batches(workspace, tmp_path):
    path = tmp_path / "wide.parquet"
    pd.DataFrame(np.arange(3 * 400).reshape(3, 400), columns=[f"c{i}" for i in range(400)]).to_parquet(path)
    workspace.sources.add_file(path, "wide")
    profile = workspace.sources.profile("wide")
    assert len(profile["columns"]) == 400 and profile["columns"][-1]["max"] == 3 * 400 - 1
