"""Fuzzy entity resolution (Splink on DuckDB): accuracy on generated people with known truth,
row conservation, determinism, labels, refusals, config validation, and invariants under
generated tables."""

import math
import random
import re

import duckdb
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from benchmarks._people import people
from studio import StudioError
from studio.consolidate import COMPARISON_KINDS, FieldComparison, FuzzyConfig, cluster_pairs, estimate_comparisons, resolve, suggest_config, suggest_threshold
from studio.consolidate.fuzzy import chaining_warning, comparison_budget
from studio.consolidate.fuzzy._clustering import checked_labels, scored_labels
from studio.consolidate.fuzzy._config import parse_key, rule_text
from studio.consolidate.fuzzy._fixed import _m_values, _u_values, fixed_model, too_small
from studio.consolidate.fuzzy._prepare import Prepared
from studio.consolidate.fuzzy._settings import comparison_dict

ROWS = 3000


@pytest.fixture(scope="module")
def con():
    with duckdb.connect() as connection:
        connection.register("generated", people(ROWS, seed=11))
        connection.execute("CREATE TABLE people AS SELECT * FROM generated")
        connection.unregister("generated")
        yield connection


@pytest.fixture(scope="module")
def config(con):
    return suggest_config(con, "people", "row_id", exclude=["entity_id"])


@pytest.fixture(scope="module")
def result(con, config):
    return resolve(con, "people", "row_id", config)


def scores(con, members: str) -> tuple[float, float]:
    """Pairwise precision and recall of the clusters against entity_id."""
    true_positive, predicted, actual = con.execute(
        f"WITH m AS (SELECT m.cluster_id, p.entity_id FROM {members} m JOIN people p USING (row_id)) "
        "SELECT (SELECT sum(n * (n - 1) // 2) FROM (SELECT count(*) AS n FROM m GROUP BY cluster_id, entity_id)), "
        "(SELECT sum(n * (n - 1) // 2) FROM (SELECT count(*) AS n FROM m GROUP BY cluster_id)), "
        "(SELECT sum(n * (n - 1) // 2) FROM (SELECT count(*) AS n FROM m GROUP BY entity_id))"
    ).fetchall()[0]
    return true_positive / predicted, true_positive / actual


def members_of(con, members: str) -> list[tuple]:
    return con.execute(f"SELECT row_id, cluster_id, round(match_probability, 9) FROM {members} ORDER BY row_id").fetchall()


def assert_conserved(con, table: str, members: str) -> None:
    """Every input row exactly once; cluster ids are the smallest row id of their cluster."""
    rows = con.execute(f"SELECT row_id FROM {table} ORDER BY row_id").fetchall()
    assert con.execute(f"SELECT row_id FROM {members} ORDER BY row_id").fetchall() == rows
    wrong = con.execute(f"SELECT count(*) FROM (SELECT cluster_id, min(row_id) AS low FROM {members} GROUP BY cluster_id) WHERE cluster_id <> low").fetchall()
    assert wrong == [(0,)]
    singles = con.execute(
        f"SELECT count(*) FROM {members} WHERE cluster_id IN (SELECT cluster_id FROM {members} GROUP BY cluster_id HAVING count(*) = 1) "
        "AND match_probability <> 1.0"
    ).fetchall()
    assert singles == [(0,)]


# ------------------------------------------------------------------ suggest_config and accuracy


def test_suggest_config_picks_kinds_from_the_data(config):
    kinds = {c.column: c.kind for c in config.comparisons}
    assert kinds == {
        "first_name": "name",
        "last_name": "name",
        "dob": "date",
        "email": "email",
        "postcode": "postcode",
        "city": "string",
        "gender": "exact",
    }
    assert 2 <= len(config.blocking) <= 4
    assert all(item.split(":")[0] in kinds for rule in config.blocking for item in rule)
    assert FuzzyConfig.from_json(config.to_json()) == config


def test_precision_and_recall_against_the_truth(con, result):
    precision, recall = scores(con, result.members)
    assert precision >= 0.9 and recall >= 0.9, (precision, recall)
    assert result.clusters == con.execute(f"SELECT count(DISTINCT cluster_id) FROM {result.members}").fetchall()[0][0]


@pytest.mark.parametrize("seed", [12, 13])
def test_precision_and_recall_hold_on_other_draws(seed):
    """The bar above is not one lucky draw of the generator: two more draws pass it too."""
    with duckdb.connect() as other:
        other.register("generated", people(ROWS, seed=seed))
        other.execute("CREATE TABLE people AS SELECT * FROM generated")
        result = resolve(other, "people", "row_id", suggest_config(other, "people", "row_id", exclude=["entity_id"]))
        precision, recall = scores(other, result.members)
    assert precision >= 0.9 and recall >= 0.9, (seed, precision, recall)


def test_every_row_once_and_cluster_id_is_the_smallest_row_id(con, result):
    assert_conserved(con, "people", result.members)
    low = con.execute(f"SELECT min(match_probability) FROM {result.members}").fetchall()[0][0]
    assert low >= result.parameters["threshold"]["used"]


WORDS_LEVEL = "all words of one in the other"


@pytest.mark.parametrize(
    ("left", "right", "words_level"),
    [
        ("the green cafe", "green cafe", True),
        ("silver kitchen", "the silver kitchen llc", True),
        ("cafe", "green cafe", False),  # one word in common is not enough
        ("green cafe", "blue cafe", False),
        ("green cafe", "green cafe", False),  # exact match comes first
    ],
)
def test_a_leading_word_does_not_hide_a_name(left, right, words_level):
    """Jaro-Winkler weighs the start: "the green cafe" vs "green cafe" scores ~0.87; the words
    level catches such pairs."""
    for kind in ("name", "string"):
        levels = comparison_dict("c0", kind, [])["comparison_levels"]
        cases = " ".join(f"WHEN {lv['sql_condition']} THEN {i}" for i, lv in enumerate(levels) if lv["sql_condition"] != "ELSE")
        first = duckdb.execute(f"SELECT CASE {cases} ELSE {len(levels) - 1} END FROM (SELECT ? AS c0_l, ? AS c0_r)", [left, right]).fetchall()[0][0]
        assert (levels[first]["label_for_charts"] == WORDS_LEVEL) == words_level, (kind, levels[first]["label_for_charts"])


def test_pairs_table_shows_which_fields_agreed(con, result, config):
    columns = [row[0] for row in con.execute(f"DESCRIBE {result.pairs}").fetchall()]
    assert columns[:4] == ["row_id_l", "row_id_r", "match_weight", "match_probability"]
    assert columns[4:] == [f"gamma_{c.column}" for c in config.comparisons]
    assert con.execute(f"SELECT count(*) FROM {result.pairs} WHERE row_id_l >= row_id_r").fetchall() == [(0,)]
    pairs = con.execute(f"SELECT count(*) FROM {result.pairs}").fetchall()[0][0]
    assert sum(b["pairs"] for b in result.weight_histogram) == pairs
    assert all(b["weight_from"] < b["weight_to"] for b in result.weight_histogram)
    described = {c["column"]: c for c in result.parameters["comparisons"]}
    assert set(described) == {c.column for c in config.comparisons}
    exact = [level for level in described["email"]["levels"] if level["label"] == "exact match"][0]
    assert exact["m"] > exact["u"] and exact["match_weight"] > 5
    assert exact["gamma"] == max(level["gamma"] for level in described["email"]["levels"])
    differing = con.execute(
        f"SELECT count(*) FROM {result.pairs} p JOIN people a ON a.row_id = p.row_id_l JOIN people b ON b.row_id = p.row_id_r "
        f"WHERE p.gamma_email = {exact['gamma']} AND lower(trim(a.email)) <> lower(trim(b.email))"
    ).fetchall()
    assert differing == [(0,)]


def test_estimate_comparisons_counts_what_resolve_scores(con, config, result):
    estimates = estimate_comparisons(con, "people", "row_id", config)
    assert [e["rule"] for e in estimates] == result.parameters["blocking"]
    assert all(e["exact"] for e in estimates)
    assert sum(e["comparisons"] for e in estimates) == con.execute(f"SELECT count(*) FROM {result.pairs}").fetchall()[0][0]


def test_same_result_twice(con, config, result):
    again = resolve(con, "people", "row_id", config)
    assert members_of(con, again.members) == members_of(con, result.members)
    assert again.parameters["probability_two_random_records_match"] == pytest.approx(result.parameters["probability_two_random_records_match"], rel=1e-9)
    assert again.clusters == result.clusters


def test_no_tables_left_behind_but_the_results(con, result):
    names = {row[0] for row in con.execute("SELECT table_name FROM duckdb_tables() UNION ALL SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    assert not {n for n in names if n.startswith("__splink")}
    assert {n for n in names if n.startswith("__studio_fuzzy_")} >= {result.pairs, result.members}
    assert not {n for n in names if n.startswith("__studio_fuzzy_") and not re.match(r"__studio_fuzzy_(pairs|members)_", n)}


# ------------------------------------------------------------------ labels


def test_a_confirmed_non_match_ends_up_together_and_a_rejected_link_is_cut(con, result):
    far = con.execute(
        f"SELECT a.row_id, b.row_id FROM {result.members} a JOIN {result.members} b ON a.cluster_id <> b.cluster_id "
        "ORDER BY a.row_id, b.row_id LIMIT 1"
    ).fetchall()[0]
    linked = con.execute(
        f"SELECT p.row_id_l, p.row_id_r FROM {result.pairs} p JOIN {result.members} m ON m.row_id = p.row_id_l "
        f"WHERE p.match_probability >= 0.9 AND m.cluster_id IN (SELECT cluster_id FROM {result.members} GROUP BY cluster_id HAVING count(*) = 2) "
        "ORDER BY 1, 2 LIMIT 1"
    ).fetchall()[0]
    members = cluster_pairs(con, "people", "row_id", result.pairs, 0.9, [(far[0], far[1], True), (linked[1], linked[0], False)])
    assert_conserved(con, "people", members)
    cluster = dict(con.execute(f"SELECT row_id, cluster_id FROM {members}").fetchall())
    assert cluster[far[0]] == cluster[far[1]]
    assert cluster[linked[0]] != cluster[linked[1]]


def test_enough_labels_choose_the_threshold_in_resolve(con, config, result):
    sure = con.execute(f"SELECT row_id_l, row_id_r FROM {result.pairs} WHERE match_probability > 0.99 ORDER BY 1, 2 LIMIT 6").fetchall()
    doubtful = con.execute(f"SELECT row_id_l, row_id_r FROM {result.pairs} WHERE match_probability < 0.5 ORDER BY 1, 2 LIMIT 6").fetchall()
    stranger = con.execute(
        "SELECT a.row_id, b.row_id FROM people a JOIN people b ON a.entity_id <> b.entity_id AND a.row_id < b.row_id "
        "WHERE a.last_name <> b.last_name ORDER BY a.row_id, b.row_id LIMIT 1"
    ).fetchall()[0]
    labels = [(a, b, True) for a, b in sure[:5]] + [(a, b, False) for a, b in doubtful[:5]] + [(*stranger, True)]
    labelled = resolve(con, "people", "row_id", config, labels=labels)
    assert labelled.parameters["threshold"]["from"] == "labels"
    assert labelled.parameters["labels"] == {"confirmed": 6, "rejected": 5}
    cluster = dict(con.execute(f"SELECT row_id, cluster_id FROM {labelled.members}").fetchall())
    assert cluster[stranger[0]] == cluster[stranger[1]]
    assert_conserved(con, "people", labelled.members)


def test_a_comparison_every_rule_blocks_on_is_trained_on_another_rule(con):
    config = FuzzyConfig(
        (FieldComparison("first_name", "name"), FieldComparison("last_name", "name"), FieldComparison("dob", "date")),
        (("first_name", "last_name"),),
    )
    result = resolve(con, "people", "row_id", config)
    training = result.parameters["training"]
    assert training["m_untrained"] == []
    assert [s["rule"] for s in training["em_sessions"]] == ["same first_name and last_name", "same dob"]
    assert training["em_sessions"][1]["trained"] == ["first_name", "last_name"]
    assert all(c["m_trained"] for c in result.parameters["comparisons"])


@pytest.mark.parametrize(
    "labels,message",
    [
        ([(1, 1, True)], "pairs a row with itself"),
        ([(1, 2, True), (2, 1, False)], "both as a match and as a non-match"),
        ([(1, 10**9, True)], "row id 1000000000, which is not in"),
        ([(1, 2, "yes")], "a label is (row id, row id, same entity true/false)"),
    ],
)
def test_bad_labels_are_one_line_errors(con, result, labels, message):
    with pytest.raises(StudioError) as raised:
        cluster_pairs(con, "people", "row_id", result.pairs, 0.9, labels)
    assert message in str(raised.value) and "\n" not in str(raised.value)


def test_suggest_threshold_separates_labelled_pairs():
    assert suggest_threshold([(0.99, True)] * 4 + [(0.1, False)] * 10) is None
    labelled = [(0.99, True), (0.97, True), (0.95, True), (0.9, True), (0.8, True), (0.6, False), (0.85, False), (0.3, False), (0.2, False), (0.1, False)]
    threshold = suggest_threshold(labelled)
    assert threshold == pytest.approx((0.8 + 0.6) / 2)
    assert suggest_threshold([(0.99, True)] * 5 + [(0.5, False)] * 5) == pytest.approx(0.745)


# ------------------------------------------------------------------ refusals and validation


def test_refuses_more_comparisons_than_allowed(con, config):
    total = sum(e["comparisons"] for e in estimate_comparisons(con, "people", "row_id", config))
    strict = FuzzyConfig(config.comparisons, config.blocking, max_comparisons=100)
    with pytest.raises(StudioError) as raised:
        resolve(con, "people", "row_id", strict)
    message = str(raised.value)
    assert f"about {total:,} pairs" in message and "max_comparisons (100)" in message and "stricter" in message
    assert "\n" not in message


def test_comparison_budget_is_the_rule_resolve_refuses_by(con, config):
    estimates = estimate_comparisons(con, "people", "row_id", config)
    total = sum(e["comparisons"] for e in estimates)
    within = comparison_budget(estimates, FuzzyConfig(config.comparisons, config.blocking, max_comparisons=total))
    assert (within.total, within.cap, within.over) == (total, total, False)
    assert within.message == f"{total:,} comparisons in all, within max_comparisons ({total:,})"
    over = comparison_budget(estimates, FuzzyConfig(config.comparisons, config.blocking, max_comparisons=total - 1))
    assert over.over and over.total == total and "\n" not in over.message
    worst = max(estimates, key=lambda e: e["comparisons"])
    assert f"add a column to \"{worst['rule']}\", which makes {worst['comparisons']:,}" in over.message
    with pytest.raises(StudioError) as raised:
        resolve(con, "people", "row_id", FuzzyConfig(config.comparisons, config.blocking, max_comparisons=total - 1))
    assert str(raised.value) == over.message


@pytest.mark.parametrize(
    ("largest", "rows", "chained"),
    [(20, 100, False), (21, 100, True), (21, 2100, False), (22, 2100, True), (50, 5000, False), (51, 5000, True), (1, 1, False)],
)
def test_chaining_warning_when_one_cluster_is_too_big_to_be_one_entity(largest, rows, chained):
    warning = chaining_warning(largest, rows)
    assert (warning is not None) == chained
    if chained:
        assert warning.startswith(f"One cluster holds {largest:,} rows: records are being chained together.") and "\n" not in warning


def test_refuses_bad_inputs(con, config):
    with pytest.raises(StudioError, match="no column 'nope' to compare"):
        resolve(con, "people", "row_id", FuzzyConfig((FieldComparison("nope", "name"),), (("city",),)))
    with pytest.raises(StudioError, match="blocking rule nope: no column 'nope'"):
        resolve(con, "people", "row_id", FuzzyConfig(config.comparisons, (("nope",),)))
    with pytest.raises(StudioError, match="whole-number column"):
        resolve(con, "people", "email", config)
    con.execute("CREATE TEMP TABLE twice AS SELECT * FROM people UNION ALL SELECT * FROM people WHERE row_id < 3")
    with pytest.raises(StudioError, match="3 repeated values"):
        resolve(con, "twice", "row_id", config)


GOOD = {"comparisons": [{"column": "last_name", "kind": "name"}], "blocking": [["last_name:3", "dob"]], "threshold": 0.8}


@pytest.mark.parametrize(
    "change,message",
    [
        ({"colour": 1}, "unknown fuzzy config key 'colour'"),
        ({"comparisons": [{"column": "x", "kind": "fuzzy"}]}, "kind must be one of name, string"),
        ({"comparisons": [{"column": "x"}]}, "comparison 1: give exactly a \"column\" and a \"kind\""),
        ({"comparisons": []}, "at least one comparison"),
        ({"comparisons": [{"column": "x", "kind": "name"}, {"column": "x", "kind": "exact"}]}, "compared twice"),
        ({"blocking": []}, "at least one blocking rule"),
        ({"blocking": ["last_name"]}, "each a list of columns"),
        ({"blocking": [[]]}, "blocking rule 1: give a non-empty list"),
        ({"blocking": [["name:0"]]}, "prefix length must be 1 to 50"),
        ({"threshold": 1.5}, "threshold must be a match probability"),
        ({"max_comparisons": 0}, "max_comparisons must be a positive whole number"),
        ({"seed": "x"}, "seed must be a whole number"),
    ],
)
def test_from_json_rejects_bad_config_with_one_line(change, message):
    with pytest.raises(StudioError) as raised:
        FuzzyConfig.from_json({**GOOD, **change})
    assert message in str(raised.value) and "\n" not in str(raised.value)


def test_config_round_trips_through_json():
    config = FuzzyConfig.from_json(GOOD)
    assert config.blocking == (("last_name:3", "dob"),) and config.threshold == 0.8 and config.seed == 42
    assert FuzzyConfig.from_json(config.to_json()) == config
    assert set(COMPARISON_KINDS) >= {"name", "string", "exact", "date", "number", "email", "postcode"}


def test_suggest_config_skips_ids_constants_and_empty_columns():
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE t AS SELECT i AS rid, 'ID-' || i AS customer_id, 'same' AS constant, NULL::VARCHAR AS empty, "
        "['Ann', 'Bob', 'Cy'][i % 3 + 1] || ' ' || ['Lee', 'Ray', 'Kim', 'Fox'][i % 4 + 1] AS full_name, "
        "(i % 90)::INTEGER AS age, DATE '1980-01-01' + (i % 400)::INTEGER AS born, '06-' || (10000000 + i * 7919 % 900000)::VARCHAR AS phone "
        "FROM range(500) r(i)"
    )
    kinds = {c.column: c.kind for c in suggest_config(con, "t", "rid").comparisons}
    assert kinds == {"full_name": "name", "age": "number", "born": "date", "phone": "phone"}


# ------------------------------------------------------------------ two merged systems

TOWNS = [("Springfield", "62701"), ("Riverton", "82501"), ("Lakeside", "92040"), ("Fairview", "97024"), ("Oakdale", "95361")]


def two_systems(entities: int = 300, seed: int = 5) -> duckdb.DuckDBPyConnection:
    """Shops listed by two systems, merged: near-duplicate names ("Joe's Pizza", "JOES PIZZA
    LLC") and addresses ("12 Main Street", "12 Main St."), five towns each with exactly one zip
    (city and zip say the same thing), and columns only one system has (null in the other)."""
    rng = random.Random(seed)
    owners = ["Joe", "Mario", "Lucy", "Ahmed", "Mei", "Carlos", "Priya", "Hans", "Aiko", "Omar", "Sofia", "Ivan"]
    foods = ["Pizza", "Sushi", "Tacos", "Curry", "Noodles", "Burgers", "Falafel", "Pho"]
    streets = ["Main", "Oak", "Maple", "Cedar", "Elm", "Washington", "Lake", "Hill", "Park", "Pine"]
    suffixes = [("Street", "St."), ("Avenue", "Ave"), ("Road", "Rd."), ("Boulevard", "Blvd")]
    rows = []
    for entity in range(entities):
        name = f"{rng.choice(owners)}'s {rng.choice(foods)}"
        number, street, suffix = rng.randint(1, 2500), rng.choice(streets), rng.choice(suffixes)
        town, zip_code = rng.choice(TOWNS)
        if rng.random() < 0.9:  # system A: the full record, plus columns B lacks
            rows.append((entity, name, f"{number} {street} {suffix[0]}", town, zip_code, round(rng.uniform(30, 45), 4), None))
        if rng.random() < 0.8:  # system B: variant names and abbreviations, plus a phone A lacks
            variant = rng.choice([name.upper(), name.replace("'", ""), name + " LLC", name.lower(), name])
            address = f"{number} {street} {suffix[1] if rng.random() < 0.6 else suffix[0]}"
            rows.append((entity, variant, address, town.upper() if rng.random() < 0.1 else town, zip_code, None, f"555{rng.randint(1000000, 9999999)}"))
    con = duckdb.connect()
    con.execute("CREATE TABLE shops (row_id BIGINT, truth BIGINT, name VARCHAR, address VARCHAR, city VARCHAR, zip VARCHAR, lat DOUBLE, phone VARCHAR)")
    con.executemany("INSERT INTO shops VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [(i, *row) for i, row in enumerate(rows)])
    return con


def shop_scores(con, members: str) -> tuple[float, float]:
    true_positive, predicted, actual = con.execute(
        f"WITH m AS (SELECT m.cluster_id, s.truth FROM {members} m JOIN shops s USING (row_id)) "
        "SELECT (SELECT sum(n * (n - 1) // 2) FROM (SELECT count(*) AS n FROM m GROUP BY cluster_id, truth)), "
        "(SELECT sum(n * (n - 1) // 2) FROM (SELECT count(*) AS n FROM m GROUP BY cluster_id)), "
        "(SELECT sum(n * (n - 1) // 2) FROM (SELECT count(*) AS n FROM m GROUP BY truth))"
    ).fetchall()[0]
    return true_positive / max(predicted, 1), true_positive / actual


REDUNDANT = FuzzyConfig(
    (FieldComparison("name", "name"), FieldComparison("address", "string"), FieldComparison("zip", "postcode"), FieldComparison("city", "exact")),
    (("zip",), ("name:4",)),
)


@pytest.mark.parametrize("seed", [5, 6, 7])
@pytest.mark.parametrize("suggested", [False, True], ids=["explicit", "suggested"])
def test_redundant_low_cardinality_columns_do_not_collapse_two_systems_into_one_cluster(suggested, seed):
    # Once every pair was linked: EM, with u from random pairs, read "same zip, hence same city"
    # inside the zip blocks as proof of a match and settled on lambda ~ 1. Three draws of the
    # two systems, so the bar does not rest on one.
    with two_systems(seed=seed) as con:
        config = suggest_config(con, "shops", "row_id", exclude=["truth"]) if suggested else REDUNDANT
        result = resolve(con, "shops", "row_id", config)
        precision, recall = shop_scores(con, result.members)
        assert precision >= 0.9 and recall >= 0.85, (precision, recall, config.to_json())
        assert result.parameters["probability_two_random_records_match"] < 0.01
        if suggested:
            compared = {c.column for c in config.comparisons}
            assert not compared & {"lat", "phone"}  # mostly empty: only one system has them
            assert all(rule not in (("city",), ("zip",)) for rule in config.blocking)  # five values: no blocking on them alone
        else:
            assert result.parameters["training"]["redundant"] == {"city": "zip"}
            city = {c["column"]: c for c in result.parameters["comparisons"]}["city"]
            assert city["redundant_with"] == "zip" and all(level["match_weight"] in (None, 0.0) for level in city["levels"])


# ------------------------------------------------------------------ small tables: fixed probabilities

CUSTOMERS = [
    (1, "Ann", "Lee", "ann.lee@example.com", "Springfield", "62701"),
    (2, "Bob", "Ray", "bob.ray@example.com", "Riverton", "82501"),
    (3, "Cy", "Kim", "cy.kim@example.com", "Lakeside", "92040"),
    (4, "Dan", "Fox", "dan.fox@example.com", "Fairview", "97024"),
    (5, "Eve", "Black", "eve.black@example.com", "Oakdale", "95361"),
    (6, "Eve", "Black", "eve.black@example.com", "Oakdale", "95361"),
    (7, "Fay", "Wong", "fay.wong@example.com", "Springfield", "62701"),
    (8, "Gus", "Hill", "gus.hill@example.com", "Riverton", "82501"),
    (9, "Hal", "Park", "hal.park@example.com", "Lakeside", "92040"),
    (10, "Ivy", "Stone", "ivy.stone@example.com", "Oakdale", "95361"),
]


def customers(sixth=None) -> duckdb.DuckDBPyConnection:
    """The 10-row customers file a new user tried: rows 5 and 6 are the same Eve Black (byte
    for byte unless ``sixth`` replaces row 6); every other row is a different person, two by
    two in the same town."""
    rows = [sixth if sixth is not None and row[0] == 6 else row for row in CUSTOMERS]
    con = duckdb.connect()
    con.execute("CREATE TABLE customers (id BIGINT, first_name VARCHAR, last_name VARCHAR, email VARCHAR, city VARCHAR, zip VARCHAR)")
    con.executemany("INSERT INTO customers VALUES (?, ?, ?, ?, ?, ?)", rows)
    return con


def clusters_of(con, members: str, row_id: str = "id") -> list[list[int]]:
    grouped = con.execute(f"SELECT list({row_id} ORDER BY {row_id}) FROM {members} GROUP BY cluster_id ORDER BY min({row_id})").fetchall()
    return [ids for (ids,) in grouped]


def test_identical_rows_link_on_a_ten_row_table():
    # Once: 10 rows in, 10 clusters out; the two identical rows scored 0.64, silently.
    with customers() as con:
        config = suggest_config(con, "customers", "id")
        assert {c.column for c in config.comparisons} == {"first_name", "last_name", "email", "city", "zip"}
        result = resolve(con, "customers", "id", config)
        assert clusters_of(con, result.members) == [[1], [2], [3], [4], [5, 6], [7], [8], [9], [10]]
        assert result.clusters == 9
        pair = con.execute(f"SELECT match_probability FROM {result.pairs} WHERE id_l = 5 AND id_r = 6").fetchall()
        assert pair == [(1.0,)]


@pytest.mark.parametrize(
    "sixth",
    [
        (6, "EVE", "Blak", " eve.black@example.com ", "Oakdale", "95361"),  # case, a typo, spaces
        (6, "Eve", "Blacke", "eve.blak@example.com", "Oakdale", "95361"),  # typos in the name and the e-mail
        (6, "Eve", "Black", None, "Oakdale", None),  # e-mail and zip missing
    ],
    ids=["case-and-typo", "two-typos", "missing-values"],
)
def test_a_near_duplicate_on_a_small_table_links_with_fixed_probabilities(sixth):
    with customers(sixth) as con:
        result = resolve(con, "customers", "id", suggest_config(con, "customers", "id"))
        assert result.parameters["training"]["fixed_probabilities"]
        assert clusters_of(con, result.members) == [[1], [2], [3], [4], [5, 6], [7], [8], [9], [10]]
        probability = con.execute(f"SELECT match_probability FROM {result.pairs} WHERE id_l = 5 AND id_r = 6").fetchall()[0][0]
        assert 0.9 <= probability < 1.0  # linked by the model, not as an exact duplicate
        neighbours = con.execute(f"SELECT max(match_probability) FROM {result.pairs} WHERE NOT (id_l = 5 AND id_r = 6)").fetchall()[0][0]
        assert neighbours < 0.01  # same town, different people


def test_the_fixed_probabilities_are_reported(result):
    warned, progress = [], []
    with customers() as con:
        small = resolve(con, "customers", "id", suggest_config(con, "customers", "id"), on_progress=lambda f, m: progress.append(m), on_warning=warned.append)
    reason = small.parameters["training"]["fixed_probabilities"]
    assert reason.startswith("10 rows are too few to learn match probabilities from") and "\n" not in reason
    assert warned == [reason] and reason in progress and small.parameters["warnings"][0] == reason
    assert small.parameters["training"]["em_sessions"] == []
    assert not any(c["m_trained"] for c in small.parameters["comparisons"])
    exact = [[lv for lv in c["levels"] if lv["label"] == "exact match"][0] for c in small.parameters["comparisons"]]
    assert all(level["match_weight"] > 0 for level in exact)
    assert result.parameters["training"]["fixed_probabilities"] is None  # 3,000 rows: trained by EM
    assert not any("too few" in w for w in result.parameters["warnings"])


def test_a_model_em_cannot_train_gets_fixed_probabilities_and_says_so(con):
    # The only rule blocks on the only compared column: no EM session can train it.
    untrainable = FuzzyConfig((FieldComparison("email", "email"),), (("email",),))
    result = resolve(con, "people", "row_id", untrainable)
    training = result.parameters["training"]
    assert training["fixed_probabilities"].startswith("EM could not learn match probabilities")
    assert training["em_sessions"] == [{"rule": "same email", "trained": [], "skipped": "the rule uses every compared column"}]
    assert result.parameters["warnings"][0] == training["fixed_probabilities"]
    assert_conserved(con, "people", result.members)


def test_records_equal_on_every_compared_field_link_even_where_the_model_would_not():
    one_column = FuzzyConfig((FieldComparison("first_name", "name"),), (("first_name",),))
    with customers() as con:
        result = resolve(con, "customers", "id", one_column)
        weight, probability = con.execute(f"SELECT match_weight, match_probability FROM {result.pairs} WHERE id_l = 5 AND id_r = 6").fetchall()[0]
        assert weight < math.log2(0.9 / 0.1)  # the model alone: below the 0.9 threshold
        assert probability == 1.0 and [5, 6] in clusters_of(con, result.members)


def test_every_pair_equal_on_every_compared_field_scores_one(con, result, config):
    top = {c["column"]: max(level["gamma"] for level in c["levels"]) for c in result.parameters["comparisons"]}
    equal = " AND ".join(f"gamma_{column} = {gamma}" for column, gamma in top.items())
    counts = con.execute(f"SELECT count(*), count(*) FILTER (WHERE match_probability = 1.0) FROM {result.pairs} WHERE {equal}").fetchall()[0]
    assert counts[0] > 0 and counts[0] == counts[1]
    one_missing = con.execute(
        f"SELECT count(*) FROM {result.pairs} p JOIN people a ON a.row_id = p.row_id_l JOIN people b ON b.row_id = p.row_id_r "
        f"WHERE p.match_probability = 1.0 AND (a.email IS NULL) <> (b.email IS NULL)"
    ).fetchall()
    assert one_missing == [(0,)]  # a value missing on one side only is not equal


def test_suggest_config_on_a_small_table_compares_unique_text_as_strings():
    with two_systems(entities=15, seed=1) as con:
        kinds = {c.column: c.kind for c in suggest_config(con, "shops", "row_id", exclude=["truth"]).comparisons}
        assert kinds["address"] == "string"  # 20 distinct addresses among 24 rows: not a category
        assert kinds["city"] == "exact"  # five towns


# ------------------------------------------------------------------ invariants


NAMES = st.one_of(st.none(), st.sampled_from(["ann", "Ann ", "anne", "bob", "bobby", "", "Ça"]))
CITIES = st.one_of(st.none(), st.sampled_from(["x", "y"]))
ROWS_ST = st.lists(st.tuples(NAMES, CITIES), min_size=1, max_size=30)
SMALL = FuzzyConfig(
    (FieldComparison("name", "name"), FieldComparison("city", "exact"), FieldComparison("empty", "string")),
    (("city",), ("name:1",)),
)


def small_table(rows, identical=False):
    con = duckdb.connect()
    con.execute("CREATE TABLE t (row_id BIGINT, name VARCHAR, city VARCHAR, empty VARCHAR)")
    if identical:
        rows = [rows[0]] * len(rows)
    con.executemany("INSERT INTO t VALUES (?, ?, ?, NULL)", [(i * 3 - 7, name, city) for i, (name, city) in enumerate(rows)])
    return con


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ROWS_ST, st.booleans())
@example([("ann", "x")], False)
@example([("ann", "x")] * 12, True)
@example([(None, None)] * 5, False)
def test_resolve_keeps_every_row_once(rows, identical):
    with small_table(rows, identical) as con:
        result = resolve(con, "t", "row_id", SMALL)
        assert_conserved(con, "t", result.members)
        assert result.clusters == con.execute(f"SELECT count(DISTINCT cluster_id) FROM {result.members}").fetchall()[0][0]
        name, city = rows[0]
        if identical and ((name or "").strip() or city):  # blocked (same city or first letter): equal rows are one entity
            assert result.clusters == 1


PAIRS = st.lists(st.tuples(st.integers(0, 19), st.integers(0, 19), st.floats(0, 1)), max_size=40)
LABELS = st.lists(st.tuples(st.integers(0, 19), st.integers(0, 19), st.booleans()), max_size=6)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 20), PAIRS, LABELS, st.floats(0, 1))
def test_cluster_pairs_keeps_every_row_once_and_honours_labels(rows, pairs, labels, threshold):
    with duckdb.connect() as con:
        check_clusters(con, rows, pairs, labels, threshold)


def check_clusters(con, rows, pairs, labels, threshold):
    con.execute(f"CREATE TABLE t AS SELECT i AS row_id FROM range({rows}) r(i)")
    con.execute("CREATE TABLE p (row_id_l BIGINT, row_id_r BIGINT, match_probability DOUBLE)")
    kept = [(a, b, p) for a, b, p in pairs if a < b < rows]
    if kept:
        con.executemany("INSERT INTO p VALUES (?, ?, ?)", kept)
    decided: dict[tuple[int, int], bool] = {}
    for a, b, same in labels:
        if a != b and a < rows and b < rows:
            decided.setdefault((min(a, b), max(a, b)), same)
    members = cluster_pairs(con, "t", "row_id", "p", threshold, [(a, b, same) for (a, b), same in decided.items()])
    assert_conserved(con, "t", members)
    cluster = dict(con.execute(f"SELECT row_id, cluster_id FROM {members}").fetchall())
    edges = {(a, b) for a, b, p in kept if p >= threshold and decided.get((a, b)) is not False} | {k for k, same in decided.items() if same}
    for a, b in edges:
        assert cluster[a] == cluster[b]
    # a cluster is exactly a connected component of the kept edges
    parent = list(range(rows))

    def find(x):
        while parent[x] != x:
            x = parent[x]
        return x

    for a, b in edges:
        parent[max(find(a), find(b))] = min(find(a), find(b))
    assert all(cluster[i] == find(i) for i in range(rows))


# ------------------------------------------------------------------ clustering on fixed pairs


@pytest.mark.parametrize(
    ("rows", "pairs", "labels", "threshold"),
    [
        (6, [(0, 1, 0.9), (1, 2, 0.9), (3, 4, 0.89)], [], 0.9),  # a pair at the threshold links; just under does not
        (8, [(0, 1, 1.0), (1, 2, 1.0), (2, 3, 1.0), (3, 4, 1.0), (4, 5, 1.0), (5, 6, 1.0), (6, 7, 1.0)], [], 0.5),  # a long chain
        (7, [(5, 6, 0.95), (4, 6, 0.95), (3, 4, 0.95), (0, 2, 0.2)], [(1, 2, True), (3, 4, False)], 0.5),  # labels add and cut
        (5, [(0, 4, 0.0), (1, 3, 0.3)], [], 0.0),  # threshold 0: every scored pair links
        (4, [(0, 1, 1.0), (2, 3, 0.99)], [], 1.0),  # threshold 1: only certain pairs
        (6, [(3, 5, 0.7), (1, 5, 0.7), (2, 4, 0.7), (0, 4, 0.7)], [], 0.7),  # components whose smallest id is reached last
    ],
)
def test_clusters_of_fixed_pairs(rows, pairs, labels, threshold):
    with duckdb.connect() as con:
        check_clusters(con, rows, pairs, labels, threshold)


def test_clusters_of_fixed_pairs_carry_the_best_link_and_leave_no_tables():
    with duckdb.connect() as con:
        con.execute("CREATE TABLE t AS SELECT i AS row_id FROM range(5) r(i)")
        con.execute("CREATE TABLE p (row_id_l BIGINT, row_id_r BIGINT, match_probability DOUBLE)")
        con.executemany("INSERT INTO p VALUES (?, ?, ?)", [(0, 1, 0.8), (1, 2, 0.95), (1, 0, 0.85), (3, 4, 0.6)])
        before = set(con.execute("SELECT table_name FROM duckdb_tables()").fetchall())
        members = cluster_pairs(con, "t", "row_id", "p", 0.7, [(3, 4, True)])
        rows = con.execute(f"SELECT row_id, cluster_id, match_probability FROM {members} ORDER BY row_id").fetchall()
        # each row's probability is its best link (either direction of a pair counts); a confirmed label is a certain link
        assert rows == [(0, 0, 0.85), (1, 0, 0.95), (2, 0, 0.95), (3, 3, 1.0), (4, 3, 1.0)]
        assert [type(v) for v in rows[0]] == [int, int, float]
        after = set(con.execute("SELECT table_name FROM duckdb_tables()").fetchall())
        assert after - before == {(members,)} and re.fullmatch(r"__studio_fuzzy_members_[0-9a-f]{12}", members)
        with pytest.raises(StudioError) as raised:
            cluster_pairs(con, "t", "nope", "p", 0.7)
        assert str(raised.value) == "no row id column 'nope' in 't'"
        with pytest.raises(StudioError) as raised:
            cluster_pairs(con, "t", "row_id", "p", 0.7, [(0, 7, False)])
        assert str(raised.value) == "a label refers to row id 7, which is not in 't'; remove that label"
        assert set(con.execute("SELECT table_name FROM duckdb_tables()").fetchall()) == after


@pytest.mark.parametrize("threshold", [-0.01, 1.01, True, "0.5", None])
def test_cluster_threshold_outside_zero_to_one_is_refused(threshold):
    with duckdb.connect() as con:
        con.execute("CREATE TABLE t AS SELECT 1 AS row_id")
        with pytest.raises(StudioError) as raised:
            cluster_pairs(con, "t", "row_id", "t", threshold)
    assert str(raised.value) == f"threshold must be a match probability from 0 to 1, not {threshold!r}"


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        ([(1, 2)], "a label is (row id, row id, same entity true/false), not (1, 2)"),
        ([(1, 2, True, 4)], "a label is (row id, row id, same entity true/false), not (1, 2, True, 4)"),
        (["abc"], "a label is (row id, row id, same entity true/false), not 'abc'"),
        ([(True, 2, True)], "a label is (row id, row id, same entity true/false), not (True, 2, True)"),
        ([(1, False, True)], "a label is (row id, row id, same entity true/false), not (1, False, True)"),
        ([(1.0, 2, True)], "a label is (row id, row id, same entity true/false), not (1.0, 2, True)"),
        ([(1, "2", True)], "a label is (row id, row id, same entity true/false), not (1, '2', True)"),
        ([(1, 2, 1)], "a label is (row id, row id, same entity true/false), not (1, 2, 1)"),
        ([(3, 3, False)], "label (3, 3) pairs a row with itself; label two different rows"),
        ([(2, 1, True), (1, 2, False)], "rows 1 and 2 are labelled both as a match and as a non-match; keep one label"),
    ],
)
def test_labels_are_checked_one_by_one(labels, message):
    with pytest.raises(StudioError) as raised:
        checked_labels(labels)
    assert str(raised.value) == message


def test_labels_are_checked_into_one_sorted_label_per_pair():
    assert checked_labels([]) == []
    assert checked_labels([[5, 2, False], (1, 0, True), (0, 1, True), (3, 4, True)]) == [(0, 1, True), (2, 5, False), (3, 4, True)]


def test_suggest_threshold_needs_five_labels_of_each_kind():
    five_each = [(0.9, True)] * 5 + [(0.2, False)] * 5
    assert suggest_threshold(five_each) == pytest.approx(0.55)
    assert suggest_threshold(five_each[1:]) is None and suggest_threshold(five_each[:-1]) is None
    assert suggest_threshold([]) is None


def test_suggest_threshold_prefers_the_higher_cut_on_a_tie_and_stays_above_zero():
    # Cutting at 0.9 or at 0.5 gives the same F1 (2/3): the higher cut wins, halfway down to 0.5.
    tied = [(0.9, True)] * 4 + [(0.9, False)] * 3 + [(0.5, True)] + [(0.5, False)] * 2
    assert suggest_threshold(tied) == pytest.approx(0.7)
    # Every pair at probability 0: the threshold is as low as can be, but not 0 (which would link all).
    assert suggest_threshold([(0.0, True)] * 5 + [(0.0, False)] * 5) == 1e-9
    # All positives at 1.0 and negatives below: halfway, never above 1.
    assert suggest_threshold([(1, True)] * 5 + [(0.4, False)] * 5) == pytest.approx(0.7)
    # The best cut is the lowest probability: halfway down to 0.
    assert suggest_threshold([(0.2, True)] * 5 + [(0.9, False)] * 5) == pytest.approx(0.1)


def test_chaining_warning_says_what_to_do():
    assert chaining_warning(1234, 2000) == (
        "One cluster holds 1,234 rows: records are being chained together. "
        "Raise the threshold, compare more columns, or review pairs to teach the model."
    )


def test_scored_labels_give_zero_to_a_pair_blocking_never_made():
    with duckdb.connect() as con:
        con.execute("CREATE TABLE p (id_l BIGINT, id_r BIGINT, match_probability DOUBLE)")
        con.executemany("INSERT INTO p VALUES (?, ?, ?)", [(1, 2, 0.75), (2, 3, 0.5)])
        assert scored_labels(con, "p", "id", [(2, 3, False), (1, 2, True), (1, 3, True)]) == [(0.75, True), (0.0, True), (0.5, False)]


# ------------------------------------------------------------------ config validation


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: FieldComparison("", "name"), "a comparison needs a column name"),
        (lambda: FieldComparison(3, "name"), "a comparison needs a column name"),
        (lambda: FieldComparison("x", "Name"), "comparison of 'x': kind must be one of name, string, exact, date, number, email, postcode, phone, not 'Name'"),
        (lambda: FuzzyConfig((), (("a",),)), "a fuzzy config needs at least one comparison, e.g. {\"column\": \"name\", \"kind\": \"name\"}"),
        (lambda: FuzzyConfig((FieldComparison("a", "name"),), ()), "a fuzzy config needs at least one blocking rule, e.g. [[\"last_name\", \"dob\"]]"),
        (lambda: FuzzyConfig((FieldComparison("a", "name"),), ((),)), "a blocking rule is a non-empty list of columns, e.g. [\"last_name\", \"dob\"]"),
        (lambda: FuzzyConfig((FieldComparison("a", "name"),), (("a", ""),)), "a blocking column must be a column name, not ''"),
        (lambda: FuzzyConfig((FieldComparison("a", "name"),), (("a",),), threshold=0.0), "threshold must be a match probability between 0 and 1 (exclusive), not 0.0"),
        (lambda: FuzzyConfig((FieldComparison("a", "name"),), (("a",),), threshold=1), "threshold must be a match probability between 0 and 1 (exclusive), not 1"),
        (lambda: FuzzyConfig((FieldComparison("a", "name"),), (("a",),), threshold=True), "threshold must be a match probability between 0 and 1 (exclusive), not True"),
        (lambda: FuzzyConfig((FieldComparison("a", "name"),), (("a",),), threshold="0.5"), "threshold must be a match probability between 0 and 1 (exclusive), not '0.5'"),
        (lambda: FuzzyConfig((FieldComparison("a", "name"),), (("a",),), max_comparisons=True), "max_comparisons must be a positive whole number, not True"),
        (lambda: FuzzyConfig((FieldComparison("a", "name"),), (("a",),), max_comparisons=10.0), "max_comparisons must be a positive whole number, not 10.0"),
        (lambda: FuzzyConfig((FieldComparison("a", "name"),), (("a",),), seed=False), "seed must be a whole number, not False"),
        (lambda: FuzzyConfig.from_json([]), "a fuzzy config is an object with comparisons, blocking, threshold, max_comparisons and seed"),
        (lambda: FuzzyConfig.from_json({"zeta": 1, "alpha": 2}), "unknown fuzzy config key 'alpha'; use comparisons, blocking, threshold, max_comparisons, seed"),
        (lambda: FuzzyConfig.from_json({"blocking": [["a"]]}), "comparisons must be a list like [{\"column\": \"last_name\", \"kind\": \"name\"}]"),
        (lambda: FuzzyConfig.from_json({**GOOD, "comparisons": ["a"]}), "comparison 1: give exactly a \"column\" and a \"kind\" (name, string, exact, date, number, email, postcode, phone)"),
        (lambda: FuzzyConfig.from_json({**GOOD, "comparisons": [{"column": "a", "kind": "name", "x": 1}]}), "comparison 1: give exactly"),
        (lambda: FuzzyConfig.from_json({**GOOD, "comparisons": [{"column": "a", "kind": "name"}, {"column": 2, "kind": "name"}]}), "comparison 2: give exactly"),
        (lambda: FuzzyConfig.from_json({"comparisons": GOOD["comparisons"]}), "blocking must be a list of rules, each a list of columns, e.g. [[\"last_name\", \"dob\"], [\"email\"]]"),
        (lambda: FuzzyConfig.from_json({**GOOD, "blocking": [["a"], ["b", 3]]}), "blocking rule 2: give a non-empty list of column names, e.g. [\"last_name\", \"dob\"]"),
    ],
)
def test_config_is_validated_with_the_exact_message(build, message):
    with pytest.raises(StudioError) as raised:
        build()
    assert str(raised.value) == message or (message.endswith("give exactly") and str(raised.value).startswith(message))


def test_config_is_validated_but_takes_every_valid_edge():
    compared = (FieldComparison("a", "name"), FieldComparison("b", "phone"))
    low = FuzzyConfig(compared, (("a:1",), ("b:50", "a")), threshold=1e-9, max_comparisons=1, seed=0)
    assert low.to_json() == {
        "comparisons": [{"column": "a", "kind": "name"}, {"column": "b", "kind": "phone"}],
        "blocking": [["a:1"], ["b:50", "a"]],
        "threshold": 1e-9,
        "max_comparisons": 1,
        "seed": 0,
    }
    assert FuzzyConfig(compared, (("a",),), threshold=0.999999).threshold == 0.999999
    plain = FuzzyConfig.from_json({"comparisons": [{"column": "a", "kind": "exact"}], "blocking": [["a"]]})
    assert (plain.threshold, plain.max_comparisons, plain.seed) == (0.9, 20_000_000, 42)
    chosen = FuzzyConfig.from_json({"comparisons": [{"column": "a", "kind": "exact"}], "blocking": [["a"]], "threshold": 0.5, "max_comparisons": 7, "seed": 3})
    assert (chosen.threshold, chosen.max_comparisons, chosen.seed) == (0.5, 7, 3)


@pytest.mark.parametrize(
    ("item", "key"),
    [("name", ("name", None)), ("name:1", ("name", 1)), ("name:50", ("name", 50)), ("a:b", ("a:b", None)), (":3", (":3", None)), ("a:b:3", ("a:b", 3)), ("name:", ("name:", None))],
)
def test_blocking_keys_read_a_prefix_length_after_the_last_colon(item, key):
    assert parse_key(item) == key


def test_blocking_keys_refuse_a_prefix_out_of_range_and_read_as_words():
    for item in ("name:0", "name:51"):
        with pytest.raises(StudioError) as raised:
            parse_key(item)
        assert str(raised.value) == f"blocking column {item!r}: a prefix length must be 1 to 50"
    with pytest.raises(StudioError) as raised:
        parse_key(None)
    assert str(raised.value) == "a blocking column must be a column name, not None"
    assert rule_text(("name:4", "zip")) == "same first 4 characters of name and zip"
    assert rule_text(("email",)) == "same email"


# ------------------------------------------------------------------ fixed probabilities, unit by unit


def prepared_of(rows: int) -> Prepared:
    return Prepared("t", rows, {}, {}, [])


def test_too_small_below_two_hundred_rows():
    assert too_small(prepared_of(200)) is None and too_small(prepared_of(5000)) is None
    assert too_small(prepared_of(199)) == (
        "199 rows are too few to learn match probabilities from (EM needs 200); scored with fixed ones: check the pairs, or use exact dedupe"
    )


def test_fixed_model_m_values_by_number_of_levels():
    assert _m_values(1) == [1.0]
    assert _m_values(2) == pytest.approx([0.94, 0.06])
    assert _m_values(3) == pytest.approx([0.75, 0.19, 0.06])
    assert _m_values(4) == pytest.approx([0.75, 0.19 * 2 / 3, 0.19 / 3, 0.06])
    assert _m_values(5) == pytest.approx([0.75, 0.19 * 4 / 7, 0.19 * 2 / 7, 0.19 / 7, 0.06])


def test_fixed_model_u_values_fill_levels_no_random_pair_reached():
    levels = [{"u_probability": 0.2}, {}, {"u_probability": 0.0}, {"u_probability": 1}, {"u_probability": 0.55}]
    floor = 0.5 / 10
    total = 0.2 + 3 * floor + 0.55
    assert _u_values(levels, 10.0) == pytest.approx([0.2 / total, floor / total, floor / total, floor / total, 0.55 / total])
    # fewer than one sampled pair: the floor is half of one
    assert _u_values([{}, {"u_probability": 0.5}], 0.25) == pytest.approx([0.5, 0.5])
    assert _u_values([{"u_probability": -0.1}, {"u_probability": 0.3}], 1.0) == pytest.approx([0.5 / 0.8, 0.3 / 0.8])


def test_fixed_model_sets_m_and_u_on_every_level_but_null_and_drops_term_frequencies():
    model = {
        "probability_two_random_records_match": 0.9,
        "comparisons": [
            {
                "comparison_levels": [
                    {"is_null_level": True, "m_probability": 0.3, "tf_adjustment_column": "c0"},
                    {"u_probability": 0.1, "tf_adjustment_column": "c0", "tf_adjustment_weight": 1.0},
                    {"u_probability": 0.3, "is_null_level": False},
                    {"u_probability": 0.6},
                ]
            },
            {"comparison_levels": [{"u_probability": 0.25}, {}]},
        ],
    }
    fixed = fixed_model(model, prepared_of(11), 4.0)
    first, second = (c["comparison_levels"] for c in fixed["comparisons"])
    assert first[0] == {"is_null_level": True, "m_probability": 0.3, "tf_adjustment_column": "c0"}
    assert [lv["m_probability"] for lv in first[1:]] == pytest.approx([0.75, 0.19, 0.06])
    assert [lv["u_probability"] for lv in first[1:]] == pytest.approx([0.1, 0.3, 0.6])
    assert not any("tf_adjustment_column" in lv or "tf_adjustment_weight" in lv for lv in first[1:])
    assert [lv["m_probability"] for lv in second] == pytest.approx([0.94, 0.06])
    assert [lv["u_probability"] for lv in second] == pytest.approx([0.25 / 0.375, 0.125 / 0.375])
    assert fixed["probability_two_random_records_match"] == pytest.approx(0.05)  # half a match a row over 10 others
    assert model["comparisons"][0]["comparison_levels"][1] == {"u_probability": 0.1, "tf_adjustment_column": "c0", "tf_adjustment_weight": 1.0}
    assert model["probability_two_random_records_match"] == 0.9
    for rows in (1, 2):  # never above one chance in two
        assert fixed_model(model, prepared_of(rows), 4.0)["probability_two_random_records_match"] == 0.5
    assert fixed_model(model, prepared_of(3), 4.0)["probability_two_random_records_match"] == 0.25

