"""The prepared copy Splink works on (internal names, normalization per kind, refusals) and the
pair budget of the blocking rules: each rule's own pair count, Splink's blocking analysis on a
small table (exact, or from a sample whose size follows the pair count), and the refusal
resolve makes when the rules make more pairs than allowed. Hand-built tables, no training."""

import math
import re

import duckdb
import pytest
import splink.blocking_analysis

from studio import StudioError
from studio.consolidate import FieldComparison, FuzzyConfig, comparison_budget, estimate_comparisons
from studio.consolidate.fuzzy._estimates import ComparisonBudget, _estimate, _splink_counts, raw_counts, refuse_if_too_many
from studio.consolidate.fuzzy._prepare import key_sql, normalized_sql, prepare, public_names
from studio.consolidate.fuzzy._sql import TABLE_PREFIX, describe, drop, first_row, is_numeric, is_temporal, is_text, pair_count_sql, table_name



def budget_table() -> duckdb.DuckDBPyConnection:
    """Seven rows: names that block on their first letter, towns with a gap, a date as text."""
    con = duckdb.connect()
    con.execute("CREATE TABLE t (rid INTEGER, name VARCHAR, town VARCHAR, born VARCHAR, seen TIMESTAMP, score INTEGER)")
    con.executemany(
        "INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)",
        [
            (10, "Ann Lee", "Oslo", "2001-02-03", "2020-01-01 10:00:00", 1),
            (11, "anne lee", "oslo", " 2001-02-03 ", "2020-01-01 23:00:00", 2),
            (12, "Anton", None, "not a date", None, 3),
            (13, "Bob", "Oslo", None, None, 4),
            (14, "bobby", "Bergen", None, None, 5),
            (15, None, "Bergen", None, None, 6),
            (16, "Cy", "Bergen", None, None, 7),
        ],
    )
    return con


BUDGET = FuzzyConfig(
    (FieldComparison("name", "name"), FieldComparison("born", "date"), FieldComparison("seen", "date")),
    (("name:1",), ("town", "name:1"), ("town",)),
)


def test_prepare_writes_the_compared_and_blocking_columns_under_internal_names():
    with budget_table() as con:
        prepared = prepare(con, "t", "rid", BUDGET)
        assert (prepared.rows, prepared.columns) == (7, {"name": "c0", "born": "c1", "seen": "c2", "town": "k0"})
        assert prepared.kinds == {"c0": "name", "c1": "date", "c2": "date", "k0": "exact"}
        assert prepared.compared == ["c0", "c1", "c2"]
        assert prepared.rule_keys == [[("c0", 1)], [("k0", None), ("c0", 1)], [("k0", None)]]
        assert prepared.rules[1] == "l.k0 = r.k0 AND substr(CAST(l.c0 AS VARCHAR), 1, 1) = substr(CAST(r.c0 AS VARCHAR), 1, 1)"
        rows = con.execute(f"SELECT unique_id, c0, CAST(c1 AS VARCHAR), CAST(c2 AS VARCHAR), k0 FROM {prepared.table} ORDER BY unique_id").fetchall()
        assert rows[:3] == [(10, "ann lee", "2001-02-03", "2020-01-01", "oslo"), (11, "anne lee", "2001-02-03", "2020-01-01", "oslo"), (12, "anton", None, None, None)]
        assert con.execute(f"SELECT typeof(unique_id) FROM {prepared.table} LIMIT 1").fetchall() == [("BIGINT",)]
        assert public_names("c0 and k0 differ from c2; c10 and xc0 stay", prepared) == "name and town differ from seen; c10 and xc0 stay"


def test_raw_counts_and_the_budget_of_the_blocking_rules():
    with budget_table() as con:
        prepared = prepare(con, "t", "rid", BUDGET)
        # first letter: a a a, b b, c (the NULL name left out) -> 3 + 1; town and letter: only oslo/a twice; town: 3 + 3
        assert raw_counts(con, prepared) == [4, 1, 6]
        assert refuse_if_too_many(con, prepared, FuzzyConfig(BUDGET.comparisons, BUDGET.blocking, max_comparisons=11)) == [4, 1, 6]
        estimates = _estimate(con, prepared, BUDGET, [10**12, 1, 0])
        assert estimates == [
            {"rule": "same first 1 characters of name", "comparisons": 10**12, "exact": False},
            {"rule": "same town and first 1 characters of name", "comparisons": 1, "exact": False},
            {"rule": "same town", "comparisons": 0, "exact": False},
        ]


@pytest.mark.parametrize(
    ("cap", "over", "message"),
    [
        (30, False, "30 comparisons in all, within max_comparisons (30)"),
        (1_000_000, False, "30 comparisons in all, within max_comparisons (1,000,000)"),
        (
            29,
            True,
            "the blocking rules would compare about 30 pairs, more than max_comparisons (29); "
            "make the rules stricter (add a column to \"same town\", which makes 18) or raise max_comparisons",
        ),
    ],
)
def test_budget_of_the_estimates_against_the_cap(cap, over, message):
    estimates = [{"rule": "same name", "comparisons": 2}, {"rule": "same town", "comparisons": 18}, {"rule": "same zip", "comparisons": 10}]
    budget = comparison_budget(estimates, FuzzyConfig(BUDGET.comparisons, BUDGET.blocking, max_comparisons=cap))
    assert budget == ComparisonBudget(30, cap, over, message)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (dict(row_id="nope"), "no row id column 'nope' in 't'"),
        (dict(row_id="name"), "row id column 'name' must be a whole-number column, not VARCHAR"),
        (dict(compared="rid"), "the row id 'rid' cannot be compared; it differs between every two rows"),
        (dict(compared="nope"), "no column 'nope' to compare (columns: name, town, born, seen, score)"),
        (dict(blocking=("town", "nope")), "blocking rule town, nope: no column 'nope' (columns: name, town, born, seen, score)"),
        (dict(table="missing"), "no table 'missing' in the connection"),
    ],
)
def test_prepare_refuses_bad_inputs_with_one_line(change, message):
    with budget_table() as con:
        config = FuzzyConfig((FieldComparison(change.get("compared", "name"), "name"),), (change.get("blocking", ("town",)),))
        before = con.execute("SELECT count(*) FROM duckdb_tables()").fetchall()
        with pytest.raises(StudioError) as raised:
            prepare(con, change.get("table", "t"), change.get("row_id", "rid"), config)
        assert str(raised.value).startswith(message) and "\n" not in str(raised.value)
        assert con.execute("SELECT count(*) FROM duckdb_tables()").fetchall() == before


@pytest.mark.parametrize(("ids", "message"), [([1, None, None], "has 2 missing values"), ([1, 1, 2, 2, 2], "has 3 repeated values")])
def test_prepare_refuses_missing_or_repeated_row_ids_and_leaves_no_table(ids, message):
    with duckdb.connect() as con:
        con.execute("CREATE TABLE t (rid BIGINT, name VARCHAR)")
        con.executemany("INSERT INTO t VALUES (?, 'x')", [(i,) for i in ids])
        with pytest.raises(StudioError) as raised:
            prepare(con, "t", "rid", FuzzyConfig((FieldComparison("name", "name"),), (("name",),)))
        assert message in str(raised.value)
        assert con.execute("SELECT count(*) FROM duckdb_tables()").fetchall() == [(1,)]


@pytest.mark.parametrize(
    ("kind", "dtype", "value", "seen"),
    [
        ("name", "VARCHAR", "  O'Brien-Smith 3rd!  ", "o'brien-smith rd"),
        ("name", "VARCHAR", " 42 ", None),
        ("string", "VARCHAR", "  Crème   BRÛLÉE ", "creme brulee"),
        ("string", "VARCHAR", "   ", None),
        ("exact", "VARCHAR", " ÀB  c ", "ab c"),
        ("exact", "INTEGER", 7, 7),
        ("email", "VARCHAR", "  ", None),
        ("email", "VARCHAR", " Zoë  Ray@Mail.COM ", "zoë  ray@mail.com"),  # accents and inner spaces kept, unlike text
        ("postcode", "VARCHAR", "sw1a 1aa", "SW1A1AA"),
        ("postcode", "VARCHAR", " - ", None),
        ("phone", "VARCHAR", "(555) 123", "555123"),
        ("phone", "VARCHAR", "n/a", None),
        ("number", "VARCHAR", " 2.5", 2.5),
        ("number", "VARCHAR", "two", None),
    ],
)
def test_prepare_normalizes_each_kind(kind, dtype, value, seen):
    assert duckdb.execute(f"SELECT {normalized_sql('v', kind, dtype)} FROM (SELECT CAST(? AS {dtype}) AS v)", [value]).fetchall()[0][0] == seen
    assert key_sql("", "c0", None) == "c0" and key_sql("l", "c0", None) == "l.c0" and key_sql("r", "c1", 3) == "substr(CAST(r.c1 AS VARCHAR), 1, 3)"


def test_prepare_keeps_a_blocking_only_number_as_it_is_and_folds_blocking_only_text():
    with budget_table() as con:
        prepared = prepare(con, "t", "rid", FuzzyConfig((FieldComparison("name", "name"),), (("score",), ("town",))))
        assert (prepared.columns, prepared.kinds) == ({"name": "c0", "score": "k0", "town": "k1"}, {"c0": "name", "k0": "exact", "k1": "exact"})
        rows = con.execute(f"SELECT typeof(k0), k0, k1 FROM {prepared.table} ORDER BY unique_id LIMIT 2").fetchall()
        assert rows == [("INTEGER", 1, "oslo"), ("INTEGER", 2, "oslo")]


def test_two_prepared_copies_live_side_by_side_under_the_fuzzy_prefix():
    with budget_table() as con:
        first, second = prepare(con, "t", "rid", BUDGET), prepare(con, "t", "rid", BUDGET)
        assert first.table != second.table and first.table.startswith(TABLE_PREFIX) and second.table.startswith(TABLE_PREFIX)
        assert con.execute(f"SELECT count(*) FROM {first.table}").fetchall() == con.execute(f"SELECT count(*) FROM {second.table}").fetchall() == [(7,)]


@pytest.mark.parametrize("where", ["compared", "blocking"])
def test_a_missing_column_lists_the_first_twenty_columns_but_the_row_id(where):
    names = [f"v{i:02}" for i in range(1, 25)]
    with duckdb.connect() as con:
        con.execute(f"CREATE TABLE wide (rid INTEGER, {', '.join(f'{n} VARCHAR' for n in names)})")
        config = FuzzyConfig((FieldComparison("nope" if where == "compared" else "v01", "string"),), (("nope" if where == "blocking" else "v01",),))
        with pytest.raises(StudioError) as raised:
            prepare(con, "wide", "rid", config)
        assert str(raised.value).endswith(f"no column 'nope'{' to compare' if where == 'compared' else ''} (columns: {', '.join(names[:19])})")


# ------------------------------------------------------------------ Splink's blocking analysis

NEW_PAIRS = [  # first letter: 10-11, 10-12, 11-12, 13-14; town and letter: only 10-11 again; town: 10-13, 11-13 and Bergen's three
    {"rule": "same first 1 characters of name", "comparisons": 4, "exact": True},
    {"rule": "same town and first 1 characters of name", "comparisons": 0, "exact": True},
    {"rule": "same town", "comparisons": 5, "exact": True},
]


@pytest.fixture
def proportions(monkeypatch):
    """The sample proportion (and the arguments) of every blocking analysis Splink is asked for."""
    asked: list[dict] = []
    real = splink.blocking_analysis.count_comparisons_from_blocking_rules

    def spy(frame, **kwargs):
        asked.append(kwargs)
        return real(frame, **kwargs)

    monkeypatch.setattr(splink.blocking_analysis, "count_comparisons_from_blocking_rules", spy)
    return asked


def test_estimate_comparisons_counts_the_pairs_each_rule_adds_and_leaves_nothing_behind(proportions):
    with budget_table() as con:
        assert estimate_comparisons(con, "t", "rid", BUDGET) == NEW_PAIRS
        assert con.execute("SELECT table_name FROM duckdb_tables()").fetchall() == [("t",)]
        assert con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall() == []
        prepared = prepare(con, "t", "rid", BUDGET)
        assert _estimate(con, prepared, BUDGET) == NEW_PAIRS, "without raw counts given, they are counted"
        assert proportions[0] == {
            "blocking_rules": prepared.rules, "link_type": "dedupe_only", "unique_id_column_name": "unique_id", "record_sample_proportion": 1.0,
        }


def test_a_result_df_of_the_callers_stays_registered():
    with budget_table() as con:
        con.register("result_df", con.execute("SELECT 42 AS answer").df())
        assert estimate_comparisons(con, "t", "rid", BUDGET) == NEW_PAIRS
        assert con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = 'result_df'").fetchall() == [(1,)]


@pytest.mark.parametrize(
    ("raw", "proportion"),
    [
        ([3_000_000], 1.0),
        ([1_000_000, 2_000_001], math.sqrt(3_000_000 / 3_000_001)),
        ([10**11], math.sqrt(3e-5)),
        ([10**12 - 1, 1], 0.002),  # sqrt(3e-6) is below the floor of one in 500
    ],
)
def test_the_sample_shrinks_with_the_rules_raw_pairs_down_to_one_in_five_hundred(proportions, raw, proportion):
    with budget_table() as con:
        prepared = prepare(con, "t", "rid", BUDGET)
        counts = _splink_counts(con, prepared, raw, ["a", "b", "c"])
        assert proportions[0]["record_sample_proportion"] == pytest.approx(proportion, rel=1e-12)
        assert [c["rule"] for c in counts] == ["a", "b", "c"] and {c["exact"] for c in counts} == {proportion == 1.0}
        if proportion > 0.99:  # (nearly) every record sampled: the exact counts
            assert [c["comparisons"] for c in counts] == [4, 0, 5]


def test_beyond_a_million_million_raw_pairs_each_rules_own_count_is_reported_unsampled(proportions):
    with budget_table() as con:
        prepared = prepare(con, "t", "rid", BUDGET)
        sampled = _estimate(con, prepared, BUDGET, [10**12, 0, 0])  # at the limit Splink still samples
        assert proportions[0]["record_sample_proportion"] == 0.002
        assert [(e["comparisons"], e["exact"]) for e in sampled] == [(0, False)] * 3
        over = _estimate(con, prepared, BUDGET, [10**12, 1, 0])
        assert len(proportions) == 1 and [e["comparisons"] for e in over] == [10**12, 1, 0]


def test_refusal_counts_raw_pairs_first_and_asks_splink_only_above_the_cap(proportions):
    with budget_table() as con:
        prepared = prepare(con, "t", "rid", BUDGET)
        capped = lambda cap: FuzzyConfig(BUDGET.comparisons, BUDGET.blocking, max_comparisons=cap)  # noqa: E731
        assert refuse_if_too_many(con, prepared, capped(11)) == [4, 1, 6]  # 11 raw pairs: within, not asked
        assert proportions == []
        assert refuse_if_too_many(con, prepared, capped(9)) == [4, 1, 6]  # 11 raw but 9 new pairs: within
        assert len(proportions) == 1
        with pytest.raises(StudioError) as raised:
            refuse_if_too_many(con, prepared, capped(8))
        assert str(raised.value) == (
            "the blocking rules would compare about 9 pairs, more than max_comparisons (8); "
            "make the rules stricter (add a column to \"same town\", which makes 5) or raise max_comparisons"
        )
        assert comparison_budget(NEW_PAIRS, capped(8)).message == str(raised.value)


# ------------------------------------------------------------------ the SQL helpers


def test_describe_gives_upper_case_types_and_a_missing_table_in_one_line():
    with duckdb.connect() as con:
        con.execute("CREATE TYPE mood AS ENUM ('ok', 'sad'); CREATE TABLE x (m mood, u UUID, r REAL, d DECIMAL(5, 2), s string, t timestamp)")
        assert describe(con, "x") == {"m": "ENUM('OK', 'SAD')", "u": "UUID", "r": "FLOAT", "d": "DECIMAL(5,2)", "s": "VARCHAR", "t": "TIMESTAMP"}
        with pytest.raises(StudioError) as raised:
            describe(con, "missing")
        assert str(raised.value) == "no table 'missing' in the connection (Catalog Error: Table with name missing does not exist!)"


@pytest.mark.parametrize(
    ("dtype", "text", "numeric", "temporal"),
    [
        ("VARCHAR", True, False, False), ("VARCHAR(10)", True, False, False), ("STRING", True, False, False), ("TEXT", True, False, False),
        ("UUID", True, False, False), ("ENUM", True, False, False), ("ENUM('A')", True, False, False), ("BLOB", False, False, False),
        ("INTEGER", False, True, False), ("UBIGINT", False, True, False), ("FLOAT", False, True, False), ("REAL", False, True, False),
        ("DOUBLE", False, True, False), ("DECIMAL(5,2)", False, True, False), ("DECIMAL", False, True, False), ("BOOLEAN", False, False, False),
        ("DATE", False, False, True), ("TIMESTAMP WITH TIME ZONE", False, False, True), ("TIME", False, False, False),
    ],
)
def test_kinds_of_column_types(dtype, text, numeric, temporal):
    assert (is_text(dtype), is_numeric(dtype), is_temporal(dtype)) == (text, numeric, temporal)


def test_scratch_names_first_rows_and_pair_counts():
    assert re.fullmatch(TABLE_PREFIX + r"pairs_[0-9a-f]{12}", table_name("pairs")) and table_name("x") != table_name("x")
    with duckdb.connect() as con:
        assert first_row(con, "SELECT 1, 2 UNION ALL SELECT 3, 4 ORDER BY 1") == (1, 2)
        assert first_row(con, "SELECT 1 WHERE false") is None
        con.execute("CREATE TABLE t AS SELECT * FROM (VALUES ('a', 1), ('a', 1), ('a', 2), ('b', 1), (NULL, 1), (NULL, 1)) v(x, y)")
        assert first_row(con, pair_count_sql("t", ["x"], "x IS NOT NULL")) == (3,)
        assert first_row(con, pair_count_sql("t", ["x", "y"], "true")) == (2,)
        assert first_row(con, pair_count_sql("t", ["x"], "false")) == (0,)
        con.execute("CREATE TABLE u AS SELECT 1")
        drop(con, "t", "never_was", "u")
        assert con.execute("SELECT count(*) FROM duckdb_tables()").fetchall() == [(0,)]
