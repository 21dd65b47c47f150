"""Exact dedupe: survivorship rules, and invariants under generated tables."""

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studio import StudioError
from studio.consolidate import OUT_OF_ORDER, Survivorship, exact_dedupe_plan, exact_dedupe_sql

COLUMNS = ["_row", "k1", "k2", "c1", "c2", "source", "amount", "seen"]


def table(rows):
    con = duckdb.connect()
    con.execute("CREATE TABLE t (_row BIGINT, k1 VARCHAR, k2 INTEGER, c1 VARCHAR, c2 VARCHAR, source VARCHAR, amount INTEGER, seen INTEGER)")
    if rows:
        con.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [(i, *row) for i, row in enumerate(rows)])
    return con


def dedupe(con, rule, keys=("k1", "k2"), source_column="source"):
    golden, members = exact_dedupe_sql("t", COLUMNS, list(keys), rule, "_row", source_column)
    return con.execute(golden).fetchall(), con.execute(members + " ORDER BY _row").fetchall()


ROWS = [
    ("a", 1, "x", None, "crm", 10, 1),
    ("a", 1, None, "p", "partner", 5, 3),
    ("b", 2, "y", "q", "crm", 1, 1),
    (None, 3, "z", "r", "crm", 2, 1),
    (None, 3, "w", "s", "crm", 3, 1),
]


def test_first_row_wins_by_default_and_null_keys_never_match():
    golden, members = dedupe(table(ROWS), Survivorship())
    assert [g[0] for g in golden] == [0, 2, 3, 4]
    assert [(m[0], m[1]) for m in members] == [(0, 0), (1, 0), (2, 2), (3, 3), (4, 4)]
    assert {m[2] for m in members} == {1.0}


def test_newest_source_priority_and_most_complete():
    assert [g[0] for g in dedupe(table(ROWS), Survivorship(newest_by="seen"))[0]][0] == 1
    assert [g[0] for g in dedupe(table(ROWS), Survivorship(source_priority=("partner", "crm")))[0]][0] == 1
    complete = table([("a", 1, None, None, "crm", 1, 1), ("a", 1, "x", "y", "crm", 1, 1)])
    assert dedupe(complete, Survivorship(most_complete=True))[0][0][0] == 1


def test_newest_by_never_picks_a_row_without_a_date():
    """A missing date is not newer than any date: the dated row survives, wherever the undated
    ones stand in the input, and only a cluster with no date at all falls back to input order."""
    undated_first = [("a", 1, "old", None, "crm", 1, None), ("a", 1, "new", None, "crm", 1, 2), ("a", 1, "mid", None, "crm", 1, None)]
    golden, members = dedupe(table(undated_first), Survivorship(newest_by="seen"))
    assert [(g[0], g[3]) for g in golden] == [(1, "new")]
    assert {m[1] for m in members} == {1}
    no_dates = [("b", 1, "first", None, "crm", 1, None), ("b", 1, "second", None, "crm", 1, None)]
    assert [g[0] for g in dedupe(table(no_dates), Survivorship(newest_by="seen"))[0]] == [0]
    plan = exact_dedupe_plan("t", COLUMNS, ["k1", "k2"], Survivorship(newest_by="seen"), "_row", "source")
    con = table(undated_first)
    con.execute(f"CREATE TABLE survivors AS {plan.survivors()}")
    assert con.execute(plan.removed_by("survivors")).fetchall() == [("newest_by", 2)]


def test_aggregated_columns():
    golden, _ = dedupe(table(ROWS), Survivorship(aggregate={"amount": "sum", "c2": "first_non_null", "seen": "max"}))
    first = golden[0]
    assert first[0] == 0 and first[3] == "x" and first[4] == "p" and first[6] == 15 and first[7] == 3


@pytest.mark.parametrize(
    "kwargs,message",
    [
        (dict(keys=()), "at least one key"),
        (dict(keys=("nope",)), "no key column 'nope'"),
        (dict(rule=Survivorship(newest_by="nope")), "newest_by: no column 'nope'"),
        (dict(rule=Survivorship(aggregate={"k1": "max"})), "is a key column"),
        (dict(rule=Survivorship(source_priority=("a",)), source_column=None), "needs a source column"),
    ],
)
def test_bad_settings(kwargs, message):
    rest = {k: v for k, v in kwargs.items() if k != "rule"}  # the parameter itself stays whole for a second run
    with pytest.raises(StudioError, match=message):
        dedupe(table(ROWS), kwargs.get("rule", Survivorship()), **rest)
    with pytest.raises(StudioError, match="must be one of"):
        Survivorship.from_json({"aggregate": {"amount": "median"}})
    with pytest.raises(StudioError, match="unknown survivorship rule"):
        Survivorship.from_json({"oldest": "x"})


row = st.tuples(
    st.sampled_from(["a", "b", None]), st.integers(0, 2), st.sampled_from(["x", None]), st.sampled_from(["p", None]),
    st.sampled_from(["crm", "partner"]), st.integers(-5, 5), st.integers(0, 3),
)
rules = st.builds(
    Survivorship,
    newest_by=st.sampled_from([None, "seen"]),
    source_priority=st.sampled_from([(), ("partner", "crm")]),
    most_complete=st.booleans(),
    aggregate=st.sampled_from([{}, {"amount": "sum"}, {"c1": "first_non_null", "seen": "max"}]),
)


@settings(max_examples=80, deadline=None)
@given(rows=st.lists(row, max_size=40), rule=rules)
def test_invariants(rows, rule):
    con = table(rows)
    golden, members = dedupe(con, rule)
    # Row conservation: every input row is a member exactly once.
    assert [m[0] for m in members] == list(range(len(rows)))
    # One golden row per cluster, named by the cluster id.
    assert sorted(g[0] for g in golden) == sorted({m[1] for m in members})
    # Distinct non-null keys survive exactly once; rows with a NULL key all survive.
    keyed = {(r[0], r[1]) for r in rows if r[0] is not None}
    assert len(golden) == len(keyed) + sum(r[0] is None for r in rows)
    # Deterministic: the same input gives the same output.
    assert dedupe(table(rows), rule) == (golden, members)
    # Idempotent: deduplicating the golden table changes nothing.
    golden_con = table([g[1:] for g in golden])
    regolden, _ = dedupe(golden_con, rule)
    assert [g[1:] for g in regolden] == [g[1:] for g in golden]


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(row, max_size=40), rule=rules.filter(lambda r: not r.aggregate))
def test_golden_in_scan_order_equals_the_sorted_golden(rows, rule):
    """The build writes golden rows in scan order beside the kept row ids instead of sorting
    them: the same rows, in cluster order, with each cluster's size."""
    con = table(rows)
    golden, members = dedupe(con, rule)
    plan = exact_dedupe_plan("t", COLUMNS, ["k1", "k2"], rule, "_row", "source")
    con.execute(f"CREATE TABLE survivors AS {plan.survivors()}")
    con.execute(f"CREATE TABLE kept AS {plan.kept('survivors')}")
    in_order = con.execute(plan.golden_in_order("kept")).fetchall()
    sizes = {cluster: [m[1] for m in members].count(cluster) for cluster in {m[1] for m in members}}
    assert in_order == [(*g, sizes[g[0]]) for g in golden]


def test_golden_in_scan_order_refuses_a_scan_out_of_row_order():
    con = table(ROWS)
    con.execute("CREATE TABLE shuffled AS SELECT * FROM t ORDER BY _row DESC")
    plan = exact_dedupe_plan("shuffled", COLUMNS, ["k1", "k2"], Survivorship(), "_row", "source")
    con.execute(f"CREATE TABLE survivors AS {plan.survivors()}")
    con.execute(f"CREATE TABLE kept AS {plan.kept('survivors')}")
    with pytest.raises(duckdb.Error, match=OUT_OF_ORDER):
        con.execute(plan.golden_in_order("kept")).fetchall()


def test_survivorship_from_json_reads_every_rule():
    data = {"newest_by": "seen", "source_priority": ["partner", "crm"], "most_complete": 1, "aggregate": {"amount": "sum"}}
    assert Survivorship.from_json(data) == Survivorship("seen", ("partner", "crm"), True, {"amount": "sum"})
    assert Survivorship.from_json(None) == Survivorship() == Survivorship.from_json({"source_priority": None, "aggregate": None})
    with pytest.raises(StudioError) as raised:
        Survivorship.from_json({"zz": 1, "oldest": 2})
    assert str(raised.value) == "unknown survivorship rule 'oldest'; use newest_by, source_priority, most_complete, aggregate"
    with pytest.raises(StudioError) as raised:
        Survivorship.from_json({"aggregate": {"amount": "median"}})
    assert str(raised.value) == "aggregate of 'amount' must be one of first_non_null, max, min, sum, not 'median'"


@pytest.mark.parametrize(
    ("columns", "keys", "rule", "source_column", "message"),
    [
        (COLUMNS, [], Survivorship(), "source", "give at least one key column to deduplicate on"),
        (["_row", *(f"c{i}" for i in range(25))], ["nope"], Survivorship(), None, "no key column 'nope' (columns: " + ", ".join(f"c{i}" for i in range(19)) + ")"),
        (COLUMNS, ["k1"], Survivorship(aggregate={"nope": "max"}), "source", "aggregate: no column 'nope'"),
        (COLUMNS, ["k1"], Survivorship(aggregate={"k1": "max"}), "source", "aggregate: 'k1' is a key column; keys are equal within a cluster"),
        (COLUMNS, ["k1"], Survivorship(source_priority=("crm",)), None, "source_priority needs a source column (several sources)"),
    ],
)
def test_bad_plans_are_refused_with_the_exact_message(columns, keys, rule, source_column, message):
    with pytest.raises(StudioError) as raised:
        exact_dedupe_plan("t", columns, keys, rule, "_row", source_column)
    assert str(raised.value) == message


def test_removed_by_names_input_order_when_no_rule_is_set_and_survivors_read_only_what_they_need():
    con = table(ROWS)
    plan = exact_dedupe_plan("t", COLUMNS, ["k1", "k2"], Survivorship(), "_row", "source")
    con.execute(f"CREATE TABLE survivors AS {plan.survivors()}")
    assert [row[0] for row in con.execute("DESCRIBE survivors").fetchall()] == ["_row", "k1", "k2", "survivor", "cluster_size"]
    assert con.execute(plan.removed_by("survivors")).fetchall() == [("input order", 1)]
    con.execute(f"CREATE TABLE carried AS {plan.survivors(('c1', 'c2'))}")
    assert con.execute(f"{plan.members('carried', ('c1', 'c2'))} ORDER BY _row LIMIT 2").fetchall() == [(0, "x", None, 0, 1.0), (1, None, "p", 0, 1.0)]
    with pytest.raises(StudioError) as raised:
        exact_dedupe_plan("t", COLUMNS, ["k1"], Survivorship(aggregate={"amount": "sum"}), "_row", "source").golden_in_order("kept")
    assert str(raised.value) == "aggregated survivorship needs the sorted golden query"


def test_golden_adds_the_cluster_table_s_columns_and_keeps_its_own():
    """The clusters table may hold columns named like the data's: the golden row keeps its own."""
    con = table(ROWS)
    for rule in (Survivorship(), Survivorship(aggregate={"amount": "sum"})):
        plan = exact_dedupe_plan("t", COLUMNS, ["k1", "k2"], rule, "_row", "source")
        con.execute(f"CREATE OR REPLACE TABLE survivors AS {plan.survivors()}")
        clusters = "(SELECT survivor AS cluster_id, count(*) AS size, 'other' AS c1 FROM survivors GROUP BY survivor)"
        golden = con.execute(f"SELECT * FROM ({plan.golden('survivors', clusters, ('size',))}) ORDER BY _row").fetchall()
        assert [(g[0], g[3], g[6], g[-1]) for g in golden] == [(0, "x", 15 if rule.aggregate else 10, 2), (2, "y", 1, 1), (3, "z", 2, 1), (4, "w", 3, 1)]


def test_removed_by_tells_apart_columns_whose_quoted_names_contain_each_other():
    """'a"b' quoted is "a""b", which contains "b": the longer name is written with its side first."""
    con = duckdb.connect()
    con.execute('CREATE TABLE q (_row BIGINT, k INTEGER, b VARCHAR, "a""b" VARCHAR)')
    con.executemany("INSERT INTO q VALUES (?, ?, ?, ?)", [(0, 1, None, None), (1, 1, "x", None), (2, 1, None, "y"), (3, 1, "x", "y")])
    plan = exact_dedupe_plan("q", ["_row", "k", "b", 'a"b'], ["k"], Survivorship(most_complete=True), "_row")
    con.execute(f"CREATE TABLE survivors AS {plan.survivors()}")
    assert con.execute(plan.removed_by("survivors")).fetchall() == [("most_complete", 3)]
    assert con.execute("SELECT DISTINCT survivor FROM survivors").fetchall() == [(3,)]
    # "a" is where "a""b" begins: the longer name is matched first there too
    con.execute('CREATE TABLE p AS SELECT _row, k, b AS a, "a""b" FROM q')
    plan = exact_dedupe_plan("p", ["_row", "k", "a", 'a"b'], ["k"], Survivorship(most_complete=True), "_row")
    con.execute(f"CREATE TABLE kept AS {plan.survivors()}")
    assert con.execute(plan.removed_by("kept")).fetchall() == [("most_complete", 3)]


def test_removed_by_names_the_rule_each_row_lost_on():
    rule = Survivorship(source_priority=("partner", "crm"), most_complete=True)
    for rows, expected in [(ROWS, [("source_priority", 1)]), ([("a", 1, None, None, "crm", 1, 1), ("a", 1, "x", "y", "crm", 1, 1)], [("most_complete", 1)])]:
        con = table(rows)
        plan = exact_dedupe_plan("t", COLUMNS, ["k1", "k2"], rule, "_row", "source")
        con.execute(f"CREATE TABLE survivors AS {plan.survivors()}")
        assert con.execute(plan.removed_by("survivors")).fetchall() == expected
