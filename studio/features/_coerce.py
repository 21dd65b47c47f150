"""One conversion per value type, shared by every transformer and the expression evaluator.

A batch arrives as typed columns (float64, str, datetime64) while a single serving request
arrives as a one-row frame of Python values (an int where the batch had a float, an ISO
string where it had a timestamp, None where it had NaN). These functions map both to the same
arrays, which is what makes batch and one-record-at-a-time outputs identical.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

TRUE_WORDS = frozenset({"true", "t", "yes", "y", "1", "1.0"})
FALSE_WORDS = frozenset({"false", "f", "no", "n", "0", "0.0"})
EXACT_INTEGER = 2.0**53


def _series(values: Any) -> pd.Series:
    return values if isinstance(values, pd.Series) else pd.Series(np.asarray(values))


def as_float(values: Any) -> np.ndarray:
    """float64 values; missing and unparseable values are NaN, booleans are 1/0."""
    series = _series(values)
    if pd.api.types.is_bool_dtype(series.dtype) or pd.api.types.is_numeric_dtype(series.dtype):
        return series.to_numpy(dtype=float, na_value=np.nan)
    if series.dtype == object:
        series = series.map(lambda v: float(v) if isinstance(v, (bool, np.bool_)) else v)
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def as_boolean(values: Any) -> np.ndarray:
    """1.0 for true-like values (True, 1, 'yes', 'true'), 0.0 for false-like ones, NaN otherwise."""
    series = _series(values)
    if pd.api.types.is_bool_dtype(series.dtype) or pd.api.types.is_numeric_dtype(series.dtype):
        numbers = series.to_numpy(dtype=float, na_value=np.nan)
        return np.where((numbers == 0) | (numbers == 1), numbers, np.nan)
    words = series.astype(object).map(lambda v: None if pd.isna(v) else str(v).strip().lower())
    return np.where(words.isin(TRUE_WORDS), 1.0, np.where(words.isin(FALSE_WORDS), 0.0, np.nan))


def as_text(values: Any) -> np.ndarray:
    """Object array of str, None where missing."""
    series = _series(values)
    if pd.api.types.is_string_dtype(series.dtype) and series.dtype != object:
        return series.to_numpy(dtype=object, na_value=None)
    return as_category(series)


def as_category(values: Any) -> np.ndarray:
    """Object array of canonical category strings, None where missing: whole numbers print
    without a decimal point (3.0 and 3 are both "3"), booleans as "true"/"false"."""
    series = _series(values)
    if pd.api.types.is_bool_dtype(series.dtype):
        out = np.where(series.to_numpy(dtype=float, na_value=np.nan) == 1.0, "true", "false").astype(object)
        out[series.isna().to_numpy()] = None
        return out
    if pd.api.types.is_numeric_dtype(series.dtype):
        return _number_strings(series.to_numpy(dtype=float, na_value=np.nan))
    if pd.api.types.is_string_dtype(series.dtype) and series.dtype != object:
        return series.to_numpy(dtype=object, na_value=None)
    return np.array([_category_string(v) for v in series.to_numpy(dtype=object)], dtype=object)


def _number_strings(numbers: np.ndarray) -> np.ndarray:
    out = np.empty(len(numbers), dtype=object)
    missing = np.isnan(numbers)
    whole = ~missing & (numbers == np.round(numbers)) & (np.abs(numbers) < EXACT_INTEGER)
    out[whole] = numbers[whole].astype(np.int64).astype(str)
    other = ~missing & ~whole
    out[other] = numbers[other].astype(str)
    out[missing] = None
    return out


def _category_string(value: Any) -> str | None:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, float, np.integer, np.floating)):
        number = float(value)
        if math.isnan(number):
            return None
        if number == round(number) and abs(number) < EXACT_INTEGER:
            return str(int(number))
        return str(number)
    return str(value)


def as_datetime(values: Any) -> np.ndarray:
    """datetime64[ns] values in UTC without a zone (zone-less input is taken as UTC); missing
    and unparseable values are NaT."""
    series = _series(values)
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        series = series.dt.tz_convert("UTC").dt.tz_localize(None)
    elif not pd.api.types.is_datetime64_dtype(series.dtype):
        series = pd.to_datetime(series.astype(object), errors="coerce", utc=True, format="ISO8601").dt.tz_localize(None)
    return series.to_numpy(dtype="datetime64[ns]")


def epoch_seconds(times: np.ndarray) -> np.ndarray:
    """Seconds since 1970-01-01 as float64, NaN for NaT."""
    seconds = times.astype("datetime64[ns]").astype(np.int64) / 1e9
    return np.where(np.isnat(times), np.nan, seconds)
