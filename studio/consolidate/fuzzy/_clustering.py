"""Clustering: scored pairs (and a user's labels) into clusters by connected components in
DuckDB, and the threshold that best separates labelled pairs.

Labels (pairs of row ids a user confirmed as the same entity or rejected) are used as follows:
a confirmed pair is always an edge, so both rows end up in one cluster; a rejected pair is never
a direct edge (the rows may still meet through other links). Cluster ids are the smallest row id
of the cluster, so results do not depend on thread scheduling.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from studio.consolidate.fuzzy._sql import describe, drop, first_row, table_name
from studio.errors import StudioError
from studio.lake import sql_identifier

MIN_LABELS_EACH = 5  # confirmed and rejected pairs needed before labels choose the threshold
CHAINED_CLUSTER_ROWS = 20  # a cluster larger than this, and than CHAINED_CLUSTER_PERCENT of the rows, is chained
CHAINED_CLUSTER_PERCENT = 1


def checked_labels(labels: Sequence[tuple[int, int, bool]]) -> list[tuple[int, int, bool]]:
    """Labels validated (one-line errors), one per pair, as (smaller id, larger id, same), sorted."""
    seen: dict[tuple[int, int], bool] = {}
    for label in labels:
        if not isinstance(label, (tuple, list)) or len(label) != 3:
            raise StudioError(f"a label is (row id, row id, same entity true/false), not {label!r}")
        a, b, same = label
        if isinstance(a, bool) or isinstance(b, bool) or not isinstance(a, int) or not isinstance(b, int) or not isinstance(same, bool):
            raise StudioError(f"a label is (row id, row id, same entity true/false), not {label!r}")
        if a == b:
            raise StudioError(f"label ({a}, {b}) pairs a row with itself; label two different rows")
        key = (min(a, b), max(a, b))
        if seen.get(key, same) != same:
            raise StudioError(f"rows {key[0]} and {key[1]} are labelled both as a match and as a non-match; keep one label")
        seen[key] = same
    return [(a, b, same) for (a, b), same in sorted(seen.items())]


def _labels_table(con: duckdb.DuckDBPyConnection, labels: list[tuple[int, int, bool]], table: str, row_id: str) -> str:
    name = table_name("labels")
    con.execute(f"CREATE TEMP TABLE {name} (a BIGINT, b BIGINT, same BOOLEAN)")
    if labels:
        con.executemany(f"INSERT INTO {name} VALUES (?, ?, ?)", labels)
        unknown = first_row(
            con,
            f"SELECT id FROM (SELECT a AS id FROM {name} UNION SELECT b FROM {name}) "
            f"WHERE id NOT IN (SELECT {sql_identifier(row_id)} FROM {sql_identifier(table)}) ORDER BY id LIMIT 1",
        )
        if unknown:
            drop(con, name)
            raise StudioError(f"a label refers to row id {unknown[0]}, which is not in {table!r}; remove that label")
    return name


def cluster_pairs(
    con: duckdb.DuckDBPyConnection, table: str, row_id: str, pairs: str, threshold: float, labels: Sequence[tuple[int, int, bool]] = ()
) -> str:
    """Cluster at ``threshold``: the connected components of the pairs whose match probability
    is at least ``threshold``, plus confirmed labels, minus rejected labels. Returns the name of
    a new members table (``<row_id>``, ``cluster_id``, ``match_probability``) with every row of
    ``table`` exactly once; cluster ids are the smallest row id of each cluster."""
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0.0 <= threshold <= 1.0:
        raise StudioError(f"threshold must be a match probability from 0 to 1, not {threshold!r}")
    label_rows = checked_labels(labels)
    types = describe(con, table)
    if row_id not in types:
        raise StudioError(f"no row id column {row_id!r} in {table!r}")
    left, right, rid = sql_identifier(f"{row_id}_l"), sql_identifier(f"{row_id}_r"), sql_identifier(row_id)
    labelled = _labels_table(con, label_rows, table, row_id)
    edges, nodes, members = table_name("edges"), table_name("nodes"), table_name("members")
    try:
        con.execute(
            f"CREATE TEMP TABLE {edges} AS SELECT a, b, max(p) AS p FROM ("
            f"SELECT least({left}, {right}) AS a, greatest({left}, {right}) AS b, match_probability AS p FROM {pairs} "
            f"WHERE match_probability >= {float(threshold)!r} "
            f"UNION ALL SELECT a, b, 1.0 FROM {labelled} WHERE same) e "
            f"WHERE NOT EXISTS (SELECT 1 FROM {labelled} x WHERE NOT x.same AND x.a = e.a AND x.b = e.b) GROUP BY a, b"
        )
        con.execute(f"CREATE TEMP TABLE {nodes} AS SELECT id, min(id) AS c FROM (SELECT a AS id FROM {edges} UNION ALL SELECT b FROM {edges}) GROUP BY id")
        _connected_components(con, edges, nodes)
        con.execute(
            f"CREATE TABLE {members} AS SELECT t.{rid} AS {rid}, CAST(coalesce(n.c, t.{rid}) AS BIGINT) AS cluster_id, "
            f"CAST(coalesce(w.p, 1.0) AS DOUBLE) AS match_probability FROM {sql_identifier(table)} t "
            f"LEFT JOIN {nodes} n ON n.id = t.{rid} "
            f"LEFT JOIN (SELECT id, max(p) AS p FROM (SELECT a AS id, p FROM {edges} UNION ALL SELECT b, p FROM {edges}) GROUP BY id) w ON w.id = t.{rid} "
            f"ORDER BY t.{rid}"
        )
    finally:
        drop(con, edges, nodes, labelled)
    return members


def _connected_components(con: duckdb.DuckDBPyConnection, edges: str, nodes: str) -> None:
    """Label propagation with pointer jumping: every node ends with the smallest id of its
    component (the number of rounds grows with the log of the component diameter)."""
    while True:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {nodes}_next AS "
            f"WITH spread AS (SELECT e.a AS id, n.c FROM {edges} e JOIN {nodes} n ON n.id = e.b "
            f"UNION ALL SELECT e.b, n.c FROM {edges} e JOIN {nodes} n ON n.id = e.a UNION ALL SELECT id, c FROM {nodes}), "
            f"step AS (SELECT id, min(c) AS c FROM spread GROUP BY id) "
            f"SELECT s.id, least(s.c, coalesce(j.c, s.c)) AS c FROM step s LEFT JOIN step j ON j.id = s.c"
        )
        changed = first_row(con, f"SELECT count(*) FROM {nodes}_next x JOIN {nodes} n USING (id) WHERE x.c <> n.c")[0]
        con.execute(f"DROP TABLE {nodes}")
        con.execute(f"ALTER TABLE {nodes}_next RENAME TO {nodes}")
        if changed == 0:
            return


def suggest_threshold(labels_with_probabilities: Sequence[tuple[float, bool]]) -> float | None:
    """The match-probability threshold that best separates labelled pairs (max F1 of ``p >=
    threshold`` against the labels; ties go to the higher threshold), halfway between the
    probabilities it separates. None with fewer than ``MIN_LABELS_EACH`` of each kind."""
    items = [(float(p), bool(same)) for p, same in labels_with_probabilities]
    positives = sum(1 for _, same in items if same)
    if positives < MIN_LABELS_EACH or len(items) - positives < MIN_LABELS_EACH:
        return None
    values = sorted({p for p, _ in items}, reverse=True)
    best: tuple[float, float] | None = None
    for index, cut in enumerate(values):
        true_positive = sum(1 for p, same in items if same and p >= cut)
        predicted = sum(1 for p, _ in items if p >= cut)
        f1 = 2 * true_positive / (predicted + positives)
        below = values[index + 1] if index + 1 < len(values) else 0.0
        threshold = (cut + below) / 2 if below < cut else cut
        if best is None or f1 > best[0] + 1e-12:
            best = (f1, threshold)
    assert best is not None
    return min(max(best[1], 1e-9), 1.0)


def scored_labels(con: duckdb.DuckDBPyConnection, pairs: str, row_id: str, labels: list[tuple[int, int, bool]]) -> list[tuple[float, bool]]:
    """Each label with the predicted probability of its pair (0 when blocking never made it)."""
    left, right = sql_identifier(f"{row_id}_l"), sql_identifier(f"{row_id}_r")
    values = ", ".join(f"({a}, {b}, {str(same).upper()})" for a, b, same in labels)
    rows = con.execute(
        f"SELECT coalesce(p.match_probability, 0.0), x.same FROM (VALUES {values}) x(a, b, same) "
        f"LEFT JOIN {pairs} p ON p.{left} = x.a AND p.{right} = x.b ORDER BY x.a, x.b"
    ).fetchall()
    return [(float(p), bool(same)) for p, same in rows]



def chaining_warning(largest_cluster: int, rows: int) -> str | None:
    """One line when the largest cluster is too big to be one entity (over
    ``CHAINED_CLUSTER_ROWS`` rows and over ``CHAINED_CLUSTER_PERCENT`` % of all rows): weak links
    chain records of different entities together. None when the clusters look plausible."""
    if largest_cluster <= max(CHAINED_CLUSTER_ROWS, rows * CHAINED_CLUSTER_PERCENT // 100):
        return None
    return (
        f"One cluster holds {largest_cluster:,} rows: records are being chained together. "
        "Raise the threshold, compare more columns, or review pairs to teach the model."
    )
