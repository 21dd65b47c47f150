"""``suggest_config``'s parts on hand-built inputs: words of column names, the kind each profile
gets (at the edges of every rule), the profile query, the hash sample of large tables, the
recall of a set of blocking rules, and the whole suggestion on small tables. No training."""

import duckdb
import pytest

from studio import StudioError
from studio.consolidate import FieldComparison, suggest_config
from studio.consolidate.fuzzy import _suggest as suggest_module
from studio.consolidate.fuzzy._sql import describe
from studio.consolidate.fuzzy._suggest import (
    _EMAIL_WORDS,
    _NAME_WORDS,
    _PHONE_WORDS,
    _POSTCODE_WORDS,
    _has,
    _kind_for,
    _profile,
    _recall,
    _sample_source,
    _suggest_blocking,
    _words,
)


@pytest.mark.parametrize(
    ("column", "words"),
    [("firstName", {"first", "name"}), ("e_mail", {"e", "mail"}), ("Zip-Code2", {"zip", "code2"}), ("__", set()), ("DOB", {"dob"})],
)
def test_words_of_a_column_name(column, words):
    assert _words(column) == words


@pytest.mark.parametrize(
    ("column", "vocabulary", "has"),
    [
        ("first_name", _NAME_WORDS, True),  # a word
        ("customerEmail", _EMAIL_WORDS, True),  # a word, by its capital
        ("customeremail", _EMAIL_WORDS, True),  # ends in a vocabulary word of more than 3 letters
        ("E-Mail", _EMAIL_WORDS, True),
        ("emails", _EMAIL_WORDS, False),
        ("hotel", _PHONE_WORDS, False),  # ends in "tel", but three letters are too few to tell
        ("homezip", _POSTCODE_WORDS, False),
        ("homepostcode", _POSTCODE_WORDS, True),
        ("post", _POSTCODE_WORDS, True),
        ("email2", _EMAIL_WORDS, True),  # digits left out
        ("customermail", _EMAIL_WORDS, True),  # four letters are enough
    ],
)
def test_a_column_name_has_a_vocabulary_word(column, vocabulary, has):
    assert _has(_words(column), vocabulary, column) is has


TEXT = {"rows": 100, "filled": 100, "distinct": 60, "length": 10.0, "email": 0.0, "date": 0.0, "phone": 0.0, "spaces": 0.5}


@pytest.mark.parametrize(
    ("column", "dtype", "change", "kind"),
    [
        ("x", "VARCHAR", {}, "string"),
        ("x", "VARCHAR", {"filled": 0, "distinct": 0}, None),  # empty
        ("x", "VARCHAR", {"distinct": 1}, None),  # constant
        ("x", "BOOLEAN", {"distinct": 2}, "exact"),
        ("created_at", "TIMESTAMP", {}, None),  # when the record was written
        ("updated", "TIMESTAMP WITH TIME ZONE", {}, None),
        ("visit_time", "TIMESTAMP", {}, "date"),
        ("created", "DATE", {}, "date"),
        ("customer_id", "INTEGER", {"distinct": 96}, None),  # an id: unique and named so
        ("customer_id", "INTEGER", {"distinct": 95}, "number"),  # 95 % unique is not unique enough
        ("x", "BIGINT", {"filled": 2000, "distinct": 1910}, None),  # over 1,000 distinct, nearly unique
        ("x", "BIGINT", {"filled": 2000, "distinct": 1900}, "number"),
        ("x", "BIGINT", {"filled": 1000, "distinct": 960}, "number"),  # nearly unique but only 960 values
        ("x", "BIGINT", {"filled": 1050, "distinct": 1001}, None),
        ("x", "BIGINT", {"filled": 1050, "distinct": 1000}, "number"),
        ("customer_id", "DOUBLE", {"distinct": 100}, "number"),  # not whole numbers: not an id
        ("x", "INTEGER", {"filled": 40, "distinct": 20}, "exact"),  # 20 values, each twice
        ("x", "DECIMAL(10,2)", {"filled": 40, "distinct": 20}, "exact"),
        ("x", "INTEGER", {"filled": 42, "distinct": 21}, "number"),  # 21 values, each twice
        ("x", "INTEGER", {"filled": 39, "distinct": 20}, "number"),  # ratio over a half
        ("x", "INTEGER[]", {}, None),
        ("x", "BLOB", {}, None),
        ("x", "VARCHAR", {"email": 0.7}, "email"),
        ("x", "VARCHAR", {"email": 0.69}, "string"),
        ("mail", "VARCHAR", {"email": 0.3}, "email"),
        ("mail", "VARCHAR", {"email": 0.29}, "string"),
        ("phone", "VARCHAR", {"phone": 0.5}, "phone"),
        ("phone", "VARCHAR", {"phone": 0.49}, "string"),
        ("x", "VARCHAR", {"phone": 1.0}, "string"),  # digits alone do not make a phone column
        ("zip", "VARCHAR", {"length": 12.0}, "postcode"),
        ("zip", "VARCHAR", {"length": 12.5}, "string"),
        ("x", "VARCHAR", {"date": 0.9}, "date"),
        ("x", "VARCHAR", {"date": 0.89}, "string"),
        ("surname", "VARCHAR", {"length": 40.0}, "name"),
        ("surname", "VARCHAR", {"length": 40.5}, "string"),
        ("x", "VARCHAR", {"filled": 51, "distinct": 51, "spaces": 0.04}, None),  # unique, no spaces: an identifier
        ("x", "VARCHAR", {"filled": 51, "distinct": 51, "spaces": 0.05}, "string"),  # unique phrases
        ("ref", "VARCHAR", {"filled": 51, "distinct": 51}, None),  # named as an identifier
        ("x", "VARCHAR", {"filled": 50, "distinct": 50, "spaces": 0.0}, "string"),  # 50 rows are too few to tell
        ("x", "VARCHAR", {"filled": 100, "distinct": 98, "spaces": 0.0}, "string"),  # 98 % unique: not an id
        ("x", "VARCHAR", {"length": 100.5}, None),  # free text
        ("x", "VARCHAR", {"length": 100.0}, "string"),
        ("x", "VARCHAR", {"distinct": 50}, "exact"),  # a category: 50 values, each twice
        ("x", "VARCHAR", {"filled": 102, "distinct": 51}, "string"),  # 51 values, each twice
        ("x", "VARCHAR", {"filled": 98, "distinct": 50}, "string"),  # ratio over a half
    ],
)
def test_the_kind_of_a_column_at_the_edges_of_each_rule(column, dtype, change, kind):
    assert _kind_for(column, dtype, {**TEXT, **change}) == kind


def test_the_profile_counts_filled_distinct_and_text_shapes():
    with duckdb.connect() as con:
        con.execute("CREATE TABLE t (n INTEGER, s VARCHAR)")
        con.executemany(
            "INSERT INTO t VALUES (?, ?)",
            [(1, "Ann@x.com"), (1, "ann@x.com "), (2, "2001-02-03"), (None, "+1 (555) 123"), (3, "  "), (4, "a b"), (5, None), (6, "ÀB")],
        )
        profile = _profile(con, "t", {"n": "INTEGER", "s": "VARCHAR"}, ["n", "s"])
    assert profile["n"] == {"rows": 8, "filled": 7, "distinct": 6}
    # filled: six non-blank values; distinct folded (case, accents, spaces): ann@x.com, the date, the phone, a b, ab
    assert profile["s"] == pytest.approx(
        {"rows": 8, "filled": 6, "distinct": 5, "length": 45 / 6, "email": 2 / 6, "date": 1 / 6, "phone": 2 / 6, "spaces": 2 / 6}
    )


def test_a_profile_of_plain_words_has_no_shapes():
    with duckdb.connect() as con:
        con.execute("CREATE TABLE t AS SELECT * FROM (VALUES ('ab'), ('cd')) v(s)")
        assert _profile(con, "t", {"s": "VARCHAR"}, ["s"])["s"] == {
            "rows": 2, "filled": 2, "distinct": 2, "length": 2.0, "email": 0.0, "date": 0.0, "phone": 0.0, "spaces": 0.0,
        }


def test_a_profile_of_a_blank_text_column_has_no_shares():
    with duckdb.connect() as con:
        con.execute("CREATE TABLE t AS SELECT ' ' AS s FROM range(3)")
        assert _profile(con, "t", {"s": "VARCHAR"}, ["s"])["s"] == {
            "rows": 3, "filled": 0, "distinct": 0, "length": 0.0, "email": 0.0, "date": 0.0, "phone": 0.0, "spaces": 0.0,
        }


def test_large_tables_are_profiled_on_a_hash_sample_of_two_hundred_thousand_rows():
    assert _sample_source("t", "rid", 200_000) == '"t"'
    assert _sample_source("t", "row id", 400_000) == '(SELECT * FROM "t" WHERE hash("row id") % 1000000 < 500000) s'
    assert _sample_source("t", "rid", 3_000_000) == '(SELECT * FROM "t" WHERE hash("rid") % 1000000 < 66666) s'
    assert _sample_source("t", "rid", 200_001) == '(SELECT * FROM "t" WHERE hash("rid") % 1000000 < 999995) s'


@pytest.mark.parametrize(
    ("rules", "agree", "recall"),
    [
        ([(0,)], [0.5], 0.5),
        ([(0,), (1,)], [0.5, 0.8], 0.9),  # 1 - 0.5 * 0.2
        ([(0, 1)], [0.5, 0.8], 0.4),
        ([(0, 1), (2,)], [0.5, 0.8, 0.5], 0.7),  # 1 - 0.6 * 0.5
        ([(1,)], [0.1, 0.3], 0.3),  # only the rules' columns count
        ([], [0.5], 0.0),
    ],
)
def test_recall_of_blocking_rules_with_independent_columns(rules, agree, recall):
    assert _recall(rules, agree) == pytest.approx(recall)


FIRST = "['ann', 'bob', 'cyd', 'dan', 'eve', 'fay', 'gus', 'hal', 'ida', 'jon', 'kim', 'lou', 'max', 'ned', 'oz', 'pam', 'quin', 'rex', 'sue', 'tom']"
LAST = "['lee', 'ray', 'fox', 'kim', 'doe', 'roe', 'orr', 'ash', 'bay', 'cox', 'day', 'eng', 'fry', 'gil', 'ho']"


def people_table(rows: int = 400) -> duckdb.DuckDBPyConnection:
    """People twice each: names from small pools, a birth date, a city of five, a fax number in
    one row of ten and an id."""
    con = duckdb.connect()
    con.execute(
        f"CREATE TABLE p AS SELECT i AS rid, 'C-' || i AS customer_id, {FIRST}[(i // 2) % 20 + 1] AS first_name, "
        f"{LAST}[(i // 40) % 15 + 1] || 'son' AS last_name, DATE '1950-01-01' + ((i // 2) * 37 % 9000)::INTEGER AS dob, "
        "['oslo', 'bergen', 'bodo', 'molde', 'hamar'][i % 5 + 1] AS city, CASE WHEN i % 10 = 0 THEN '555-' || (1000 + i)::VARCHAR END AS fax "
        f"FROM range({rows}) r(i)"
    )
    return con


def test_suggest_config_on_people():
    with people_table() as con:
        config = suggest_config(con, "p", "rid")
    assert config.comparisons == (
        FieldComparison("first_name", "name"), FieldComparison("last_name", "name"), FieldComparison("dob", "date"), FieldComparison("city", "exact"),
    )
    # the birth date finds most pairs; the names' prefixes together the rest (each name alone and the city make too big blocks)
    assert config.blocking == (("dob",), ("first_name:4", "last_name:4"))


def test_when_no_rule_is_selective_the_cheapest_is_suggested():
    with duckdb.connect() as con:
        con.execute("CREATE TABLE t AS SELECT i AS rid, ['oslo', 'bergen', 'bodo'][i % 3 + 1] AS city, ['a', 'b'][i % 2 + 1] AS kind FROM range(100) r(i)")
        config = suggest_config(con, "t", "rid")
    assert config.comparisons == (FieldComparison("city", "exact"), FieldComparison("kind", "exact"))
    assert config.blocking == (("city", "kind"),)


def test_suggest_config_on_a_sample_of_a_large_table(monkeypatch):
    monkeypatch.setattr(suggest_module, "PROFILE_SAMPLE_ROWS", 200)
    with people_table() as con:
        config = suggest_config(con, "p", "rid")
    assert [c.column for c in config.comparisons] == ["first_name", "last_name", "dob", "city"]
    assert config.blocking == (("dob",), ("first_name:4", "last_name:4"))


def test_a_column_filled_in_sixty_percent_of_the_rows_is_compared():
    with duckdb.connect() as con:
        con.execute("CREATE TABLE t AS SELECT i AS rid, CASE WHEN i % 5 < 3 THEN 'n' || (i % 7) END AS tag, 'x' || (i % 9) AS kind FROM range(100) r(i)")
        assert [c.column for c in suggest_config(con, "t", "rid").comparisons] == ["tag", "kind"]
        con.execute("UPDATE t SET tag = NULL WHERE rid = 0")
        assert [c.column for c in suggest_config(con, "t", "rid").comparisons] == ["kind"]


def test_a_mostly_empty_column_is_compared_only_when_nothing_better_is_there():
    with people_table() as con:
        assert "fax" not in [c.column for c in suggest_config(con, "p", "rid").comparisons]
        kept = suggest_config(con, "p", "rid", exclude=["first_name", "last_name", "dob", "city", "customer_id"])
        assert kept.comparisons == (FieldComparison("fax", "phone"),) and kept.blocking == (("fax",),)


def test_suggest_config_compares_at_most_twelve_columns():
    with duckdb.connect() as con:
        con.execute(f"CREATE TABLE t AS SELECT i AS rid, {', '.join(f'(i * {k + 7}) % 97 AS v{k:02}' for k in range(14))} FROM range(300) r(i)")
        config = suggest_config(con, "t", "rid")
    assert [c.column for c in config.comparisons] == [f"v{k:02}" for k in range(12)]


@pytest.mark.parametrize(
    ("table", "row_id", "exclude", "message"),
    [
        ("p", "nope", (), "no row id column 'nope' in 'p'"),
        ("p", "rid", ("customer_id", "first_name", "last_name", "dob", "city", "fax"), "the table has no column to compare besides the row id and the excluded ones"),
        ("p", "rid", ("first_name", "last_name", "dob", "city", "fax"), "found no column worth comparing (all are ids, constant, empty or excluded); pick comparisons by hand"),
    ],
)
def test_suggest_config_refuses_with_one_line(table, row_id, exclude, message):
    with people_table(60) as con, pytest.raises(StudioError) as raised:
        suggest_config(con, table, row_id, exclude=exclude)
    assert str(raised.value) == message


# ------------------------------------------------------------------ the blocking rules, directly


def entities_table(rows: int = 600) -> duckdb.DuckDBPyConnection:
    """Each entity twice; five unrelated 8-character keys, each the same for both rows of an
    entity and (nearly always) different between entities: every key alone makes 300 pairs."""
    con = duckdb.connect()
    keys = ", ".join(f"left(md5((i // 2)::VARCHAR || 'k{k}'), 8) AS k{k}" for k in range(5))
    con.execute(f"CREATE TABLE m AS SELECT i AS rid, {keys} FROM range({rows}) r(i)")
    return con


def blocking(con, kind="exact", filled=1.0, budget=10**6, table="m", columns=tuple(f"k{k}" for k in range(5))):
    comparisons = [FieldComparison(c, kind) for c in columns]
    rows = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    filled = filled if isinstance(filled, dict) else {c: filled for c in columns}
    return _suggest_blocking(con, table, "rid", rows, describe(con, table), comparisons, filled, budget)


def test_rules_are_added_while_they_raise_recall_by_a_fifth_of_a_percent():
    with entities_table() as con:
        # recall 0.92, 0.9936, 0.99949; a fourth rule would add 0.0005
        assert blocking(con) == (("k0",), ("k1",), ("k2",))
        assert [t for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()] == ["m"], "the sample is dropped"


def test_a_second_rule_is_added_even_when_it_adds_little_a_third_not():
    with entities_table() as con:
        # k1 to k4 filled in 4 % of the rows: each rule after the first adds 0.01 %
        assert blocking(con, filled={"k0": 1.0, "k1": 0.04, "k2": 0.04, "k3": 0.04, "k4": 0.04}) == (("k0",), ("k1",))


def test_at_most_four_rules_and_prefixes_of_strings_preferred():
    with entities_table() as con:
        # a prefix agrees more often than the whole string (0.85 against 0.7), and 80 % filled a
        # fifth rule would still add 2 %
        assert blocking(con, kind="string", filled=0.8) == (("k2:4",), ("k4:4",), ("k0:4",), ("k3:4",))


@pytest.mark.parametrize(("budget", "rules"), [(600, (("k0",), ("k1",))), (599, (("k0",),))])
def test_rules_fit_the_budget_together(budget, rules):
    with entities_table() as con:
        assert blocking(con, budget=budget) == rules


@pytest.mark.parametrize(("sample", "budget", "rules"), [(100, 1000, 3), (100, 500, 2), (150, 500, 1), (150, 1000, 3)])
def test_pairs_counted_on_a_sample_are_scaled_up_to_the_table(monkeypatch, sample, budget, rules):
    monkeypatch.setattr(suggest_module, "PROFILE_SAMPLE_ROWS", sample)
    with entities_table() as con:
        # 102 of 600 rows sampled, 5 whole entities: 5 pairs x (600 / 102)^2 = 173 a rule;
        # 149 rows, 18 entities: 18 x (600 / 149)^2 = 291
        assert blocking(con, budget=budget) == (("k0",), ("k1",), ("k2",))[:rules]


def test_with_nothing_selective_the_cheapest_rule_and_the_longer_of_equal_cost():
    with people_table() as con:
        assert blocking(con, kind="exact", budget=5, table="p", columns=("first_name", "last_name", "dob", "city")) == (("dob", "city"),)


@pytest.mark.parametrize(("values", "rules"), [(20, (("other",), ("tag",))), (19, (("other",),))])
def test_a_key_with_fewer_values_than_the_square_root_of_the_rows_is_not_a_rule_alone(values, rules):
    with duckdb.connect() as con:
        # 400 rows: a tag on 2 x values rows, each value twice; "other" different in every row
        con.execute(f"CREATE TABLE t AS SELECT i AS rid, CASE WHEN i < {2 * values} THEN 'v' || (i // 2) END AS tag, 'o' || i AS other FROM range(400) r(i)")
        assert blocking(con, table="t", columns=("other", "tag")) == rules
