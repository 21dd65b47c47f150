"""Training's parts on hand-built models and tables, without Splink: m as the median of the
sessions' estimates, a redundant comparison neutralized, lambda from the sessions' shares of
matches, the redundant and implied columns, the rule for an untrained comparison, the model as
users see it; and resolve's pairs table and weight histogram."""

import logging
import math
import warnings

import duckdb
import pytest

from studio.consolidate import FieldComparison, FuzzyConfig, resolve, suggest_config
from studio.consolidate.fuzzy import _fixed as fixed_module
from studio.consolidate.fuzzy import _training as training_module
from studio.consolidate.fuzzy._linker import splink_quiet
from studio.consolidate.fuzzy._prepare import Prepared
from studio.consolidate.fuzzy._progress import report
from studio.consolidate.fuzzy._resolve import _histogram, _pairs_table
from studio.consolidate.fuzzy._training import (
    _filled_shares,
    _implied_columns,
    _lambda,
    _neutralize,
    _pair_sums,
    _redundant_columns,
    _rule_for_untrained,
    _set_m,
    describe_model,
)
from tests.unit.test_fuzzy import clusters_of, customers, two_systems

NULL = {"sql_condition": "x", "label_for_charts": "missing", "is_null_level": True}


def levels(*ms, us=None):
    us = us or [None] * len(ms)
    return [dict(NULL)] + [{"label_for_charts": f"level {i}", "m_probability": m, "u_probability": u} for i, (m, u) in enumerate(zip(ms, us))]


def test_m_is_the_median_of_the_sessions_rescaled_with_defaults_for_levels_none_estimated():
    model = {"comparisons": [{"comparison_levels": levels(0.5, 0.3, 0.2, 0.1)}, {"comparison_levels": levels(0.7, 0.3)}]}
    _set_m(model, {(0, 1): [0.6, 0.9, 0.8], (0, 2): [0.1, 0.3], (0, 4): [0.0]})
    ms = [lv.get("m_probability") for lv in model["comparisons"][0]["comparison_levels"]]
    # medians 0.8 and 0.2, level 3 Splink's default share 0.05 / 3, level 4 estimated 0 (kept above 0)
    total = 0.8 + 0.2 + 0.05 / 3
    assert ms == [None, pytest.approx(0.8 / total), pytest.approx(0.2 / total), pytest.approx(0.05 / 3 / total), 1e-12]
    assert [lv.get("m_probability") for lv in model["comparisons"][1]["comparison_levels"]] == [None, 0.7, 0.3], "no estimate: unchanged"


def test_m_of_a_comparison_with_one_level_estimated_gets_the_top_default_for_the_rest():
    model = {"comparisons": [{"comparison_levels": levels(0.5, 0.5)}]}
    _set_m(model, {(0, 2): [0.05]})
    assert [lv.get("m_probability") for lv in model["comparisons"][0]["comparison_levels"]] == [None, pytest.approx(0.95), pytest.approx(0.05)]
    two = {"comparisons": [{"comparison_levels": levels(0.5, 0.5)}, {"comparison_levels": levels(0.5, 0.5)}]}
    _set_m(two, {(1, 1): [0.9]})  # the first comparison untouched, the second's other level the default 0.05
    assert [[lv.get("m_probability") for lv in c["comparison_levels"]] for c in two["comparisons"]] == [
        [None, 0.5, 0.5], [None, pytest.approx(0.9 / 0.95), pytest.approx(0.05 / 0.95)],
    ]
    single = {"comparisons": [{"comparison_levels": levels(0.5)}]}
    _set_m(single, {(0, 1): [0.25]})
    assert single["comparisons"][0]["comparison_levels"][1]["m_probability"] == 1.0


def test_a_neutralized_comparison_has_m_equal_to_u_where_u_is_known():
    comparison = {"comparison_levels": levels(0.9, 0.08, 0.02, us=[0.01, 0.0, None])}
    comparison["comparison_levels"][0]["u_probability"] = 0.5
    _neutralize(comparison)
    assert [(lv.get("m_probability"), lv.get("u_probability")) for lv in comparison["comparison_levels"]] == [
        (None, 0.5), (0.01, 0.01), (0.08, 0.0), (0.02, None),
    ]


def lam(blocked, rows=101, filled=None, kinds=None, model=None):
    prepared = Prepared("t", rows, {}, kinds or {"c0": "name", "c1": "date", "c2": "string"}, [])
    model = model or {
        "comparisons": [
            {"output_column_name": "c0", "comparison_levels": levels(0.6, 0.2, 0.1)}, {"output_column_name": "c1", "comparison_levels": levels(0.8, 0.2)},
            {"output_column_name": "c2", "comparison_levels": levels(0.3, 0.2, 0.5)},
        ],
    }
    return _lambda(model, prepared, blocked, rows * (rows - 1) // 2, filled or {"c0": 1.0, "c1": 0.5, "c2": 1.0, "k0": 0.5})


@pytest.mark.parametrize(
    ("blocked", "expected"),
    [
        ([(0.02, 500, [("c1", None)])], 0.02 * 500 / 5050 / (0.25 * 0.8)),  # filled both, agreeing exactly
        ([(0.02, 500, [("c0", 3)])], 0.02 * 500 / 5050 / 0.8),  # a name's prefix: exact or the closest similar level
        ([(0.02, 500, [("c0", None)])], 0.02 * 500 / 5050 / 0.6),
        ([(0.02, 500, [("k0", None)])], 0.02 * 500 / 5050 / 0.25),  # a blocking-only column: filled only
        ([(0.02, 500, [("c0", None), ("c1", None)])], 0.02 * 500 / 5050 / (0.6 * 0.25 * 0.8)),
        ([(0.001, 10, [("k0", None)]), (0.9, 10, [("k0", None)]), (0.002, 10, [("k0", None)])], 0.002 * 10 / 5050 / 0.25),  # the median
        ([(0.0, 10, [("k0", None)])], 1e-12 * 10 / 5050 / 0.25),  # a share of nothing still counts a little
        ([(3.0, 10, [("c0", None)])], 10 / 5050 / 0.6),  # a share is at most 1
        ([(1.0, 5050, [("k0", None)])], 0.1),  # at most 10 matches a row: 10 / 100
        ([], 1 / 5050),  # no session: one match among all pairs
        ([(0.02, 500, [("k0", None), ("c1", None)])], 0.02 * 500 / 5050 / (0.25 * 0.25 * 0.8)),  # after a blocking-only column
        ([(0.02, 500, [("c2", 3)])], 0.02 * 500 / 5050 / 0.5),  # a string's prefix too
    ],
)
def test_lambda_from_the_sessions_shares(blocked, expected):
    assert lam(blocked) == pytest.approx(expected, rel=1e-12)


def test_lambda_floors_and_caps():
    tiny = {"c0": 0.01, "c1": 0.5, "k0": 0.5}
    assert lam([(0.005, 100, [("c0", None)])], filled=tiny) == pytest.approx(0.005 * 100 / 5050 / 0.01)  # caught at least 1 %
    low_m = {"comparisons": [{"output_column_name": "c0", "comparison_levels": levels(0.01, 0.9, 0.09)}]}
    assert lam([(0.005, 100, [("c0", None)])], model=low_m) == pytest.approx(0.005 * 100 / 5050 / 0.05)  # agreement at least 5 %
    high_m = {"comparisons": [{"output_column_name": "c0", "comparison_levels": levels(0.7, 0.6, 0.1)}]}
    assert lam([(0.005, 100, [("c0", 2)])], model=high_m) == pytest.approx(0.005 * 100 / 5050)  # agreement at most 1
    untrained = {"comparisons": [{"output_column_name": "c0", "comparison_levels": levels(None, 0.2, 0.1)}]}
    assert lam([(0.005, 100, [("c0", None)])], model=untrained) == pytest.approx(0.005 * 100 / 5050)  # no m: taken as 1
    two = {"comparisons": [{"output_column_name": "c0", "comparison_levels": levels(0.6, 0.3)}]}
    assert lam([(0.005, 100, [("c0", 3)])], model=two) == pytest.approx(0.005 * 100 / 5050 / 0.6)  # no similar level to add
    date = {"comparisons": [{"output_column_name": "c1", "comparison_levels": levels(0.6, 0.3, 0.1)}]}
    assert lam([(0.005, 100, [("c1", 3)])], model=date, filled={"c1": 1.0}) == pytest.approx(0.005 * 100 / 5050 / 0.6)  # not a name or string
    assert lam([], rows=10_000) == 1e-4  # no session on a large table: Splink's starting value
    assert lam([(1.0, 1, [("k0", None)])], rows=2) == 0.5  # never over a half
    assert lam([], rows=1) == 0.5
    assert lam([(0.1, 1, [("k0", None)])], rows=2, filled={"k0": 1.0}) == pytest.approx(0.1)  # one pair in all


def prepared_table(con, rows, kinds):
    """A prepared-shaped table of ``rows`` (tuples in the order of ``kinds``)."""
    names = list(kinds)
    con.execute(f"CREATE TABLE p (unique_id BIGINT, {', '.join(f'{n} VARCHAR' for n in names)})")
    con.executemany(f"INSERT INTO p VALUES (?, {', '.join('?' for _ in names)})", [(i, *row) for i, row in enumerate(rows)])
    return Prepared("p", len(rows), {f"col_{n}": n for n in names}, kinds, [])


# 20 pairs agree on c0, 19 of them on c1 too (and no other pair on c1)
NINETEEN_OF_TWENTY = [("a", "x")] * 6 + [("b", "y")] * 3 + [("c", "z")] * 2 + [("d", "u"), ("d", "v")]
CITY_ZIP = [("oslo", "0150", "ann"), ("oslo", "0150", "bob"), ("oslo", "0150", "cy"), ("bergen", "5003", "ann"), ("bergen", "5003", None), ("molde", None, "bob")]


def test_a_column_that_duplicates_another_is_redundant_and_the_better_filled_is_kept():
    with duckdb.connect() as con:
        prepared = prepared_table(con, CITY_ZIP, {"c0": "exact", "c1": "postcode", "c2": "name"})
        assert _pair_sums(con, "p", [["c0"], ["c1"], ["c0", "c1"], ["c2"]], "true") == [4, 4, 4, 2]
        assert _pair_sums(con, "p", [], "true") == []
        assert _redundant_columns(con, prepared) == {"c1": "c0"}  # the city has one more value
        assert _filled_shares(con, prepared) == {"c0": 1.0, "c1": 5 / 6, "c2": 5 / 6}
    with duckdb.connect() as con:
        assert _filled_shares(con, prepared_table(con, [("a", None)], {"c0": "exact", "k0": "exact"})) == {"c0": 1.0, "k0": 0.0}


def test_of_two_redundant_columns_equally_filled_the_one_with_more_levels_then_the_first_is_kept():
    rows = [(city, zip_) for city, zip_, _ in CITY_ZIP[:5]]
    with duckdb.connect() as con:
        assert _redundant_columns(con, prepared_table(con, rows, {"c0": "exact", "c1": "postcode"})) == {"c0": "c1"}
    with duckdb.connect() as con:
        assert _redundant_columns(con, prepared_table(con, rows, {"c0": "exact", "c1": "exact"})) == {"c1": "c0"}


@pytest.mark.parametrize(
    ("rows", "redundant"),
    [
        ([("a", "x"), ("a", "x"), ("b", "y"), ("b", "z")], {}),  # b agrees, its zips do not
        ([("a", "x"), ("a", "x"), ("b", "y"), ("b", "y"), ("c", "z"), ("c", "w"), ("d", "v"), ("d", "u")], {}),
        ([("a", "x"), ("b", "y")], {}),  # no pairs agree on either
        ([("a", "x"), ("a", "x"), ("b", "y"), ("b", "y"), ("c", "z"), ("c", "w")] + [(f"e{i}", f"e{i}") for i in range(30)], {}),
        ([("a", "x")] * 20 + [("b", "y")] * 20 + [("c", "z"), ("c", "w")], {"c1": "c0"}),  # 380 of 381 pairs: over 95 %
        ([("a", "x")] * 6 + [("b", "y")] * 6 + [("c", "z"), ("c", "w"), ("d", "v"), ("d", "u")], {}),  # 30 of 32: under 95 %
        (NINETEEN_OF_TWENTY, {"c1": "c0"}),  # 19 of 20 pairs: exactly 95 %
        ([(b, a) for a, b in NINETEEN_OF_TWENTY], {"c1": "c0"}),  # the same both ways: the first kept
        ([("a", "x"), ("a", "x"), ("b", "y")], {"c1": "c0"}),  # one pair is enough
        ([("p", "x")] * 3 + [("q", "y")] * 2 + [("r", None)] * 2, {"c1": "c0"}),  # 5 and 4 pairs alone (4 is 80 %), 4 of 4 both filled
    ],
)
def test_redundancy_needs_agreement_both_ways(rows, redundant):
    with duckdb.connect() as con:
        assert _redundant_columns(con, prepared_table(con, rows, {"c0": "exact", "c1": "exact"})) == redundant


def test_a_pair_of_columns_that_is_not_redundant_does_not_stop_the_search():
    rows = [("a", "x", "z1"), ("a", "y", "z1"), ("b", "x", "z2"), ("b", "y", "z2")]
    with duckdb.connect() as con:
        assert _redundant_columns(con, prepared_table(con, rows, {"c0": "exact", "c1": "exact", "c2": "exact"})) == {"c2": "c0"}


def test_one_compared_column_is_never_redundant():
    with duckdb.connect() as con:
        assert _redundant_columns(con, prepared_table(con, [("a",), ("a",)], {"c0": "exact"})) == {}


def test_a_column_that_agrees_within_nearly_every_block_of_a_rule_is_implied():
    rows = [("a", "x", "1", "p"), ("a", "x", "1", "q"), ("a", "x", "2", "r"), ("b", "y", None, "s"), ("b", "y", "3", "t"), ("c", None, "4", "u")]
    with duckdb.connect() as con:
        prepared = prepared_table(con, rows, {"c0": "exact", "c1": "exact", "c2": "exact", "c3": "exact"})
        # within the blocks of c0: c1 agrees on all 4 pairs, c2 on 1 of 3 filled
        assert _implied_columns(con, prepared, [("c0", None)], ["c1", "c2"]) == {"c1"}
        assert _implied_columns(con, prepared, [("c0", 1), ("c1", None)], ["c2"]) == set()
        assert _implied_columns(con, prepared, [("c1", None)], ["c2"]) == set()  # 1 of 3
        assert _implied_columns(con, prepared, [("c3", None)], ["c0"]) == set(), "no pairs: nothing implied"


def test_implied_at_exactly_ninety_five_percent_and_by_a_prefix():
    with duckdb.connect() as con:
        prepared = prepared_table(con, NINETEEN_OF_TWENTY, {"c0": "exact", "c1": "exact"})
        assert _implied_columns(con, prepared, [("c0", None)], ["c1"]) == {"c1"}
    rows = [("ab", "x"), ("ab", "x"), ("ac", "y"), ("ac", "y")]
    with duckdb.connect() as con:
        prepared = prepared_table(con, rows, {"c0": "exact", "c1": "exact"})
        assert _implied_columns(con, prepared, [("c0", None)], ["c1"]) == {"c1"}
        assert _implied_columns(con, prepared, [("c0", 1)], ["c1"]) == set()  # "a" blocks all four: 2 of 6 pairs agree


def test_an_untrained_comparison_is_trained_on_the_most_distinctive_other_columns():
    rows = [("ann", "x", "1", "5"), ("ann", "x", "2", "5"), ("bob", "y", "3", "5"), ("cy", "y", "4", "5"), ("dan", None, "5", "6")]
    kinds = {"c0": "name", "c1": "exact", "c2": "exact", "c3": "number"}
    with duckdb.connect() as con:
        prepared = prepared_table(con, rows, kinds)
        # c2 is the most distinctive but has no pairs; c0 has one; numbers are never used
        assert _rule_for_untrained(con, prepared, {"c1"}) == ("l.c0 = r.c0", "same col_c0", 1, [("c0", None)])
        assert _rule_for_untrained(con, prepared, {"c0"}) == ("l.c1 = r.c1", "same col_c1", 2, [("c1", None)])
        assert _rule_for_untrained(con, prepared, {"c0", "c1"}) is None, "c2 never agrees"
        assert _rule_for_untrained(con, prepared, {"c0", "c1", "c2"}) is None, "nothing to block on"
        assert _rule_for_untrained(con, prepared, {"c2"}) == ("l.c0 = r.c0", "same col_c0", 1, [("c0", None)]), "the more distinctive first"


def test_an_untrained_comparison_is_trained_on_the_four_most_distinctive_columns_only():
    rows = [(f"a{i}", f"b{i}", f"c{i}", f"d{i}", "e" if i < 2 else f"e{i}") for i in range(5)]
    with duckdb.connect() as con:
        prepared = prepared_table(con, rows, {f"c{k}": "exact" for k in range(5)})
        assert _rule_for_untrained(con, prepared, set()) is None  # c4 (4 values) is fifth


def test_an_untrained_comparison_is_trained_on_two_columns_when_one_makes_too_many_pairs(monkeypatch):
    rows = [("a", "x"), ("a", "x"), ("a", "y"), ("b", "y")]
    with duckdb.connect() as con:
        prepared = prepared_table(con, rows, {"c0": "exact", "c1": "exact"})
        monkeypatch.setattr(training_module, "EM_MAX_PAIRS", 0.1)  # at most 2 pairs
        assert _rule_for_untrained(con, prepared, set()) == ("l.c1 = r.c1", "same col_c1", 2, [("c1", None)])
        monkeypatch.setattr(training_module, "EM_MAX_PAIRS", 0.099)  # at most 1.98: c0 has 3, c1 2
        assert _rule_for_untrained(con, prepared, set()) == ("l.c0 = r.c0 AND l.c1 = r.c1", "same col_c0 and col_c1", 1, [("c0", None), ("c1", None)])
        monkeypatch.setattr(training_module, "EM_MAX_PAIRS", 0.01)
        assert _rule_for_untrained(con, prepared, set()) is None


def test_the_model_as_users_see_it():
    prepared = Prepared("p", 10, {"name": "c0", "town": "c1", "zip": "k0"}, {"c0": "name", "c1": "exact", "k0": "exact"}, [])
    model = {
        "probability_two_random_records_match": 0.01,
        "comparisons": [
            {"output_column_name": "c0", "comparison_levels": levels(0.8, 0.2, us=[0.1, 0.9])},
            {"output_column_name": "c1", "comparison_levels": levels(0.5, 0.0, us=[0.5, None])},
        ],
    }
    training = {
        "untrained": [], "redundant": {"c1": "c0"}, "u_max_pairs": 45, "fixed": None,
        "em_sessions": [{"rule": "same zip", "trained": ["c0"], "implied": ["c1"], "left_out": ["c1"], "skipped": "x"}],
    }
    config = FuzzyConfig((FieldComparison("name", "name"), FieldComparison("town", "exact")), (("zip",), ("name:2",)), seed=7)
    described = describe_model(model, prepared, config, training)
    assert described == {
        "probability_two_random_records_match": 0.01,
        "comparisons": [
            {
                "column": "name", "kind": "name", "gamma_column": "gamma_name", "m_trained": True,
                "levels": [
                    {"gamma": -1, "label": "missing", "m": None, "u": None, "match_weight": None},
                    {"gamma": 1, "label": "level 0", "m": 0.8, "u": 0.1, "match_weight": 3.0},
                    {"gamma": 0, "label": "level 1", "m": 0.2, "u": 0.9, "match_weight": math.log2(0.2 / 0.9)},
                ],
            },
            {
                "column": "town", "kind": "exact", "gamma_column": "gamma_town", "m_trained": False, "redundant_with": "name",
                "levels": [
                    {"gamma": -1, "label": "missing", "m": None, "u": None, "match_weight": None},
                    {"gamma": 1, "label": "level 0", "m": 0.5, "u": 0.5, "match_weight": 0.0},
                    {"gamma": 0, "label": "level 1", "m": 0.0, "u": None, "match_weight": None},
                ],
            },
        ],
        "blocking": ["same zip", "same first 2 characters of name"],
        "training": {
            "u_max_pairs": 45,
            "em_sessions": [{"rule": "same zip", "trained": ["name"], "implied": ["town"], "left_out": ["town"], "skipped": "x"}],
            "m_untrained": [],
            "redundant": {"town": "name"},
            "fixed_probabilities": None,
        },
        "seed": 7,
    }
    untrained = describe_model(model, prepared, config, {**training, "untrained": ["c0"], "redundant": {}, "fixed": "too small"})
    assert [c["m_trained"] for c in untrained["comparisons"]] == [False, True] and "redundant_with" not in untrained["comparisons"][1]
    assert untrained["training"]["m_untrained"] == ["name"] and untrained["training"]["fixed_probabilities"] == "too small"
    zero = {**model, "comparisons": [{"output_column_name": "c0", "comparison_levels": levels(0.0, 0.5, us=[0.5, 0.0])}]}
    assert [lv["match_weight"] for lv in describe_model(zero, prepared, config, training)["comparisons"][0]["levels"]] == [None, None, None]


def test_progress_is_reported_only_to_a_listener():
    heard = []
    report(lambda fraction, message: heard.append((fraction, message)), 0.5, "half")
    report(None, 1.0, "nobody listens")
    assert heard == [(0.5, "half")]


def test_an_empty_pairs_table_has_the_users_columns():
    with duckdb.connect() as con:
        config = FuzzyConfig((FieldComparison("first name", "name"), FieldComparison("dob", "date")), (("dob",),))
        name = _pairs_table(con, None, Prepared("p", 1, {}, {}, []), "row id", config)
        assert con.execute(f"DESCRIBE {name}").fetchall()[0][:2] == ("row id_l", "BIGINT")
        assert [(c, t) for c, t, *_ in con.execute(f"DESCRIBE {name}").fetchall()] == [
            ("row id_l", "BIGINT"), ("row id_r", "BIGINT"), ("match_weight", "DOUBLE"), ("match_probability", "DOUBLE"),
            ("gamma_first name", "INTEGER"), ("gamma_dob", "INTEGER"),
        ]
        assert con.execute(f"SELECT count(*) FROM {name}").fetchall() == [(0,)]
        assert _histogram(con, name) == []


def test_pairs_equal_on_every_compared_column_score_one():
    with duckdb.connect() as con:
        con.execute(
            "CREATE TABLE pred AS SELECT * FROM (VALUES "
            "(2, 1, -1.5, 0.2, 'a', 'a', 'x', 'x', 0, 0), (1, 3, 2.0, 0.7, 'a', 'a', NULL, NULL, 3, -1), "
            "(1, 4, 0.5, 0.4, NULL, NULL, NULL, NULL, -1, -1), (3, 4, 9.0, 0.3, 'a', 'b', 'x', 'x', 1, 2)) "
            "v(unique_id_l, unique_id_r, match_weight, match_probability, c0_l, c0_r, c1_l, c1_r, gamma_c0, gamma_c1)"
        )
        config = FuzzyConfig((FieldComparison("n", "name"), FieldComparison("m", "string")), (("n",),))
        prepared = Prepared("p", 4, {"n": "c0", "m": "c1"}, {"c0": "name", "c1": "string"}, [])
        name = _pairs_table(con, "pred", prepared, "id", config)
        # equal on both (missing in both counts as equal) -> 1.0; missing in both everywhere is not a match
        assert con.execute(f"SELECT * FROM {name}").fetchall() == [
            (1, 3, 2.0, 1.0, 3, -1), (1, 4, 0.5, 0.4, -1, -1), (2, 1, -1.5, 1.0, 0, 0), (3, 4, 9.0, 0.3, 1, 2),
        ]
        assert [c for c, *_ in con.execute(f"DESCRIBE {name}").fetchall()] == ["id_l", "id_r", "match_weight", "match_probability", "gamma_n", "gamma_m"]
        assert _histogram(con, name, bins=4) == [
            {"weight_from": -3.0, "weight_to": 0.0, "pairs": 1},
            {"weight_from": 0.0, "weight_to": 3.0, "pairs": 2},
            {"weight_from": 9.0, "weight_to": 12.0, "pairs": 1},
        ]


def test_the_histogram_bins_are_at_least_half_a_point_wide_and_skip_infinite_weights():
    with duckdb.connect() as con:
        con.execute("CREATE TABLE w AS SELECT * FROM (VALUES (0.1::DOUBLE), (0.2), (0.9), ('inf'::DOUBLE), ('-inf'::DOUBLE), (NULL)) v(match_weight)")
        assert _histogram(con, "w") == [{"weight_from": 0.0, "weight_to": 0.5, "pairs": 2}, {"weight_from": 0.5, "weight_to": 1.0, "pairs": 1}]
        con.execute("CREATE TABLE v AS SELECT range::DOUBLE - 30 AS match_weight FROM range(61)")
        bins = _histogram(con, "v")
        assert (bins[0], len(bins), bins[-1]) == ({"weight_from": -30.0, "weight_to": -29.0, "pairs": 1}, 61, {"weight_from": 30.0, "weight_to": 31.0, "pairs": 1})


# ------------------------------------------------------------------ resolve on ten rows (fixed probabilities)

TOO_FEW = "10 rows are too few to learn match probabilities from (EM needs 200); scored with fixed ones: check the pairs, or use exact dedupe"


def test_resolve_reports_its_steps_the_fixed_probabilities_and_the_threshold_it_used():
    progress, warned = [], []
    with customers() as con:
        config = suggest_config(con, "customers", "id")
        result = resolve(con, "customers", "id", config, on_progress=lambda fraction, message: progress.append((fraction, message)), on_warning=warned.append)
        assert progress == [
            (0.0, "preparing the input"), (0.05, "counting comparisons"), (0.1, "estimating u from random pairs"), (0.55, TOO_FEW),
            (0.6, "scoring the candidate pairs"), (0.85, "clustering"), (1.0, "9 clusters"),
        ]
        assert warned == [TOO_FEW] and result.parameters["warnings"] == [TOO_FEW]
        assert result.parameters["threshold"] == {"configured": 0.9, "used": 0.9, "from": "config"}
        assert result.parameters["labels"] == {"confirmed": 0, "rejected": 0}
        assert result.parameters["training"]["u_max_pairs"] == 45 and result.parameters["seed"] == 42
        # five pairs of strangers in the same town, one pair of the same person (5 and 6)
        assert result.weight_histogram == [{"weight_from": -11.0, "weight_to": -10.5, "pairs": 5}, {"weight_from": 16.5, "weight_to": 17.0, "pairs": 1}]
        assert con.execute(f"SELECT id_l, id_r FROM {result.pairs}").fetchall() == [(1, 7), (2, 8), (3, 9), (5, 6), (5, 10), (6, 10)]
        assert [t for (t,) in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY table_name").fetchall()] == sorted(["customers", result.pairs, result.members])


LABELS_TEN = [(1, 2, True), (3, 4, True), (7, 8, True), (9, 10, True), (5, 6, True), (1, 3, False), (2, 4, False), (5, 7, False), (6, 8, False), (1, 10, False)]


def test_five_labels_of_each_kind_choose_the_threshold_and_four_do_not():
    with customers() as con:
        config = suggest_config(con, "customers", "id")
        chosen = resolve(con, "customers", "id", config, labels=LABELS_TEN)
        # the confirmed strangers score near 0, so the cut that separates best is just above 0
        assert chosen.parameters["threshold"] == {"configured": 0.9, "used": 1e-09, "from": "labels"}
        assert chosen.parameters["labels"] == {"confirmed": 5, "rejected": 5}
        assert clusters_of(con, chosen.members) == [[1, 2, 7, 8], [3, 4, 5, 6, 9, 10]]
        kept = resolve(con, "customers", "id", config, labels=LABELS_TEN[1:])
        assert kept.parameters["threshold"] == {"configured": 0.9, "used": 0.9, "from": "config"}
        assert kept.parameters["labels"] == {"confirmed": 4, "rejected": 5}
        assert clusters_of(con, kept.members) == [[1], [2], [3, 4], [5, 6], [7, 8], [9, 10]]
        kept = resolve(con, "customers", "id", config, labels=[(a, b, not same) for a, b, same in LABELS_TEN[:9]])
        assert kept.parameters["labels"] == {"confirmed": 4, "rejected": 5} and kept.parameters["threshold"]["from"] == "config"


def test_a_one_row_table_is_one_cluster_without_training():
    with duckdb.connect() as con:
        con.execute("CREATE TABLE one AS SELECT 7 AS id, 'ann' AS name")
        result = resolve(con, "one", "id", FuzzyConfig((FieldComparison("name", "name"),), (("name",),)))
        assert result.parameters == {"threshold": {"configured": 0.9, "used": 0.9, "from": "config"}, "labels": {"confirmed": 0, "rejected": 0}}
        assert (result.clusters, result.weight_histogram) == (1, [])
        assert con.execute(f"SELECT * FROM {result.members}").fetchall() == [(7, 7, 1.0)]
        assert con.execute(f"SELECT count(*) FROM {result.pairs}").fetchall() == [(0,)]


# ------------------------------------------------------------------ EM on small tables (the row floor lowered)


@pytest.fixture
def em_on_small_tables(monkeypatch):
    monkeypatch.setattr(fixed_module, "MIN_TRAINING_ROWS", 5)


def test_em_sessions_on_68_shops_from_two_systems(em_on_small_tables):
    with two_systems(40, 3) as con:
        config = suggest_config(con, "shops", "row_id", exclude=["truth"])
        assert config.blocking == (("city", "name:4"), ("address:4",), ("zip", "name:4"))
        result = resolve(con, "shops", "row_id", config)
        training = result.parameters["training"]
        # city and zip say the same thing: the zip is kept (more levels) and never trained, as
        # every session blocks on one of them or finds it agreeing in its blocks
        assert training["redundant"] == {"city": "zip"} and training["m_untrained"] == ["zip"]
        assert training["em_sessions"] == [
            {"rule": "same city and first 4 characters of name", "implied": ["zip"], "trained": ["address"]},
            {"rule": "same first 4 characters of address", "implied": ["zip"], "trained": ["name"]},
            {"rule": "same zip and first 4 characters of name", "trained": ["address"]},
            {"rule": "same address", "implied": ["zip"], "trained": ["name"]},
        ]
        assert (training["u_max_pairs"], training["fixed_probabilities"]) == (68 * 67 // 2, None)
        assert [c["m_trained"] for c in result.parameters["comparisons"]] == [True, True, False, False]
        assert result.parameters["probability_two_random_records_match"] == pytest.approx(0.013433904562121086, rel=1e-6)
        assert result.clusters == 38


def test_em_sessions_that_find_nothing_to_train_on_ten_customers(em_on_small_tables):
    with customers() as con:
        result = resolve(con, "customers", "id", suggest_config(con, "customers", "id"))
        training = result.parameters["training"]
        everything = "every other compared column agrees within the rule's blocks"
        assert training["redundant"] == {"last_name": "first_name", "email": "first_name", "city": "zip"}
        assert training["em_sessions"] == [
            {"rule": "same first 4 characters of first_name", "trained": [], "skipped": everything, "implied": ["zip"]},
            {"rule": "same first 4 characters of last_name", "trained": [], "skipped": everything, "implied": ["zip"]},
            {"rule": "same city", "implied": ["zip"], "trained": ["first_name"]},
            {"rule": "same first_name", "trained": [], "skipped": everything, "implied": ["zip"]},  # tried for the untrained zip
        ]
        assert training["m_untrained"] == ["zip"] and training["fixed_probabilities"] is None
        assert result.parameters["probability_two_random_records_match"] == pytest.approx(1.0089441479750596e-06, rel=1e-6)
        assert clusters_of(con, result.members) == [[1], [2], [3], [4], [5, 6], [7], [8], [9], [10]]


def test_splink_quiet_collects_each_warning_once_and_restores_the_logger():
    logger = logging.getLogger("splink")
    logger.setLevel(logging.DEBUG)
    with splink_quiet() as collected:
        logging.getLogger("splink.internals").warning("Level  x\n  not observed")
        logger.warning("Level x not observed")
        logger.info("progress")
        logger.error("  ")
        warnings.warn("muted")
        assert (logger.level, logger.propagate) == (logging.WARNING, False)
    assert collected.messages == ["Level x not observed"]  # spaces folded, once, warnings and up, none empty
    assert (logger.level, logger.propagate, collected in logger.handlers) == (logging.DEBUG, True, False)
    logger.setLevel(logging.NOTSET)
