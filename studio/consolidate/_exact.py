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


@dataclass(frozen=True)
class DedupePlan:
    """Exact deduplication as SQL in two parts, so the window runs once: ``ranked`` numbers
    every input row within its cluster (``_rank`` 1 is the survivor, ``_cluster`` the
    survivor's row id); ``golden`` and ``members`` read a table holding ``ranked``."""

    ranked: str
    columns: tuple[str, ...]
    row_id: str
    aggregate: tuple[tuple[str, str], ...]

    def golden(self, ranked_table: str) -> str:
        row_id = sql_identifier(self.row_id)
        if not self.aggregate:
            return f"SELECT * EXCLUDE (_rank, _cluster) FROM {ranked_table} WHERE _rank = 1 ORDER BY {row_id}"
        aggregated = dict(self.aggregate)
        parts = []
        for column in self.columns:
            col = sql_identifier(column)
            how = aggregated.get(column)
            if how is None:
                parts.append(f"first({col} ORDER BY _rank) AS {col}")
            elif how == "first_non_null":
                parts.append(f"first({col} ORDER BY _rank) FILTER (WHERE {col} IS NOT NULL) AS {col}")
            else:
                parts.append(f"{how}({col}) AS {col}")
        select_list = ", ".join(sql_identifier(c) for c in self.columns)
        return f"SELECT {select_list} FROM (SELECT {', '.join(parts)} FROM {ranked_table} GROUP BY _cluster) ORDER BY {row_id}"

    def members(self, ranked_table: str) -> str:
        return f"SELECT {sql_identifier(self.row_id)}, _cluster AS cluster_id, 1.0::DOUBLE AS match_probability FROM {ranked_table}"


def exact_dedupe_plan(
    table_sql: str, columns: list[str], keys: list[str], rule: Survivorship, row_id: str, source_column: str | None = None
) -> DedupePlan:
    """Plan exact deduplication of ``table_sql``, whose ``row_id`` column numbers the input rows."""
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
    return DedupePlan(ranked, tuple(columns), row_id, tuple(rule.aggregate.items()))


def exact_dedupe_sql(
    table_sql: str, columns: list[str], keys: list[str], rule: Survivorship, row_id: str, source_column: str | None = None
) -> tuple[str, str]:
    """(golden SELECT, members SELECT) over ``table_sql``, whose ``row_id`` column numbers the
    input rows. The members select gives ``row_id``, ``cluster_id`` (the golden row's id) and
    ``match_probability`` (1.0: exact)."""
    plan = exact_dedupe_plan(table_sql, columns, keys, rule, row_id, source_column)
    return plan.golden(f"({plan.ranked})"), plan.members(f"({plan.ranked})")
