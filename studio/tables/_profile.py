"""Column profiles computed by DuckDB over a Parquet file, never by loading it into pandas.

One aggregate pass gives counts, nulls, distinct counts (approximate past 2M rows), min/max/mean/std and
quantiles for every column; then one small GROUP BY per column gives its top values and
histogram. The result is plain JSON-able data (drawn by components/, cached by content hash).
"""

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb

from studio.lake import json_value, sql_identifier, sql_literal

PROFILE_FORMAT = 3  # bump when the profile's contents change, so cached ones are recomputed
TOP_K = 10
CORE_RANGE_SHARE = 0.5  # a 1st-99th percentile range under this share of the full range gets its own histogram
EXACT_DISTINCT_MAX_ROWS = 2_000_000
AGGREGATES_PER_QUERY = 300
BINS = 30
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "FLOAT", "DOUBLE", "DECIMAL")
TEMPORAL = ("DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S")


def column_kind(type_name: str) -> str:
    base = type_name.upper().split("(")[0].strip()
    if base in NUMERIC:
        return "numeric"
    if base in TEMPORAL:
        return "temporal"
    if base == "BOOLEAN":
        return "boolean"
    if base == "VARCHAR":
        return "text"
    return "other"


def _aggregates(name: str, kind: str, exact_distinct: bool) -> list[tuple[str, str]]:
    col = sql_identifier(name)
    parts = [("non_null", f"count({col})")]
    if kind == "other":
        return parts
    parts.append(("distinct", f"count(DISTINCT {col})" if exact_distinct else f"approx_count_distinct({col})"))
    if kind == "numeric":
        quantiles = ", ".join(str(q) for q in QUANTILES)
        parts += [
            ("min", f"min({col})::DOUBLE"),
            ("max", f"max({col})::DOUBLE"),
            ("mean", f"avg({col})::DOUBLE"),
            ("std", f"stddev_samp({col})::DOUBLE"),
            ("quantiles", f"approx_quantile({col}::DOUBLE, [{quantiles}])"),
        ]
    elif kind == "temporal":
        parts += [("min", f"min({col})"), ("max", f"max({col})")]
    elif kind == "text":
        parts += [("min_length", f"min(length({col}))"), ("max_length", f"max(length({col}))"), ("mean_length", f"avg(length({col}))")]
    return parts


def _histogram(
    con: duckdb.DuckDBPyConnection, table: str, name: str, kind: str, bounds: tuple[float, float] | None = None
) -> dict[str, Any] | None:
    """Equal-width bins over the finite values (epoch seconds for dates and timestamps), over
    the whole range or only within ``bounds`` (then ``outside`` counts the values left out)."""
    col = sql_identifier(name)
    value = f"epoch({col})" if kind == "temporal" else f"{col}::DOUBLE"
    finite = f"{col} IS NOT NULL AND isfinite({value})"
    if bounds is None:
        low, high = con.execute(f"SELECT min({value}), max({value}) FROM {table} WHERE {finite}").fetchall()[0] or (None, None)
        if low is None or high is None:
            return None
    else:
        low, high = bounds
    low, high = float(low), float(high)
    bins = BINS if high > low else 1
    width = (high - low) / bins if high > low else 1.0
    rows = con.execute(
        f"SELECT least(floor(({value} - ?) / ?), {bins - 1})::INTEGER AS bin, count(*) FROM {table} "
        f"WHERE {finite} AND {value} BETWEEN ? AND ? GROUP BY bin",
        [low, width, low, high],
    ).fetchall()
    counts = [0] * bins
    for bin_index, count in rows:
        counts[max(0, min(bin_index, bins - 1))] += count
    edges: list[Any] = [low + i * width for i in range(bins + 1)]
    if kind == "temporal":
        edges = [dt.datetime.fromtimestamp(e, dt.UTC).isoformat() for e in edges]
    histogram: dict[str, Any] = {"edges": edges, "counts": counts}
    if bounds is not None:
        total = con.execute(f"SELECT count(*) FROM {table} WHERE {finite}").fetchall()[0]
        histogram["outside"] = int(total[0] if total else 0) - sum(counts)
    return histogram


def _core_bounds(con: duckdb.DuckDBPyConnection, table: str, name: str, full: dict[str, Any]) -> tuple[float, float] | None:
    """The 1st-99th percentile range of a numeric column, when outliers stretch the full range
    so far that the bulk of the values would fall into a few bins."""
    col = sql_identifier(name)
    low, high = con.execute(f"SELECT approx_quantile({col}::DOUBLE, [0.01, 0.99]) FROM {table} WHERE isfinite({col}::DOUBLE)").fetchall()[0][0] or (None, None)
    full_low, full_high = full["edges"][0], full["edges"][-1]
    if low is None or high is None or high <= low or (high - low) > CORE_RANGE_SHARE * (full_high - full_low):
        return None
    return float(low), float(high)


def profile_parquet(con: duckdb.DuckDBPyConnection, path: Path) -> dict[str, Any]:
    """Per-column profile of one Parquet file: type, nulls, distinct, stats, top values, histogram."""
    table = f"read_parquet({sql_literal(str(path))})"
    schema = con.execute(f"DESCRIBE SELECT * FROM {table}").fetchall()
    columns = [(row[0], row[1], column_kind(row[1])) for row in schema]
    total = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0]
    exact_distinct = total is not None and total[0] <= EXACT_DISTINCT_MAX_ROWS
    selects = ["count(*)"]
    slots: list[tuple[int, str]] = []
    for index, (name, _type, kind) in enumerate(columns):
        for key, expression in _aggregates(name, kind, exact_distinct):
            selects.append(expression)
            slots.append((index, key))
    rows = int(total[0]) if total else 0
    stats: list[dict[str, Any]] = [{} for _ in columns]
    # A few hundred expressions per query: one query over thousands of columns is slow to plan
    # and can crash DuckDB.
    for start in range(0, len(slots), AGGREGATES_PER_QUERY):
        batch = slots[start : start + AGGREGATES_PER_QUERY]
        values = con.execute(f"SELECT {', '.join(selects[1 + start : 1 + start + len(batch)])} FROM {table}").fetchall()[0] or ()
        for (index, key), value in zip(batch, values):
            stats[index][key] = value
    profiled = []
    for (name, type_name, kind), stat in zip(columns, stats):
        non_null = int(stat.pop("non_null"))
        nulls = rows - non_null
        if stat.get("distinct") is not None:
            stat["distinct"] = min(int(stat["distinct"]), non_null)
        entry: dict[str, Any] = {
            "name": name,
            "type": type_name,
            "kind": kind,
            "nulls": nulls,
            "null_fraction": nulls / rows if rows else 0.0,
        }
        if "quantiles" in stat:
            entry["quantiles"] = {f"p{round(q * 100):02d}": json_value(v) for q, v in zip(QUANTILES, stat.pop("quantiles") or [])}
        entry.update({key: json_value(value) for key, value in stat.items()})
        if kind != "other" and rows > nulls:
            col = sql_identifier(name)
            top = con.execute(
                f"SELECT {col}, count(*) AS n FROM {table} WHERE {col} IS NOT NULL GROUP BY ALL ORDER BY n DESC, 1 LIMIT {TOP_K}"
            ).fetchall()
            entry["top"] = [{"value": json_value(v), "count": int(n)} for v, n in top]
            if kind in ("numeric", "temporal"):
                histogram = _histogram(con, table, name, kind)
                if histogram is not None:
                    entry["histogram"] = histogram
                    bounds = _core_bounds(con, table, name, histogram) if kind == "numeric" else None
                    if bounds is not None:
                        entry["histogram_core"] = _histogram(con, table, name, kind, bounds)
        profiled.append(entry)
    return {"format": PROFILE_FORMAT, "rows": rows, "exact_distinct": exact_distinct, "columns": profiled}
