"""Normalization rules: data (a JSON-able spec) compiled to DuckDB SQL expressions.

A spec is a list of column rules, each a column and its steps applied in order:

    [{"column": "merchant_name", "steps": [{"op": "trim"}, {"op": "case", "to": "lower"}]},
     {"column": "avg_speed", "steps": [{"op": "convert_unit", "to": "km/h", "unit_column": "speed_unit"}]}]

Every step turns the SQL expression of the value so far into a new one, so a whole spec is one
SELECT that DuckDB runs over the lake at any size; nothing is evaluated in Python.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from studio.consolidate._units import FACTORS, TEMPERATURE_TO_C, canonical_unit, quantity_of, spellings
from studio.errors import StudioError
from studio.lake import sql_identifier, sql_literal


@dataclass(frozen=True)
class Step:
    op: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ColumnRule:
    column: str
    steps: tuple[Step, ...]


def parse_spec(spec: list[dict[str, Any]]) -> list[ColumnRule]:
    """Validate a spec (as loaded from JSON) into column rules; errors name the rule."""
    if not isinstance(spec, list):
        raise StudioError("a normalization spec is a list of {\"column\": ..., \"steps\": [...]} rules")
    rules = []
    for index, item in enumerate(spec, start=1):
        if not isinstance(item, dict) or not isinstance(item.get("column"), str) or not isinstance(item.get("steps"), list):
            raise StudioError(f"rule {index}: give a \"column\" and a list of \"steps\"")
        steps = []
        for position, raw in enumerate(item["steps"], start=1):
            if not isinstance(raw, dict) or raw.get("op") not in OPS:
                raise StudioError(f"rule {index} ({item['column']}), step {position}: op must be one of {', '.join(OPS)}")
            steps.append(Step(raw["op"], {k: v for k, v in raw.items() if k != "op"}))
        rules.append(ColumnRule(item["column"], tuple(steps)))
    columns = [rule.column for rule in rules]
    if len(set(columns)) != len(columns):
        raise StudioError("each column may have one rule; put all its steps in that rule")
    return rules


def _text(value: str) -> str:
    return f"CAST({value} AS VARCHAR)"


# E-mail and phone values as both the normalization ops and the fuzzy comparisons see them.


def email_text(value: str) -> str:
    """An e-mail address as compared: trimmed, lower case."""
    return f"lower(trim({_text(value)}))"


def looks_like_email(text: str) -> str:
    """SQL: whether ``text`` has the shape of an e-mail address (something@domain.tld)."""
    return f"regexp_full_match({text}, '[^@\\s]+@[^@\\s]+\\.[^@\\s]+')"


def phone_digits(value: str) -> str:
    """A phone number's digits alone (spaces, dashes, brackets and '+' removed)."""
    return f"regexp_replace({_text(value)}, '[^0-9]', '', 'g')"


def _number(value: str) -> str:
    return f"TRY_CAST({value} AS DOUBLE)"


def _trim(value: str, args: dict[str, Any], rule: ColumnRule) -> str:
    return f"trim({_text(value)})"


def _case(value: str, args: dict[str, Any], rule: ColumnRule) -> str:
    to = args.get("to", "lower")
    if to == "lower":
        return f"lower({_text(value)})"
    if to == "upper":
        return f"upper({_text(value)})"
    if to == "title":
        return f"array_to_string(list_transform(string_split(lower({_text(value)}), ' '), lambda w: upper(w[1]) || w[2:]), ' ')"
    raise StudioError(f"{rule.column}: case takes to = lower, upper or title, not {to!r}")


def _unicode_fold(value: str, args: dict[str, Any], rule: ColumnRule) -> str:
    return f"strip_accents(nfc_normalize({_text(value)}))"


def _strip_punctuation(value: str, args: dict[str, Any], rule: ColumnRule) -> str:
    return f"trim(regexp_replace(regexp_replace({_text(value)}, '[^\\w\\s]', '', 'g'), '\\s+', ' ', 'g'))"


def _collapse_spaces(value: str, args: dict[str, Any], rule: ColumnRule) -> str:
    return f"trim(regexp_replace({_text(value)}, '\\s+', ' ', 'g'))"


def _null_if(value: str, args: dict[str, Any], rule: ColumnRule) -> str:
    values = args.get("values", ["", "n/a", "na", "null", "none", "-"])
    if not isinstance(values, list) or not values:
        raise StudioError(f"{rule.column}: null_if takes a list of values")
    listed = ", ".join(sql_literal(str(v).lower()) for v in values)
    return f"CASE WHEN lower(trim({_text(value)})) IN ({listed}) THEN NULL ELSE {value} END"


def _phone(value: str, args: dict[str, Any], rule: ColumnRule) -> str:
    """E.164-like: '+' and digits; a national number of ``national_digits`` digits gets the
    ``country_code``; anything shorter than 7 digits is not a phone number (NULL)."""
    country = str(args.get("country_code", "1")).lstrip("+")
    national = int(args.get("national_digits", 10))
    if not country.isdigit():
        raise StudioError(f"{rule.column}: phone country_code must be digits, not {country!r}")
    digits = phone_digits(value)
    return (
        f"CASE WHEN length({digits}) < 7 THEN NULL "
        f"WHEN length({digits}) = {national} THEN '+{country}' || {digits} "
        f"ELSE '+' || {digits} END"
    )


def _email(value: str, args: dict[str, Any], rule: ColumnRule) -> str:
    cleaned = email_text(value)
    return f"CASE WHEN {looks_like_email(cleaned)} THEN {cleaned} ELSE NULL END"


def _parse_date(value: str, args: dict[str, Any], rule: ColumnRule) -> str:
    formats = args.get("formats")
    if not isinstance(formats, list) or not formats or not all(isinstance(f, str) and "%" in f for f in formats):
        raise StudioError(f"{rule.column}: parse_date takes formats, a list like [\"%d/%m/%Y\", \"%Y-%m-%d\"]")
    attempts = ", ".join(f"try_strptime(trim({_text(value)}), {sql_literal(f)})" for f in formats)
    parsed = f"coalesce({attempts})"
    return f"CAST({parsed} AS DATE)" if args.get("as_date", False) else parsed


def _convert_unit(value: str, args: dict[str, Any], rule: ColumnRule) -> str:
    target = canonical_unit(str(args.get("to", "")))
    quantity = quantity_of(target)
    if quantity is None:
        raise StudioError(f"{rule.column}: unknown target unit {args.get('to')!r}")
    number = _number(value)
    if "unit_column" in args:
        sources = [unit for unit in (FACTORS.get(quantity) or TEMPERATURE_TO_C)]
        unit_value = f"lower(trim(CAST({sql_identifier(str(args['unit_column']))} AS VARCHAR)))"
        branches = " ".join(
            f"WHEN {unit_value} IN ({', '.join(sql_literal(s) for s in spellings(unit))}) THEN {_convert(number, unit, target, quantity)}"
            for unit in sources
        )
        return f"CASE {branches} ELSE NULL END"
    source = canonical_unit(str(args.get("from", "")))
    if quantity_of(source) != quantity:
        raise StudioError(f"{rule.column}: convert_unit needs from (a {quantity} unit) or unit_column, not {args.get('from')!r}")
    return _convert(number, source, target, quantity)


def _convert(number: str, source: str, target: str, quantity: str) -> str:
    if quantity == "temperature":
        to_celsius = TEMPERATURE_TO_C[source][0].format(v=number)
        return TEMPERATURE_TO_C[target][1].format(v=to_celsius)
    factor = FACTORS[quantity][source] / FACTORS[quantity][target]
    return f"({number} * {factor!r})"


def _convert_currency(value: str, args: dict[str, Any], rule: ColumnRule) -> str:
    """Amounts to one currency with a user-edited rates table: ``rates`` maps each currency
    code to the value of one unit of it in the target currency."""
    rates = args.get("rates")
    if not isinstance(rates, dict) or not rates or not all(isinstance(r, (int, float)) and r > 0 for r in rates.values()):
        raise StudioError(f"{rule.column}: convert_currency takes rates, e.g. {{\"USD\": 0.92, \"EUR\": 1}}")
    number = _number(value)
    if "currency_column" in args:
        code = f"upper(trim(CAST({sql_identifier(str(args['currency_column']))} AS VARCHAR)))"
        branches = " ".join(f"WHEN {code} = {sql_literal(str(c).upper())} THEN {number} * {float(r)!r}" for c, r in rates.items())
        return f"CASE {branches} ELSE NULL END"
    source = str(args.get("from", "")).upper()
    if source not in {str(c).upper() for c in rates}:
        raise StudioError(f"{rule.column}: convert_currency needs from (a code in rates) or currency_column")
    rate = next(float(r) for c, r in rates.items() if str(c).upper() == source)
    return f"({number} * {rate!r})"


def _map_values(value: str, args: dict[str, Any], rule: ColumnRule) -> str:
    mapping = args.get("mapping")
    if not isinstance(mapping, dict) or not mapping:
        raise StudioError(f"{rule.column}: map_values takes mapping, e.g. {{\"NYC\": \"New York\"}}")
    ignore_case = bool(args.get("ignore_case", True))
    key = f"lower(trim({_text(value)}))" if ignore_case else _text(value)
    branches = " ".join(
        f"WHEN {key} = {sql_literal(str(k).strip().lower() if ignore_case else str(k))} THEN {sql_literal(str(v))}" for k, v in mapping.items()
    )
    return f"CASE {branches} ELSE {_text(value)} END"


def _clip(value: str, args: dict[str, Any], rule: ColumnRule) -> str:
    lower, upper = args.get("lower"), args.get("upper")
    if lower is None and upper is None:
        raise StudioError(f"{rule.column}: clip takes lower and/or upper")
    if any(b is not None and not isinstance(b, (int, float)) for b in (lower, upper)):
        raise StudioError(f"{rule.column}: clip bounds must be numbers")
    clipped = _number(value)
    if lower is not None:
        clipped = f"greatest({clipped}, {float(lower)!r})"
    if upper is not None:
        clipped = f"least({clipped}, {float(upper)!r})"
    return f"CASE WHEN {_number(value)} IS NULL THEN NULL ELSE {clipped} END"


@dataclass(frozen=True)
class NormalizeOp:
    """A normalization op: the words a person picks it by, and its SQL."""

    label: str
    sql: Callable[[str, dict[str, Any], ColumnRule], str]


OPS: dict[str, NormalizeOp] = {
    "trim": NormalizeOp("Trim spaces", _trim),
    "case": NormalizeOp("Change case", _case),
    "unicode_fold": NormalizeOp("Fold accents (é → e)", _unicode_fold),
    "strip_punctuation": NormalizeOp("Strip punctuation", _strip_punctuation),
    "collapse_spaces": NormalizeOp("Collapse repeated spaces", _collapse_spaces),
    "null_if": NormalizeOp("Treat placeholders as missing", _null_if),
    "phone": NormalizeOp("Phone number → +digits", _phone),
    "email": NormalizeOp("E-mail → lower case, invalid → missing", _email),
    "parse_date": NormalizeOp("Parse dates with formats", _parse_date),
    "convert_unit": NormalizeOp("Convert units", _convert_unit),
    "convert_currency": NormalizeOp("Convert currency", _convert_currency),
    "map_values": NormalizeOp("Map values (e.g. NYC → New York)", _map_values),
    "clip": NormalizeOp("Clip outliers", _clip),
}


def column_expression(rule: ColumnRule) -> str:
    """The SQL expression of one column after all its steps."""
    expression = sql_identifier(rule.column)
    for step in rule.steps:
        expression = OPS[step.op].sql(expression, step.args, rule)
    return expression


def normalized_select(columns: list[str], rules: list[ColumnRule], table_sql: str) -> str:
    """``SELECT`` every column of ``table_sql`` in order, normalized where a rule says so.
    A unit column used by a conversion now names the target unit."""
    by_column = {rule.column: rule for rule in rules}
    missing = [c for c in by_column if c not in columns]
    if missing:
        raise StudioError(f"no column {missing[0]!r} to normalize (columns: {', '.join(columns[:20])})")
    unit_targets = {}
    for rule in rules:
        for step in rule.steps:
            unit_column = step.args.get("unit_column") or step.args.get("currency_column")
            if unit_column:
                if unit_column not in columns:
                    raise StudioError(f"{rule.column}: no unit column {unit_column!r}")
                if unit_column in by_column:
                    raise StudioError(f"{unit_column} is the unit column of {rule.column}; it cannot have rules of its own")
                target = step.args.get("to") if step.op == "convert_unit" else step.args.get("to", "")
                unit_targets[unit_column] = canonical_unit(str(target)) if step.op == "convert_unit" else str(target).upper()
    parts = []
    for column in columns:
        if column in by_column:
            parts.append(f"{column_expression(by_column[column])} AS {sql_identifier(column)}")
        elif column in unit_targets and unit_targets[column]:
            parts.append(f"{sql_literal(unit_targets[column])} AS {sql_identifier(column)}")
        else:
            parts.append(sql_identifier(column))
    return f"SELECT {', '.join(parts)} FROM {table_sql}"
