"""Exact deduplication on key columns, with survivorship rules, as DuckDB SQL.

Rows with equal keys form one cluster. The surviving (golden) row of a cluster is chosen by
ordering rules applied in turn (newest by a column, a source priority order, the most complete
row), and single columns can instead be aggregated over the cluster (first non-null in that
order, max, min, sum). A row with a NULL key matches nothing: it stays a cluster of its own.
Every input row appears once in the members table with its cluster id.
"""

import re
from dataclasses import dataclass, field
from typing import Any

from studio.errors import StudioError
from studio.lake import sql_identifier, sql_literal

AGGREGATES = ("first_non_null", "max", "min", "sum")
OUT_OF_ORDER = "rows are not in row-id order"


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


def _order_terms(rule: Survivorship, columns: list[str], source_column: str | None) -> list[tuple[str, str, str]]:
    """The survivorship rules in order, each as (name, SQL value, direction): a cluster's rows
    are ranked by them, and the input order breaks the last ties."""
    terms = []
    if rule.newest_by:
        if rule.newest_by not in columns:
            raise StudioError(f"newest_by: no column {rule.newest_by!r}")
        terms.append(("newest_by", sql_identifier(rule.newest_by), "DESC NULLS LAST"))
    if rule.source_priority:
        if source_column is None:
            raise StudioError("source_priority needs a source column (several sources)")
        cases = " ".join(f"WHEN {sql_literal(s)} THEN {i}" for i, s in enumerate(rule.source_priority))
        terms.append(("source_priority", f"CASE {sql_identifier(source_column)} {cases} ELSE {len(rule.source_priority)} END", "ASC"))
    if rule.most_complete:
        filled = " + ".join(f"({sql_identifier(c)} IS NOT NULL)::INTEGER" for c in columns)
        terms.append(("most_complete", f"({filled})", "DESC"))
    return terms


def _order_columns(rule: Survivorship, columns: list[str], source_column: str | None) -> list[str]:
    used = [rule.newest_by] if rule.newest_by else []
    if rule.source_priority and source_column:
        used.append(source_column)
    if rule.most_complete:
        used.extend(columns)
    return used


def _select_list(columns: list[str] | tuple[str, ...], prefix: str = "") -> str:
    return ", ".join(prefix + sql_identifier(c) for c in dict.fromkeys(columns))


@dataclass(frozen=True)
class DedupePlan:
    """Exact deduplication of ``table_sql`` (whose ``row_id`` column numbers the input rows) as
    SQL in parts, so that the window runs once over narrow rows:

    - ``survivors()``: per input row, ``survivor`` (the row id of its cluster's surviving row)
      and ``cluster_size``; only the row id, keys, the columns survivorship reads and ``carry``
      are read;
    - ``members(survivors)``: row id, ``cluster_id`` (the survivor's row id), match probability;
    - ``kept(survivors)``: every row id in order, with ``cluster_size`` where the row survives;
    - ``golden_in_order(kept)``: the surviving rows, whole, with ``cluster_size``, in row-id
      order without sorting them (when ``table_sql`` scans in row-id order);
    - ``golden(survivors, clusters)``: the surviving rows, whole, joined to ``clusters`` (a table
      with one row per cluster: ``cluster_id`` and the ``extra`` columns to add), unordered.
    """

    table_sql: str
    columns: tuple[str, ...]
    keys: tuple[str, ...]
    row_id: str
    group: str
    terms: tuple[tuple[str, str, str], ...]
    order_columns: tuple[str, ...]
    aggregate: tuple[tuple[str, str], ...]

    @property
    def order(self) -> str:
        return ", ".join([f"{value} {direction}" for _, value, direction in self.terms] + [sql_identifier(self.row_id)])

    def removed_by(self, survivors: str) -> str:
        """How many rows each survivorship rule removed: every non-surviving row is counted
        under the first rule on which it lost to its cluster's survivor (``input order`` when
        it tied on all of them)."""
        row_id = sql_identifier(self.row_id)
        cases = " ".join(
            f"WHEN ({value.replace('{side}', 'r')}) IS DISTINCT FROM ({value.replace('{side}', 's')}) THEN {sql_literal(name)}"
            for name, value, _ in self._sided_terms()
        )
        reason = f"CASE {cases} ELSE 'input order' END" if cases else "'input order'"
        return (
            f"SELECT {reason} AS rule, count(*) AS rows FROM {survivors} r JOIN {survivors} s ON s.{row_id} = r.survivor "
            f"WHERE r.{row_id} <> r.survivor GROUP BY 1 ORDER BY 2 DESC"
        )

    def _sided_terms(self) -> list[tuple[str, str, str]]:
        """The order terms with every column reference written as ``{side}."col"``."""
        # One pass, longest name first: a quoted name can hold another ("a""b" holds "b"), and
        # replacing one name after another would rewrite inside a name already written.
        quoted = sorted({sql_identifier(c) for c in self.order_columns}, key=len, reverse=True)
        if not quoted:
            return list(self.terms)
        pattern = re.compile("|".join(re.escape(q) for q in quoted))
        return [(name, pattern.sub(lambda m: "{side}." + m.group(0), value), direction) for name, value, direction in self.terms]

    def survivors(self, carry: tuple[str, ...] = ()) -> str:
        needed = _select_list([self.row_id, *self.keys, *self.order_columns, *carry])
        return (
            f"SELECT {needed}, first_value({sql_identifier(self.row_id)}) OVER cluster AS survivor, count(*) OVER cluster AS cluster_size "
            f"FROM {self.table_sql} WINDOW cluster AS (PARTITION BY {self.group} ORDER BY {self.order} ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)"
        )

    def kept(self, survivors: str) -> str:
        row_id = sql_identifier(self.row_id)
        return f"SELECT {row_id}, CASE WHEN {row_id} = survivor THEN cluster_size END AS cluster_size FROM {survivors} ORDER BY {row_id}"

    def golden_in_order(self, kept: str) -> str:
        """The surviving rows in row-id order without sorting the wide rows: ``table_sql`` is
        read beside ``kept`` by position (DuckDB runs a POSITIONAL JOIN on one thread, in scan
        order). A row whose id is not kept's at the same position raises OUT_OF_ORDER, so a
        scan that is not in row-id order fails rather than mixing rows; sort instead then."""
        if self.aggregate:
            raise StudioError("aggregated survivorship needs the sorted golden query")
        row_id = sql_identifier(self.row_id)
        return (
            f"SELECT t.*, k.cluster_size FROM {self.table_sql} t POSITIONAL JOIN {kept} k "
            f"WHERE CASE WHEN t.{row_id} IS DISTINCT FROM k.{row_id} THEN error({sql_literal(OUT_OF_ORDER)}) ELSE k.cluster_size IS NOT NULL END"
        )

    def members(self, survivors: str, carry: tuple[str, ...] = ()) -> str:
        carried = "".join(f"{sql_identifier(c)}, " for c in carry)
        return f"SELECT {sql_identifier(self.row_id)}, {carried}survivor AS cluster_id, 1.0::DOUBLE AS match_probability FROM {survivors}"

    def golden(self, survivors: str, clusters: str, extra: tuple[str, ...] = ()) -> str:
        row_id = sql_identifier(self.row_id)
        added = "".join(f", c.{sql_identifier(e)}" for e in extra)
        if not self.aggregate:
            return f"SELECT t.*{added} FROM {self.table_sql} t JOIN {clusters} c ON t.{row_id} = c.cluster_id"
        ranked = (
            f"SELECT t.*, m.survivor AS _cluster, row_number() OVER (PARTITION BY m.survivor ORDER BY {self.order}) AS _rank "
            f"FROM {self.table_sql} t JOIN (SELECT {row_id}, survivor FROM {survivors}) m USING ({row_id})"
        )
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
        return (
            f"SELECT {_select_list(self.columns, 'g.')}{added} FROM (SELECT {', '.join(parts)} FROM ({ranked}) GROUP BY _cluster) g "
            f"JOIN {clusters} c ON g.{row_id} = c.cluster_id"
        )


def exact_dedupe_plan(
    table_sql: str, columns: list[str], keys: list[str], rule: Survivorship, row_id: str, source_column: str | None = None
) -> DedupePlan:
    """Plan exact deduplication of ``table_sql``, whose ``row_id`` column numbers the input rows."""
    if not keys:
        raise StudioError("give at least one key column to deduplicate on")
    missing = [k for k in keys if k not in columns]
    if missing:
        raise StudioError(f"no key column {missing[0]!r} (columns: {', '.join(c for c in columns[:20] if not c.startswith('_'))})")
    for column in rule.aggregate:
        if column not in columns:
            raise StudioError(f"aggregate: no column {column!r}")
        if column in keys:
            raise StudioError(f"aggregate: {column!r} is a key column; keys are equal within a cluster")
    data_columns = [c for c in columns if c != row_id]
    terms = _order_terms(rule, data_columns, source_column)
    order_columns = _order_columns(rule, data_columns, source_column)
    any_null = " OR ".join(f"{sql_identifier(k)} IS NULL" for k in keys)
    partition = ", ".join(sql_identifier(k) for k in keys)
    group = f"CASE WHEN {any_null} THEN {sql_identifier(row_id)} ELSE -1 END, {partition}"
    return DedupePlan(table_sql, tuple(columns), tuple(keys), row_id, group, tuple(terms), tuple(order_columns), tuple(rule.aggregate.items()))


def exact_dedupe_sql(
    table_sql: str, columns: list[str], keys: list[str], rule: Survivorship, row_id: str, source_column: str | None = None
) -> tuple[str, str]:
    """(golden SELECT, members SELECT) over ``table_sql``, whose ``row_id`` column numbers the
    input rows. The members select gives ``row_id``, ``cluster_id`` (the golden row's id) and
    ``match_probability`` (1.0: exact)."""
    plan = exact_dedupe_plan(table_sql, columns, keys, rule, row_id, source_column)
    survivors = f"({plan.survivors()})"
    golden = plan.golden(survivors, f"(SELECT DISTINCT survivor AS cluster_id FROM {survivors})")
    return f"SELECT * FROM ({golden}) ORDER BY {sql_identifier(row_id)}", plan.members(survivors)
