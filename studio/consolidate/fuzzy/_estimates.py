"""How many pairs the blocking rules make, and the cap on them (``max_comparisons``): one rule,
used by ``resolve``'s refusal, the page and the CLI alike."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

from studio.consolidate.fuzzy._config import FuzzyConfig, rule_text
from studio.consolidate.fuzzy._linker import splink_quiet
from studio.consolidate.fuzzy._prepare import Prepared, key_sql, prepare
from studio.consolidate.fuzzy._sql import drop, first_row, pair_count_sql
from studio.errors import StudioError

EXACT_ESTIMATE_PAIRS = 3_000_000  # below this, blocking counts are exact; above, sampled
RAW_ONLY_PAIRS = 10**12  # beyond this, blocking counts are each rule's own (not sampled by Splink)


@dataclass(frozen=True)
class ComparisonBudget:
    """The pairs the blocking rules make against ``max_comparisons``. ``message`` is one line
    to show: the total within the cap, or why it is over and what to change."""

    total: int
    cap: int
    over: bool
    message: str


def comparison_budget(estimates: Sequence[Mapping[str, Any]], config: FuzzyConfig) -> ComparisonBudget:
    """``estimates`` (from ``estimate_comparisons``) against ``config.max_comparisons``."""
    total = sum(int(e["comparisons"]) for e in estimates)
    cap = config.max_comparisons
    if total <= cap:
        return ComparisonBudget(total, cap, False, f"{total:,} comparisons in all, within max_comparisons ({cap:,})")
    worst = max(estimates, key=lambda e: e["comparisons"])
    message = (
        f"the blocking rules would compare about {total:,} pairs, more than max_comparisons ({cap:,}); "
        f"make the rules stricter (add a column to \"{worst['rule']}\", which makes {worst['comparisons']:,}) or raise max_comparisons"
    )
    return ComparisonBudget(total, cap, True, message)


def raw_counts(con: duckdb.DuckDBPyConnection, prepared: Prepared) -> list[int]:
    """Pairs each rule generates on its own (before removing pairs found by earlier rules)."""
    counts = []
    for keys in prepared.rule_keys:
        expressions = [key_sql("", c, n) for c, n in keys]
        not_null = " AND ".join(f"{e} IS NOT NULL" for e in expressions)
        counts.append(int(first_row(con, pair_count_sql(prepared.table, expressions, not_null))[0]))
    return counts


def _splink_counts(con: duckdb.DuckDBPyConnection, prepared: Prepared, raw: list[int], texts: list[str]) -> list[dict[str, Any]]:
    from splink import DuckDBAPI
    from splink.blocking_analysis import count_comparisons_from_blocking_rules

    total = sum(raw)
    proportion = 1.0 if total <= EXACT_ESTIMATE_PAIRS else max(0.002, math.sqrt(EXACT_ESTIMATE_PAIRS / total))
    db_api = DuckDBAPI(connection=con)
    frame = db_api.register(prepared.table, table_name=prepared.table)
    registered = first_row(con, "SELECT count(*) FROM duckdb_views() WHERE view_name = 'result_df'")[0]
    with splink_quiet():
        records = count_comparisons_from_blocking_rules(
            frame,
            blocking_rules=list(prepared.rules),
            link_type="dedupe_only",
            unique_id_column_name="unique_id",
            record_sample_proportion=proportion,
        )
    db_api.delete_tables_created_by_splink_from_db()
    if not registered:  # Splink's blocking analysis leaves this name registered on the connection
        con.unregister("result_df")
    by_key = {int(record["match_key"]): record for record in records}
    return [
        {"rule": text, "comparisons": int(by_key[i]["marginal_comparison_count"]) if i in by_key else 0, "exact": proportion >= 1.0}
        for i, text in enumerate(texts)
    ]


def _estimate(con: duckdb.DuckDBPyConnection, prepared: Prepared, config: FuzzyConfig, raw: list[int] | None = None) -> list[dict[str, Any]]:
    texts = [rule_text(rule) for rule in config.blocking]
    raw = raw_counts(con, prepared) if raw is None else raw
    if sum(raw) > RAW_ONLY_PAIRS:
        # Too many to even sample sensibly: report each rule's own count (an upper bound).
        return [{"rule": text, "comparisons": count, "exact": False} for text, count in zip(texts, raw)]
    return _splink_counts(con, prepared, raw, texts)


def estimate_comparisons(con: duckdb.DuckDBPyConnection, table: str, row_id: str, config: FuzzyConfig) -> list[dict[str, Any]]:
    """Pairs each blocking rule adds (not counting pairs an earlier rule already found), as
    Splink's blocking analysis reports them: exact on small inputs, from a hash sample of the
    records on large ones (``"exact"`` says which)."""
    prepared = prepare(con, table, row_id, config)
    try:
        return _estimate(con, prepared, config)
    finally:
        drop(con, prepared.table)


def refuse_if_too_many(con: duckdb.DuckDBPyConnection, prepared: Prepared, config: FuzzyConfig) -> list[int]:
    """Each rule's own pair count (for training); refuses when the rules make more pairs than
    ``config.max_comparisons``. The raw counts bound the total from above, so the (slower)
    estimate runs only when they exceed the cap."""
    raw = raw_counts(con, prepared)
    if sum(raw) <= config.max_comparisons:
        return raw
    budget = comparison_budget(_estimate(con, prepared, config, raw), config)
    if budget.over:
        raise StudioError(budget.message)
    return raw
