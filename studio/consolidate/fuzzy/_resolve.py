"""``resolve``: the whole model on a table in place, inside DuckDB (prepare, refuse past the
cap, train, score the blocked pairs, cluster), and the result it leaves in the connection."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb

from studio.consolidate.fuzzy._clustering import MIN_LABELS_EACH, checked_labels, cluster_pairs, scored_labels, suggest_threshold
from studio.consolidate.fuzzy._config import FuzzyConfig
from studio.consolidate.fuzzy._estimates import refuse_if_too_many
from studio.consolidate.fuzzy._linker import linked, splink_quiet
from studio.consolidate.fuzzy._prepare import Prepared, prepare, public_names
from studio.consolidate.fuzzy._progress import Progress, report
from studio.consolidate.fuzzy._sql import drop, first_row, table_name
from studio.consolidate.fuzzy._training import describe_model, train
from studio.lake import sql_identifier


@dataclass
class FuzzyResult:
    """Tables in the connection plus what a UI needs to show and tune them.

    ``pairs`` has ``<row_id>_l`` < ``<row_id>_r``, ``match_weight``, ``match_probability`` and
    one ``gamma_<column>`` per comparison (-1 = a value is missing, 0 = no agreement, higher =
    closer agreement; ``parameters`` labels each level; a pair equal on every compared column
    has probability 1.0, its weight stays the model's). ``members`` has ``<row_id>``,
    ``cluster_id`` (the smallest row id in the cluster) and ``match_probability`` (the highest
    probability of an edge that links the row into its cluster; 1.0 for a singleton), one row
    per input row.
    """

    pairs: str
    members: str
    clusters: int
    weight_histogram: list[dict[str, Any]]
    parameters: dict[str, Any] = field(default_factory=dict)


def resolve(
    con: duckdb.DuckDBPyConnection,
    table: str,
    row_id: str,
    config: FuzzyConfig,
    labels: Sequence[tuple[int, int, bool]] = (),
    on_progress: Progress = None,
    on_warning: Callable[[str], None] | None = None,
) -> FuzzyResult:
    """Train a Splink model on ``table``, score the blocked pairs and cluster them (see the
    package docstring). Tables ``FuzzyResult.pairs`` and ``.members`` are left in ``con``.

    A pair of records equal on every compared column is scored 1.0, whatever the model says.
    When the table is too small for EM (or EM trains nothing), the model's probabilities are
    fixed instead of learnt: ``parameters["training"]["fixed_probabilities"]`` says why in one
    line, which also opens ``parameters["warnings"]`` and goes to ``on_warning``.

    With at least ``MIN_LABELS_EACH`` confirmed and rejected labels, the clustering threshold
    is the one that best separates them (``suggest_threshold``: a pair the blocking rules never
    generated counts as probability 0) instead of ``config.threshold``;
    ``parameters["threshold"]`` records which threshold was used and why."""
    label_rows = checked_labels(labels)
    report(on_progress, 0.0, "preparing the input")
    prepared = prepare(con, table, row_id, config)
    try:
        report(on_progress, 0.05, "counting comparisons")
        raw = refuse_if_too_many(con, prepared, config)
        parameters: dict[str, Any] = {}
        if prepared.rows < 2:
            pairs = _pairs_table(con, None, prepared, row_id, config)
        else:
            with splink_quiet() as collected:
                model, training = train(con, prepared, config, raw, on_progress)
                report(on_progress, 0.6, "scoring the candidate pairs")
                with linked(con, prepared, model) as linker:
                    predictions = linker.inference.predict(warning_mode="never").physical_name
                    pairs = _pairs_table(con, predictions, prepared, row_id, config)
            parameters = describe_model(model, prepared, config, training)
            fixed = [training["fixed"]] if training["fixed"] else []
            parameters["warnings"] = fixed + [public_names(m, prepared) for m in collected.messages]
            if fixed and on_warning is not None:
                on_warning(fixed[0])
    finally:
        drop(con, prepared.table)
    report(on_progress, 0.85, "clustering")
    threshold, source = float(config.threshold), "config"
    confirmed = sum(1 for *_, same in label_rows if same)
    if confirmed >= MIN_LABELS_EACH and len(label_rows) - confirmed >= MIN_LABELS_EACH:
        scored = scored_labels(con, pairs, row_id, label_rows)
        chosen = suggest_threshold(scored)
        if chosen is not None:
            threshold, source = chosen, "labels"
    members = cluster_pairs(con, table, row_id, pairs, threshold, label_rows)
    clusters = int(first_row(con, f"SELECT count(DISTINCT cluster_id) FROM {members}")[0])
    parameters["threshold"] = {"configured": config.threshold, "used": threshold, "from": source}
    parameters["labels"] = {"confirmed": confirmed, "rejected": len(label_rows) - confirmed}
    histogram = _histogram(con, pairs)
    report(on_progress, 1.0, f"{clusters:,} clusters")
    return FuzzyResult(pairs, members, clusters, histogram, parameters)


def _pairs_table(con: duckdb.DuckDBPyConnection, predictions: str | None, prepared: Prepared, row_id: str, config: FuzzyConfig) -> str:
    """The scored pairs under the user's names (``predictions`` None: an empty table). Records
    equal on every compared column (missing in both counts as equal; one column at least
    filled) are scored 1.0: they are exact duplicates as far as the config can tell, and a
    model that cannot learn (too few rows, see ``_fixed``) must not keep them apart."""
    name = table_name("pairs")
    left, right = sql_identifier(f"{row_id}_l"), sql_identifier(f"{row_id}_r")
    gammas = [(f"gamma_c{i}", sql_identifier(f"gamma_{c.column}")) for i, c in enumerate(config.comparisons)]
    if predictions is None:
        columns = ", ".join(f"NULL::INTEGER AS {alias}" for _, alias in gammas)
        con.execute(
            f"CREATE TABLE {name} AS SELECT NULL::BIGINT AS {left}, NULL::BIGINT AS {right}, NULL::DOUBLE AS match_weight, "
            f"NULL::DOUBLE AS match_probability, {columns} LIMIT 0"
        )
        return name
    columns = ", ".join(f"CAST({source} AS INTEGER) AS {alias}" for source, alias in gammas)
    compared = prepared.compared
    equal = " AND ".join(f"{c}_l IS NOT DISTINCT FROM {c}_r" for c in compared)
    filled = " OR ".join(f"{c}_l IS NOT NULL" for c in compared)
    con.execute(
        f"CREATE TABLE {name} AS SELECT CAST(unique_id_l AS BIGINT) AS {left}, CAST(unique_id_r AS BIGINT) AS {right}, "
        f"CAST(match_weight AS DOUBLE) AS match_weight, "
        f"CASE WHEN {equal} AND ({filled}) THEN 1.0 ELSE CAST(match_probability AS DOUBLE) END AS match_probability, {columns} "
        f"FROM {predictions} ORDER BY 1, 2"
    )
    return name


def _histogram(con: duckdb.DuckDBPyConnection, pairs: str, bins: int = 60) -> list[dict[str, Any]]:
    """Pairs by match weight in about ``bins`` bins of a round width (for the threshold chart)."""
    low, high, count = first_row(con, f"SELECT min(match_weight), max(match_weight), count(*) FROM {pairs} WHERE isfinite(match_weight)")
    if not count:
        return []
    width = max(0.5, math.ceil((high - low) / bins * 2) / 2)
    start = math.floor(low / width) * width
    rows = con.execute(
        f"SELECT floor((match_weight - {start!r}) / {width!r})::BIGINT AS b, count(*) FROM {pairs} WHERE isfinite(match_weight) GROUP BY b ORDER BY b"
    ).fetchall()
    return [{"weight_from": start + b * width, "weight_to": start + (b + 1) * width, "pairs": int(n)} for b, n in rows]
