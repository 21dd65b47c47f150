"""A recipe checked against the table it is designed on and the event tables its aggregates
read: every column it names exists, no expression reads the target, every expression
type-checks against the columns it may use, and every aggregate finds its event table, its
columns and its entity key. One line per problem, naming the recipe's JSON path."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb

from studio.errors import StudioError
from studio.features._aggregates import _check_events, point_in_time_aggregates
from studio.features._evaluate import check as check_expression
from studio.features._expressions import columns_used, parse
from studio.features._recipe import FeatureRecipe
from studio.features._steps import Elapsed, fail
from studio.tables import column_kind

SHOWN = 12
EXPRESSION_KINDS = {"numeric": "numeric", "boolean": "boolean", "temporal": "date", "text": "categorical", "other": "categorical"}


def _shown(names: Sequence[str]) -> str:
    return ", ".join(list(names)[:SHOWN]) + (", ..." if len(names) > SHOWN else "")


def expression_columns(columns: Sequence[dict[str, Any]], recipe: FeatureRecipe, before: int | None = None) -> dict[str, str]:
    """What an expression may use, by name and kind: the table's columns but the target, the
    recipe's aggregates, and the expressions listed before it (``before``: its index; None:
    all of them), the derived ones as numbers."""
    kinds = {c["name"]: EXPRESSION_KINDS[column_kind(c["type"])] for c in columns if c["name"] != recipe.target}
    kinds.update({a.name: "numeric" for a in recipe.aggregates})
    kinds.update({d.name: "numeric" for d in recipe.expressions[:before]})
    return kinds


def check_events(con: duckdb.DuckDBPyConnection, recipe: FeatureRecipe) -> None:
    """Each aggregate's event table has its entity, time and value columns (``con`` sees the
    event tables by name)."""
    for index, aggregate in enumerate(recipe.aggregates):
        try:
            _check_events(con, aggregate)
        except StudioError as error:
            raise fail(f"aggregates[{index}]", error.message) from None


def check_against_table(con: duckdb.DuckDBPyConnection, recipe: FeatureRecipe, table: str, columns: Sequence[dict[str, Any]], relation: str) -> None:
    """The recipe fits table ``table`` (its ``columns``, readable by ``con`` as ``relation``)."""
    names = [c["name"] for c in columns]
    present = set(names)

    def require(where: str, name: str | None) -> None:
        if name is not None and name not in present:
            raise fail(where, f"{table} has no column {name!r}; its columns: {_shown(names)}")

    require("target", recipe.target)
    for name, treatment in recipe.columns.items():
        require(f"columns.{name}", name)
        for index, step in enumerate(treatment.steps):
            if isinstance(step, Elapsed):
                require(f"columns.{name}.steps[{index}]", step.since)
    require("time_column", recipe.time_column)
    require("group_column", recipe.group_column)
    for index, item in enumerate(recipe.expressions):
        if recipe.target in columns_used(parse(item.expr)):
            raise fail(f"expressions[{index}]", f"reads the target {recipe.target!r}; a feature cannot be made of what it predicts")
        try:
            check_expression(item.expr, expression_columns(columns, recipe, index))
        except StudioError as error:
            raise fail(f"expressions[{index}]", error.message) from None
    if not recipe.aggregates:
        return
    if recipe.time_column is None:
        raise fail("time_column", "the aggregates need the time of each row (the moment they are computed before); name its column")
    check_events(con, recipe)
    for index, aggregate in enumerate(recipe.aggregates):
        try:
            point_in_time_aggregates(con, f"SELECT * FROM {relation} LIMIT 0", [aggregate], recipe.time_column)
        except StudioError as error:
            raise fail(f"aggregates[{index}]", error.message) from None
