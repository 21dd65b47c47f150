"""``suggest_config``: a starting configuration from the data (a comparison kind per column,
and blocking rules that find most duplicate pairs at an affordable number of comparisons)."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from itertools import combinations
from typing import Any

import duckdb

from studio.consolidate._normalize import looks_like_email
from studio.consolidate.fuzzy._config import DEFAULT_MAX_COMPARISONS, MIN_FILLED_SHARE, FieldComparison, FuzzyConfig
from studio.consolidate.fuzzy._prepare import key_sql, normalized_sql, text_sql
from studio.consolidate.fuzzy._sql import INTEGER_TYPES, describe, drop, first_row, is_numeric, is_temporal, is_text, pair_count_sql, table_name
from studio.errors import StudioError
from studio.lake import sql_identifier

PROFILE_SAMPLE_ROWS = 200_000  # suggest_config profiles a hash sample of at most this many rows
PREFIX_LENGTH = 4  # suggest_config also considers blocking on the first characters of names and strings
# A column with few distinct values is compared exactly only if its values repeat (at most this
# many distinct per filled row): on a small table every column has few distinct values.
CATEGORICAL_RATIO = 0.5
_BLOCKING_KINDS = ("name", "email", "date", "postcode", "phone", "exact", "string", "number")
# Prior chance that two records of the same entity agree exactly on a column of this kind; used
# only to choose blocking rules.
_STABILITY = {"name": 0.85, "email": 0.8, "date": 0.88, "postcode": 0.8, "phone": 0.85, "exact": 0.92, "string": 0.7, "number": 0.85}
_NAME_WORDS = {"name", "first", "last", "surname", "forename", "given", "family", "middle", "fname", "lname", "firstname", "lastname", "givenname", "familyname"}
_EMAIL_WORDS = {"email", "mail", "e_mail"}
_PHONE_WORDS = {"phone", "tel", "telephone", "mobile", "cell", "fax"}
_POSTCODE_WORDS = {"postcode", "zip", "zipcode", "postal", "postalcode", "plz", "post"}
_ID_WORDS = {"id", "uuid", "guid", "key", "pk", "code", "number", "no", "nr", "ref", "reference", "hash"}
_METADATA_WORDS = {"created", "updated", "modified", "loaded", "ingested", "inserted", "timestamp", "at"}


def _words(column: str) -> set[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", column)
    return {w for w in re.split(r"[^a-z0-9]+", spaced.lower()) if w}


def _has(words: set[str], vocabulary: set[str], column: str) -> bool:
    flat = re.sub(r"[^a-z]", "", column.lower())
    return bool(words & vocabulary) or any(flat == v or flat.endswith(v) for v in vocabulary if len(v) > 3)


def _profile(con: duckdb.DuckDBPyConnection, source: str, types: dict[str, str], columns: list[str]) -> dict[str, dict[str, Any]]:
    """One aggregate query: per column, filled, distinct, and for text the length and the share
    of values that look like e-mails, dates or phone numbers."""
    selects = []
    for i, column in enumerate(columns):
        col = sql_identifier(column)
        selects += [f"count({col}) AS n{i}", f"count(DISTINCT {col}) AS d{i}"]
        if is_text(types[column]):
            text = f"nullif(trim(CAST({col} AS VARCHAR)), '')"
            selects += [
                f"count({text}) AS f{i}",
                f"avg(length({text})) AS l{i}",
                f"count(DISTINCT {text_sql(col)}) AS dn{i}",
                f"count(*) FILTER (WHERE {looks_like_email(text)}) AS e{i}",
                f"count(TRY_CAST({text} AS DATE)) AS t{i}",
                f"count(*) FILTER (WHERE regexp_full_match({text}, '[+()0-9 .-]{{7,}}')) AS p{i}",
                f"count(*) FILTER (WHERE contains({text}, ' ')) AS s{i}",
            ]
    values = first_row(con, f"SELECT count(*) AS rows, {', '.join(selects)} FROM {source}")
    names = ["rows"] + [s.rsplit(" AS ", 1)[1] for s in selects]
    flat = dict(zip(names, values))
    profile = {}
    for i, column in enumerate(columns):
        stats = {"rows": flat["rows"], "filled": flat[f"n{i}"], "distinct": flat[f"d{i}"]}
        if is_text(types[column]):
            filled = flat[f"f{i}"] or 0
            stats.update(
                filled=filled,
                distinct=flat[f"dn{i}"],
                length=float(flat[f"l{i}"] or 0.0),
                email=(flat[f"e{i}"] or 0) / filled if filled else 0.0,
                date=(flat[f"t{i}"] or 0) / filled if filled else 0.0,
                phone=(flat[f"p{i}"] or 0) / filled if filled else 0.0,
                spaces=(flat[f"s{i}"] or 0) / filled if filled else 0.0,
            )
        profile[column] = stats
    return profile


def _kind_for(column: str, dtype: str, stats: dict[str, Any]) -> str | None:
    """The comparison kind for a column, or None to leave it out."""
    filled, distinct = stats["filled"], stats["distinct"]
    if filled == 0 or distinct <= 1:
        return None  # empty or constant
    ratio = distinct / filled
    words = _words(column)
    if dtype == "BOOLEAN":
        return "exact"
    if is_temporal(dtype):
        if dtype.startswith("TIMESTAMP") and (words & _METADATA_WORDS):
            return None  # when the record was written, not a fact about the entity
        return "date"
    if is_numeric(dtype):
        if dtype in INTEGER_TYPES and ratio > 0.95 and (words & _ID_WORDS or distinct > 1000):
            return None
        return "exact" if distinct <= 20 and ratio <= CATEGORICAL_RATIO else "number"
    if not is_text(dtype):
        return None  # lists, structs, blobs
    if stats["email"] >= 0.7 or (_has(words, _EMAIL_WORDS, column) and stats["email"] >= 0.3):
        return "email"
    if _has(words, _PHONE_WORDS, column) and stats["phone"] >= 0.5:
        return "phone"
    if _has(words, _POSTCODE_WORDS, column) and stats["length"] <= 12:
        return "postcode"
    if stats["date"] >= 0.9:
        return "date"
    if _has(words, _NAME_WORDS, column) and stats["length"] <= 40:
        return "name"
    if ratio > 0.98 and filled > 50 and (words & _ID_WORDS or stats["spaces"] < 0.05):
        return None  # an identifier of the record
    if stats["length"] > 100:
        return None  # free text
    if distinct <= 50 and ratio <= CATEGORICAL_RATIO:
        return "exact"
    return "string"


def suggest_config(con: duckdb.DuckDBPyConnection, table: str, row_id: str, exclude: Sequence[str] = ()) -> FuzzyConfig:
    """A starting configuration from the data: a comparison kind per column (by name, type,
    distinct share and text shape; id-like, constant, empty and excluded columns left out, and
    columns filled in fewer than ``MIN_FILLED_SHARE`` of the rows when others are better) and
    2-4 blocking rules chosen to find most duplicate pairs while keeping the comparisons
    affordable (about 10 per row, at most half of ``max_comparisons``)."""
    types = describe(con, table)
    if row_id not in types:
        raise StudioError(f"no row id column {row_id!r} in {table!r}")
    skip = set(exclude) | {row_id}
    candidates = [c for c in types if c not in skip]
    if not candidates:
        raise StudioError("the table has no column to compare besides the row id and the excluded ones")
    rows = int(first_row(con, f"SELECT count(*) FROM {sql_identifier(table)}")[0])
    sample = _sample_source(table, row_id, rows)
    profile = _profile(con, sample, types, candidates)
    comparisons = []
    for column in candidates:
        kind = _kind_for(column, types[column], profile[column])
        if kind is not None:
            comparisons.append(FieldComparison(column, kind))
    sparse = [c for c in comparisons if profile[c.column]["filled"] < MIN_FILLED_SHARE * max(1, profile[c.column]["rows"])]
    if len(sparse) < len(comparisons):
        # Mostly empty (like the columns only one of two merged systems has): few pairs can
        # compare them, and the pairs that can are rarely the matches.
        comparisons = [c for c in comparisons if c not in sparse]
    if not comparisons:
        raise StudioError("found no column worth comparing (all are ids, constant, empty or excluded); pick comparisons by hand")
    comparisons = comparisons[:12]
    filled = {c.column: profile[c.column]["filled"] / max(1, profile[c.column]["rows"]) for c in comparisons}
    budget = int(min(max(1_000_000, 10 * rows), DEFAULT_MAX_COMPARISONS // 2))
    blocking = _suggest_blocking(con, table, row_id, rows, types, comparisons, filled, budget)
    return FuzzyConfig(tuple(comparisons), blocking)


def _sample_source(table: str, row_id: str, rows: int) -> str:
    """The table, or a deterministic hash sample of about PROFILE_SAMPLE_ROWS of its rows."""
    if rows <= PROFILE_SAMPLE_ROWS:
        return sql_identifier(table)
    share = PROFILE_SAMPLE_ROWS / rows
    return f"(SELECT * FROM {sql_identifier(table)} WHERE hash({sql_identifier(row_id)}) % 1000000 < {int(share * 1_000_000)}) s"


def _suggest_blocking(
    con: duckdb.DuckDBPyConnection,
    table: str,
    row_id: str,
    rows: int,
    types: dict[str, str],
    comparisons: list[FieldComparison],
    filled: dict[str, float],
    budget: int,
) -> tuple[tuple[str, ...], ...]:
    """Greedy: add the rule (one or two keys, equal) that most raises the chance that a true
    pair agrees on all keys of at least one rule, among rules whose pair count (measured on a
    sample) fits the remaining budget and that are selective. A key is a column or, for names
    and strings, its first ``PREFIX_LENGTH`` characters (which survive suffixes like "LLC" or
    "St." and most typos). The agreement chance of a key is a prior for its kind (higher for a
    prefix) times the chance both values are filled; keys are taken as independent.

    Selective means blocks stay small: at most 50 pairs a row, at most 1% of all pairs (unless
    that is under 2 pairs a row), and no rule on a categorical column alone (one with fewer
    distinct values than the square root of the rows, like a city, a category or a gender):
    such a rule makes blocks of hundreds of unrelated rows, costs comparisons, and gives EM
    blocks in which every correlated column agrees."""
    keys: list[tuple[FieldComparison, int | None]] = []
    blockable = [c for c in comparisons if c.kind in _BLOCKING_KINDS] or list(comparisons)
    for c in blockable:
        keys.append((c, None))
    for c in blockable:
        if c.kind in ("name", "string"):
            keys.append((c, PREFIX_LENGTH))
    sample = table_name("sample")
    selects = []
    for i, (c, size) in enumerate(keys):
        value = normalized_sql(sql_identifier(c.column), c.kind, types[c.column])
        selects.append(f"{key_sql('', value, size)} AS k{i}")
    source = _sample_source(table, row_id, rows)
    con.execute(f"CREATE TEMP TABLE {sample} AS SELECT {', '.join(selects)} FROM {source}")
    try:
        sampled = int(first_row(con, f"SELECT count(*) FROM {sample}")[0])
        scale = (rows / sampled) ** 2 if sampled else 1.0
        distinct = first_row(con, f"SELECT {', '.join(f'count(DISTINCT k{i})' for i in range(len(keys)))} FROM {sample}")
        options = [(i,) for i in range(len(keys))] + [
            (i, j) for i, j in combinations(range(len(keys)), 2) if keys[i][0].column != keys[j][0].column
        ]
        costs = {}
        for option in options:
            not_null = " AND ".join(f"k{i} IS NOT NULL" for i in option)
            pairs = first_row(con, pair_count_sql(sample, [f"k{i}" for i in option], not_null))[0]
            costs[option] = int(pairs * scale)
    finally:
        drop(con, sample)
    categorical = {i for i in range(len(keys)) if distinct[i] < math.sqrt(max(sampled, 1))}
    total_pairs = rows * (rows - 1) // 2
    limit = max(min(max(50 * rows, 10_000), 0.01 * total_pairs), 2 * rows)
    agree = []
    for c, size in keys:
        stability = _STABILITY[c.kind] if size is None else 1 - (1 - _STABILITY[c.kind]) / 2
        agree.append(stability * filled[c.column] ** 2)
    chosen: list[tuple[int, ...]] = []
    spent = 0
    current = 0.0
    while len(chosen) < 4:
        best = None
        used_columns = {keys[i][0].column: keys[i][1] for rule in chosen for i in rule}
        for option in options:
            if option in chosen or any(set(c) <= set(option) for c in chosen) or spent + costs[option] > budget:
                continue
            if costs[option] > limit or (len(option) == 1 and option[0] in categorical):
                continue  # not selective: blocks of hundreds of rows
            if any(keys[i][0].column in used_columns and used_columns[keys[i][0].column] != keys[i][1] for i in option):
                continue  # a column and its prefix are not independent keys
            gain = _recall(chosen + [option], agree) - current
            key = (gain, -costs[option])
            if best is None or key > best[0]:
                best = (key, option)
        if best is None or (len(chosen) >= 2 and best[0][0] < 0.002):
            break
        chosen.append(best[1])
        spent += costs[best[1]]
        current = _recall(chosen, agree)
    if not chosen:  # nothing fits: the cheapest rule; resolve refuses if it is still too big
        chosen = [min(options, key=lambda o: (costs[o], -len(o)))]
    return tuple(tuple(_key_text(*keys[i]) for i in option) for option in chosen)


def _key_text(comparison: FieldComparison, size: int | None) -> str:
    return comparison.column if size is None else f"{comparison.column}:{size}"


def _recall(rules: list[tuple[int, ...]], agree: list[float]) -> float:
    """P(some rule has all its columns agreeing), columns independent."""
    used = sorted({i for rule in rules for i in rule})
    total = 0.0
    for mask in range(1 << len(used)):
        agreeing = {used[b] for b in range(len(used)) if mask >> b & 1}
        if any(set(rule) <= agreeing for rule in rules):
            p = 1.0
            for b, i in enumerate(used):
                p *= agree[i] if mask >> b & 1 else 1 - agree[i]
            total += p
    return total
