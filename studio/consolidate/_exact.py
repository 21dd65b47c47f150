"""Exact deduplication on key columns, with survivorship rules, as DuckDB SQL.

Rows with equal keys form one cluster. The surviving (golden) row of a cluster is chosen by
ordering rules applied in turn (newest by a column, a source priority order, the most complete
row), and single columns can instead be aggregated over the cluster (first non-null in that
order, max, min, sum). A row with a NULL key matches nothing: it stays a cluster of its own.
Every input row appears once in the members table with its cluster id.
"""

from dataclasses import dataclass, field
from typing import Any

from studio.errors import StudioError
from studio.lake import sql_identifier, sql_literal

AGGREGATES = ("first_non_null", "max", "min", "sum")


@dataclass(frozen=True)
class Survivorship:
    """How the golden row of a cluster is chosen."""

    newest_by: str | None = None
    source_priority: tuple[str, ...] = ()
    most_complete: bool = False
    aggregate: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> "Survivorship":
        data = data or {}
        unknown = set(data) - {"newest_by", "source_priority", "most_complete", "aggregate"}
        if unknown:
            raise StudioError(f"unknown survivorship rule {sorted(unknown)[0]!r}; use newest_by, source_priority, most_complete, aggregate")
        aggregate = data.get("aggregate") or {}
        for column, how in aggregate.items():
            if how not in AGGREGATES:
                raise StudioError(f"aggregate of {column!r} must be one of {', '.join(AGGREGATES)}, not {how!r}")
        return cls(data.get("newest_by"), tuple(data.get("source_priority") or ()), bool(data.get("most_complete")), dict(aggregate))


def _order_by(rule: Survivorship, columns: list[str], source_column: str | None, row_id: str) -> str:
    terms = []
    if rule.newest_by:
        if rule.newest_by not in columns:
            raise StudioError(f"newest_by: no column {rule.newest_by!r}")
        terms.append(f"{sql_identifier(rule.newest_by)} DESC NULLS LAST")
    if rule.source_priority:
        if source_column is None:
            raise StudioError("source_priority needs a source column (several sources)")
        cases = " ".join(f"WHEN {sql_literal(s)} THEN {i}" for i, s in enumerate(rule.source_priority))
        terms.append(f"CASE {sql_identifier(source_column)} {cases} ELSE {len(rule.source_priority)} END")
    if rule.most_complete:
        filled = " + ".join(f"({sql_identifier(c)} IS NOT NULL)::INTEGER" for c in columns)
        terms.append(f"({filled}) DESC")
    terms.append(sql_identifier(row_id))  # deterministic last tie-breaker: input order
    return ", ".join(terms)


def exact_dedupe_sql(
    table_sql: str, columns: list[str], keys: list[str], rule: Survivorship, row_id: str, source_column: str | None = None
) -> tuple[str, str]:
    """(golden SELECT, members SELECT) over ``table_sql``, whose ``row_id`` column numbers the
    input rows. The members select gives ``row_id``, ``cluster_id`` (the golden row's id) and
    ``match_probability`` (1.0: exact)."""
    if not keys:
        raise StudioError("give at least one key column to deduplicate on")
    missing = [k for k in keys if k not in columns]
    if missing:
        raise StudioError(f"no key column {missing[0]!r} (columns: {', '.join(columns[:20])})")
    for column in rule.aggregate:
        if column not in columns:
            raise StudioError(f"aggregate: no column {column!r}")
        if column in keys:
            raise StudioError(f"aggregate: {column!r} is a key column; keys are equal within a cluster")
    data_columns = [c for c in columns if c != row_id]
    order = _order_by(rule, data_columns, source_column, row_id)
    any_null = " OR ".join(f"{sql_identifier(k)} IS NULL" for k in keys)
    partition = ", ".join(sql_identifier(k) for k in keys)
    group = f"CASE WHEN {any_null} THEN {sql_identifier(row_id)} ELSE -1 END, {partition}"
    ranked = (
        f"SELECT *, row_number() OVER (PARTITION BY {group} ORDER BY {order}) AS _rank, "
        f"first_value({sql_identifier(row_id)}) OVER (PARTITION BY {group} ORDER BY {order}) AS _cluster FROM {table_sql}"
    )
    members = f"SELECT {sql_identifier(row_id)}, _cluster AS cluster_id, 1.0::DOUBLE AS match_probability FROM ({ranked})"
    if not rule.aggregate:
        golden = f"SELECT * EXCLUDE (_rank, _cluster) FROM ({ranked}) WHERE _rank = 1 ORDER BY {sql_identifier(row_id)}"
        return golden, members
    aggregated = []
    for column in rule.aggregate:
        how, col = rule.aggregate[column], sql_identifier(column)
        if how == "first_non_null":
            expression = f"first({col} ORDER BY _rank) FILTER (WHERE {col} IS NOT NULL)"
        else:
            expression = f"{how}({col})"
        aggregated.append(f"{expression} AS {col}")
    kept = ", ".join(f"first({sql_identifier(c)} ORDER BY _rank) AS {sql_identifier(c)}" for c in columns if c not in rule.aggregate)
    select_list = ", ".join(sql_identifier(c) for c in columns)
    golden = (
        f"SELECT {select_list} FROM (SELECT {kept}, {', '.join(aggregated)} FROM ({ranked}) GROUP BY _cluster) ORDER BY {sql_identifier(row_id)}"
    )
    return golden, members
