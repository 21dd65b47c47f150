"""Input signature (columns, kinds, categories, ranges, required-ness), the check of a frame
against it, and input expectations (null rates, binned reference profiles, PSI)."""

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studio.errors import StudioError
from studio.models import check_frame, column_kind, conform_frame, expectation_drift, input_expectations, input_signature, psi


@pytest.fixture
def training() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = 400
    data = pd.DataFrame(
        {
            "distance": rng.uniform(1, 20, rows),
            "items": rng.integers(1, 6, rows),
            "city": rng.choice(["Paris", "Lyon", "Nice"], rows),
            "note": [f"note number {i}" for i in range(rows)],
            "express": rng.choice([True, False], rows),
            "ordered": pd.date_range("2026-01-01", periods=rows, freq="h"),
            "y": rng.normal(size=rows),
        }
    )
    data.loc[::10, "distance"] = np.nan
    return data


def by_name(signature):
    return {column["name"]: column for column in signature["columns"]}


def test_signature_describes_every_input_column(training):
    signature = input_signature(training, "y")
    json.dumps(signature, allow_nan=False)
    columns = by_name(signature)
    assert list(columns) == ["distance", "items", "city", "note", "express", "ordered"], "the target is not an input"
    assert signature["target"] == "y"
    assert {name: c["kind"] for name, c in columns.items()} == {
        "distance": "numeric", "items": "numeric", "city": "categorical", "note": "text", "express": "boolean", "ordered": "temporal",
    }
    assert columns["distance"]["nullable"] and not columns["items"]["nullable"]
    assert 1 <= columns["distance"]["min"] < columns["distance"]["max"] <= 20
    assert columns["items"]["integer"] and (columns["items"]["min"], columns["items"]["max"]) == (1.0, 5.0)
    assert columns["city"]["categories"] == ["Lyon", "Nice", "Paris"]
    assert columns["ordered"]["min"].startswith("2026-01-01")
    assert all(c["required"] for c in columns.values())


def test_required_columns_can_be_narrowed(training):
    columns = by_name(input_signature(training, "y", required=["distance", "city"]))
    assert [name for name, c in columns.items() if c["required"]] == ["distance", "city"]
    with pytest.raises(StudioError, match="required column 'speed' is not in the sample"):
        input_signature(training, "y", required=["speed"])
    with pytest.raises(StudioError, match="target column 'label' is not in the sample"):
        input_signature(training, "label")


def test_column_kinds_from_pandas_and_python_values():
    assert column_kind(pd.Series([True, None, False], dtype=object)) == "boolean"
    assert column_kind(pd.Series([1.5, None, 2], dtype=object)) == "numeric"
    assert column_kind(pd.Series(pd.Categorical(["a", "b"]))) == "categorical"
    assert column_kind(pd.Series([f"id{i}" for i in range(100)])) == "text"
    assert column_kind(pd.Series(["a", "b"] * 50)) == "categorical"
    assert column_kind(pd.Series(pd.array([1, None], dtype="Int64"))) == "numeric"


def test_check_frame_names_each_problem_on_one_line(training):
    signature = input_signature(training, "y", required=["distance", "items", "city", "express", "ordered"])
    request = training.drop(columns=["y", "city", "note"]).head(5).astype({"items": object, "express": object, "ordered": object})
    request.loc[1, "items"] = "three"
    request.loc[2, "express"] = "maybe"
    request.loc[3, "ordered"] = "not a date"
    problems = check_frame(request, signature)
    assert len(problems) == 4 and all("\n" not in p for p in problems)
    assert problems[0] == "column 'items' should be a number but holds 1 value(s) like 'three': send numbers"
    assert problems[1] == "column 'city' is missing: send it (a category)"
    assert "column 'express' should be true or false" in problems[2] and "'maybe'" in problems[2]
    assert "column 'ordered' should be a date or time" in problems[3]
    assert not any("note" in p for p in problems), "an optional column may be left out"


def test_a_good_frame_has_no_problems_even_with_unseen_values(training):
    signature = input_signature(training, "y")
    request = training.drop(columns=["y"]).head(3).copy()
    request.loc[0, "city"] = "Berlin"  # unseen: the pipeline handles it, monitoring reports it
    request.loc[1, "distance"] = 1e6  # outside the training range: the same
    request["extra"] = 1  # extra columns are ignored
    assert check_frame(request, signature) == []


def test_conform_frame_converts_to_training_types_and_refuses_in_one_line(training):
    signature = input_signature(training, "y", required=["distance", "city"])
    request = pd.DataFrame({"city": ["Paris", None], "distance": ["3.5", None], "items": [2, 3], "express": ["true", "no"], "ordered": ["2026-02-01T10:00:00", None]})
    out = conform_frame(request, signature)
    assert list(out.columns) == ["distance", "items", "city", "note", "express", "ordered"]
    assert out["distance"].dtype == "float64" and out["distance"].iloc[0] == 3.5 and np.isnan(out["distance"].iloc[1])
    assert out["items"].dtype == training["items"].dtype
    assert out["express"].tolist() == [True, False] and out["express"].dtype == bool
    assert out["ordered"].iloc[0] == pd.Timestamp("2026-02-01T10:00:00") and pd.isna(out["ordered"].iloc[1])
    assert out["note"].isna().all(), "an optional column left out arrives as nulls"
    assert out["city"].iloc[0] == "Paris" and pd.isna(out["city"].iloc[1])
    bad = request.drop(columns=["city"]).assign(items=["a", "b"])
    with pytest.raises(StudioError, match="input does not match the model's signature: column 'items'") as error:
        conform_frame(bad, signature)
    assert "\n" not in str(error.value) and "column 'city' is missing" in str(error.value)


def test_conform_keeps_nulls_of_a_boolean_column_as_nulls(training):
    signature = input_signature(training, "y")
    out = conform_frame(pd.DataFrame({c["name"]: [None] for c in signature["columns"]}).assign(express=[None]), signature)
    assert pd.isna(out["express"].iloc[0]), "a bool cast would have made it False"


def test_expectations_keep_null_rates_and_binned_profiles(training):
    expectations = input_expectations(training.drop(columns=["y"]))
    json.dumps(expectations, allow_nan=False)
    distance = expectations["columns"]["distance"]
    assert distance["null_rate"] == pytest.approx(0.1)
    assert len(distance["edges"]) == 11 and sum(distance["shares"]) == pytest.approx(1.0)
    assert all(share == pytest.approx(0.1, abs=0.02) for share in distance["shares"]), "quantile bins hold equal shares"
    city = expectations["columns"]["city"]
    assert set(city["shares"]) == {"Paris", "Lyon", "Nice", "__other__"} and city["shares"]["__other__"] == 0.0
    assert expectations["columns"]["note"]["length"]["edges"], "free text is profiled by length"
    assert expectations["columns"]["express"]["kind"] == "boolean"
    assert "edges" not in expectations["columns"]["ordered"], "dates always move: no drift profile"


def test_drift_is_small_on_the_same_distribution_and_large_on_a_shift(training):
    expectations = input_expectations(training.drop(columns=["y"]))
    rng = np.random.default_rng(1)
    same = pd.DataFrame({"distance": rng.uniform(1, 20, 2000), "city": rng.choice(["Paris", "Lyon", "Nice"], 2000)})
    shifted = pd.DataFrame({"distance": rng.uniform(15, 40, 2000), "city": rng.choice(["Paris", "Berlin"], 2000)})
    shifted.loc[::2, "distance"] = np.nan
    calm, moved = expectation_drift(expectations, same), expectation_drift(expectations, shifted)
    assert set(calm) == {"distance", "city"}, "only columns present are compared"
    assert calm["distance"]["psi"] < 0.1 and calm["city"]["psi"] < 0.1
    assert moved["distance"]["psi"] > 0.25 and moved["city"]["psi"] > 0.25
    assert moved["distance"]["out_of_range"] == pytest.approx(float((shifted["distance"] > training["distance"].max()).mean() / 0.5), abs=0.05)
    assert moved["city"]["unseen"] == pytest.approx(0.5, abs=0.05)
    assert moved["distance"]["null_rate_change"] == pytest.approx(0.4, abs=0.01)


def test_psi_of_known_shares():
    assert psi([0.5, 0.5], [0.5, 0.5]) == 0.0
    assert psi([0.5, 0.5], [0.9, 0.1]) == pytest.approx(0.4 * np.log(0.9 / 0.5) + -0.4 * np.log(0.1 / 0.5))
    assert psi([10, 10], [1, 1]) == 0.0, "counts work like shares"
    assert np.isfinite(psi([1.0, 0.0], [0.0, 1.0])), "empty bins are floored, not infinite"


shares = st.lists(st.floats(0.01, 1.0), min_size=2, max_size=12)


@settings(max_examples=60, deadline=None)
@given(shares, st.data())
def test_psi_is_symmetric_and_never_negative(expected, data):
    actual = data.draw(st.lists(st.floats(0.01, 1.0), min_size=len(expected), max_size=len(expected)))
    forward, backward = psi(expected, actual), psi(actual, expected)
    assert forward >= -1e-12 and forward == pytest.approx(backward)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=300))
def test_reference_profile_of_a_sample_has_no_drift_against_itself(values):
    sample = pd.DataFrame({"x": values})
    expectations = input_expectations(sample)
    profile = expectations["columns"]["x"]
    assert sum(profile["shares"]) == pytest.approx(1.0) and profile["edges"] == sorted(profile["edges"])
    assert expectation_drift(expectations, sample)["x"]["psi"] == pytest.approx(0.0, abs=1e-9)
