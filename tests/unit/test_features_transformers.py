"""Each studio transformer on its own: values, shapes, names, inverses, the estimator contract,
and invariants under generated input (hypothesis)."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.base import clone

from studio.features import _transformers
from studio.features._coerce import as_category, as_datetime
from studio.features._transformers import (
    Categories,
    Clip,
    DateFeatures,
    Impute,
    MissingIndicator,
    OneHotRare,
    OrdinalCodes,
    QuantileBins,
    SignedLog,
    TextStats,
    ToNumbers,
)

floats = st.one_of(st.just(np.nan), st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12))
matrices = arrays(np.float64, st.tuples(st.integers(1, 40), st.integers(1, 4)), elements=floats)


def test_to_numbers_coerces_text_booleans_and_missing_alike():
    frame = pd.DataFrame({"a": pd.Series(["1.5", None, "x", True, 2], dtype=object), "b": [1, 2, 3, 4, 5]})
    out = ToNumbers().fit(frame).transform(frame)
    assert np.array_equal(out, [[1.5, 1], [np.nan, 2], [np.nan, 3], [1, 4], [2, 5]], equal_nan=True)
    flags = pd.DataFrame({"f": pd.Series(["yes", "No", None, "maybe", "1", True], dtype=object)})
    assert np.array_equal(ToNumbers(boolean=True).fit(flags).transform(flags)[:, 0], [1, 0, np.nan, np.nan, 1, 1], equal_nan=True)
    assert list(ToNumbers().fit(frame).get_feature_names_out()) == ["a", "b"]


@pytest.mark.parametrize(("strategy", "expected"), [("mean", 2.0), ("median", 1.5), ("most_frequent", 1.0), ("constant", -1.0)])
def test_impute_strategies(strategy, expected):
    X = np.array([[1.0], [1.0], [np.nan], [2.0], [4.0], [np.nan]])
    X[:, 0] = [1, 1, np.nan, 2, 4, np.nan]
    imputer = Impute(strategy, fill_value=-1.0).fit(np.array([[1.0], [1.0], [2.0], [4.0], [np.nan]]))
    out = imputer.transform(X)
    assert out[2, 0] == expected and out[5, 0] == expected
    assert out[0, 0] == 1 and out[4, 0] == 4


def test_impute_of_a_column_with_no_value_fills_zero():
    assert Impute("median").fit(np.full((3, 1), np.nan)).transform(np.array([[np.nan], [5.0]])).tolist() == [[0.0], [5.0]]


@settings(max_examples=60, deadline=None)
@given(matrices, st.sampled_from(["mean", "median", "most_frequent", "constant"]))
def test_impute_leaks_no_missing_value_and_keeps_the_present_ones(X, strategy):
    out = Impute(strategy, fill_value=0.0).fit(X).transform(X)
    assert out.shape == X.shape and not np.isnan(out).any()
    present = ~np.isnan(X)
    assert np.array_equal(out[present], X[present])


@settings(max_examples=60, deadline=None)
@given(matrices, st.floats(-100, 0), st.floats(0.5, 100))
def test_clip_stays_within_its_bounds(X, low, high):
    out = Clip(low, high).fit(X).transform(X)
    finite = ~np.isnan(X)
    assert out.shape == X.shape and np.all((out[finite] >= low) & (out[finite] <= high))
    assert np.isnan(out[~finite]).all()
    assert np.array_equal(Clip(high=1.0).fit(X).transform(X)[finite], np.minimum(X[finite], 1.0))


@settings(max_examples=80, deadline=None)
@given(matrices)
def test_signed_log_is_inverted(X):
    transformer = SignedLog().fit(X)
    out = transformer.transform(X)
    assert out.shape == X.shape
    assert np.allclose(transformer.inverse_transform(out), X, rtol=1e-9, atol=1e-9, equal_nan=True)
    assert np.all(np.sign(out[~np.isnan(X)]) == np.sign(X[~np.isnan(X)]))


@settings(max_examples=60, deadline=None)
@given(matrices, st.integers(2, 12))
def test_quantile_bins_are_ordered_and_in_range(X, n_bins):
    bins = QuantileBins(n_bins).fit(X)
    out = bins.transform(X)
    assert out.shape == X.shape
    present = ~np.isnan(X)
    assert np.all((out[present] >= 0) & (out[present] <= n_bins - 1)) and np.isnan(out[~present]).all()
    for column in range(X.shape[1]):
        values, codes = X[present[:, column], column], out[present[:, column], column]
        order = np.argsort(values, kind="stable")
        assert np.all(np.diff(codes[order]) >= 0)  # a larger value never lands in a lower bin
    one_hot = QuantileBins(n_bins, "one_hot").fit(X)
    encoded = one_hot.transform(X)
    assert encoded.shape[1] == len(one_hot.get_feature_names_out())
    assert np.array_equal(encoded.sum(axis=1), present.sum(axis=1))  # one bin per present value


def test_quantile_bins_edges_and_names():
    X = np.arange(100, dtype=float).reshape(-1, 1)
    bins = QuantileBins(4, "one_hot").fit(X)
    assert list(bins.get_feature_names_out(["x"])) == ["x__bin0", "x__bin1", "x__bin2", "x__bin3"]
    assert bins.transform(np.array([[-5.0], [30.0], [1000.0], [np.nan]])).tolist() == [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 0, 0]]
    assert QuantileBins(4).fit(np.ones((10, 1))).transform(np.array([[1.0], [2.0]])).ravel().tolist() == [1.0, 1.0]


def test_categories_are_canonical_and_missing_is_a_category():
    frame = pd.DataFrame({"zip": [1234.0, None, 1234.0, 99.5], "size": ["M", "M", None, "L"]})
    out = Categories().fit(frame).transform(frame)
    assert out.tolist() == [["1234", "M"], ["(missing)", "M"], ["1234", "(missing)"], ["99.5", "L"]]
    single = pd.DataFrame([{"zip": 1234, "size": None}])
    assert Categories().fit(frame).transform(single).tolist() == [["1234", "(missing)"]]
    assert Categories("most_frequent").fit(frame).transform(frame)[:, 1].tolist() == ["M", "M", "M", "L"]
    assert Categories("constant", "unknown").fit(frame).transform(frame)[2, 1] == "unknown"


def test_canonical_categories_agree_between_batch_and_record_types():
    assert as_category(pd.Series([3.0, 2.5, None])).tolist() == ["3", "2.5", None]
    assert as_category(pd.Series([3, 2], dtype="int64")).tolist() == ["3", "2"]
    assert as_category(pd.Series([True, False])).tolist() == ["true", "false"]
    assert as_category(pd.Series([3, "x", None, 2.0, True, np.nan], dtype=object)).tolist() == ["3", "x", None, "2", "true", None]


def test_one_hot_groups_rare_and_unseen_categories():
    values = np.array(["a"] * 50 + ["b"] * 30 + ["c"] * 15 + ["d"] * 4 + ["e"], dtype=object).reshape(-1, 1)
    encoder = OneHotRare(min_frequency=0.05).fit(values)
    assert list(encoder.get_feature_names_out(["x"])) == ["x=a", "x=b", "x=c", "x=(other)"]
    out = encoder.transform(np.array([["a"], ["d"], ["e"], ["never seen"], ["c"]], dtype=object))
    assert out.tolist() == [[1, 0, 0, 0], [0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 1, 0]]
    capped = OneHotRare(min_frequency=0, max_categories=3).fit(values)
    assert list(capped.get_feature_names_out(["x"])) == ["x=a", "x=b", "x=(other)"]  # the cap counts the shared column
    by_count = OneHotRare(min_frequency=10, max_categories=None).fit(values)
    assert list(by_count.get_feature_names_out(["x"])) == ["x=a", "x=b", "x=c", "x=(other)"]
    plain = OneHotRare(min_frequency=0, max_categories=None).fit(values[:80])
    assert list(plain.get_feature_names_out(["x"])) == ["x=a", "x=b"]
    assert plain.transform(np.array([["zzz"]], dtype=object)).tolist() == [[0, 0]]  # nothing rare at fit: an unseen value sets no column


def test_ordinal_codes_in_given_or_sorted_order():
    values = np.array([["M"], ["S"], ["L"], ["M"]], dtype=object)
    assert OrdinalCodes(("S", "M", "L")).fit(values).transform(np.array([["L"], ["XL"], ["S"]], dtype=object)).ravel().tolist() == [2, -1, 0]
    assert OrdinalCodes().fit(values).transform(values).ravel().tolist() == [1, 2, 0, 1]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "c", "d", "(missing)"]), min_size=1, max_size=40), st.lists(st.sampled_from(["a", "b", "z", "(missing)"]), min_size=300, max_size=400))
def test_category_lookups_agree_for_one_record_and_a_batch(train, batch):
    train_values = np.array(train, dtype=object).reshape(-1, 1)
    rows = np.array(batch, dtype=object).reshape(-1, 1)
    assert len(rows) >= _transformers.SMALL_INPUT  # the batch takes the hash-index path, each record the dict path
    for encoder in (OneHotRare(0.1), OrdinalCodes()):
        fitted = encoder.fit(train_values)
        whole = fitted.transform(rows)
        assert np.array_equal(np.vstack([fitted.transform(rows[i : i + 1]) for i in range(0, len(rows), 37)]), whole[::37])


def test_missing_indicator_marks_only_columns_missing_at_fit():
    frame = pd.DataFrame({"a": [1.0, None, 3.0], "b": [1.0, 2.0, 3.0], "c": ["x", "oops", None]})
    indicator = MissingIndicator(("numeric", "numeric")).fit(frame[["a", "b"]])
    assert list(indicator.get_feature_names_out()) == ["a__missing"]
    assert indicator.transform(pd.DataFrame({"a": [None, 2.0], "b": [None, None]})).tolist() == [[1.0], [0.0]]
    text = MissingIndicator(("categorical",)).fit(frame[["c"]])
    assert text.transform(frame[["c"]]).ravel().tolist() == [0, 0, 1]
    wrong_type = MissingIndicator(("numeric",)).fit(pd.DataFrame({"n": pd.Series(["1", "junk"], dtype=object)}))
    assert list(wrong_type.get_feature_names_out()) == ["n__missing"]  # unparseable counts as missing, as the imputer sees it


def test_date_features_parts_cycles_and_elapsed():
    frame = pd.DataFrame(
        {"placed_at": pd.to_datetime(["2026-06-01 10:30", "2026-12-31 23:00", None]), "opened_on": pd.to_datetime(["2026-05-01", "2026-12-30", "2026-01-01"])}
    )
    parts = DateFeatures(("year", "quarter", "month", "day", "dayofweek", "dayofyear", "hour", "minute", "is_weekend"), ("hour",), (("opened_on", "days"),))
    out = parts.fit(frame).transform(frame)
    names = list(parts.get_feature_names_out())
    assert names == [
        "placed_at__year", "placed_at__quarter", "placed_at__month", "placed_at__day", "placed_at__dayofweek", "placed_at__dayofyear",
        "placed_at__hour", "placed_at__minute", "placed_at__is_weekend", "placed_at__hour_sin", "placed_at__hour_cos", "placed_at__days_since_opened_on",
    ]  # fmt: skip
    assert out[0, :9].tolist() == [2026, 2, 6, 1, 0, 152, 10, 30, 0]  # 2026-06-01 is a Monday
    assert out[1, :9].tolist() == [2026, 4, 12, 31, 3, 365, 23, 0, 0]
    assert np.isnan(out[2]).all()
    assert out[0, 9] == pytest.approx(np.sin(2 * np.pi * 10 / 24)) and out[0, 10] == pytest.approx(np.cos(2 * np.pi * 10 / 24))
    assert out[0, 11] == pytest.approx(31 + 10.5 / 24)
    as_text = frame.assign(placed_at=["2026-06-01T10:30:00", "2026-12-31 23:00:00+00:00", None])
    assert np.array_equal(parts.transform(as_text), out, equal_nan=True)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.datetimes(min_value=pd.Timestamp("1900-01-01").to_pydatetime(), max_value=pd.Timestamp("2200-01-01").to_pydatetime()), min_size=1, max_size=30))
def test_cyclic_parts_lie_on_the_unit_circle(times):
    frame = pd.DataFrame({"t": pd.to_datetime(times)})
    out = DateFeatures((), ("month", "day", "dayofweek", "dayofyear", "hour", "minute")).fit(frame).transform(frame)
    assert out.shape == (len(times), 12)
    assert np.allclose(out[:, 0::2] ** 2 + out[:, 1::2] ** 2, 1.0)
    expected = pd.DatetimeIndex(as_datetime(frame["t"]))
    direct = DateFeatures(("month", "day", "dayofweek", "hour"), ()).fit(frame).transform(frame)
    assert direct.tolist() == np.column_stack([expected.month, expected.day, expected.day_of_week, expected.hour]).astype(float).tolist()


def test_text_stats():
    frame = pd.DataFrame({"note": ["ring twice  please", "", None]})
    stats = TextStats().fit(frame)
    assert np.array_equal(stats.transform(frame), [[18, 3], [0, 0], [np.nan, np.nan]], equal_nan=True)
    assert list(stats.get_feature_names_out()) == ["note__length", "note__tokens"]


@pytest.mark.parametrize(
    "transformer",
    [
        ToNumbers(True), Impute("constant", 2.0), Clip(0.0, 1.0), SignedLog(), QuantileBins(3, "one_hot"), Categories("constant", "z"),
        OneHotRare(5, 4), OrdinalCodes(("a", "b")), MissingIndicator(("date",)), DateFeatures(("hour",), ("month",)), TextStats(("tokens",)),
    ],
)
def test_estimator_contract(transformer):
    params = transformer.get_params()
    copy = clone(transformer)
    assert copy.get_params() == params and copy is not transformer
    assert clone(transformer).set_params(**params).get_params() == params
    with pytest.raises(Exception, match="not fitted"):
        clone(transformer).transform(np.zeros((1, 1)))
