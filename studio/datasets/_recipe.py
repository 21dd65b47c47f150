"""Recipes: a consolidation pipeline as data.

A recipe names its input tables (sources or datasets, each with a column mapping onto one
target schema), how to combine them (union with a ``source`` column, or a join on keys),
normalization rules, an optional custom SQL step and an optional deduplication step (exact
on keys, or fuzzy with Splink), and the dataset it writes. The steps always run in that order.
A recipe is saved as JSON in the metadata DB and runs as a job; every dataset version records
the recipe it was built by.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from studio.consolidate import FuzzyConfig, Survivorship, parse_spec
from studio.errors import StudioError
from studio.versioned import validate_name

COMBINE = ("union", "join")
JOINS = ("left", "inner", "full")
DEDUPE_METHODS = ("exact", "fuzzy")
RESERVED_COLUMNS = ("_row_id", "cluster_id", "cluster_size", "match_probability")
SOURCE_COLUMN = "source"


@dataclass(frozen=True)
class RecipeInput:
    """One input table. ``columns`` maps target column -> this table's column (None: the
    table has no such column, the target is NULL for its rows). Empty: take every column."""

    table: str
    version: int | None = None
    columns: dict[str, str | None] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"table": self.table, "version": self.version, "columns": dict(self.columns)}


@dataclass(frozen=True)
class TargetColumn:
    name: str
    type: str | None = None  # cast to this DuckDB type; None keeps the input's type

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type}


@dataclass(frozen=True)
class PairLabel:
    """A reviewed pair of input rows, each named by (source, id value)."""

    left: tuple[str, str]
    right: tuple[str, str]
    match: bool

    def to_json(self) -> dict[str, Any]:
        return {"left": list(self.left), "right": list(self.right), "match": self.match}


@dataclass(frozen=True)
class DedupeStep:
    method: str
    keys: tuple[str, ...] = ()
    survivorship: Survivorship = field(default_factory=Survivorship)
    fuzzy: FuzzyConfig | None = None  # None with method "fuzzy": suggested from the data
    threshold: float | None = None  # overrides the fuzzy config's threshold
    labels: tuple[PairLabel, ...] = ()

    def to_json(self) -> dict[str, Any]:
        rule = self.survivorship
        data: dict[str, Any] = {
            "method": self.method,
            "survivorship": {
                "newest_by": rule.newest_by,
                "source_priority": list(rule.source_priority),
                "most_complete": rule.most_complete,
                "aggregate": dict(rule.aggregate),
            },
        }
        if self.method == "exact":
            data["keys"] = list(self.keys)
        else:
            data["config"] = self.fuzzy.to_json() if self.fuzzy else None
            data["threshold"] = self.threshold
            data["labels"] = [label.to_json() for label in self.labels]
        return data


@dataclass(frozen=True)
class Recipe:
    name: str
    output: str
    inputs: tuple[RecipeInput, ...]
    schema: tuple[TargetColumn, ...] = ()
    combine: str = "union"
    join_on: tuple[str, ...] = ()
    join_how: str = "left"
    normalize: tuple[dict[str, Any], ...] = ()
    sql: str | None = None
    dedupe: DedupeStep | None = None
    id_column: str | None = None

    @property
    def members_output(self) -> str:
        return f"{self.output}_members"

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "output": self.output,
            "inputs": [i.to_json() for i in self.inputs],
            "schema": [c.to_json() for c in self.schema],
            "combine": {"how": self.combine, "on": list(self.join_on), "join": self.join_how} if self.combine == "join" else {"how": "union"},
            "normalize": [dict(rule) for rule in self.normalize],
            "sql": self.sql,
            "dedupe": self.dedupe.to_json() if self.dedupe else None,
            "id": self.id_column,
        }
        return data

    def spec_hash(self) -> str:
        """sha256 of the recipe's canonical JSON: two runs of the same recipe share it."""
        return hashlib.sha256(json.dumps(self.to_json(), sort_keys=True).encode()).hexdigest()

    @classmethod
    def from_json(cls, data: Any) -> "Recipe":
        return _parse(data)


def _fail(where: str, message: str) -> StudioError:
    return StudioError(f"recipe {where}: {message}" if where else f"recipe: {message}")


def _string(data: dict[str, Any], key: str, where: str, required: bool = True) -> str | None:
    value = data.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise _fail(where, f"give {key!r} as a non-empty string")
    return value


def _parse_input(raw: Any, index: int) -> RecipeInput:
    where = f"inputs[{index}]"
    if isinstance(raw, str):
        raw = {"table": raw}
    if not isinstance(raw, dict):
        raise _fail(where, 'each input is {"table": NAME, "columns": {TARGET: COLUMN}}')
    unknown = set(raw) - {"table", "source", "version", "columns"}
    if unknown:
        raise _fail(where, f"unknown key {sorted(unknown)[0]!r}; use table, version, columns")
    table = raw.get("table", raw.get("source"))
    if not isinstance(table, str) or not table:
        raise _fail(where, "name the input with \"table\" (a source or dataset)")
    version = raw.get("version")
    if version is not None and (not isinstance(version, int) or version < 1):
        raise _fail(where, "version must be a whole number >= 1, or null for the newest")
    columns = raw.get("columns") or {}
    if not isinstance(columns, dict) or not all(isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in columns.items()):
        raise _fail(where, "columns maps target column names to this table's column names (or null)")
    return RecipeInput(table, version, dict(columns))


def _parse_dedupe(raw: Any) -> DedupeStep | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or raw.get("method") not in DEDUPE_METHODS:
        raise _fail("dedupe", f"method must be one of {', '.join(DEDUPE_METHODS)}")
    unknown = set(raw) - {"method", "keys", "survivorship", "config", "threshold", "labels"}
    if unknown:
        raise _fail("dedupe", f"unknown key {sorted(unknown)[0]!r}; use method, keys, survivorship, config, threshold, labels")
    survivorship = Survivorship.from_json(raw.get("survivorship"))
    if raw["method"] == "exact":
        keys = raw.get("keys")
        if not isinstance(keys, list) or not keys or not all(isinstance(k, str) for k in keys):
            raise _fail("dedupe", "exact deduplication needs \"keys\": a list of column names")
        return DedupeStep("exact", tuple(keys), survivorship)
    threshold = raw.get("threshold")
    if threshold is not None and (not isinstance(threshold, (int, float)) or not 0 < threshold < 1):
        raise _fail("dedupe", "threshold is a match probability between 0 and 1 (exclusive)")
    labels: dict[frozenset[tuple[str, str]], PairLabel] = {}
    for index, label in enumerate(raw.get("labels") or []):
        try:
            left, right, match = label["left"], label["right"], label["match"]
            parsed = PairLabel((str(left[0]), str(left[1])), (str(right[0]), str(right[1])), bool(match))
        except (KeyError, IndexError, TypeError):
            raise _fail(f"dedupe.labels[{index}]", 'a label is {"left": [SOURCE, ID], "right": [SOURCE, ID], "match": true|false}') from None
        pair = frozenset((parsed.left, parsed.right))
        if pair in labels and labels[pair].match != parsed.match:
            raise _fail(
                f"dedupe.labels[{index}]",
                f"{parsed.left[0]} {parsed.left[1]} and {parsed.right[0]} {parsed.right[1]} are labelled both same entity and different; keep one label",
            )
        labels.setdefault(pair, parsed)  # the same label twice counts once
    config = FuzzyConfig.from_json(raw["config"]) if raw.get("config") else None
    return DedupeStep("fuzzy", (), survivorship, config, float(threshold) if threshold is not None else None, tuple(labels.values()))


def _parse(data: Any) -> Recipe:
    if not isinstance(data, dict):
        raise StudioError("a recipe is a JSON object with name, output, inputs and optional steps")
    known = {"name", "output", "inputs", "schema", "combine", "normalize", "sql", "dedupe", "id"}
    unknown = set(data) - known
    if unknown:
        raise _fail("", f"unknown key {sorted(unknown)[0]!r}; use {', '.join(sorted(known))}")
    output = _string(data, "output", "output")
    validate_name(output, "dataset")
    if len(output) > 55:
        raise _fail("output", "use at most 55 characters (the members table adds _members)")
    name = _string(data, "name", "name", required=False) or output
    inputs_raw = data.get("inputs")
    if not isinstance(inputs_raw, list) or not inputs_raw:
        raise _fail("inputs", "give at least one input table")
    inputs = tuple(_parse_input(raw, i) for i, raw in enumerate(inputs_raw))
    tables = [i.table for i in inputs]
    twice = sorted({t for t in tables if tables.count(t) > 1})
    if twice:
        raise _fail("inputs", f"{twice[0]!r} is listed twice; list each table once")
    schema = []
    for index, raw in enumerate(data.get("schema") or []):
        if isinstance(raw, str):
            raw = {"name": raw}
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str) or not raw["name"]:
            raise _fail(f"schema[{index}]", 'each target column is {"name": NAME, "type": TYPE or null}')
        if raw["name"] in RESERVED_COLUMNS:
            raise _fail(f"schema[{index}]", f"{raw['name']!r} is a reserved column name; rename it")
        schema.append(TargetColumn(raw["name"], raw.get("type") or None))
    names = [c.name for c in schema]
    if len(set(names)) != len(names):
        raise _fail("schema", "target column names must be unique")
    combine_raw = data.get("combine") or {"how": "union"}
    if isinstance(combine_raw, str):
        combine_raw = {"how": combine_raw}
    how = combine_raw.get("how") if isinstance(combine_raw, dict) else None
    if how not in COMBINE:
        raise _fail("combine", f"how must be one of {', '.join(COMBINE)}")
    join_on: tuple[str, ...] = ()
    join_how = "left"
    if how == "join":
        join_on = tuple(combine_raw.get("on") or ())
        join_how = combine_raw.get("join", "left")
        if len(inputs) < 2 or not join_on:
            raise _fail("combine", "a join needs two or more inputs and \"on\": the key columns")
        if join_how not in JOINS:
            raise _fail("combine", f"join must be one of {', '.join(JOINS)}")
    normalize = data.get("normalize") or []
    parse_spec(normalize)
    sql = data.get("sql") or None
    if sql is not None and not isinstance(sql, str):
        raise _fail("sql", "give the custom SQL step as one SELECT statement (a string)")
    id_column = data.get("id") or None
    if id_column is not None and not isinstance(id_column, str):
        raise _fail("id", "name the id column as a string")
    return Recipe(
        name=name,
        output=output,
        inputs=inputs,
        schema=tuple(schema),
        combine=how,
        join_on=join_on,
        join_how=join_how,
        normalize=tuple(normalize),
        sql=sql,
        dedupe=_parse_dedupe(data.get("dedupe")),
        id_column=id_column,
    )
