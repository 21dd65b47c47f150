"""The pipeline's first steps, which work on the whole frame by column name: pick the recipe's
input columns, bring in entity aggregates (from the rows, or from the online table when
serving), and add the derived features of the recipe's expressions."""

from __future__ import annotations

import collections
import functools
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from studio.errors import StudioError
from studio.features._coerce import as_category, as_float
from studio.features._evaluate import NUM, check, evaluate, value_type
from studio.features._expressions import Node, columns_used

NAMES_SHOWN = 10
ZERO_WHEN_NO_EVENTS = ("count", "sum")
ONLINE_COLUMNS = ("aggregate", "entity_key", "value")


def _require_frame(X: Any) -> pd.DataFrame:
    if not isinstance(X, pd.DataFrame):
        raise StudioError("the feature pipeline takes a table with named columns (a pandas DataFrame), not an array")
    return X


def _shown(names: list[str]) -> str:
    return ", ".join(names[:NAMES_SHOWN]) + (", ..." if len(names) > NAMES_SHOWN else "")


class _FrameStep(TransformerMixin, BaseEstimator):
    def _names_out(self, input_features: Any, added: list[str]) -> np.ndarray:
        names = [str(n) for n in (input_features if input_features is not None else self.feature_names_in_)]
        return np.asarray(names + [n for n in added if n not in names], dtype=object)


class InputColumns(_FrameStep):
    """The ``required`` columns (one line naming any that are absent) and those of the
    ``optional`` ones that are present; every other column is left behind."""

    def __init__(self, required: tuple[str, ...] = (), optional: tuple[str, ...] = ()) -> None:
        self.required = required
        self.optional = optional

    def _select(self, X: Any) -> list[str]:
        frame = _require_frame(X)
        absent = [name for name in self.required if name not in frame.columns]
        if absent:
            raise StudioError(f"the input has no column {absent[0]!r}; the features need: {_shown(list(self.required))}")
        return list(self.required) + [name for name in self.optional if name in frame.columns]

    def fit(self, X: Any, y: Any = None) -> InputColumns:
        self.feature_names_in_ = np.asarray(self._select(X), dtype=object)
        self.n_features_in_ = len(self.feature_names_in_)
        return self

    def transform(self, X: Any) -> pd.DataFrame:
        check_is_fitted(self, "feature_names_in_")
        selected = self._select(X)
        if list(X.columns) == selected:
            return X
        return X.iloc[:, X.columns.get_indexer(selected)]

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        check_is_fitted(self, "feature_names_in_")
        return np.asarray(self.feature_names_in_, dtype=object)


class EntityLookup(_FrameStep):
    """Entity aggregates by name: taken from the input when it has the column (training rows,
    computed point in time in DuckDB), else looked up by the row's entity key in the online
    table given to ``set_online_table`` (serving: the request carries only the key). An entity
    absent from the online table had no events in the window: 0 for count and sum, missing
    for the others; a missing key gives a missing value."""

    def __init__(self, aggregates: tuple[tuple[str, str, str], ...] = ()) -> None:
        self.aggregates = aggregates  # (name, entity column, function)

    def fit(self, X: Any, y: Any = None) -> EntityLookup:
        frame = _require_frame(X)
        absent = [name for name, _entity, _function in self.aggregates if name not in frame.columns]
        if absent and getattr(self, "online_table_", None) is None:
            raise StudioError(f"the training rows have no aggregate column {absent[0]!r}; compute them with point_in_time_aggregates first")
        self.feature_names_in_ = np.asarray([str(c) for c in frame.columns], dtype=object)
        self.n_features_in_ = len(self.feature_names_in_)
        return self

    def set_online_table(self, frame: pd.DataFrame) -> EntityLookup:
        """Load the online table (columns aggregate, entity_key, value: see online_table_sql)."""
        missing = [c for c in ONLINE_COLUMNS if c not in frame.columns]
        if missing:
            raise StudioError(f"the online table has no column {missing[0]!r}; it needs {', '.join(ONLINE_COLUMNS)}")
        table: dict[str, dict[str, float]] = {name: {} for name, _entity, _function in self.aggregates}
        keys = as_category(frame["entity_key"])
        values = as_float(frame["value"])
        for aggregate, key, value in zip(frame["aggregate"].astype(object), keys, values):
            if aggregate in table and key is not None:
                table[aggregate][key] = float(value)
        self.online_table_ = table
        return self

    def transform(self, X: Any) -> pd.DataFrame:
        check_is_fitted(self, "feature_names_in_")
        frame = _require_frame(X)
        added: dict[str, np.ndarray] = {}
        for name, entity, function in self.aggregates:
            if name in frame.columns:
                continue
            table = getattr(self, "online_table_", None)
            if table is None:
                raise StudioError(f"the input has no column {name!r} and no online table is loaded to look it up by {entity!r}")
            if entity not in frame.columns:
                raise StudioError(f"the input has no column {entity!r}, the key to look up {name!r} by")
            keys = as_category(frame[entity])
            found = table.get(name, {})
            default = 0.0 if function in ZERO_WHEN_NO_EVENTS else np.nan
            added[name] = np.array([np.nan if key is None else found.get(key, default) for key in keys], dtype=float)
        return frame.assign(**added) if added else frame

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        check_is_fitted(self, "feature_names_in_")
        return self._names_out(input_features, [name for name, _entity, _function in self.aggregates])


@functools.lru_cache(maxsize=512)
def _checked(text: str, types: tuple[tuple[str, str], ...]) -> Node:
    return check(text, dict(types))


class DeriveFeatures(_FrameStep):
    """Adds one column per (name, expression), in order: an expression may read the columns
    and the features derived before it. The value type of each column it reads (number, text
    or time) is fixed at fit time, so a single record converts like the batch did."""

    def __init__(self, expressions: tuple[tuple[str, str], ...] = ()) -> None:
        self.expressions = expressions

    def _types(self) -> dict[str, str]:
        return dict(self.column_types_)

    def fit(self, X: Any, y: Any = None) -> DeriveFeatures:
        frame = _require_frame(X)
        types = {str(c): value_type(frame[c]) for c in frame.columns}
        used: dict[str, str] = {}
        for name, text in self.expressions:
            node = check(text, types)
            for column in columns_used(node):
                if column in frame.columns:
                    used[column] = types[column]
            types[name] = NUM
        self.column_types_ = used
        self.feature_names_in_ = np.asarray([str(c) for c in frame.columns], dtype=object)
        self.n_features_in_ = len(self.feature_names_in_)
        return self

    def transform(self, X: Any) -> pd.DataFrame:
        check_is_fitted(self, "column_types_")
        frame = _require_frame(X)
        types = self._types()
        columns: collections.ChainMap[str, Any] = collections.ChainMap({}, frame)
        for name, text in self.expressions:
            node = _checked(text, tuple(sorted(types.items())))
            columns.maps[0][name] = evaluate(text, node, columns, len(frame), types)
            types[name] = NUM
        return frame.assign(**columns.maps[0])

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        check_is_fitted(self, "column_types_")
        return self._names_out(input_features, [name for name, _text in self.expressions])
