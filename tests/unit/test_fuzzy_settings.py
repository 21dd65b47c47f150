"""Splink settings as data: the comparison levels of each kind, checked by evaluating their SQL
in DuckDB on pairs of values (the first level that holds is the one a pair gets), and the
settings dict the linkers are built from. No training."""

import duckdb
import pytest

from studio.consolidate.fuzzy._prepare import Prepared
from studio.consolidate.fuzzy._settings import comparison_columns, comparison_dict, settings

LABELS = {
    "name": [
        "missing", "exact match", "similar (Jaro-Winkler >= 0.92)", "all words of one in the other", "similar (Jaro-Winkler >= 0.85)",
        "similar (Jaro-Winkler >= 0.7)", "different",
    ],
    "string": ["missing", "exact match", "similar (Jaro-Winkler >= 0.92)", "all words of one in the other", "similar (Jaro-Winkler >= 0.8)", "different"],
    "email": ["missing", "exact match", "one character differs", "different"],
    "date": ["missing", "exact match", "day and month swapped", "one digit differs", "within a month", "within a year", "within ten years", "different"],
    "number": ["missing", "exact match", "within 1%", "within 10%", "different"],
    "postcode": ["missing", "exact match", "one character differs", "same but the last 3 characters", "same first 2 characters", "different"],
    "phone": ["missing", "exact match", "same last seven digits", "one digit differs", "different"],
    "exact": ["missing", "exact match", "different"],
}


def level_of(comparison: dict, values: dict, types: str = "") -> str:
    """The label of the first level of ``comparison`` that holds for the named values."""
    levels = comparison["comparison_levels"]
    cases = " ".join(f"WHEN {lv['sql_condition']} THEN {i}" for i, lv in enumerate(levels) if lv["sql_condition"] != "ELSE")
    columns = ", ".join(f"?{types} AS {name}" for name in values)
    index = duckdb.execute(f"SELECT CASE {cases} ELSE {len(levels) - 1} END FROM (SELECT {columns})", list(values.values())).fetchall()[0][0]
    return levels[index]["label_for_charts"]


def level(kind: str, left, right, types: str = "") -> str:
    """The level a pair gets, asked both ways round (every level is symmetric)."""
    comparison = comparison_dict("c0", kind, [])
    one, other = level_of(comparison, {"c0_l": left, "c0_r": right}, types), level_of(comparison, {"c0_l": right, "c0_r": left}, types)
    assert one == other, (left, right, one, other)
    return one


@pytest.mark.parametrize("kind", sorted(LABELS))
def test_every_kind_has_its_levels_from_missing_to_different(kind):
    comparison = comparison_dict("c3", kind, [])
    assert [lv["label_for_charts"] for lv in comparison["comparison_levels"]] == LABELS[kind]
    assert (comparison["output_column_name"], comparison["comparison_description"]) == ("c3", kind)
    null, exact, *rest = comparison["comparison_levels"]
    assert null == {"sql_condition": "c3_l IS NULL OR c3_r IS NULL", "label_for_charts": "missing", "is_null_level": True}
    weighted = {"tf_adjustment_column": "c3", "tf_adjustment_weight": 1.0} if kind in ("name", "email", "exact") else {}
    assert exact == {"sql_condition": "c3_l = c3_r", "label_for_charts": "exact match", **weighted}
    assert rest[-1] == {"sql_condition": "ELSE", "label_for_charts": "different"}
    assert all(set(lv) == {"sql_condition", "label_for_charts"} for lv in rest)


@pytest.mark.parametrize(
    ("kind", "left", "right", "label"),
    [
        ("name", None, "ann", "missing"),
        ("name", "ann", "ann", "exact match"),
        ("name", "maria", "mario", "similar (Jaro-Winkler >= 0.92)"),  # exactly 0.92
        ("name", "the green cafe", "green cafe", "all words of one in the other"),
        ("name", "smith", "smyth", "similar (Jaro-Winkler >= 0.85)"),  # 0.893
        ("name", "dwayne", "duane", "similar (Jaro-Winkler >= 0.7)"),  # 0.84
        ("name", "jonathan", "jonny", "different"),  # 0.658
        ("name", "cafe", "green cafe", "different"),  # one word in common is not enough
        ("string", "katherine", "kathryn", "similar (Jaro-Winkler >= 0.8)"),  # 0.905
        ("string", "maria", "mario", "similar (Jaro-Winkler >= 0.92)"),
        ("string", "silver kitchen", "the silver kitchen llc", "all words of one in the other"),
        ("string", "dwayne", "duane", "similar (Jaro-Winkler >= 0.8)"),  # 0.84
        ("string", "robert", "rupert", "different"),  # 0.7999
        ("email", "ann@x.com", "anm@x.com", "one character differs"),
        ("email", "abc", "xbc", "one character differs"),  # short: Jaro-Winkler 0.78, still one edit
        ("email", "ab", "ba", "one character differs"),  # a swap is one edit
        ("email", "ann@x.com", "bob@x.com", "different"),
        ("email", "ann@x.com", "nan@x.co", "different"),
        ("exact", "x", "y", "different"),
        ("exact", "x", None, "missing"),
    ],
)
def test_text_levels(kind, left, right, label):
    assert level(kind, left, right) == label


@pytest.mark.parametrize(
    ("left", "right", "label"),
    [
        ("2001-03-04", "2001-03-04", "exact match"),
        ("2001-03-04", "2001-04-03", "day and month swapped"),
        ("2001-03-04", "2001-03-05", "one digit differs"),  # year and month equal
        ("2001-03-04", "2001-09-04", "one digit differs"),  # year and day equal
        ("2001-03-04", "2011-03-04", "one digit differs"),  # month and day equal
        ("2001-03-04", "2001-03-27", "within a month"),  # two parts equal, but two digits differ
        ("2001-12-20", "2002-01-20", "within a month"),  # 31 days, only the day equal
        ("2001-01-10", "2002-01-11", "within a year"),  # 366 days
        ("2001-01-10", "2002-01-12", "within ten years"),  # 367 days
        ("2001-01-10", "2011-01-11", "within ten years"),  # 3,653 days
        ("2001-01-10", "2011-01-12", "different"),  # 3,654 days
        ("2001-03-04", None, "missing"),
    ],
)
def test_date_levels(left, right, label):
    assert level("date", left, right, "::DATE") == label


@pytest.mark.parametrize(
    ("left", "right", "label"),
    [
        (100, 100, "exact match"),
        (99, 100, "within 1%"),  # 1 is 1% of the larger
        (-99, -100, "within 1%"),
        (98.9, 100, "within 10%"),
        (90, 100, "within 10%"),
        (-90, -100, "within 10%"),
        (89.9, 100, "different"),
        (-1, 1, "different"),
    ],
)
def test_number_levels(left, right, label):
    assert level("number", left, right, "::DOUBLE") == label


@pytest.mark.parametrize(
    ("kind", "left", "right", "label"),
    [
        ("postcode", "SW1A1AA", "SW1A1AB", "one character differs"),
        ("postcode", "SW1A1AA", "SW1A2BB", "same but the last 3 characters"),
        ("postcode", "AB123", "AB999", "same but the last 3 characters"),  # five characters: more than 4
        ("postcode", "A1234", "A1999", "same but the last 3 characters"),
        ("postcode", "A123", "A999", "different"),  # four characters: the last 3 are nearly all of it
        ("postcode", "SW1A1AA", "SW9Z9ZZ", "same first 2 characters"),
        ("postcode", "AB1", "XY9", "different"),
        ("phone", "5551234567", "4441234567", "same last seven digits"),
        ("phone", "1234567", "01234567", "same last seven digits"),  # seven digits: enough
        ("phone", "123456", "0123456", "one digit differs"),  # six: not enough for the last seven
        ("phone", "5551234", "5551235", "one digit differs"),
        ("phone", "5551234", "5559876", "different"),
    ],
)
def test_postcode_and_phone_levels(kind, left, right, label):
    assert level(kind, left, right) == label


@pytest.mark.parametrize(
    ("values", "label"),
    [
        ({"c0_l": "john", "c0_r": "smith", "c1_l": "smith", "c1_r": "john"}, "matches another name column (swapped)"),
        ({"c0_l": "john", "c0_r": "smith", "c1_l": "smith", "c1_r": "qq"}, "matches another name column (swapped)"),
        ({"c0_l": "john", "c0_r": "smyth", "c1_l": "smith", "c1_r": "qq"}, "different"),  # 0.89: a swap must be closer
        ({"c0_l": "john", "c0_r": "smith", "c1_l": "lee", "c1_r": "kim"}, "different"),
        ({"c0_l": "dwayne", "c0_r": "duane", "c1_l": "x", "c1_r": "dwayne"}, "matches another name column (swapped)"),  # before 0.7
        ({"c0_l": "dwayne", "c0_r": "duane", "c1_l": "x", "c1_r": "y"}, "similar (Jaro-Winkler >= 0.7)"),
    ],
)
def test_a_name_found_in_another_name_column_is_a_swap(values, label):
    comparison = comparison_dict("c0", "name", ["c0", "c1"])
    labels = [lv["label_for_charts"] for lv in comparison["comparison_levels"]]
    assert labels == LABELS["name"][:5] + ["matches another name column (swapped)"] + LABELS["name"][5:]
    assert level_of(comparison, values) == label
    assert comparison_dict("c0", "name", ["c0"]) == comparison_dict("c0", "name", []), "only other name columns"


def test_a_name_is_checked_against_every_other_name_column():
    comparison = comparison_dict("c1", "name", ["c0", "c1", "c2"])
    base = {"c1_l": "ann", "c1_r": "lee", "c0_l": "x", "c0_r": "y", "c2_l": "z", "c2_r": "w"}
    assert level_of(comparison, base) == "different"
    assert level_of(comparison, {**base, "c0_r": "ann"}) == "matches another name column (swapped)"
    assert level_of(comparison, {**base, "c2_r": "ann"}) == "matches another name column (swapped)"
    assert level_of(comparison, {**base, "c2_l": "lee"}) == "matches another name column (swapped)"


def test_settings_predict_over_the_given_rules_with_every_compared_column():
    prepared = Prepared("t", 10, {"a": "c0", "b": "c1", "c": "c2", "z": "k0"}, {"c0": "name", "c1": "date", "c2": "name", "k0": "exact"}, [])
    built = settings(prepared, ["l.k0 = r.k0", "l.c0 = r.c0"])
    comparisons = built.pop("comparisons")
    assert comparisons == [comparison_dict("c0", "name", ["c0", "c2"]), comparison_dict("c1", "date", []), comparison_dict("c2", "name", ["c0", "c2"])]
    assert built == {
        "link_type": "dedupe_only",
        "unique_id_column_name": "unique_id",
        "blocking_rules_to_generate_predictions": [{"blocking_rule": "l.k0 = r.k0"}, {"blocking_rule": "l.c0 = r.c0"}],
        "retain_matching_columns": True,
        "retain_intermediate_calculation_columns": False,
        "probability_two_random_records_match": 1e-4,
        "max_iterations": 25,
        "em_convergence": 1e-4,
    }
    assert comparison_columns(prepared) == {"c0": {"c0", "c2"}, "c1": {"c1"}, "c2": {"c0", "c2"}}
