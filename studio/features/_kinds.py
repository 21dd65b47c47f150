"""What each column is (numeric, categorical, date, text, identifier, boolean) and the
treatment the studio suggests for it. Training uses exactly this when there is no recipe, so
the defaults suit gradient-boosted trees and linear models alike: numbers are median-imputed
with a missing indicator and standardized (harmless to trees, needed by linear models),
heavy-tailed positive numbers are logged first, few categories are one-hot encoded with rare
ones grouped, many categories are target-encoded (cross-fitted), dates give calendar parts
and their cyclic encodings, free text gives its length and token count, and identifiers and
constants are dropped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from studio.errors import StudioError
from studio.features._coerce import FALSE_WORDS, TRUE_WORDS
from studio.features._recipe import ColumnTreatment, FeatureRecipe
from studio.features._steps import DEFAULT_STEPS, Cyclic, DateParts, Impute, Log, OneHot, Standardize, Step, TargetEncode
from studio.tables import column_kind

ONE_HOT_MAX_DISTINCT = 30
IDENTIFIER_NAMED_RATIO = 0.5  # an id-named column this distinct (share of its values) is an identifier
IDENTIFIER_RATIO = 0.95  # any short text (or whole-number) column this distinct is one
IDENTIFIER_MIN_VALUES = 50
FREE_TEXT_MEAN_LENGTH = 40
SKEW_RATIO = 5.0  # p95 / p50 of a positive column past which it is logged
GROUP_COLUMN = "cluster_id"  # consolidation's entity id: rows sharing it stay on one side of a split
INTEGER_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT")
_ID_WORD = re.compile(r"(^|[_\-\s.])(id|uuid|guid|key)$|^(id|uuid|guid)([_\-\s.]|$)", re.IGNORECASE)
_ID_CAMEL = re.compile(r"[a-z0-9](Id|ID|Uuid|UUID|Key)$")


def named_like_identifier(name: str) -> bool:
    """order_id, ID, id_customer, customerId, row_key, uuid, ... but not paid or idle_minutes."""
    return bool(_ID_WORD.search(name) or _ID_CAMEL.search(name))


def _is_integer(type_name: str) -> bool:
    return type_name.upper().split("(")[0].strip() in INTEGER_TYPES


def classify(name: str, type_name: str, stats: dict[str, Any] | None, rows: int | None) -> tuple[str, str]:
    """(kind, reason) of one column from its DuckDB type and, when given, its profile entry
    (distinct, null_fraction, lengths, quantiles, top values) over ``rows`` rows."""
    base = column_kind(type_name)
    if base == "other":
        return "other", f"{type_name} values are not model input"
    if base == "boolean":
        return "boolean", "true/false values"
    if base == "temporal":
        return "date", "dates or times"
    stats = stats or {}
    distinct = stats.get("distinct")
    non_null = None if rows is None else round(rows * (1 - float(stats.get("null_fraction") or 0.0)))
    ratio = distinct / non_null if distinct is not None and non_null else None
    named = named_like_identifier(name)
    if base == "numeric":
        if _is_integer(type_name) and named and (ratio is None or ratio >= IDENTIFIER_NAMED_RATIO):
            return "identifier", "whole numbers named like an identifier"
        if _is_integer(type_name) and ratio is not None and ratio >= IDENTIFIER_RATIO and non_null and non_null >= IDENTIFIER_MIN_VALUES and _consecutive(stats, non_null):
            return "identifier", "a running number: every value distinct and consecutive"
        if distinct == 2 and stats.get("min") == 0 and stats.get("max") == 1:
            return "boolean", "only the values 0 and 1"
        return "numeric", "numbers"
    top = [str(t.get("value")).strip().lower() for t in stats.get("top") or []]
    if distinct is not None and distinct <= 2 and top and all(v in TRUE_WORDS or v in FALSE_WORDS for v in top):
        return "boolean", "yes/no values"
    if named and (ratio is None or ratio >= IDENTIFIER_NAMED_RATIO):
        return "identifier", "named like an identifier" + (f", {ratio:.0%} distinct values" if ratio is not None else "")
    mean_length = float(stats.get("mean_length") or 0.0)
    if mean_length >= FREE_TEXT_MEAN_LENGTH:
        return "text", f"free text (mean length {mean_length:.0f} characters)"
    if ratio is not None and ratio >= IDENTIFIER_RATIO and non_null is not None and non_null >= IDENTIFIER_MIN_VALUES:
        return "identifier", f"{ratio:.0%} of values are distinct"
    return "categorical", "categories" + (f" ({distinct:,} distinct)" if distinct is not None else "")


def _consecutive(stats: dict[str, Any], non_null: int) -> bool:
    low, high = stats.get("min"), stats.get("max")
    return low is not None and high is not None and high - low + 1 <= non_null * 1.05


def suggest_steps(kind: str, type_name: str, stats: dict[str, Any] | None) -> tuple[Step, ...]:
    """The default treatment of a column of ``kind``, tuned by its profile where it helps."""
    stats = stats or {}
    if kind == "numeric":
        quantiles = stats.get("quantiles") or {}
        p50, p95, low = quantiles.get("p50"), quantiles.get("p95"), stats.get("min")
        skewed = low is not None and low >= 0 and p50 is not None and p95 is not None and p50 > 0 and p95 / p50 > SKEW_RATIO
        return (Impute("median"), Log(), Standardize()) if skewed else (Impute("median"), Standardize())
    if kind == "categorical":
        distinct = stats.get("distinct")
        if distinct is not None and distinct > ONE_HOT_MAX_DISTINCT:
            return (TargetEncode(),)
        return (OneHot(),)
    if kind == "date":
        has_time = type_name.upper().split("(")[0].strip() != "DATE"
        if has_time:
            return (DateParts(("month", "dayofweek", "hour")), Cyclic(("dayofweek", "hour")), Impute("median"))
        return (DateParts(("year", "month", "dayofweek")), Cyclic(("month", "dayofweek")), Impute("median"))
    return DEFAULT_STEPS[kind]


def _suggest(columns: Sequence[dict[str, Any]], profile: dict[str, Any] | None, target: str) -> list[tuple[dict[str, Any], ColumnTreatment]]:
    names = [c.get("name") for c in columns]
    if target not in names:
        raise StudioError(f"the table has no column {target!r} to predict; columns: {', '.join(str(n) for n in names[:20])}")
    by_name = {entry["name"]: entry for entry in (profile or {}).get("columns", [])}
    rows = (profile or {}).get("rows")
    out = []
    for column in columns:
        name, type_name = column["name"], column["type"]
        if name == target:
            continue
        stats = by_name.get(name)
        if name == GROUP_COLUMN:
            kind, why = "identifier", "the consolidated entity's id: it keeps each entity on one side of a split, not a feature"
        else:
            kind, why = classify(name, type_name, stats, rows)
        drop = kind in ("identifier", "other")
        if stats is not None and not drop and (stats.get("distinct") or 0) <= 1 and rows:
            drop, why = True, "one value only (or none): nothing to learn from"
        entry = {"name": name, "type": type_name, "kind": kind, "why": why}
        out.append((entry, ColumnTreatment(kind, suggest_steps(kind, type_name, stats), drop)))
    return out


def classify_columns(columns: Sequence[dict[str, Any]], profile: dict[str, Any] | None, target: str) -> list[dict[str, Any]]:
    """One entry per column but the target: name, type, kind, why, and the suggested
    treatment (its JSON; ``drop`` is true for identifiers, other types and constant columns)."""
    return [{**entry, "treatment": treatment.to_json()} for entry, treatment in _suggest(columns, profile, target)]


def suggest_recipe(columns: Sequence[dict[str, Any]], profile: dict[str, Any] | None, target: str) -> FeatureRecipe:
    """The studio's default recipe for predicting ``target`` from ``columns`` ([{"name",
    "type"}], DuckDB types) described by ``profile`` (as ``profile_parquet`` returns it, or
    None: then by type and name only). A ``cluster_id`` column becomes the group column, so
    splits keep each consolidated entity on one side."""
    treatments = {entry["name"]: treatment for entry, treatment in _suggest(columns, profile, target)}
    group = GROUP_COLUMN if GROUP_COLUMN in treatments else None
    return FeatureRecipe(target=target, columns=treatments, group_column=group)
