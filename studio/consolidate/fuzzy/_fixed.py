"""Fixed match probabilities, for when EM cannot learn them: a table too small to train on (a
10-row file has one or two duplicate pairs, too few for EM to tell matches from chance), or
blocking rules under which no EM session could train anything.

Without this, such a table silently linked nothing: u from a handful of pairs, m from one
biased session, the duplicates themselves read as "redundant" columns, and term frequencies
of a few rows pushed even byte-identical records below the threshold.

The fixed model keeps what the data says reliably even when small, how often random pairs
agree on each level (u, from all pairs of a small table), and fixes what it cannot say, how
often duplicates agree (m): an exact match most of the time, the closer levels next, a
different value rarely. Term-frequency adjustments are dropped (frequencies over a few rows
are noise) and no column is taken out as redundant.
"""

from __future__ import annotations

import copy
from typing import Any

from studio.consolidate.fuzzy._prepare import Prepared

MIN_TRAINING_ROWS = 200  # below this many rows, m and u are not learnt by EM: fixed probabilities
EXACT_M = 0.75  # share of duplicate pairs that agree exactly on a column
DIFFERENT_M = 0.06  # share of duplicate pairs whose values differ outright
MATCHES_PER_ROW = 0.5  # the prior: a record has this many duplicates on average


def too_small(prepared: Prepared) -> str | None:
    """Why the table is too small for EM (one line), or None when it is big enough."""
    if prepared.rows >= MIN_TRAINING_ROWS:
        return None
    return (
        f"{prepared.rows:,} rows are too few to learn match probabilities from (EM needs {MIN_TRAINING_ROWS:,}); "
        "scored with fixed ones: check the pairs, or use exact dedupe"
    )


UNTRAINED = "EM could not learn match probabilities from the blocked pairs; scored with fixed ones: check the pairs, or compare more columns"


def fixed_model(model: dict[str, Any], prepared: Prepared, u_pairs: float) -> dict[str, Any]:
    """``model`` (u estimated from ``u_pairs`` random pairs) with fixed m on every level,
    a u for levels no random pair reached, no term-frequency adjustment, and the prior
    ``MATCHES_PER_ROW`` duplicates a record."""
    fixed = copy.deepcopy(model)
    for comparison in fixed["comparisons"]:
        levels = [level for level in comparison["comparison_levels"] if not level.get("is_null_level")]
        for level, m, u in zip(levels, _m_values(len(levels)), _u_values(levels, u_pairs)):
            level["m_probability"] = m
            level["u_probability"] = u
            level.pop("tf_adjustment_column", None)
            level.pop("tf_adjustment_weight", None)
    fixed["probability_two_random_records_match"] = min(0.5, MATCHES_PER_ROW / max(prepared.rows - 1, 1))
    return fixed


def _m_values(levels: int) -> list[float]:
    """Exact match ``EXACT_M``, different ``DIFFERENT_M``, and the levels between them share
    the rest, each half the one before (closer levels are likelier for duplicates)."""
    if levels == 1:
        return [1.0]
    between = levels - 2
    if between == 0:
        return [1.0 - DIFFERENT_M, DIFFERENT_M]
    halves = [0.5**i for i in range(between)]
    rest = 1.0 - EXACT_M - DIFFERENT_M
    return [EXACT_M] + [rest * h / sum(halves) for h in halves] + [DIFFERENT_M]


def _u_values(levels: list[dict[str, Any]], u_pairs: float) -> list[float]:
    """The estimated u of each level; a level that no sampled pair reached gets half of one
    pair's share (it is rarer than that, not impossible). Rescaled to sum to 1."""
    floor = 0.5 / max(u_pairs, 1.0)
    values = []
    for level in levels:
        u = level.get("u_probability")
        values.append(u if isinstance(u, float) and u > 0 else floor)
    total = sum(values)
    return [value / total for value in values]
