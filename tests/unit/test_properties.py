"""Invariants under generated input (hypothesis)."""

import csv

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studio import Workspace
from studio.sources import ReadOptions

texts = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=12)
rows = st.lists(
    st.tuples(st.integers(-10**12, 10**12), st.floats(allow_nan=False, allow_infinity=False, width=32), texts),
    min_size=1,
    max_size=60,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=rows)
def test_csv_ingest_conserves_every_row_and_value(tmp_path_factory, data):
    """Whatever the values, a CSV comes back row for row, value for value, in order."""
    folder = tmp_path_factory.mktemp("prop")
    workspace = Workspace.init(folder / "ws")
    path = folder / "data.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL)
        writer.writerow(["n", "x", "label"])
        writer.writerows(data)
    source = workspace.sources.add_file(path, "data", ReadOptions(types={"label": "VARCHAR", "n": "BIGINT", "x": "DOUBLE"})).table
    assert source.rows == len(data)
    back = workspace.sources.preview("data", 1000)
    assert back["n"].tolist() == [r[0] for r in data]
    assert back["label"].tolist() == [r[2] for r in data]
    assert back["x"].tolist() == pytest.approx([r[1] for r in data], rel=1e-6, abs=1e-30)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.lists(st.tuples(st.integers(0, 5), st.sampled_from(["a", "b", None])), min_size=1, max_size=40))
def test_same_content_same_version_different_content_new_version(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("ver")
    workspace = Workspace.init(folder / "ws")
    frame = pd.DataFrame(data, columns=["k", "v"])
    path = folder / "t.parquet"
    frame.to_parquet(path)
    first = workspace.sources.add_file(path, "t")
    assert workspace.sources.add_file(path, "t").unchanged
    frame.assign(k=frame["k"] + 1).to_parquet(path)
    second = workspace.sources.add_file(path, "t")
    assert not second.unchanged and second.table.version == first.table.version + 1
    assert second.table.rows == first.table.rows == len(data)
