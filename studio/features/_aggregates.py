"""Entity aggregates in DuckDB SQL, point in time: each row sees only the events of its entity
strictly before its own timestamp, so no training row learns from its own future.

For each group of aggregates over the same (event table, entity, time), the distinct
(entity, row time) pairs of the rows are stacked with the events and one window pass computes
every aggregate over a RANGE frame ``[t - window, t]`` that EXCLUDEs its GROUP of peers, i.e.
everything at exactly ``t``: events at the row's own timestamp (ties included, and the row
itself when the rows are their own event table) are never seen. The values join back to the
rows on (entity, time). No row order is assumed or kept.

The online table is the same aggregates as of one moment for every entity, in long form
(aggregate, entity_key, value): what a server loads so a request carries only the key.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import duckdb

from studio.errors import StudioError
from studio.features._recipe import Aggregate
from studio.lake import atomic_replace, sql_identifier, sql_literal
from studio.tables import column_kind

SQL_FUNCTIONS = {"count": "count", "sum": "sum", "mean": "avg", "min": "min", "max": "max"}
KEY, TIME, EVENT, IS_ROW = "__studio_key", "__studio_time", "__studio_event", "__studio_is_row"


def _describe(con: duckdb.DuckDBPyConnection, relation: str, what: str) -> dict[str, str]:
    try:
        return {row[0]: row[1] for row in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()}
    except duckdb.Error as error:
        raise StudioError(f"cannot read {what}: {str(error).splitlines()[0]}") from None


def _require(columns: dict[str, str], name: str, what: str, kinds: tuple[str, ...] | None = None) -> None:
    if name not in columns:
        raise StudioError(f"{what} has no column {name!r}; it has: {', '.join(list(columns)[:20])}")
    if kinds is not None and column_kind(columns[name]) not in kinds:
        raise StudioError(f"{what}'s column {name!r} is {columns[name]}; it must be a {' or '.join(kinds)} column")


def _groups(aggregates: Sequence[Aggregate]) -> dict[tuple[str, str, str], list[Aggregate]]:
    groups: dict[tuple[str, str, str], list[Aggregate]] = {}
    for aggregate in aggregates:
        groups.setdefault((aggregate.table, aggregate.entity, aggregate.time), []).append(aggregate)
    return groups


def _check_events(con: duckdb.DuckDBPyConnection, aggregate: Aggregate) -> dict[str, str]:
    where = f"aggregate {aggregate.name!r}: event table {aggregate.table!r}"
    columns = _describe(con, sql_identifier(aggregate.table), where)
    _require(columns, aggregate.entity, where)
    _require(columns, aggregate.time, where, ("temporal",))
    if aggregate.column is not None:
        _require(columns, aggregate.column, where, None if aggregate.function == "count" else ("numeric", "boolean"))
    return columns


def _value(aggregate: Aggregate) -> str:
    """The event-side expression the window aggregates (NULL on the stacked row keys)."""
    if aggregate.column is None:
        return "1"
    return f"CAST({sql_identifier(aggregate.column)} AS DOUBLE)" if aggregate.function != "count" else f"CASE WHEN {sql_identifier(aggregate.column)} IS NOT NULL THEN 1 END"


def _frame(aggregate: Aggregate) -> str:
    interval = aggregate.window_sql()
    start = "UNBOUNDED PRECEDING" if interval is None else f"{interval} PRECEDING"
    return f"PARTITION BY {KEY} ORDER BY {TIME} RANGE BETWEEN {start} AND CURRENT ROW EXCLUDE GROUP"


def _aggregate_sql(index: int, aggregate: Aggregate) -> str:
    value = f"{SQL_FUNCTIONS[aggregate.function]}(__v{index}) OVER ({_frame(aggregate)})"
    if aggregate.function in ("count", "sum"):
        value = f"coalesce({value}, 0)"
    return f"CAST({value} AS DOUBLE) AS {sql_identifier(aggregate.name)}"


def point_in_time_aggregates(con: duckdb.DuckDBPyConnection, rows_sql: str, aggregates: Sequence[Aggregate], time_column: str) -> str:
    """SQL giving every row of ``rows_sql`` with one more column per aggregate, computed over
    the events strictly before the row's ``time_column`` (and inside the window). Event tables
    are relations ``con`` can read by name (views over lake tables). A row whose entity key or
    time is missing gets NULL; an entity with no events in the window gets 0 for count and
    sum, NULL for mean, min and max."""
    rows = _describe(con, f"({rows_sql})", "the rows")
    _require(rows, time_column, "the rows", ("temporal",))
    ctes = [f"__studio_rows AS ({rows_sql})"]
    joins, selects = [], []
    for group_index, ((table, entity, event_time), members) in enumerate(_groups(aggregates).items()):
        events = _check_events(con, members[0])
        for aggregate in members:
            _check_events(con, aggregate)
            if aggregate.name in rows:
                raise StudioError(f"aggregate {aggregate.name!r}: the rows already have a column of that name; rename the aggregate")
        _require(rows, entity, f"the rows (aggregate {members[0].name!r} is keyed by it)")
        if column_kind(rows[entity]) != column_kind(events[entity]):
            raise StudioError(f"aggregate {members[0].name!r}: {entity!r} is {rows[entity]} in the rows but {events[entity]} in {table!r}; make them one type")
        key, row_time = sql_identifier(entity), f"CAST(__studio_rows.{sql_identifier(time_column)} AS TIMESTAMP)"
        keys = f"SELECT DISTINCT __studio_rows.{key} AS {KEY}, {row_time} AS {TIME} FROM __studio_rows WHERE __studio_rows.{key} IS NOT NULL AND {row_time} IS NOT NULL"
        values_rows = ", ".join(f"NULL::DOUBLE AS __v{i}" for i in range(len(members)))
        values_events = ", ".join(f"{_value(a)} AS __v{i}" for i, a in enumerate(members))
        events_sql = (
            f"SELECT {key} AS {KEY}, CAST({sql_identifier(event_time)} AS TIMESTAMP) AS {TIME}, {values_events}, FALSE AS {IS_ROW} "
            f"FROM {sql_identifier(table)} WHERE {key} IS NOT NULL AND {sql_identifier(event_time)} IS NOT NULL"
        )
        windows = ", ".join(_aggregate_sql(i, a) for i, a in enumerate(members))
        alias = f"__studio_agg{group_index}"
        ctes.append(
            f"{alias} AS (SELECT {KEY}, {TIME}, {windows} FROM "
            f"(SELECT *, {values_rows}, TRUE AS {IS_ROW} FROM ({keys}) UNION ALL BY NAME {events_sql}) QUALIFY {IS_ROW})"
        )
        joins.append(f"LEFT JOIN {alias} ON __studio_rows.{key} = {alias}.{KEY} AND {row_time} = {alias}.{TIME}")
        selects += [f"{alias}.{sql_identifier(a.name)}" for a in members]
    select = ", ".join(["__studio_rows.*", *selects])
    return f"WITH {', '.join(ctes)} SELECT {select} FROM __studio_rows {' '.join(joins)}"


def _key_text(column: str, type_name: str) -> str:
    """The entity key as text, whole numbers without a decimal point, as the pipeline's lookup
    spells a key (see ``as_category``)."""
    if column_kind(type_name) == "numeric":
        return f"CASE WHEN {column} = trunc({column}) AND abs({column}) < 9007199254740992 THEN CAST(CAST({column} AS BIGINT) AS VARCHAR) ELSE CAST({column} AS VARCHAR) END"
    if type_name.upper() == "BOOLEAN":
        return f"CASE WHEN {column} THEN 'true' ELSE 'false' END"
    return f"CAST({column} AS VARCHAR)"


def online_table_sql(con: duckdb.DuckDBPyConnection, aggregates: Sequence[Aggregate], as_of: dt.datetime) -> str:
    """SQL of the online table: for every entity with events in the window before ``as_of``
    (strictly before it), one row per aggregate: (aggregate, entity_key, value, as_of)."""
    moment = f"CAST({sql_literal(as_of.isoformat(sep=' '))} AS TIMESTAMP)"
    parts = []
    for aggregate in aggregates:
        columns = _check_events(con, aggregate)
        key, event_time = sql_identifier(aggregate.entity), f"CAST({sql_identifier(aggregate.time)} AS TIMESTAMP)"
        interval = aggregate.window_sql()
        since = "" if interval is None else f" AND {event_time} >= {moment} - {interval}"
        value = f"{SQL_FUNCTIONS[aggregate.function]}({_value(aggregate)})"
        if aggregate.function in ("count", "sum"):
            value = f"coalesce({value}, 0)"
        parts.append(
            f"SELECT {sql_literal(aggregate.name)} AS aggregate, {_key_text(key, columns[aggregate.entity])} AS entity_key, "
            f"CAST({value} AS DOUBLE) AS value, {moment} AS as_of FROM {sql_identifier(aggregate.table)} "
            f"WHERE {key} IS NOT NULL AND {event_time} < {moment}{since} GROUP BY {key}"
        )
    if not parts:
        raise StudioError("the recipe has no aggregates, so there is no online table")
    return " UNION ALL ".join(parts)


def write_online_table(con: duckdb.DuckDBPyConnection, aggregates: Sequence[Aggregate], as_of: dt.datetime, path: Path) -> int:
    """Write the online table as Parquet to ``path`` atomically; returns its row count."""
    temp = path.with_name(f".{path.name}.partial")
    con.execute(f"COPY ({online_table_sql(con, aggregates, as_of)} ORDER BY aggregate, entity_key) TO {sql_literal(str(temp))} (FORMAT parquet)")
    atomic_replace(temp, path)
    counted = con.execute(f"SELECT count(*) FROM read_parquet({sql_literal(str(path))})").fetchone()
    return int(counted[0]) if counted else 0
