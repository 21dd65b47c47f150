"""What changed between two versions of a table: rows added, removed and changed (matched by
key columns, or whole rows), changes per column, schema changes and sample rows; all counted
in DuckDB over the two Parquet files."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from studio.errors import StudioError
from studio.lake import Lake, json_value, sql_identifier, sql_literal
from studio.tables import TableVersion

DIFF_SAMPLE_ROWS = 20


@dataclass(frozen=True)
class VersionDiff:
    """What changed between two versions of a dataset."""

    name: str
    old: int
    new: int
    key: list[str]
    added_columns: list[str]
    removed_columns: list[str]
    retyped_columns: list[dict[str, str]]
    rows_added: int
    rows_removed: int
    rows_changed: int
    rows_unchanged: int
    changed_by_column: dict[str, int]
    samples: dict[str, list[dict[str, Any]]]

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)



def default_diff_key(lake: Lake, before: TableVersion, after: TableVersion) -> list[str]:
    """The columns that identify a row in both versions: the recipe's id column when it
    is unique in both (a table without deduplication), else ``cluster_id`` when both have
    it, else none (whole rows are compared)."""
    common = {c["name"] for c in before.columns} & {c["name"] for c in after.columns}
    id_column = after.origin.get("spec", {}).get("id")
    if id_column in common and after.origin.get("spec", {}).get("dedupe") is None:
        with lake.connect() as con:
            unique = all(
                con.execute(f"SELECT count(*) = count(DISTINCT {sql_identifier(id_column)}) FROM read_parquet({sql_literal(str(t.path))})").fetchall()[0][0]
                for t in (before, after)
            )
        if unique:
            return [id_column]
    return ["cluster_id"] if "cluster_id" in common else []

def diff_versions(lake: Lake, before: TableVersion, after: TableVersion, key: list[str] | None = None) -> VersionDiff:
    """Rows added, removed and changed between two versions, and schema changes. With a
    ``key`` (columns that identify a row; default: ``cluster_id`` when both have it) rows
    are matched by key and compared on their common columns; without one, whole rows are
    compared, so a changed row counts as one removed and one added."""
    old_types = {c["name"]: c["type"] for c in before.columns}
    new_types = {c["name"]: c["type"] for c in after.columns}
    common = [c for c in new_types if c in old_types]
    if key is None:
        key = default_diff_key(lake, before, after)
    missing = [k for k in key if k not in common]
    if missing:
        raise StudioError(f"key column {missing[0]!r} is not in both versions (common columns: {', '.join(common[:20])})")
    a, b = f"read_parquet({sql_literal(str(before.path))})", f"read_parquet({sql_literal(str(after.path))})"
    samples: dict[str, list[dict[str, Any]]] = {}
    changed_by_column: dict[str, int] = {}
    with lake.connect() as con:
        if key:
            on = " AND ".join(f"o.{sql_identifier(k)} IS NOT DISTINCT FROM n.{sql_identifier(k)}" for k in key)
            con.execute(f"CREATE TEMP VIEW o AS SELECT {', '.join(sql_identifier(c) for c in common)} FROM {a}")
            con.execute(f"CREATE TEMP VIEW n AS SELECT {', '.join(sql_identifier(c) for c in common)} FROM {b}")
            duplicated = con.execute(
                f"SELECT (SELECT count(*) - count(DISTINCT ({', '.join(sql_identifier(k) for k in key)})) FROM o) + "
                f"(SELECT count(*) - count(DISTINCT ({', '.join(sql_identifier(k) for k in key)})) FROM n)"
            ).fetchall()[0][0]
            if duplicated:
                raise StudioError(f"key {', '.join(key)} is not unique in both versions; choose columns that identify a row")
            compared = [c for c in common if c not in key]
            differs = " OR ".join(f"o.{sql_identifier(c)} IS DISTINCT FROM n.{sql_identifier(c)}" for c in compared) or "false"
            removed = con.execute(f"SELECT count(*) FROM o ANTI JOIN n ON {on}").fetchall()[0][0]
            added = con.execute(f"SELECT count(*) FROM n ANTI JOIN o ON {on}").fetchall()[0][0]
            matched, changed = con.execute(f"SELECT count(*), count(*) FILTER (WHERE {differs}) FROM o JOIN n ON {on}").fetchall()[0]
            unchanged = matched - changed
            for column in compared:
                col = sql_identifier(column)
                changed_by_column[column] = int(
                    con.execute(f"SELECT count(*) FROM o JOIN n ON {on} WHERE o.{col} IS DISTINCT FROM n.{col}").fetchall()[0][0]
                )
            samples["added"] = _records(con, f"SELECT n.* FROM n ANTI JOIN o ON {on} LIMIT {DIFF_SAMPLE_ROWS}")
            samples["removed"] = _records(con, f"SELECT o.* FROM o ANTI JOIN n ON {on} LIMIT {DIFF_SAMPLE_ROWS}")
            if compared:
                pairs = ", ".join(f"o.{sql_identifier(c)} AS {sql_identifier(c + ' (old)')}, n.{sql_identifier(c)} AS {sql_identifier(c + ' (new)')}" for c in compared)
                samples["changed"] = _records(
                    con, f"SELECT {', '.join(f'o.{sql_identifier(k)}' for k in key)}, {pairs} FROM o JOIN n ON {on} WHERE {differs} LIMIT {DIFF_SAMPLE_ROWS}"
                )
        else:
            columns = ", ".join(sql_identifier(c) for c in common)
            con.execute(f"CREATE TEMP VIEW o AS SELECT {columns} FROM {a}")
            con.execute(f"CREATE TEMP VIEW n AS SELECT {columns} FROM {b}")
            removed = int(con.execute("SELECT count(*) FROM (SELECT * FROM o EXCEPT ALL SELECT * FROM n)").fetchall()[0][0])
            added = int(con.execute("SELECT count(*) FROM (SELECT * FROM n EXCEPT ALL SELECT * FROM o)").fetchall()[0][0])
            changed, unchanged = 0, before.rows - removed
            samples["added"] = _records(con, f"SELECT * FROM n EXCEPT ALL SELECT * FROM o LIMIT {DIFF_SAMPLE_ROWS}")
            samples["removed"] = _records(con, f"SELECT * FROM o EXCEPT ALL SELECT * FROM n LIMIT {DIFF_SAMPLE_ROWS}")
    return VersionDiff(
        name=after.name,
        old=before.version,
        new=after.version,
        key=key,
        added_columns=[c for c in new_types if c not in old_types],
        removed_columns=[c for c in old_types if c not in new_types],
        retyped_columns=[{"column": c, "old": old_types[c], "new": new_types[c]} for c in common if old_types[c] != new_types[c]],
        rows_added=int(added),
        rows_removed=int(removed),
        rows_changed=int(changed),
        rows_unchanged=int(unchanged),
        changed_by_column=changed_by_column,
        samples=samples,
    )



def _records(con: Any, sql: str) -> list[dict[str, Any]]:
    rows = con.execute(sql).fetchall()
    columns = [d[0] for d in con.description]
    return [{c: json_value(v) for c, v in zip(columns, row)} for row in rows]
