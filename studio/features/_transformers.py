"""The studio's own column transformers, following scikit-learn's estimator contract.

Each takes a DataFrame (as ColumnTransformer hands it the recipe's columns) or a 2-D array (as
the previous step of a column's chain gives it), keeps only plain parameters in ``__init__``
and numpy/builtin state in attributes ending in ``_`` (so skops can save them and ``clone``
can copy them), never raises on missing or unseen values at transform time, and names its
outputs in ``get_feature_names_out``. Value conversion goes through ``_coerce`` so a batch and
a single record give identical numbers.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from studio.features._coerce import as_boolean, as_category, as_datetime, as_float, as_text, epoch_seconds
from studio.features._steps import CYCLIC_PERIODS, ELAPSED_UNITS_S

MISSING_CATEGORY = "(missing)"
CYCLIC_FIRST = {"month": 1, "day": 1, "dayofyear": 1}  # parts counted from 1; the others from 0


def column_arrays(X: Any) -> list[Any]:
    """The columns of X, as Series for a DataFrame (whose names the pipeline keeps unique),
    else as 1-D arrays."""
    if isinstance(X, pd.DataFrame):
        return [X[name] for name in X.columns]
    array = np.asarray(X)
    if array.ndim == 1:
        array = array.reshape(-1, 1)
    return [array[:, i] for i in range(array.shape[1])]


def _all_numeric(X: pd.DataFrame) -> bool:
    return all(pd.api.types.is_bool_dtype(t) or pd.api.types.is_numeric_dtype(t) for t in X.dtypes)


def float_matrix(X: Any) -> np.ndarray:
    """X as a float64 matrix (see ``as_float``); a frame of numbers converts in one call."""
    if isinstance(X, np.ndarray) and X.dtype == np.float64 and X.ndim == 2:
        return X
    if isinstance(X, pd.DataFrame) and _all_numeric(X):
        return X.to_numpy(dtype=float, na_value=np.nan)
    columns = column_arrays(X)
    if not columns:
        return np.empty((len(X), 0))
    return np.column_stack([as_float(c) for c in columns])


class _StudioTransformer(TransformerMixin, BaseEstimator):
    """Records the input's column names and width; names one output per input by default."""

    def _remember_input(self, X: Any) -> None:
        if isinstance(X, pd.DataFrame):
            self.feature_names_in_ = np.asarray([str(c) for c in X.columns], dtype=object)
        self.n_features_in_ = X.shape[1] if hasattr(X, "shape") and len(X.shape) == 2 else 1

    def _input_names(self, input_features: Any = None) -> list[str]:
        if input_features is not None:
            return [str(name) for name in input_features]
        if hasattr(self, "feature_names_in_"):
            return list(self.feature_names_in_)
        return [f"x{i}" for i in range(self.n_features_in_)]

    def fit(self, X: Any, y: Any = None) -> _StudioTransformer:
        self._remember_input(X)
        return self

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        check_is_fitted(self, "n_features_in_")
        return np.asarray(self._input_names(input_features), dtype=object)


class ToNumbers(_StudioTransformer):
    """Numbers as float64 (unparseable text is missing); with ``boolean``, true/false words and
    0/1 as 1.0/0.0."""

    def __init__(self, boolean: bool = False) -> None:
        self.boolean = boolean

    def transform(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "n_features_in_")
        if not self.boolean:
            return float_matrix(X).copy()
        columns = column_arrays(X)
        return np.column_stack([as_boolean(c) for c in columns]) if columns else np.empty((len(X), 0))


class Impute(_StudioTransformer):
    """Missing values (NaN) become the column's mean, median or most frequent value at fit
    time, or ``fill_value``. A column with no value at fit time is filled with 0."""

    def __init__(self, strategy: str = "median", fill_value: float | None = None) -> None:
        self.strategy = strategy
        self.fill_value = fill_value

    def fit(self, X: Any, y: Any = None) -> Impute:
        self._remember_input(X)
        values = float_matrix(X)
        statistics = []
        for column in values.T:
            present = column[~np.isnan(column)]
            if self.strategy == "constant":
                statistic = float(self.fill_value if self.fill_value is not None else 0.0)
            elif present.size == 0:
                statistic = 0.0
            elif self.strategy == "mean":
                statistic = float(present.mean())
            elif self.strategy == "median":
                statistic = float(np.median(present))
            else:
                uniques, counts = np.unique(present, return_counts=True)
                statistic = float(uniques[np.argmax(counts)])
            statistics.append(statistic)
        self.statistics_ = np.asarray(statistics, dtype=float)
        return self

    def transform(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "statistics_")
        values = float_matrix(X)
        return np.where(np.isnan(values), self.statistics_, values)


class Clip(_StudioTransformer):
    def __init__(self, low: float | None = None, high: float | None = None) -> None:
        self.low = low
        self.high = high

    def transform(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "n_features_in_")
        low = -np.inf if self.low is None else self.low
        high = np.inf if self.high is None else self.high
        return np.clip(float_matrix(X), low, high)


class SignedLog(_StudioTransformer):
    """sign(x) * log(1 + |x|), defined for every number; ``inverse_transform`` undoes it."""

    def transform(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "n_features_in_")
        values = float_matrix(X)
        return np.sign(values) * np.log1p(np.abs(values))

    def inverse_transform(self, X: Any) -> np.ndarray:
        values = float_matrix(X)
        return np.sign(values) * np.expm1(np.abs(values))


class QuantileBins(_StudioTransformer):
    """The bin number of each value among quantile edges learned at fit time (equal shares of
    the rows; repeated edges merge), or with ``encode="one_hot"`` one 0/1 column per bin.
    Missing values stay missing (ordinal) or set no bin (one-hot)."""

    def __init__(self, n_bins: int = 10, encode: str = "ordinal") -> None:
        self.n_bins = n_bins
        self.encode = encode

    def fit(self, X: Any, y: Any = None) -> QuantileBins:
        self._remember_input(X)
        inner = np.linspace(0.0, 1.0, self.n_bins + 1)[1:-1]
        edges = []
        for column in float_matrix(X).T:
            finite = column[np.isfinite(column)]
            edges.append(np.unique(np.quantile(finite, inner)) if finite.size else np.empty(0))
        self.edges_ = edges
        return self

    def transform(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "edges_")
        values = float_matrix(X)
        outputs = []
        for column, edges in zip(values.T, self.edges_):
            index = np.searchsorted(edges, column, side="right").astype(float)
            missing = np.isnan(column)
            if self.encode == "ordinal":
                outputs.append(np.where(missing, np.nan, index)[:, None])
            else:
                outputs.append(((index[:, None] == np.arange(len(edges) + 1)) & ~missing[:, None]).astype(float))
        return np.hstack(outputs) if outputs else np.empty((len(values), 0))

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        check_is_fitted(self, "edges_")
        names = self._input_names(input_features)
        if self.encode == "ordinal":
            return np.asarray(names, dtype=object)
        return np.asarray([f"{name}__bin{k}" for name, edges in zip(names, self.edges_) for k in range(len(edges) + 1)], dtype=object)


class Categories(_StudioTransformer):
    """Canonical category text (see ``as_category``). Missing values become their own category
    ``(missing)``, or the most frequent category at fit time, or ``fill_value``."""

    def __init__(self, strategy: str = "missing", fill_value: str | None = None) -> None:
        self.strategy = strategy
        self.fill_value = fill_value

    def fit(self, X: Any, y: Any = None) -> Categories:
        self._remember_input(X)
        fills = []
        for column in column_arrays(X):
            if self.strategy == "most_frequent":
                counts = pd.Series(as_category(column), dtype=object).value_counts(dropna=True)
                fills.append(str(counts.index[0]) if len(counts) else MISSING_CATEGORY)
            elif self.strategy == "constant":
                fills.append(str(self.fill_value))
            else:
                fills.append(MISSING_CATEGORY)
        self.fills_ = fills
        return self

    def transform(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "fills_")
        columns = []
        for column, fill in zip(column_arrays(X), self.fills_):
            if isinstance(column, pd.Series) and pd.api.types.is_string_dtype(column.dtype) and column.dtype != object:
                columns.append(column.fillna(fill).to_numpy(dtype=object))  # text as it is: fill in the column's own (fast) storage
                continue
            values = as_category(column)
            values[pd.isna(values)] = fill
            columns.append(values)
        if not columns:
            return np.empty((len(X), 0), dtype=object)
        return np.column_stack(columns).astype(object)


SMALL_INPUT = 256  # rows below which a dict lookup beats building a hash index of the categories


def _codes(positions: dict[str, int], values: np.ndarray) -> np.ndarray:
    """The position of each value among the categories (``positions`` maps each to its
    position), -1 when it is not one of them. Both ways of looking up are exact, so a record
    and a batch get the same codes."""
    if len(values) < SMALL_INPUT:
        return np.fromiter((positions.get(v, -1) for v in values), dtype=np.int64, count=len(values))
    return pd.Index(list(positions), dtype=object).get_indexer(pd.Index(values, dtype=object))


class OrdinalCodes(_StudioTransformer):
    """Each category as its position in ``categories`` (one list for every column), else
    among the sorted categories seen at fit time; an unseen category is -1."""

    def __init__(self, categories: tuple[str, ...] = ()) -> None:
        self.categories = categories

    def fit(self, X: Any, y: Any = None) -> OrdinalCodes:
        self._remember_input(X)
        if self.categories:
            self.categories_ = [list(self.categories) for _ in column_arrays(X)]
        else:
            self.categories_ = [sorted(set(np.asarray(column, dtype=object).tolist())) for column in column_arrays(X)]
        self.positions_ = [{category: i for i, category in enumerate(categories)} for categories in self.categories_]
        return self

    def transform(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "categories_")
        columns = column_arrays(X)
        if not columns:
            return np.empty((len(X), 0))
        return np.column_stack([_codes(positions, np.asarray(column, dtype=object)) for positions, column in zip(self.positions_, columns)]).astype(float)


class OneHotRare(_StudioTransformer):
    """One 0/1 column per category. Categories seen fewer times than ``min_frequency`` (a share
    of the rows when below 1, else a count), and those beyond the ``max_categories`` - 1 most
    frequent when that cap is hit, share one ``(other)`` column, which unseen categories also
    set; without rare categories at fit time an unseen one sets no column."""

    def __init__(self, min_frequency: float = 0.01, max_categories: int | None = 30) -> None:
        self.min_frequency = min_frequency
        self.max_categories = max_categories

    def fit(self, X: Any, y: Any = None) -> OneHotRare:
        self._remember_input(X)
        kept, other = [], []
        for column in column_arrays(X):
            counts = pd.Series(np.asarray(column, dtype=object)).value_counts(sort=False)
            threshold = self.min_frequency * len(column) if self.min_frequency < 1 else self.min_frequency
            ranked = sorted(((int(n), str(v)) for v, n in counts.items()), key=lambda item: (-item[0], item[1]))
            frequent = [value for n, value in ranked if n >= threshold]
            if self.max_categories is not None and len(frequent) + (len(frequent) < len(ranked)) > self.max_categories:
                frequent = frequent[: self.max_categories - 1]
            kept.append(sorted(frequent))
            other.append(len(frequent) < len(ranked))
        self.categories_ = kept
        self.positions_ = [{category: i for i, category in enumerate(categories)} for categories in kept]
        self.has_other_ = other
        return self

    def transform(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "categories_")
        widths = [len(categories) + has_other for categories, has_other in zip(self.categories_, self.has_other_)]
        out = np.zeros((len(X), sum(widths)))
        offset = 0
        for column, positions, width, has_other in zip(column_arrays(X), self.positions_, widths, self.has_other_):
            codes = _codes(positions, np.asarray(column, dtype=object))
            if has_other:
                codes = np.where(codes < 0, width - 1, codes)
            rows = np.flatnonzero(codes >= 0)
            out[rows, offset + codes[rows]] = 1.0
            offset += width
        return out

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        check_is_fitted(self, "categories_")
        names = []
        for name, categories, has_other in zip(self._input_names(input_features), self.categories_, self.has_other_):
            names += [f"{name}={category}" for category in categories] + ([f"{name}=(other)"] if has_other else [])
        return np.asarray(names, dtype=object)


class MissingIndicator(_StudioTransformer):
    """1.0 where a value is missing, for each input column that had missing values at fit time.
    ``kinds`` gives each column's kind (numeric, boolean, date, or text-like), which says what
    counts as missing: a value of the wrong type (text in a numeric column) does, as it does
    for the imputer."""

    def __init__(self, kinds: tuple[str, ...] = ()) -> None:
        self.kinds = kinds

    def _missing(self, X: Any) -> np.ndarray:
        columns = column_arrays(X)
        if not columns:
            return np.empty((len(X), 0), dtype=bool)
        if isinstance(X, pd.DataFrame) and all(k == "numeric" for k in self.kinds) and _all_numeric(X):
            return np.isnan(X.to_numpy(dtype=float, na_value=np.nan))
        flags = []
        for kind, column in zip(self.kinds, columns):
            if kind == "numeric":
                flags.append(np.isnan(as_float(column)))
            elif kind == "boolean":
                flags.append(np.isnan(as_boolean(column)))
            elif kind == "date":
                flags.append(np.isnat(as_datetime(column)))
            else:
                flags.append(pd.isna(as_category(column)))
        return np.column_stack(flags)

    def fit(self, X: Any, y: Any = None) -> MissingIndicator:
        self._remember_input(X)
        self.features_ = np.flatnonzero(self._missing(X).any(axis=0))
        return self

    def transform(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "features_")
        return self._missing(X)[:, self.features_].astype(float)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        check_is_fitted(self, "features_")
        names = self._input_names(input_features)
        return np.asarray([f"{names[i]}__missing" for i in self.features_], dtype=object)


class DateFeatures(_StudioTransformer):
    """Numbers from dates: calendar ``parts`` (month, hour, ...), ``cyclic`` parts as sin and
    cos, and for each (``since``, unit) in ``elapsed`` the time from that other date. With
    ``elapsed`` the input is this date then the ``since`` columns in that order; without, every
    input column is a date treated alike. A missing date gives missing numbers."""

    def __init__(self, parts: tuple[str, ...] = (), cyclic: tuple[str, ...] = (), elapsed: tuple[tuple[str, str], ...] = ()) -> None:
        self.parts = parts
        self.cyclic = cyclic
        self.elapsed = elapsed

    def _dates(self, X: Any) -> list[Any]:
        columns = column_arrays(X)
        return columns[:1] if self.elapsed else columns

    def transform(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "n_features_in_")
        columns = column_arrays(X)
        outputs: list[np.ndarray] = []
        for column in self._dates(X):
            times = as_datetime(column)
            missing = np.isnat(times)
            for part in self.parts:
                outputs.append(np.where(missing, np.nan, date_part(times, part)))
            for part in self.cyclic:
                angle = 2 * np.pi * (date_part(times, part) - CYCLIC_FIRST.get(part, 0)) / CYCLIC_PERIODS[part]
                outputs.append(np.where(missing, np.nan, np.sin(angle)))
                outputs.append(np.where(missing, np.nan, np.cos(angle)))
            for (_since, unit), other in zip(self.elapsed, columns[1:]):
                outputs.append((epoch_seconds(times) - epoch_seconds(as_datetime(other))) / ELAPSED_UNITS_S[unit])
        return np.column_stack(outputs) if outputs else np.empty((len(X), 0))

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        check_is_fitted(self, "n_features_in_")
        names = self._input_names(input_features)
        dates = names[:1] if self.elapsed else names
        out = []
        for name in dates:
            out += [f"{name}__{part}" for part in self.parts]
            out += [f"{name}__{part}_{f}" for part in self.cyclic for f in ("sin", "cos")]
            out += [f"{name}__{unit}_since_{since}" for since, unit in self.elapsed]
        return np.asarray(out, dtype=object)


def date_part(times: np.ndarray, part: str) -> np.ndarray:
    """A calendar part of datetime64 values as float64 (garbage where NaT: mask it)."""
    days = times.astype("datetime64[D]")
    if part == "year":
        return times.astype("datetime64[Y]").astype(np.int64) + 1970.0
    if part in ("month", "quarter"):
        month = times.astype("datetime64[M]").astype(np.int64) % 12 + 1.0
        return month if part == "month" else (month - 1) // 3 + 1
    if part == "day":
        return (days - times.astype("datetime64[M]")).astype(np.int64) + 1.0
    if part == "dayofyear":
        return (days - times.astype("datetime64[Y]")).astype(np.int64) + 1.0
    if part in ("dayofweek", "is_weekend"):
        weekday = (days.astype(np.int64) + 3) % 7.0  # 1970-01-01 was a Thursday; Monday is 0
        return weekday if part == "dayofweek" else (weekday >= 5).astype(float)
    minutes = (times - days).astype("timedelta64[m]").astype(np.int64)
    return minutes // 60 + 0.0 if part == "hour" else minutes % 60 + 0.0


class TextStats(_StudioTransformer):
    """Length in characters and number of whitespace-separated tokens; missing text gives
    missing numbers."""

    def __init__(self, stats: tuple[str, ...] = ("length", "tokens")) -> None:
        self.stats = stats

    def transform(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "n_features_in_")
        outputs = []
        for column in column_arrays(X):
            text = pd.Series(as_text(column), dtype=object)
            for stat in self.stats:
                values = text.str.len() if stat == "length" else text.str.count(r"\S+")
                outputs.append(values.to_numpy(dtype=float, na_value=np.nan))
        return np.column_stack(outputs) if outputs else np.empty((len(X), 0))

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        check_is_fitted(self, "n_features_in_")
        return np.asarray([f"{name}__{stat}" for name in self._input_names(input_features) for stat in self.stats], dtype=object)
