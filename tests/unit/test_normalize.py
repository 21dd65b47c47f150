"""Normalization rules compile to SQL that DuckDB runs; values checked one by one."""

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studio import StudioError
from studio.consolidate import canonical_unit, normalized_select, parse_spec, quantity_of
from studio.consolidate import OPS
from studio.consolidate._units import FACTORS, spellings


def normalize(rows: list[tuple], columns: list[str], spec: list[dict]) -> list[tuple]:
    con = duckdb.connect()
    placeholders = ", ".join("?" for _ in columns)
    con.execute(f"CREATE TABLE t ({', '.join(f'{c} VARCHAR' for c in columns)})")
    con.executemany(f"INSERT INTO t VALUES ({placeholders})", [tuple(None if v is None else str(v) for v in row) for row in rows])
    return con.execute(normalized_select(columns, parse_spec(spec), "t")).fetchall()


def one(value, *steps):
    return normalize([(value,)], ["v"], [{"column": "v", "steps": list(steps)}])[0][0]


def test_text_rules():
    assert one("  Joe's   Pizza  ", {"op": "trim"}) == "Joe's   Pizza"
    assert one("Joe's   Pizza", {"op": "collapse_spaces"}) == "Joe's Pizza"
    assert one("JOE'S pizza", {"op": "case", "to": "title"}) == "Joe's Pizza"
    assert one("Crème Brûlée", {"op": "unicode_fold"}, {"op": "case", "to": "upper"}) == "CREME BRULEE"
    assert one("Joe's Pizza, Inc.", {"op": "strip_punctuation"}) == "Joes Pizza Inc"
    assert one("N/A", {"op": "null_if"}) is None and one("ok", {"op": "null_if"}) == "ok"


@pytest.mark.parametrize("value", [" n/a ", "N/A  ", "   ", " - ", " None"])
def test_null_if_ignores_surrounding_spaces(value):
    assert one(value, {"op": "null_if"}) is None
    assert one(value, {"op": "null_if", "values": ["n/a", "none", "-", ""]}) is None


def test_null_if_keeps_other_values_untouched():
    assert one(" ok ", {"op": "null_if"}) == " ok "
    assert one("n/a!", {"op": "null_if"}) == "n/a!"
    assert one(" x ", {"op": "null_if", "values": ["x"]}) is None


def test_phone_and_email():
    assert one("(555) 123-4567", {"op": "phone"}) == "+15551234567"
    assert one("+1 555.123.4567", {"op": "phone"}) == "+15551234567"
    assert one("020 7946 0958", {"op": "phone", "country_code": "44", "national_digits": 11}) == "+4402079460958"
    assert one("12", {"op": "phone"}) is None
    assert one("  Ann@Example.COM ", {"op": "email"}) == "ann@example.com"
    assert one("not an email", {"op": "email"}) is None


@pytest.mark.parametrize(("email", "phone"), [("  Ann@Example.COM ", "(555) 123-4567"), ("bob.ray@mail.co.uk", "+44 20 7946 0958")])
def test_fuzzy_comparisons_see_email_and_phone_as_the_ops_clean_them(email, phone):
    from studio.consolidate.fuzzy._prepare import normalized_sql

    compared = duckdb.execute(f"SELECT {normalized_sql('?', 'email', 'VARCHAR')}, {normalized_sql('?', 'phone', 'VARCHAR')}", [email, phone]).fetchall()[0]
    assert compared[0] == one(email, {"op": "email"})
    assert one(phone, {"op": "phone", "national_digits": 0}) == "+" + compared[1]  # the same digits, no country code added


def test_dates_with_several_formats():
    steps = {"op": "parse_date", "formats": ["%d/%m/%Y", "%Y-%m-%d %H:%M"], "as_date": True}
    assert str(one("03/02/2026", steps)) == "2026-02-03"
    assert str(one("2026-02-03 10:30", steps)) == "2026-02-03"
    assert one("yesterday", steps) is None


def test_unit_columns_convert_and_name_the_target_unit():
    rows = normalize(
        [("10", "mph"), ("16", "km/h"), ("5", "m/s"), ("3", "furlongs/fortnight")],
        ["speed", "unit"],
        [{"column": "speed", "steps": [{"op": "convert_unit", "to": "km/h", "unit_column": "unit"}]}],
    )
    assert [r[0] for r in rows[:3]] == pytest.approx([16.09344, 16.0, 18.0])
    assert rows[3][0] is None, "an unknown unit gives NULL, not a wrong number"
    assert {r[1] for r in rows} == {"km/h"}
    assert one("98.6", {"op": "convert_unit", "from": "F", "to": "C"}) == pytest.approx(37.0)
    assert one("600", {"op": "convert_unit", "from": "seconds", "to": "minutes"}) == pytest.approx(10.0)


def test_currency_mapping_and_clipping():
    rows = normalize(
        [("10", "usd"), ("10", "EUR"), ("10", "GBP")],
        ["price", "currency"],
        [{"column": "price", "steps": [{"op": "convert_currency", "to": "EUR", "rates": {"USD": 0.9, "EUR": 1}, "currency_column": "currency"}]}],
    )
    assert [r[0] for r in rows[:2]] == pytest.approx([9.0, 10.0]) and rows[2][0] is None
    assert [r[1] for r in rows] == ["EUR"] * 3
    assert one("nyc", {"op": "map_values", "mapping": {"NYC": "New York"}}) == "New York"
    assert one("Boston", {"op": "map_values", "mapping": {"NYC": "New York"}}) == "Boston"
    assert one("999", {"op": "clip", "lower": 0, "upper": 180}) == 180.0
    assert one("-5", {"op": "clip", "lower": 0}) == 0.0


@pytest.mark.parametrize(
    "spec,message",
    [
        ({"column": "v", "steps": [{"op": "explode"}]}, "op must be one of"),
        ({"column": "v"}, "give a \"column\" and a list of \"steps\""),
        ({"column": "v", "steps": [{"op": "case", "to": "sideways"}]}, "case takes to = lower, upper or title"),
        ({"column": "v", "steps": [{"op": "convert_unit", "to": "parsecs"}]}, "unknown target unit"),
        ({"column": "v", "steps": [{"op": "convert_unit", "to": "km", "from": "kg"}]}, "needs from (a distance unit)"),
        ({"column": "v", "steps": [{"op": "parse_date", "formats": ["dd/mm"]}]}, "parse_date takes formats"),
        ({"column": "v", "steps": [{"op": "clip"}]}, "clip takes lower and/or upper"),
        ({"column": "v", "steps": [{"op": "convert_currency", "rates": {"USD": -1}}]}, "convert_currency takes rates"),
        ({"column": "nope", "steps": [{"op": "trim"}]}, "no column 'nope' to normalize"),
        ({"column": "v", "steps": [{"op": "convert_unit", "to": "km", "unit_column": "u"}]}, "no unit column 'u'"),
    ],
)
def test_bad_rules_are_refused_with_the_column_named(spec, message):
    with pytest.raises(StudioError, match=message.replace("(", r"\(").replace(")", r"\)")):
        normalize([("1",)], ["v"], [spec])


def test_one_rule_per_column():
    with pytest.raises(StudioError, match="one rule"):
        parse_spec([{"column": "v", "steps": []}, {"column": "v", "steps": []}])


units = st.sampled_from([(q, u) for q, table in FACTORS.items() for u in table])


@settings(max_examples=60, deadline=None)
@given(pair=units, value=st.floats(min_value=-1e6, max_value=1e6, allow_nan=False))
def test_unit_conversion_round_trips(pair, value):
    quantity, unit = pair
    base = next(iter(FACTORS[quantity]))
    there = one(repr(value), {"op": "convert_unit", "from": unit, "to": base})
    back = one(repr(there), {"op": "convert_unit", "from": base, "to": unit})
    assert back == pytest.approx(value, rel=1e-9, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(text=st.text(max_size=30))
def test_text_folding_is_idempotent(text):
    steps = [{"op": "unicode_fold"}, {"op": "strip_punctuation"}, {"op": "case", "to": "lower"}]
    once = one(text, *steps)
    assert one(once, *steps) == once


def test_unit_names():
    assert canonical_unit(" Miles ") == "mi" and canonical_unit("°F") == "F"
    assert quantity_of("minutes") == "duration" and quantity_of("kelvin") == "temperature" and quantity_of("bananas") is None


def test_currency_from_one_code_and_its_refusals():
    rates = {"USD": 0.9, "eur": 1}
    assert one("10", {"op": "convert_currency", "from": "usd", "rates": rates}) == pytest.approx(9.0)
    assert one("10", {"op": "convert_currency", "from": "EUR", "rates": rates}) == pytest.approx(10.0)
    for args, message in [
        ({"from": "GBP", "rates": rates}, "v: convert_currency needs from (a code in rates) or currency_column"),
        ({"rates": rates}, "v: convert_currency needs from (a code in rates) or currency_column"),
        ({"from": "USD", "rates": {"USD": 0}}, 'v: convert_currency takes rates, e.g. {"USD": 0.92, "EUR": 1}'),
        ({"from": "USD", "rates": [0.9]}, 'v: convert_currency takes rates, e.g. {"USD": 0.92, "EUR": 1}'),
    ]:
        with pytest.raises(StudioError) as raised:
            one("10", {"op": "convert_currency", **args})
        assert str(raised.value) == message


def test_every_default_placeholder_is_missing_and_bad_lists_are_refused():
    for value in ["", "n/a", "NA", "Null", "none", "-"]:
        assert one(value, {"op": "null_if"}) is None, value
    for values in ("n/a", []):
        with pytest.raises(StudioError) as raised:
            one("x", {"op": "null_if", "values": values})
        assert str(raised.value) == "v: null_if takes a list of values"


def test_plain_columns_pass_through_and_a_currency_column_without_a_target_keeps_its_codes():
    rows = normalize(
        [("10", "usd", "keep")],
        ["price", "currency", "note"],
        [{"column": "price", "steps": [{"op": "convert_currency", "rates": {"USD": 2}, "currency_column": "currency"}]}],
    )
    assert rows == [(20.0, "usd", "keep")]


def test_map_values_with_and_without_case_and_several_entries():
    mapping = {" NYC ": "New York", "LA": "Los Angeles"}
    assert [one(v, {"op": "map_values", "mapping": mapping}) for v in ("nyc", " la ", "sf")] == ["New York", "Los Angeles", "sf"]
    exact = {"op": "map_values", "mapping": {"NYC": "New York"}, "ignore_case": False}
    assert [one(v, exact) for v in ("NYC", "nyc")] == ["New York", "nyc"]
    with pytest.raises(StudioError) as raised:
        one("x", {"op": "map_values", "mapping": ["NYC"]})
    assert str(raised.value) == 'v: map_values takes mapping, e.g. {"NYC": "New York"}'


def test_case_lower_by_default_dates_as_timestamps_by_default_and_phone_country_codes():
    assert one("AbC", {"op": "case"}) == "abc" and one("AbC", {"op": "case", "to": "lower"}) == "abc"
    assert str(one("03/02/2026", {"op": "parse_date", "formats": ["%d/%m/%Y"]})) == "2026-02-03 00:00:00"
    assert one("020 7946 0958", {"op": "phone", "country_code": "+44", "national_digits": 11}) == "+4402079460958"
    assert one("2", {"op": "convert_unit", "from": "km", "to": "m"}) == pytest.approx(2000.0)
    for step, message in [
        ({"op": "phone", "country_code": "4x"}, "v: phone country_code must be digits, not '4x'"),
        ({"op": "parse_date", "formats": "%"}, 'v: parse_date takes formats, a list like ["%d/%m/%Y", "%Y-%m-%d"]'),
        ({"op": "clip", "lower": "0"}, "v: clip bounds must be numbers"),
        ({"op": "convert_unit", "to": "parsecs"}, "v: unknown target unit 'parsecs'"),
        ({"op": "convert_unit", "to": "km", "from": "kg"}, "v: convert_unit needs from (a distance unit) or unit_column, not 'kg'"),
    ]:
        with pytest.raises(StudioError) as raised:
            one("1", step)
        assert str(raised.value) == message


def test_spec_errors_name_the_rule_and_step():
    with pytest.raises(StudioError) as raised:
        parse_spec({"column": "v"})
    assert str(raised.value) == 'a normalization spec is a list of {"column": ..., "steps": [...]} rules'
    for spec, message in [
        ([{"column": "v", "steps": []}, "v"], 'rule 2: give a "column" and a list of "steps"'),
        ([{"column": "v", "steps": [{"op": "trim"}, {"op": "x"}]}], "rule 1 (v), step 2: op must be one of " + ", ".join(OPS)),
        ([{"column": "v", "steps": []}, {"column": "v", "steps": []}], "each column may have one rule; put all its steps in that rule"),
    ]:
        with pytest.raises(StudioError) as raised:
            parse_spec(spec)
        assert str(raised.value) == message
    assert parse_spec([{"column": "v", "steps": [{"op": "case", "to": "upper"}]}])[0].steps[0].args == {"to": "upper"}
    columns = [f"c{i}" for i in range(22)]
    with pytest.raises(StudioError) as raised:
        normalized_select(columns, parse_spec([{"column": "nope", "steps": []}]), "t")
    assert str(raised.value) == f"no column 'nope' to normalize (columns: {', '.join(columns[:20])})"
    with pytest.raises(StudioError) as raised:
        normalize([("1", "km")], ["v", "u"], [{"column": "v", "steps": [{"op": "convert_unit", "to": "m", "unit_column": "u"}]}, {"column": "u", "steps": []}])
    assert str(raised.value) == "u is the unit column of v; it cannot have rules of its own"


def test_spellings_of_a_unit_are_its_own():
    assert spellings("Miles") == ["mi", "mile", "miles"]
