"""Vectorized evaluation of parsed expressions over a pandas DataFrame (see _expressions)."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from studio.errors import StudioError
from studio.features._coerce import as_datetime, as_float, as_text
from studio.features._expressions import COMPARISONS, Binary, Call, Column, Node, Number, String, Unary, expression_error, parse

COLUMNS_SHOWN = 20
NUM, TEXT, TIME = "number", "text", "time"
KIND_TYPES = {"numeric": NUM, "boolean": NUM, "categorical": TEXT, "text": TEXT, "identifier": TEXT, "date": TIME}
UNARY_FUNCTIONS = {
    "log": np.log, "log1p": np.log1p, "log2": np.log2, "log10": np.log10, "exp": np.exp, "sqrt": np.sqrt,
    "abs": np.abs, "sign": np.sign, "floor": np.floor, "ceil": np.ceil,
}  # fmt: skip
TIME_UNITS_S = {"days_between": 86_400.0, "hours_between": 3_600.0, "minutes_between": 60.0, "seconds_between": 1.0}


@dataclass(frozen=True)
class _Value:
    type: str
    data: Any  # ndarray for columns and results; a Python scalar for literals
    literal: bool = False


class _Evaluator:
    """Evaluates (or, with ``frame`` None, only type-checks) a tree over columns of known types."""

    def __init__(self, text: str, types: Mapping[str, str], frame: Mapping[str, Any] | None, rows: int = 1) -> None:
        self.text = text
        self.types = types
        self.frame = frame
        self.rows = rows

    def fail(self, message: str, node: Node, hint: str = "") -> StudioError:
        return expression_error(self.text, message, node.pos, hint)

    def run(self, node: Node) -> _Value:
        with np.errstate(all="ignore"):
            return self.eval(node)

    def eval(self, node: Node) -> _Value:
        if isinstance(node, Number):
            return _Value(NUM, node.value, literal=True)
        if isinstance(node, String):
            return _Value(TEXT, node.value, literal=True)
        if isinstance(node, Column):
            return self.column(node)
        if isinstance(node, Unary):
            return self.unary(node)
        if isinstance(node, Binary):
            return self.binary(node)
        assert isinstance(node, Call)
        return self.call(node)

    def column(self, node: Column) -> _Value:
        kind = self.types.get(node.name)
        if kind is None:
            names = list(self.types)
            close = difflib.get_close_matches(node.name, names, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            shown = ", ".join(names[:COLUMNS_SHOWN]) + (", ..." if len(names) > COLUMNS_SHOWN else "")
            raise self.fail(f"no column {node.name!r}", node, f"{hint}; columns: {shown or '(none)'}")
        if self.frame is None:
            return _Value(kind, None)
        values = self.frame[node.name]
        data = as_float(values) if kind == NUM else as_datetime(values) if kind == TIME else as_text(values)
        return _Value(kind, data)

    def number(self, node: Node, what: str) -> _Value:
        value = self.eval(node)
        if value.type != NUM:
            raise self.fail(f"{what} needs a number, not {value.type}", node)
        return value

    def unary(self, node: Unary) -> _Value:
        value = self.number(node.operand, f"'{node.op}'")
        if self.frame is None and not value.literal:
            return value
        data = np.asarray(value.data, dtype=float)
        result = -data if node.op == "-" else data if node.op == "+" else _kleene_not(data)
        return _Value(NUM, result, literal=value.literal)

    def binary(self, node: Binary) -> _Value:
        left, right = self.eval(node.left), self.eval(node.right)
        op = node.op
        if op in COMPARISONS:
            return self.compare(node, left, right)
        for side, value in ((node.left, left), (node.right, right)):
            if value.type != NUM:
                raise self.fail(f"'{op}' needs numbers, but this side is {value.type}", side)
        if self.frame is None and not (left.literal and right.literal):
            return _Value(NUM, None)
        a, b = np.asarray(left.data, dtype=float), np.asarray(right.data, dtype=float)
        if op == "+":
            result = a + b
        elif op == "-":
            result = a - b
        elif op == "*":
            result = a * b
        elif op == "/":
            result = np.where(b == 0, np.nan, a / np.where(b == 0, 1.0, b))
        elif op == "%":
            result = np.where(b == 0, np.nan, np.mod(a, np.where(b == 0, 1.0, b)))
        elif op == "**":
            result = np.power(a, b)
        elif op == "and":
            result = _kleene_and(a, b)
        else:
            result = _kleene_or(a, b)
        return _Value(NUM, result, literal=left.literal and right.literal)

    def compare(self, node: Binary, left: _Value, right: _Value) -> _Value:
        op = node.op
        if left.type == TIME and right.type == TEXT and right.literal:
            right = self.time_literal(node.right, right)
        elif right.type == TIME and left.type == TEXT and left.literal:
            left = self.time_literal(node.left, left)
        if left.type != right.type:
            raise self.fail(f"cannot compare {left.type} with {right.type}", node)
        if left.type == TEXT and op not in ("==", "!="):
            raise self.fail(f"text can only be compared with == or !=, not {op!r}", node)
        if self.frame is None:
            return _Value(NUM, None)
        a, b = self.broadcast(left), self.broadcast(right)
        if left.type == TEXT:
            missing = pd.isna(a) | pd.isna(b)
            equal = np.asarray(a == b, dtype=bool)
            result = np.where(missing, np.nan, (equal if op == "==" else ~equal).astype(float))
            return _Value(NUM, result)
        missing = pd.isna(a) | pd.isna(b)
        compared = {"==": np.equal, "!=": np.not_equal, "<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal}[op](a, b)
        return _Value(NUM, np.where(missing, np.nan, compared.astype(float)))

    def time_literal(self, node: Node, value: _Value) -> _Value:
        parsed = pd.to_datetime(value.data, errors="coerce", utc=True)
        if pd.isna(parsed):
            raise self.fail(f"{value.data!r} is not a date or time (write e.g. '2026-07-01' or '2026-07-01 08:30')", node)
        return _Value(TIME, np.datetime64(parsed.tz_localize(None).to_datetime64(), "ns"), literal=True)

    def time_argument(self, name: str, node: Node) -> _Value:
        value = self.eval(node)
        if value.type == TEXT and value.literal:
            return self.time_literal(node, value)
        if value.type != TIME:
            raise self.fail(f"{name}() needs two dates or times, not {value.type}", node)
        return value

    def broadcast(self, value: _Value) -> np.ndarray:
        if not value.literal:
            return value.data
        if value.type == TEXT:
            return np.full(self.rows, value.data, dtype=object)
        if value.type == TIME:
            return np.full(self.rows, value.data, dtype="datetime64[ns]")
        return np.full(self.rows, value.data, dtype=float)

    def call(self, node: Call) -> _Value:
        name, args = node.name, node.args
        if name in UNARY_FUNCTIONS:
            value = self.number(args[0], f"{name}()")
            return self.numeric(UNARY_FUNCTIONS[name], value)
        if name in TIME_UNITS_S:
            later, earlier = (self.time_argument(name, arg) for arg in args)
            if self.frame is None:
                return _Value(NUM, None)
            seconds = (self.broadcast(later) - self.broadcast(earlier)) / np.timedelta64(1, "s")
            return _Value(NUM, seconds / TIME_UNITS_S[name])
        if name in ("isnull", "notnull"):
            value = self.eval(args[0])
            if self.frame is None:
                return _Value(NUM, None)
            missing = np.asarray(pd.isna(self.broadcast(value)), dtype=float)
            return _Value(NUM, missing if name == "isnull" else 1.0 - missing)
        if name == "length":
            value = self.eval(args[0])
            if value.type != TEXT:
                raise self.fail(f"length() needs text, not {value.type}", args[0])
            if self.frame is None:
                return _Value(NUM, None)
            return _Value(NUM, pd.Series(self.broadcast(value), dtype=object).str.len().to_numpy(dtype=float, na_value=np.nan))
        if name in ("if_else", "where"):
            return self.if_else(node)
        if name == "coalesce":
            return self.coalesce(node)
        if name == "isin":
            return self.isin(node)
        values = [self.number(arg, f"{name}()") for arg in args]
        if name == "round":
            return self.round(node, values)
        if self.frame is None and not all(v.literal for v in values):
            return _Value(NUM, None)
        data = [np.asarray(v.data, dtype=float) for v in values]
        if name == "min":
            result = data[0]
            for item in data[1:]:
                result = np.minimum(result, item)
        elif name == "max":
            result = data[0]
            for item in data[1:]:
                result = np.maximum(result, item)
        elif name == "clip":
            result = np.minimum(np.maximum(data[0], data[1]), data[2])
        else:  # pow
            result = np.power(data[0], data[1])
        return _Value(NUM, result, literal=all(v.literal for v in values))

    def numeric(self, function: Any, value: _Value) -> _Value:
        if self.frame is None and not value.literal:
            return value
        return _Value(NUM, function(np.asarray(value.data, dtype=float)), literal=value.literal)

    def round(self, node: Call, values: list[_Value]) -> _Value:
        digits = 0
        if len(values) == 2:
            if not values[1].literal or values[1].data != int(values[1].data) or not 0 <= values[1].data <= 12:
                raise self.fail("round()'s digits must be a whole number from 0 to 12", node.args[1])
            digits = int(values[1].data)
        if self.frame is None and not values[0].literal:
            return _Value(NUM, None)
        return _Value(NUM, np.round(np.asarray(values[0].data, dtype=float), digits), literal=values[0].literal)

    def if_else(self, node: Call) -> _Value:
        condition = self.number(node.args[0], f"{node.name}()'s condition")
        yes, no = self.eval(node.args[1]), self.eval(node.args[2])
        if yes.type != no.type:
            raise self.fail(f"{node.name}() needs both results of one type, not {yes.type} and {no.type}", node.args[2])
        if self.frame is None:
            return _Value(yes.type, None)
        test = self.broadcast(condition)
        chosen = np.where(test != 0, self.broadcast(yes), self.broadcast(no))
        if yes.type == NUM:
            return _Value(NUM, np.where(np.isnan(test), np.nan, chosen))
        missing_value = None if yes.type == TEXT else np.datetime64("NaT")
        return _Value(yes.type, np.where(np.isnan(test), missing_value, chosen))

    def coalesce(self, node: Call) -> _Value:
        values = [self.eval(arg) for arg in node.args]
        for arg, value in zip(node.args[1:], values[1:]):
            if value.type != values[0].type:
                raise self.fail(f"coalesce() needs arguments of one type, not {values[0].type} and {value.type}", arg)
        if self.frame is None:
            return _Value(values[0].type, None)
        result = self.broadcast(values[0]).copy()
        for value in values[1:]:
            fill = self.broadcast(value)
            missing = pd.isna(result)
            result[missing] = fill[missing]
        return _Value(values[0].type, result)

    def isin(self, node: Call) -> _Value:
        value = self.eval(node.args[0])
        if value.type == TIME:
            raise self.fail("isin() needs a number or text to look for, not time", node.args[0])
        options = []
        for arg in node.args[1:]:
            option = self.eval(arg)
            if not option.literal or option.type != value.type:
                raise self.fail(f"isin() lists fixed {value.type} values after the first argument", arg)
            options.append(option.data)
        if self.frame is None:
            return _Value(NUM, None)
        data = self.broadcast(value)
        found = pd.Series(data, dtype=object if value.type == TEXT else float).isin(options).to_numpy(dtype=float)
        return _Value(NUM, np.where(pd.isna(data), np.nan, found))


def _truth(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    known = ~np.isnan(values)
    return known, known & (values != 0)


def _kleene_not(values: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(values), np.nan, (values == 0).astype(float))


def _kleene_and(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a_known, a_true = _truth(a)
    b_known, b_true = _truth(b)
    false = (a_known & ~a_true) | (b_known & ~b_true)
    return np.where(false, 0.0, np.where(a_true & b_true, 1.0, np.nan))


def _kleene_or(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a_known, a_true = _truth(a)
    b_known, b_true = _truth(b)
    false = a_known & ~a_true & b_known & ~b_true
    return np.where(a_true | b_true, 1.0, np.where(false, 0.0, np.nan))


def check(text: str, types: Mapping[str, str]) -> Node:
    """Parse ``text`` and type-check it against the columns it may use, each given by its value
    type (``number``, ``text``, ``time``) or its column kind (numeric, categorical, date, ...);
    the result must be a number. This is what a designer calls as the user types."""
    node = parse(text)
    result = _Evaluator(text, {name: KIND_TYPES.get(kind, kind) for name, kind in types.items()}, None).run(node)
    _require_number(text, node, result)
    return node


def evaluate(text: str, node: Node, columns: Mapping[str, Any], rows: int, types: Mapping[str, str]) -> np.ndarray:
    """The float64 values of a checked expression over ``columns`` (a DataFrame, or a mapping of
    names to columns) of ``rows`` rows: NaN where an input is missing or the arithmetic has no
    finite answer."""
    result = _Evaluator(text, types, columns, rows).run(node)
    _require_number(text, node, result)
    data = np.asarray(result.data, dtype=float)
    if data.ndim == 0:
        data = np.full(rows, float(data))
    return np.where(np.isfinite(data), data, np.nan)


def _require_number(text: str, node: Node, result: _Value) -> None:
    if result.type == TIME:
        raise expression_error(text, "gives a date or time; a feature is a number (e.g. days_between(a, b))", node.pos)
    if result.type != NUM:
        raise expression_error(text, "gives text; a feature is a number (compare it, e.g. weather == 'rain')", node.pos)


def value_type(series: pd.Series) -> str:
    """The expression type of a column as it arrives: numbers (and booleans), times, or text."""
    if pd.api.types.is_bool_dtype(series.dtype) or pd.api.types.is_numeric_dtype(series.dtype):
        return NUM
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return TIME
    return TEXT
