"""Feature recipes: how every column of a dataset becomes model input, as data.

A recipe names the target, a treatment per column (its kind and steps), derived features
(expressions between columns), entity aggregates over event tables, and the features left
out (dropped by the user, rejected by the proof). It is saved as canonical JSON, so two
versions diff line by line and ``spec_hash`` names its content. ``compile_pipeline`` turns it
into the one scikit-learn Pipeline that training, batch scoring and serving all run.

    {"format": 1, "target": "delivery_minutes", "time_column": "placed_at",
     "columns": {"distance_km": {"kind": "numeric", "steps": [{"op": "impute", "strategy": "median"},
                                                               {"op": "clip", "low": 0, "high": 50}]},
                 "weather": {"kind": "categorical", "steps": [{"op": "one_hot", "min_frequency": 0.01}]},
                 "order_id": {"kind": "identifier", "drop": true}},
     "expressions": [{"name": "eta_minutes", "expr": "distance_km / courier_speed_kmh * 60"}],
     "aggregates": [{"name": "restaurant_orders_7d", "table": "orders_clean", "entity": "restaurant_id",
                     "time": "placed_at", "window": "7d", "function": "count"}],
     "rejected": ["actual_minutes"]}
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field, replace
from typing import Any

from studio.errors import StudioError
from studio.features._expressions import columns_used, parse
from studio.features._steps import DEFAULT_STEPS, DROPPED_KINDS, KINDS, Elapsed, Step, fail, parse_steps

FORMAT = 1
FUNCTIONS = ("count", "sum", "mean", "min", "max")
WINDOW_UNITS = {"s": "SECOND", "m": "MINUTE", "h": "HOUR", "d": "DAY", "w": "WEEK"}
_WINDOW = re.compile(r"^\s*(\d{1,6})\s*(s|m|h|d|w)\s*$")
_WINDOW_WORDS = {"sec": "s", "second": "s", "min": "m", "minute": "m", "hour": "h", "day": "d", "week": "w"}
TOP_KEYS = ("format", "target", "columns", "expressions", "aggregates", "time_column", "group_column", "rejected", "seed")


def _steps_json(steps: tuple[Step, ...]) -> list[dict[str, Any]]:
    return [step.to_json() for step in steps]


@dataclass(frozen=True)
class ColumnTreatment:
    kind: str
    steps: tuple[Step, ...] = ()
    drop: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "drop": self.drop, "steps": _steps_json(self.steps)}


@dataclass(frozen=True)
class Derived:
    """A feature computed by an expression over the columns (and earlier derived features and
    aggregates), then treated as a number by ``steps``."""

    name: str
    expr: str
    steps: tuple[Step, ...] = DEFAULT_STEPS["numeric"]

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "expr": self.expr, "steps": _steps_json(self.steps)}


@dataclass(frozen=True)
class Aggregate:
    """``function`` of ``column`` over the events of ``table`` with the same ``entity`` in the
    ``window`` before each row's time (strictly before it), e.g. the restaurant's orders in
    the last 7 days. ``window`` is like "7d", "12h", "30m", "2w", or "all"."""

    name: str
    table: str
    entity: str
    time: str
    window: str
    function: str
    column: str | None = None
    steps: tuple[Step, ...] = DEFAULT_STEPS["numeric"]

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "table": self.table,
            "entity": self.entity,
            "time": self.time,
            "window": self.window,
            "function": self.function,
            "column": self.column,
            "steps": _steps_json(self.steps),
        }

    def window_sql(self) -> str | None:
        """The window as a DuckDB interval (e.g. ``INTERVAL 7 DAY``); None for "all"."""
        if self.window == "all":
            return None
        match = _WINDOW.match(self.window)
        assert match is not None  # checked when parsed
        return f"INTERVAL {int(match.group(1))} {WINDOW_UNITS[match.group(2)]}"


@dataclass(frozen=True)
class FeatureRecipe:
    target: str
    columns: dict[str, ColumnTreatment] = field(default_factory=dict)
    expressions: tuple[Derived, ...] = ()
    aggregates: tuple[Aggregate, ...] = ()
    time_column: str | None = None  # when a prediction is made: label time for the proof, time-ordered splits
    group_column: str | None = None  # rows of one group (e.g. cluster_id) stay on one side of a split
    rejected: tuple[str, ...] = ()  # features the proof rejected: left out of the pipeline
    seed: int = 0  # the target encoder's fold assignment

    def to_json(self) -> dict[str, Any]:
        """Canonical JSON: columns sorted by name, every default written out."""
        return {
            "format": FORMAT,
            "target": self.target,
            "time_column": self.time_column,
            "group_column": self.group_column,
            "seed": self.seed,
            "columns": {name: self.columns[name].to_json() for name in sorted(self.columns)},
            "expressions": [d.to_json() for d in self.expressions],
            "aggregates": [a.to_json() for a in self.aggregates],
            "rejected": sorted(self.rejected),
        }

    def spec_hash(self) -> str:
        """sha256 of the canonical JSON: equal recipes share it, any change gives another."""
        return hashlib.sha256(json.dumps(self.to_json(), sort_keys=True, separators=(",", ":")).encode()).hexdigest()

    @classmethod
    def from_json(cls, data: Any) -> FeatureRecipe:
        return _parse(data)

    def is_used(self, name: str) -> bool:
        """Whether feature ``name`` reaches the model (not dropped, not rejected)."""
        if name in self.rejected:
            return False
        treatment = self.columns.get(name)
        return treatment is None or not treatment.drop

    def used_columns(self) -> list[str]:
        """The raw columns whose treatments reach the model, sorted."""
        return [name for name in sorted(self.columns) if self.is_used(name)]

    def computed(self) -> tuple[tuple[Aggregate, ...], tuple[Derived, ...]]:
        """The aggregates and expressions the pipeline computes: those used, and those a used
        expression reads (even when left out themselves), in recipe order."""
        by_name = {d.name: d for d in self.expressions}
        needed: set[str] = set()
        pending = [d.name for d in self.expressions if self.is_used(d.name)]
        while pending:
            name = pending.pop()
            if name in needed:
                continue
            needed.add(name)
            if name in by_name:
                pending.extend(c for c in columns_used(parse(by_name[name].expr)) if c in by_name or c in self.aggregate_names())
        aggregates = tuple(a for a in self.aggregates if self.is_used(a.name) or a.name in needed)
        return aggregates, tuple(d for d in self.expressions if d.name in needed)

    def aggregate_names(self) -> set[str]:
        return {a.name for a in self.aggregates}

    def input_columns(self) -> list[str]:
        """Every raw column the pipeline reads: used columns, the dates their elapsed steps
        measure from, the columns the computed expressions read, and the entity keys of the
        computed aggregates (whose values come with the rows in training and from the online
        table when serving)."""
        aggregates, expressions = self.computed()
        derived = {d.name for d in self.expressions} | self.aggregate_names()
        needed: dict[str, None] = {}
        for aggregate in aggregates:
            needed.setdefault(aggregate.entity, None)
        for name in self.used_columns():
            needed.setdefault(name, None)
            for step in self.columns[name].steps:
                if isinstance(step, Elapsed):
                    needed.setdefault(step.since, None)
        for item in expressions:
            for column in columns_used(parse(item.expr)):
                if column not in derived:
                    needed.setdefault(column, None)
        return list(needed)

    def with_rejected(self, names: list[str]) -> FeatureRecipe:
        """This recipe with ``names`` (the proof's rejects) left out."""
        return replace(self, rejected=tuple(sorted(set(names))))


def _name(value: Any, where: str, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise fail(where, f"{what} is a non-empty string")
    if value != value.strip():
        raise fail(where, f"{what} {value!r} has spaces at its ends")
    return value


def _check_keys(raw: dict[str, Any], allowed: tuple[str, ...], where: str) -> None:
    unknown = sorted(set(raw) - set(allowed))
    if unknown:
        raise fail(where, f"unknown key {unknown[0]!r}; use {', '.join(allowed)}")


def _parse_treatment(name: str, raw: Any) -> ColumnTreatment:
    where = f"columns.{name}"
    if isinstance(raw, str):
        raw = {"kind": raw}
    if not isinstance(raw, dict):
        raise fail(where, 'a treatment is {"kind": KIND, "steps": [...], "drop": false}')
    _check_keys(raw, ("kind", "steps", "drop"), where)
    kind = raw.get("kind")
    if kind not in KINDS:
        raise fail(where, f"kind {kind!r} is not one of {', '.join(KINDS)}")
    drop = raw.get("drop", kind in DROPPED_KINDS)
    if not isinstance(drop, bool):
        raise fail(where, "drop is true or false")
    if kind in DROPPED_KINDS and not drop:
        raise fail(where, f"an {kind} column is always dropped; give it kind categorical or numeric to use it")
    steps = parse_steps(raw.get("steps"), kind, f"{where}.steps")
    for index, step in enumerate(steps):
        if isinstance(step, Elapsed) and step.since == name:
            raise fail(f"{where}.steps[{index}]", "elapsed needs another date column than the column itself")
    return ColumnTreatment(kind, steps, drop)


def _parse_derived(raw: Any, index: int) -> Derived:
    where = f"expressions[{index}]"
    if not isinstance(raw, dict):
        raise fail(where, 'an expression is {"name": NAME, "expr": TEXT}')
    _check_keys(raw, ("name", "expr", "steps"), where)
    name = _name(raw.get("name"), where, "name")
    expr = raw.get("expr")
    try:
        parse(expr)
    except StudioError as error:
        raise fail(where, str(error)) from None
    return Derived(name, expr, parse_steps(raw.get("steps"), "numeric", f"{where}.steps"))


def _canonical_window(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise fail(where, 'window is like "7d", "12h", "30m", "2w" or "all"')
    text = value.strip().lower()
    if text == "all":
        return text
    words = re.match(r"^(\d{1,6})\s*([a-z]+?)s?$", text)
    if words and words.group(2) in _WINDOW_WORDS:
        text = f"{words.group(1)}{_WINDOW_WORDS[words.group(2)]}"
    match = _WINDOW.match(text)
    if match is None or int(match.group(1)) == 0:
        raise fail(where, f'window {value!r} is not like "7d", "12h", "30m", "2w" or "all"')
    return f"{int(match.group(1))}{match.group(2)}"


def _parse_aggregate(raw: Any, index: int) -> Aggregate:
    where = f"aggregates[{index}]"
    keys = ("name", "table", "entity", "time", "window", "function", "column", "steps")
    if not isinstance(raw, dict):
        raise fail(where, "an aggregate is {" + ", ".join(f'"{k}"' for k in keys[:-1]) + "}")
    _check_keys(raw, keys, where)
    name = _name(raw.get("name"), where, "name")
    table = _name(raw.get("table"), where, "table")
    entity = _name(raw.get("entity"), where, "entity")
    time = _name(raw.get("time"), where, "time")
    window = _canonical_window(raw.get("window"), f"{where}.window")
    function = raw.get("function")
    if function not in FUNCTIONS:
        raise fail(where, f"function {function!r} is not one of {', '.join(FUNCTIONS)}")
    column = raw.get("column")
    if column is not None:
        column = _name(column, where, "column")
    elif function != "count":
        raise fail(where, f"{function} needs \"column\": the event table's column to aggregate")
    return Aggregate(name, table, entity, time, window, function, column, parse_steps(raw.get("steps"), "numeric", f"{where}.steps"))


def _optional_name(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    return None if value is None else _name(value, key, key)


def _parse(data: Any) -> FeatureRecipe:
    if not isinstance(data, dict):
        raise fail("", "a feature recipe is a JSON object with a target and column treatments")
    _check_keys(data, TOP_KEYS, "")
    if data.get("format", FORMAT) != FORMAT:
        raise fail("format", f"this studio reads format {FORMAT}, not {data.get('format')!r}")
    target = _name(data.get("target"), "target", "target")
    raw_columns = data.get("columns") or {}
    if not isinstance(raw_columns, dict):
        raise fail("columns", "columns maps column names to treatments")
    columns = {_name(name, "columns", "a column name"): _parse_treatment(name, raw) for name, raw in raw_columns.items()}
    raw_expressions = data.get("expressions") or []
    raw_aggregates = data.get("aggregates") or []
    if not isinstance(raw_expressions, list):
        raise fail("expressions", "expressions is a list")
    if not isinstance(raw_aggregates, list):
        raise fail("aggregates", "aggregates is a list")
    expressions = tuple(_parse_derived(raw, i) for i, raw in enumerate(raw_expressions))
    aggregates = tuple(_parse_aggregate(raw, i) for i, raw in enumerate(raw_aggregates))
    seen: dict[str, str] = {name: f"columns.{name}" for name in columns}
    for where, name in [(f"aggregates[{i}]", a.name) for i, a in enumerate(aggregates)] + [(f"expressions[{i}]", d.name) for i, d in enumerate(expressions)]:
        if name in seen:
            raise fail(where, f"name {name!r} is already used by {seen[name]}")
        seen[name] = where
    if target in seen:
        raise fail(seen[target], f"{target!r} is the target; it cannot also be a feature")
    positions = {d.name: i for i, d in enumerate(expressions)}
    for index, item in enumerate(expressions):
        for used in columns_used(parse(item.expr)):
            if positions.get(used, -1) >= index:
                raise fail(f"expressions[{index}]", f"uses {used!r}, which is defined at or after it; list {used!r} first")
    for name, treatment in columns.items():
        for index, step in enumerate(treatment.steps):
            if isinstance(step, Elapsed) and step.since == target:
                raise fail(f"columns.{name}.steps[{index}]", "elapsed cannot be measured from the target")
    rejected = data.get("rejected") or []
    if not isinstance(rejected, list) or not all(isinstance(r, str) and r for r in rejected):
        raise fail("rejected", "rejected is a list of feature names")
    seed = data.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise fail("seed", "seed is a whole number >= 0")
    time_column, group_column = _optional_name(data, "time_column"), _optional_name(data, "group_column")
    for key, value in (("time_column", time_column), ("group_column", group_column)):
        if value == target:
            raise fail(key, f"{target!r} is the target; name another column")
    return FeatureRecipe(target, columns, expressions, aggregates, time_column, group_column, tuple(sorted(set(rejected))), seed)
