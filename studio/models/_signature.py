"""A model's input signature: the columns it takes, their kinds and types, the categories and
ranges seen in training, and which are required; and the check of a frame against it.

The signature is plain JSON kept beside each model version. The server builds its request
schema from it, batch prediction checks every input file against it, and the evaluation's
test suite checks the holdout with it. ``check_frame`` lists problems (one line each);
``conform_frame`` raises the first few as one ``StudioError`` or returns the frame with the
signature's columns in order and the training types.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from studio.errors import StudioError
from studio.lake import json_value

SIGNATURE_FORMAT = 1
MAX_CATEGORIES = 50  # a text column with at most this many distinct values is categorical
TRUE_TEXT = {"true", "1", "yes", "t", "y"}
FALSE_TEXT = {"false", "0", "no", "f", "n"}
MAX_PROBLEMS_SHOWN = 3


def column_kind(series: pd.Series, max_categories: int = MAX_CATEGORIES) -> str:
    """numeric, boolean, categorical (text with few distinct values), text or temporal."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_numeric_dtype(dtype):
        return "numeric"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "temporal"
    inferred = pd.api.types.infer_dtype(series, skipna=True)
    if inferred == "boolean":
        return "boolean"
    if inferred in ("integer", "floating", "mixed-integer-float", "decimal"):
        return "numeric"
    if inferred in ("datetime", "datetime64", "date"):
        return "temporal"
    return "categorical" if series.nunique(dropna=True) <= max_categories else "text"


def input_signature(
    sample: pd.DataFrame,
    target: str | None,
    *,
    required: Iterable[str] | None = None,
    max_categories: int = MAX_CATEGORIES,
) -> dict[str, Any]:
    """The signature of a model trained on ``sample`` (every column but ``target``).

    ``required`` names the columns a request must carry (default: all); the others may be left
    out and are filled with nulls, which the pipeline imputes. ``nullable`` says whether the
    training data had nulls in the column.
    """
    if target is not None and target not in sample.columns:
        raise StudioError(f"target column {target!r} is not in the sample: pass the training frame with its target")
    inputs = [str(name) for name in sample.columns if name != target]
    needed = set(inputs) if required is None else {str(name) for name in required}
    unknown = sorted(needed - set(inputs))
    if unknown:
        raise StudioError(f"required column {unknown[0]!r} is not in the sample: name only columns of the training frame")
    columns = [_column_signature(sample[name], name, name in needed, max_categories) for name in inputs]
    return {"format": SIGNATURE_FORMAT, "target": target, "columns": columns}


def _column_signature(series: pd.Series, name: str, required: bool, max_categories: int) -> dict[str, Any]:
    kind = column_kind(series, max_categories)
    entry: dict[str, Any] = {
        "name": name,
        "kind": kind,
        "dtype": str(series.dtype),
        "required": required,
        "nullable": bool(series.isna().any()),
    }
    values = series.dropna()
    if kind == "numeric":
        numbers = pd.to_numeric(values)
        entry["integer"] = bool(pd.api.types.is_integer_dtype(series.dtype))
        entry["min"] = json_value(float(numbers.min())) if len(numbers) else None
        entry["max"] = json_value(float(numbers.max())) if len(numbers) else None
    elif kind == "categorical":
        entry["categories"] = sorted({str(value) for value in values})
    elif kind == "temporal":
        times = pd.to_datetime(values)
        entry["min"] = times.min().isoformat() if len(times) else None
        entry["max"] = times.max().isoformat() if len(times) else None
    elif kind == "text":
        lengths = values.astype(str).str.len()
        entry["max_length"] = int(lengths.max()) if len(lengths) else 0
    return entry


def check_frame(frame: pd.DataFrame, signature: dict[str, Any]) -> list[str]:
    """Every problem that stops ``frame`` from being scored, one line each: a missing required
    column or a value of the wrong type. Extra columns, unseen categories and values outside the
    training range are not problems here (the pipeline handles them; monitoring watches them)."""
    problems = []
    for column in signature["columns"]:
        name = column["name"]
        if name not in frame.columns:
            if column["required"]:
                problems.append(f"column {name!r} is missing: send it ({_describe(column)})")
            continue
        bad = _bad_values(frame[name], column["kind"])
        if len(bad):
            example = bad.iloc[0]
            problems.append(
                f"column {name!r} should be {_describe(column)} but holds {len(bad)} value(s) like {str(example)[:40]!r}: "
                f"send {_expected(column['kind'])}"
            )
    return problems


def conform_frame(frame: pd.DataFrame, signature: dict[str, Any]) -> pd.DataFrame:
    """``frame`` with the signature's columns, in its order, converted to the training types
    (missing optional columns filled with nulls); a ``StudioError`` naming the problems when
    ``check_frame`` finds any."""
    problems = check_frame(frame, signature)
    if problems:
        shown = "; ".join(problems[:MAX_PROBLEMS_SHOWN])
        more = f" (and {len(problems) - MAX_PROBLEMS_SHOWN} more)" if len(problems) > MAX_PROBLEMS_SHOWN else ""
        raise StudioError(f"input does not match the model's signature: {shown}{more}")
    out = {}
    for column in signature["columns"]:
        name = column["name"]
        series = frame[name] if name in frame.columns else pd.Series([None] * len(frame), index=frame.index, dtype=object)
        out[name] = _convert(series, column)
    return pd.DataFrame(out, index=frame.index)


def _describe(column: dict[str, Any]) -> str:
    return {"numeric": "a number", "boolean": "true or false", "categorical": "a category", "text": "text", "temporal": "a date or time"}[column["kind"]]


def _expected(kind: str) -> str:
    return {"numeric": "numbers", "boolean": "true/false values", "temporal": "ISO dates or times"}.get(kind, "text")


def _bad_values(series: pd.Series, kind: str) -> pd.Series:
    """The non-null values of ``series`` that cannot be read as ``kind``."""
    values = series.dropna()
    if kind == "numeric":
        if pd.api.types.is_bool_dtype(values.dtype):
            return values
        if pd.api.types.is_numeric_dtype(values.dtype):
            return values.iloc[0:0]
        is_bool = values.map(lambda value: isinstance(value, (bool, np.bool_)))
        parsed = pd.to_numeric(values.where(~is_bool), errors="coerce")
        return values[parsed.isna()]
    if kind == "boolean":
        if pd.api.types.is_bool_dtype(values.dtype):
            return values.iloc[0:0]
        return values[_parse_bool(values).isna()]
    if kind == "temporal":
        if pd.api.types.is_datetime64_any_dtype(values.dtype):
            return values.iloc[0:0]
        parsed = pd.to_datetime(values.astype(str), errors="coerce", format="mixed")
        return values[parsed.isna()]
    return values.iloc[0:0]


def _parse_bool(values: pd.Series) -> pd.Series:
    def parse(value: Any) -> bool | None:
        if _missing(value):
            return None
        if isinstance(value, (bool, np.bool_)):
            return bool(value)
        if isinstance(value, (int, np.integer, float, np.floating)) and value in (0, 1):
            return bool(value)
        text = str(value).strip().lower()
        if text in TRUE_TEXT:
            return True
        if text in FALSE_TEXT:
            return False
        return None

    return values.map(parse).astype(object)


def _convert(series: pd.Series, column: dict[str, Any]) -> pd.Series:
    """``series`` read as the column's kind, then cast to its training dtype where the values
    allow it (an integer column with nulls stays float, as pandas would have read it)."""
    kind = column["kind"]
    if kind == "numeric":
        converted = pd.to_numeric(series, errors="coerce").astype("float64")
    elif kind == "boolean":
        converted = _parse_bool(series)
    elif kind == "temporal":
        converted = pd.to_datetime(series.astype(object), errors="coerce", format="mixed")
    else:
        converted = series.map(lambda value: None if _missing(value) else str(value))
    if column["dtype"] == "bool" and converted.isna().any():
        return converted  # a bool cast would turn the nulls into False
    try:
        return converted.astype(column["dtype"])
    except (TypeError, ValueError):
        return converted


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA or value is pd.NaT
