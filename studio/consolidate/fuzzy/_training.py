"""Training: u from random pairs, m by expectation maximisation (one session per blocking
rule), the probability that two random records match, and the trained model described for
users (``FuzzyResult.parameters``)."""

from __future__ import annotations

import copy
import math
import statistics
from itertools import combinations
from typing import Any

import duckdb

from studio.consolidate.fuzzy._config import MIN_FILLED_SHARE, FuzzyConfig, rule_text
from studio.consolidate.fuzzy._fixed import UNTRAINED, fixed_model, too_small
from studio.consolidate.fuzzy._linker import linked
from studio.consolidate.fuzzy._prepare import Prepared, key_sql
from studio.consolidate.fuzzy._progress import Progress, report
from studio.consolidate.fuzzy._settings import comparison_columns, comparison_dict, settings
from studio.consolidate.fuzzy._sql import first_row, pair_count_sql

EM_MAX_PAIRS = 2_000_000  # pairs per EM session (sampled by hash beyond this)
U_MAX_PAIRS = 3_000_000  # random pairs for the u probabilities
REDUNDANT_AGREEMENT = 0.95  # agreeing on one column means agreeing on the other this often: one is redundant
IMPLIED_AGREEMENT = 0.95  # pairs in a rule's blocks agree on a column this often: the rule implies it
MAX_MATCHES_PER_ROW = 10  # lambda never implies more matches per row than this


def train(con: duckdb.DuckDBPyConnection, prepared: Prepared, config: FuzzyConfig, raw: list[int], on_progress: Progress) -> tuple[dict[str, Any], dict[str, Any]]:
    """The model (a Splink settings dict with m, u and lambda) and notes on training.

    u comes from random pairs, m and lambda from EM (``_em``), unless the table is too small
    for EM or EM trained nothing: then m and lambda are fixed (``_fixed``), and
    ``notes["fixed"]`` says why in one line."""
    pairs_total = prepared.rows * (prepared.rows - 1) // 2
    report(on_progress, 0.1, "estimating u from random pairs")
    u_pairs = float(max(1, min(U_MAX_PAIRS, 100 * prepared.rows, pairs_total)))
    with linked(con, prepared, settings(prepared, prepared.rules)) as linker:
        linker.training.estimate_u_using_random_sampling(max_pairs=u_pairs, seed=config.seed, min_count_per_level=None, num_chunks=1)
        model = linker.misc.save_model_to_json()
    sessions: list[dict[str, Any]] = []
    reason = too_small(prepared)
    if reason is None:
        trained, notes = _em(con, prepared, config, raw, copy.deepcopy(model), on_progress)
        if any(session["trained"] for session in notes["em_sessions"]):
            return trained, {**notes, "u_max_pairs": int(u_pairs), "fixed": None}
        reason, sessions = UNTRAINED, notes["em_sessions"]
    report(on_progress, 0.55, reason)
    notes = {"em_sessions": sessions, "untrained": list(prepared.compared), "redundant": {}, "u_max_pairs": int(u_pairs), "fixed": reason}
    return fixed_model(model, prepared, u_pairs), notes


def _em(
    con: duckdb.DuckDBPyConnection, prepared: Prepared, config: FuzzyConfig, raw: list[int], model: dict[str, Any], on_progress: Progress
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``model`` (u from random pairs) with m and lambda trained by EM, and notes on training.

    m comes from one EM session per blocking rule, each in a fresh linker starting from
    Splink's default m values, and each level's m is the median over the sessions that could
    estimate it (then rescaled to sum to 1). Sessions are independent on purpose: blocking on a
    column makes agreement on correlated columns (postcode and city, names and e-mail) look
    certain, and a later session started from such values stays stuck there; the median
    outvotes the one biased session.

    Two kinds of redundancy make EM degenerate (with u fixed from random pairs, pairs that agree
    on a column far more often than random pairs do are explained as matches, up to "every
    blocked pair matches"), so they are taken out before EM:

    - a compared column that duplicates another one (city and zip when each city has one zip:
      agreeing on one means agreeing on the other) counts the same evidence twice; it is left
      out of training and scores nothing (m = u), see ``_redundant_columns``;
    - a compared column that (nearly) always agrees within a rule's blocks (city when blocking
      on zip) says nothing there; that session does not train it, see ``_implied_columns``.

    Each EM session sees only the comparisons it can estimate. Lambda is derived from each
    session's share of matches among its blocked pairs: share x blocked pairs = matches in the
    blocks = lambda x all pairs x the chance that a match is in the blocks (see ``_lambda``).
    """
    from splink.internals.exceptions import SplinkException

    pairs_total = prepared.rows * (prepared.rows - 1) // 2
    covered = comparison_columns(prepared)
    redundant = _redundant_columns(con, prepared)
    filled = _filled_shares(con, prepared)
    trained: set[str] = set()
    estimates: dict[tuple[int, int], list[float]] = {}
    blocked_lambdas: list[tuple[float, int, list[tuple[str, int | None]]]] = []
    sessions: list[dict[str, Any]] = []
    index_of = {c["output_column_name"]: ci for ci, c in enumerate(model["comparisons"])}

    def em(rule: str, text: str, count: int, keys: list[tuple[str, int | None]]) -> None:
        used = {c for c, _ in keys}
        estimable = [c for c, cols in covered.items() if not cols & used and c not in redundant]
        if not estimable or count == 0:
            sessions.append({"rule": text, "trained": [], "skipped": "no pairs" if count == 0 else "the rule uses every compared column"})
            return
        implied = _implied_columns(con, prepared, keys, estimable)
        estimable = [c for c in estimable if c not in implied]
        if not estimable:
            sessions.append({"rule": text, "trained": [], "skipped": "every other compared column agrees within the rule's blocks", "implied": [c for c in covered if c in implied]})
            return
        note: dict[str, Any] = {"rule": text}
        if implied:
            note["implied"] = [c for c in covered if c in implied]
        while True:
            session_model = copy.deepcopy(model)
            session_model["comparisons"] = [c for c in model["comparisons"] if c["output_column_name"] in estimable]
            try:
                with linked(con, prepared, session_model) as linker:
                    session = linker.training.estimate_parameters_using_expectation_maximisation(
                        rule, max_pairs=float(EM_MAX_PAIRS) if count > EM_MAX_PAIRS else None, fix_u_probabilities=True
                    )
                    after = linker.misc.save_model_to_json()
                break
            except (SplinkException, ValueError, ZeroDivisionError, duckdb.Error) as error:
                message = str(error).splitlines()[0][:200]
                sparse = [c for c in estimable if filled[c] < MIN_FILLED_SHARE]
                if "below the minimum allowed" in message and sparse and len(sparse) < len(estimable):
                    # An m driven to zero: typically a mostly empty column whose filled pairs
                    # are all non-matches (a column only one of two merged systems has).
                    # Try again without the mostly empty columns.
                    estimable = [c for c in estimable if c not in sparse]
                    note["left_out"] = sparse
                    continue
                sessions.append({**note, "trained": [], "skipped": message})
                return
        for before_c, after_c in zip(session_model["comparisons"], after["comparisons"]):
            ci = index_of[before_c["output_column_name"]]
            for li, (before_l, after_l) in enumerate(zip(before_c["comparison_levels"], after_c["comparison_levels"])):
                m = after_l.get("m_probability")
                # A level EM never saw keeps its starting value exactly: not an estimate.
                if isinstance(m, float) and not after_l.get("is_null_level") and m != before_l.get("m_probability"):
                    estimates.setdefault((ci, li), []).append(m)
        blocked_lambdas.append((float(session.core_model_settings.probability_two_random_records_match), count, keys))
        trained.update(estimable)
        sessions.append({**note, "trained": estimable})

    for index, (rule, keys) in enumerate(zip(prepared.rules, prepared.rule_keys)):
        report(on_progress, 0.2 + 0.35 * index / len(prepared.rules), f"training m by EM on rule {index + 1} of {len(prepared.rules)}")
        em(rule, rule_text(config.blocking[index]), raw[index], keys)
    tried = set(prepared.rules)
    for column in sorted(set(covered) - trained - set(redundant)):
        if column in trained:
            continue
        other = _rule_for_untrained(con, prepared, covered[column] | set(redundant))
        if other is not None and other[0] not in tried:
            tried.add(other[0])
            em(*other)
    _set_m(model, estimates)
    for comparison in model["comparisons"]:
        if comparison["output_column_name"] in redundant:
            _neutralize(comparison)
    model["probability_two_random_records_match"] = _lambda(model, prepared, blocked_lambdas, pairs_total, filled)
    notes = {"em_sessions": sessions, "untrained": sorted(set(covered) - trained - set(redundant)), "redundant": dict(sorted(redundant.items()))}
    return model, notes


def _pair_sums(con: duckdb.DuckDBPyConnection, table: str, groups: list[list[str]], where: str) -> list[int]:
    """For each list of expressions, the number of pairs of rows (satisfying ``where``) equal on all of them."""
    if not groups:
        return []
    selects = ", ".join(f"({pair_count_sql(table, g, where)})" for g in groups)
    return [int(v) for v in first_row(con, f"SELECT {selects}")]


def _redundant_columns(con: duckdb.DuckDBPyConnection, prepared: Prepared) -> dict[str, str]:
    """Compared columns that duplicate another compared column: among rows where both are
    filled, pairs that agree on either agree on both (at least ``REDUNDANT_AGREEMENT`` of them,
    both ways), like a city and its only zip. Returns {redundant column: the column kept}; the
    kept one is the one with more filled values, then more comparison levels, then the first."""
    compared = prepared.compared
    if len(compared) < 2:
        return {}
    single = _pair_sums(con, prepared.table, [[c] for c in compared], "true")
    alone = dict(zip(compared, single))
    candidates = []
    for a, b in combinations(compared, 2):
        low, high = sorted((alone[a], alone[b]))
        if high > 0 and low >= 0.8 * high:  # necessary for agreement both ways (nulls aside)
            candidates.append((a, b))
    if not candidates:
        return {}
    levels = {c: len(comparison_dict(c, prepared.kinds[c], [])["comparison_levels"]) for c in compared}
    counts = dict(zip(compared, first_row(con, f"SELECT {', '.join(f'count({c})' for c in compared)} FROM {prepared.table}")))
    redundant: dict[str, str] = {}
    for a, b in candidates:
        where = f"{a} IS NOT NULL AND {b} IS NOT NULL"
        pa, pb, pab = _pair_sums(con, prepared.table, [[a], [b], [a, b]], where)
        if pa == 0 or pb == 0 or pab < REDUNDANT_AGREEMENT * pa or pab < REDUNDANT_AGREEMENT * pb:
            continue
        keep, drop = sorted((a, b), key=lambda c: (-counts[c], -levels[c], compared.index(c)))
        if keep not in redundant and drop not in redundant:
            redundant[drop] = keep
    return redundant


def _implied_columns(con: duckdb.DuckDBPyConnection, prepared: Prepared, keys: list[tuple[str, int | None]], columns: list[str]) -> set[str]:
    """Of ``columns``, those on which at least ``IMPLIED_AGREEMENT`` of the rule's pairs (both
    values filled) agree exactly: within the rule's blocks they carry no information, and EM
    with u from random pairs would read their agreement as evidence that every pair matches."""
    expressions = [key_sql("", c, n) for c, n in keys]
    key_filled = " AND ".join(f"{e} IS NOT NULL" for e in expressions)
    implied = set()
    for column in columns:
        where = f"{key_filled} AND {column} IS NOT NULL"
        pairs, agreeing = _pair_sums(con, prepared.table, [expressions, expressions + [column]], where)
        if pairs and agreeing >= IMPLIED_AGREEMENT * pairs:
            implied.add(column)
    return implied


def _filled_shares(con: duckdb.DuckDBPyConnection, prepared: Prepared) -> dict[str, float]:
    columns = list(prepared.kinds)
    values = first_row(con, f"SELECT {', '.join(f'count({c})' for c in columns)} FROM {prepared.table}")
    return {c: int(v) / max(1, prepared.rows) for c, v in zip(columns, values)}


def _neutralize(comparison: dict[str, Any]) -> None:
    """Make a comparison score nothing: m = u on every level (a level never seen among random
    pairs keeps no u, and Splink gives it no weight)."""
    for level in comparison["comparison_levels"]:
        if level.get("is_null_level"):
            continue
        u = level.get("u_probability")
        if isinstance(u, float) and u > 0:
            level["m_probability"] = u


def _set_m(model: dict[str, Any], estimates: dict[tuple[int, int], list[float]]) -> None:
    """Each level's m: the median of its session estimates, rescaled so the levels of a
    comparison sum to 1. A comparison no session trained keeps Splink's defaults; a level no
    session estimated gets Splink's default share (0.95 for the top level, the rest split)."""
    for ci, comparison in enumerate(model["comparisons"]):
        levels = [(li, level) for li, level in enumerate(comparison["comparison_levels"]) if not level.get("is_null_level")]
        if not any((ci, li) in estimates for li, _ in levels):
            continue
        default = [0.95] + [0.05 / max(1, len(levels) - 1)] * (len(levels) - 1)
        values = [statistics.median(estimates[(ci, li)]) if (ci, li) in estimates else default[k] for k, (li, _) in enumerate(levels)]
        total = sum(values)
        for (li, level), value in zip(levels, values):
            level["m_probability"] = max(value / total, 1e-12)


def _lambda(
    model: dict[str, Any],
    prepared: Prepared,
    blocked: list[tuple[float, int, list[tuple[str, int | None]]]],
    pairs_total: int,
    filled: dict[str, float],
) -> float:
    """Probability that two random records match, from the EM sessions. A session's share of
    matches among the ``count`` pairs its rule blocks gives the matches in those blocks; they
    are lambda x all pairs x the chance that a matching pair is in the blocks, which is taken as
    the product over the rule's columns of the chance both values are filled (filled share
    squared) and agree (the exact-match m; for a prefix, also the closest similar level). The
    sessions' estimates are combined as their median, and capped at ``MAX_MATCHES_PER_ROW``
    matches per row: a model where most pairs match is EM's degenerate solution, not data."""
    by_column = {c["output_column_name"]: c for c in model["comparisons"]}
    estimates = []
    for share, count, keys in blocked:
        share = min(max(share, 1e-12), 1.0)
        caught = 1.0
        for column, size in keys:
            caught *= filled.get(column, 1.0) ** 2
            comparison = by_column.get(column)
            if comparison is None:
                continue  # a blocking-only column: its agreement for matches is unknown
            levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
            ms = [lv.get("m_probability") for lv in levels]
            agree = ms[0] if ms and isinstance(ms[0], float) else 1.0
            if size is not None and prepared.kinds.get(column) in ("name", "string") and len(ms) > 2 and isinstance(ms[1], float):
                agree += ms[1]
            caught *= min(1.0, max(agree, 0.05))
        caught = max(caught, 0.01)
        estimates.append(share * count / max(pairs_total, 1) / caught)
    cap = min(0.5, MAX_MATCHES_PER_ROW / max(prepared.rows - 1, 1))
    if not estimates:
        return min(cap, max(1.0 / max(pairs_total, 1), 1e-4))
    return min(cap, max(statistics.median(estimates), 1e-12))


def _rule_for_untrained(con: duckdb.DuckDBPyConnection, prepared: Prepared, avoid: set[str]) -> tuple[str, str, int, list[tuple[str, int | None]]] | None:
    """An EM blocking rule for a comparison that every configured rule blocks on: equality on
    the one or two most distinctive other compared columns, whichever gives a workable number
    of pairs."""
    candidates = [c for c in prepared.compared if c not in avoid and prepared.kinds[c] != "number"]
    if not candidates:
        return None
    distinct = first_row(con, f"SELECT {', '.join(f'approx_count_distinct({c})' for c in candidates)} FROM {prepared.table}")
    ranked = [c for _, c in sorted(zip(distinct, candidates), key=lambda pair: -pair[0])][:4]
    inverse = {v: k for k, v in prepared.columns.items()}
    options = [(c,) for c in ranked] + list(combinations(ranked, 2))
    best = None
    for option in options:
        not_null = " AND ".join(f"{c} IS NOT NULL" for c in option)
        count = int(first_row(con, pair_count_sql(prepared.table, list(option), not_null))[0])
        if count == 0:
            continue
        if count <= 20 * EM_MAX_PAIRS:
            best = (option, count)
            break
    if best is None:
        return None
    option, count = best
    rule = " AND ".join(f"l.{c} = r.{c}" for c in option)
    return rule, "same " + " and ".join(inverse[c] for c in option), count, [(c, None) for c in option]


def describe_model(model: dict[str, Any], prepared: Prepared, config: FuzzyConfig, training: dict[str, Any]) -> dict[str, Any]:
    """The model as users see it (``FuzzyResult.parameters``), in their column names: per
    comparison and level the gamma, m, u and match weight; the blocking rules in words; how
    training went."""
    inverse = {v: k for k, v in prepared.columns.items()}
    comparisons = []
    for comparison in model["comparisons"]:
        internal = comparison["output_column_name"]
        levels = comparison["comparison_levels"]
        gamma = sum(1 for lv in levels if not lv.get("is_null_level"))  # the top level's gamma + 1
        described = []
        for lv in levels:
            m, u = lv.get("m_probability"), lv.get("u_probability")
            if not lv.get("is_null_level"):
                gamma -= 1
            weight = math.log2(m / u) if isinstance(m, float) and isinstance(u, float) and m > 0 and u > 0 else None
            described.append({"gamma": -1 if lv.get("is_null_level") else gamma, "label": lv.get("label_for_charts", ""), "m": m, "u": u, "match_weight": weight})
        comparisons.append(
            {
                "column": inverse[internal],
                "kind": prepared.kinds[internal],
                "gamma_column": f"gamma_{inverse[internal]}",
                "m_trained": internal not in training["untrained"] and internal not in training["redundant"],
                "levels": described,
            }
        )
        if internal in training["redundant"]:
            comparisons[-1]["redundant_with"] = inverse[training["redundant"][internal]]
    sessions = [{key: [inverse[c] for c in value] if key in ("trained", "implied", "left_out") else value for key, value in s.items()} for s in training["em_sessions"]]
    return {
        "probability_two_random_records_match": model.get("probability_two_random_records_match"),
        "comparisons": comparisons,
        "blocking": [rule_text(rule) for rule in config.blocking],
        "training": {
            "u_max_pairs": training["u_max_pairs"],
            "em_sessions": sessions,
            "m_untrained": [inverse[c] for c in training["untrained"]],
            "redundant": {inverse[c]: inverse[kept] for c, kept in training["redundant"].items()},
            "fixed_probabilities": training["fixed"],
        },
        "seed": config.seed,
    }

