"""Fuzzy entity resolution: Splink (Fellegi-Sunter) on the caller's DuckDB connection.

A ``FuzzyConfig`` is data: which columns to compare and how (a *kind*, one of
``COMPARISON_KINDS``), which blocking rules generate the candidate pairs (each rule a tuple of
columns that must be equal, ``"col:3"`` meaning the first 3 characters), the match-probability
threshold for clustering and a cap on the number of comparisons. No SQL is ever taken from the
user: every expression is built here from validated column names and kinds.

``resolve`` runs the whole model on the table in place, inside DuckDB:

1. a prepared copy of the compared columns, normalized per kind (case, accents, spaces,
   punctuation; dates and numbers cast), under safe internal names;
2. a refusal when the blocking rules would generate more than ``max_comparisons`` pairs;
3. u probabilities from random pairs (``estimate_u_using_random_sampling``, deterministic under
   ``config.seed``); m probabilities by expectation maximisation blocking on each rule, one
   independent session per rule, each level's m the median over the sessions that could
   estimate it; a comparison that every rule blocks on gets one more EM session on a rule built
   from other columns, or keeps Splink's defaults (``parameters`` says which). Redundancy is
   taken out first, as it drives EM to "every pair matches": a compared column that duplicates
   another (a city with exactly one zip) scores nothing and is not trained, and a session does
   not train a column that its rule's blocks (nearly) always agree on (the city when blocking
   on the zip). The probability that two random records match is derived from the sessions'
   shares of matches and their rules' pair counts, capped at ``MAX_MATCHES_PER_ROW`` matches a
   row;
4. predictions over the blocking rules, then clustering by connected components in DuckDB.

Labels (pairs of row ids a user confirmed as the same entity or rejected) are used as follows:
a confirmed pair is always an edge, so both rows end up in one cluster; a rejected pair is never
a direct edge (the rows may still meet through other links); and with at least
``MIN_LABELS_EACH`` of each kind, the clustering threshold is the one that best separates the
labelled pairs (``suggest_threshold``: max F1 of the predicted probabilities, a pair the
blocking rules never generated counting as probability 0) instead of ``config.threshold``.
``parameters["threshold"]`` records which threshold was used and why.

Cluster ids are the smallest row id of the cluster, so results do not depend on thread
scheduling, and training samples are hash based, so the same data and seed give the same result.
"""

from __future__ import annotations

import copy
import logging
import math
import re
import statistics
import uuid
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import duckdb

from studio.errors import StudioError
from studio.lake import sql_identifier

COMPARISON_KINDS = ("name", "string", "exact", "date", "number", "email", "postcode", "phone")
MIN_LABELS_EACH = 5  # confirmed and rejected pairs needed before labels choose the threshold
MAX_PREFIX = 50
DEFAULT_THRESHOLD = 0.9
DEFAULT_MAX_COMPARISONS = 20_000_000
PROFILE_SAMPLE_ROWS = 200_000  # suggest_config profiles a hash sample of at most this many rows
EXACT_ESTIMATE_PAIRS = 3_000_000  # below this, blocking counts are exact; above, sampled
RAW_ONLY_PAIRS = 10**12  # beyond this, blocking counts are each rule's own (not sampled by Splink)
EM_MAX_PAIRS = 2_000_000  # pairs per EM session (sampled by hash beyond this)
U_MAX_PAIRS = 3_000_000  # random pairs for the u probabilities
_TABLE_PREFIX = "__studio_fuzzy_"
_BLOCKING_KINDS = ("name", "email", "date", "postcode", "phone", "exact", "string", "number")
# Prior chance that two records of the same entity agree exactly on a column of this kind; used
# only to choose blocking rules when suggesting a configuration.
MIN_FILLED_SHARE = 0.6  # suggest_config leaves out columns filled in fewer rows than this
PREFIX_LENGTH = 4  # suggest_config also considers blocking on the first characters of names and strings
_STABILITY = {"name": 0.85, "email": 0.8, "date": 0.88, "postcode": 0.8, "phone": 0.85, "exact": 0.92, "string": 0.7, "number": 0.85}
_NAME_WORDS = {"name", "first", "last", "surname", "forename", "given", "family", "middle", "fname", "lname", "firstname", "lastname", "givenname", "familyname"}
_EMAIL_WORDS = {"email", "mail", "e_mail"}
_PHONE_WORDS = {"phone", "tel", "telephone", "mobile", "cell", "fax"}
_POSTCODE_WORDS = {"postcode", "zip", "zipcode", "postal", "postalcode", "plz", "post"}
_ID_WORDS = {"id", "uuid", "guid", "key", "pk", "code", "number", "no", "nr", "ref", "reference", "hash"}
_METADATA_WORDS = {"created", "updated", "modified", "loaded", "ingested", "inserted", "timestamp", "at"}


# ------------------------------------------------------------------ configuration


@dataclass(frozen=True)
class FieldComparison:
    """Compare ``column`` between records the way ``kind`` says (one of ``COMPARISON_KINDS``)."""

    column: str
    kind: str

    def __post_init__(self) -> None:
        if not isinstance(self.column, str) or not self.column:
            raise StudioError("a comparison needs a column name")
        if self.kind not in COMPARISON_KINDS:
            raise StudioError(f"comparison of {self.column!r}: kind must be one of {', '.join(COMPARISON_KINDS)}, not {self.kind!r}")


@dataclass(frozen=True)
class FuzzyConfig:
    """What to compare, how candidate pairs are found, and where to cut.

    ``blocking`` is a tuple of rules; a pair is compared when, for at least one rule, both
    records have equal non-null values in every column of the rule. A column written
    ``"name:3"`` compares only its first 3 characters.
    """

    comparisons: tuple[FieldComparison, ...]
    blocking: tuple[tuple[str, ...], ...]
    threshold: float = DEFAULT_THRESHOLD
    max_comparisons: int = DEFAULT_MAX_COMPARISONS
    seed: int = 42

    def __post_init__(self) -> None:
        if not self.comparisons:
            raise StudioError("a fuzzy config needs at least one comparison, e.g. {\"column\": \"name\", \"kind\": \"name\"}")
        columns = [c.column for c in self.comparisons]
        for column in columns:
            if columns.count(column) > 1:
                raise StudioError(f"column {column!r} is compared twice; give each column one comparison")
        if not self.blocking:
            raise StudioError("a fuzzy config needs at least one blocking rule, e.g. [[\"last_name\", \"dob\"]]")
        for rule in self.blocking:
            if not rule:
                raise StudioError("a blocking rule is a non-empty list of columns, e.g. [\"last_name\", \"dob\"]")
            for item in rule:
                _parse_key(item)
        if isinstance(self.threshold, bool) or not isinstance(self.threshold, (int, float)) or not 0.0 < self.threshold < 1.0:
            raise StudioError(f"threshold must be a match probability between 0 and 1 (exclusive), not {self.threshold!r}")
        if isinstance(self.max_comparisons, bool) or not isinstance(self.max_comparisons, int) or self.max_comparisons < 1:
            raise StudioError(f"max_comparisons must be a positive whole number, not {self.max_comparisons!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise StudioError(f"seed must be a whole number, not {self.seed!r}")

    def to_json(self) -> dict[str, Any]:
        return {
            "comparisons": [{"column": c.column, "kind": c.kind} for c in self.comparisons],
            "blocking": [list(rule) for rule in self.blocking],
            "threshold": self.threshold,
            "max_comparisons": self.max_comparisons,
            "seed": self.seed,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "FuzzyConfig":
        """Validate a config as loaded from JSON; every error is one line naming the fix."""
        if not isinstance(data, dict):
            raise StudioError("a fuzzy config is an object with comparisons, blocking, threshold, max_comparisons and seed")
        unknown = sorted(set(data) - {"comparisons", "blocking", "threshold", "max_comparisons", "seed"})
        if unknown:
            raise StudioError(f"unknown fuzzy config key {unknown[0]!r}; use comparisons, blocking, threshold, max_comparisons, seed")
        raw_comparisons = data.get("comparisons")
        if not isinstance(raw_comparisons, list):
            raise StudioError("comparisons must be a list like [{\"column\": \"last_name\", \"kind\": \"name\"}]")
        comparisons = []
        for index, item in enumerate(raw_comparisons, start=1):
            if not isinstance(item, dict) or set(item) != {"column", "kind"} or not isinstance(item["column"], str):
                raise StudioError(f"comparison {index}: give exactly a \"column\" and a \"kind\" ({', '.join(COMPARISON_KINDS)})")
            comparisons.append(FieldComparison(item["column"], item["kind"]))
        raw_blocking = data.get("blocking")
        if not isinstance(raw_blocking, list) or not all(isinstance(rule, list) for rule in raw_blocking):
            raise StudioError("blocking must be a list of rules, each a list of columns, e.g. [[\"last_name\", \"dob\"], [\"email\"]]")
        blocking = []
        for index, rule in enumerate(raw_blocking, start=1):
            if not rule or not all(isinstance(item, str) for item in rule):
                raise StudioError(f"blocking rule {index}: give a non-empty list of column names, e.g. [\"last_name\", \"dob\"]")
            blocking.append(tuple(rule))
        options = {key: data[key] for key in ("threshold", "max_comparisons", "seed") if key in data}
        return cls(tuple(comparisons), tuple(blocking), **options)


def _parse_key(item: str) -> tuple[str, int | None]:
    """``"col"`` -> (col, None); ``"col:3"`` -> (col, 3): the first 3 characters."""
    if not isinstance(item, str) or not item:
        raise StudioError(f"a blocking column must be a column name, not {item!r}")
    column, sep, length = item.rpartition(":")
    if sep and length.isdigit() and column:
        size = int(length)
        if not 1 <= size <= MAX_PREFIX:
            raise StudioError(f"blocking column {item!r}: a prefix length must be 1 to {MAX_PREFIX}")
        return column, size
    return item, None


def _rule_text(rule: tuple[str, ...]) -> str:
    parts = []
    for item in rule:
        column, size = _parse_key(item)
        parts.append(column if size is None else f"first {size} characters of {column}")
    return "same " + " and ".join(parts)


# ------------------------------------------------------------------ results


@dataclass
class FuzzyResult:
    """Tables in the connection plus what a UI needs to show and tune them.

    ``pairs`` has ``<row_id>_l`` < ``<row_id>_r``, ``match_weight``, ``match_probability`` and
    one ``gamma_<column>`` per comparison (-1 = a value is missing, 0 = no agreement, higher =
    closer agreement; ``parameters`` labels each level). ``members`` has ``<row_id>``,
    ``cluster_id`` (the smallest row id in the cluster) and ``match_probability`` (the highest
    probability of an edge that links the row into its cluster; 1.0 for a singleton), one row
    per input row.
    """

    pairs: str
    members: str
    clusters: int
    weight_histogram: list[dict[str, Any]]
    parameters: dict[str, Any] = field(default_factory=dict)


# ------------------------------------------------------------------ the prepared input


@dataclass(frozen=True)
class _Prepared:
    """The normalized copy of the input that Splink sees, under internal column names."""

    table: str
    rows: int
    columns: dict[str, str]  # original column -> internal name (c0, c1, ... compared; k0, ... blocking only)
    kinds: dict[str, str]  # internal name -> kind
    rule_keys: list[list[tuple[str, int | None]]]  # per blocking rule: (internal column, prefix length)

    @property
    def rules(self) -> list[str]:
        """The blocking rules as Splink SQL over l. and r."""
        return [" AND ".join(f"{_key_sql('l', c, n)} = {_key_sql('r', c, n)}" for c, n in keys) for keys in self.rule_keys]

    @property
    def rule_columns(self) -> list[set[str]]:
        return [{c for c, _ in keys} for keys in self.rule_keys]


def _describe(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    try:
        rows = con.execute(f"DESCRIBE SELECT * FROM {sql_identifier(table)}").fetchall()
    except duckdb.Error as error:
        raise StudioError(f"no table {table!r} in the connection ({str(error).splitlines()[0]})") from None
    return {name: str(dtype).upper() for name, dtype, *_ in rows}


def _is_text(dtype: str) -> bool:
    return dtype.startswith("VARCHAR") or dtype in ("STRING", "TEXT", "UUID", "ENUM") or dtype.startswith("ENUM")


def _is_temporal(dtype: str) -> bool:
    return dtype == "DATE" or dtype.startswith("TIMESTAMP")


_INTEGER_TYPES = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT"}


def _is_numeric(dtype: str) -> bool:
    return dtype in _INTEGER_TYPES or dtype.split("(")[0] in {"FLOAT", "DOUBLE", "REAL", "DECIMAL"}


def _text_sql(column: str) -> str:
    """Folded text: lower case, accents stripped, spaces collapsed; '' is NULL."""
    return f"nullif(trim(regexp_replace(lower(strip_accents(CAST({column} AS VARCHAR))), '\\s+', ' ', 'g')), '')"


def _normalized_sql(column: str, kind: str, dtype: str) -> str:
    """The value a comparison of ``kind`` sees, as a DuckDB expression over ``column``."""
    if kind == "name":
        letters = f"regexp_replace({_text_sql(column)}, '[^\\p{{L}}\\p{{M}} ''-]', '', 'g')"  # any script; no digits or punctuation
        return f"nullif(trim(regexp_replace({letters}, '\\s+', ' ', 'g')), '')"
    if kind == "email":
        return f"nullif(lower(trim(CAST({column} AS VARCHAR))), '')"
    if kind == "postcode":
        return f"nullif(upper(regexp_replace(CAST({column} AS VARCHAR), '[^A-Za-z0-9]', '', 'g')), '')"
    if kind == "phone":
        return f"nullif(regexp_replace(CAST({column} AS VARCHAR), '[^0-9]', '', 'g'), '')"
    if kind == "date":
        if dtype == "DATE":
            return column
        if _is_temporal(dtype):
            return f"CAST({column} AS DATE)"
        return f"TRY_CAST(trim(CAST({column} AS VARCHAR)) AS DATE)"
    if kind == "number":
        return f"TRY_CAST({column} AS DOUBLE)"
    if kind == "exact" and not _is_text(dtype):
        return column
    return _text_sql(column)


def _key_sql(side: str, internal: str, size: int | None) -> str:
    value = f"{side}.{internal}" if side else internal
    if size is None:
        return value
    return f"substr(CAST({value} AS VARCHAR), 1, {size})"


def _prepare(con: duckdb.DuckDBPyConnection, table: str, row_id: str, config: FuzzyConfig) -> _Prepared:
    """Check the input and write the normalized copy Splink works on."""
    types = _describe(con, table)
    if row_id not in types:
        raise StudioError(f"no row id column {row_id!r} in {table!r}")
    if types[row_id] not in _INTEGER_TYPES:
        raise StudioError(f"row id column {row_id!r} must be a whole-number column, not {types[row_id]}")
    for comparison in config.comparisons:
        if comparison.column not in types:
            raise StudioError(f"no column {comparison.column!r} to compare (columns: {', '.join(c for c in list(types)[:20] if c != row_id)})")
        if comparison.column == row_id:
            raise StudioError(f"the row id {row_id!r} cannot be compared; it differs between every two rows")
    columns: dict[str, str] = {}
    kinds: dict[str, str] = {}
    selects = [f"CAST({sql_identifier(row_id)} AS BIGINT) AS unique_id"]
    for index, comparison in enumerate(config.comparisons):
        internal = f"c{index}"
        columns[comparison.column] = internal
        kinds[internal] = comparison.kind
        selects.append(f"{_normalized_sql(sql_identifier(comparison.column), comparison.kind, types[comparison.column])} AS {internal}")
    rule_keys = []
    for rule in config.blocking:
        keys: list[tuple[str, int | None]] = []
        for item in rule:
            column, size = _parse_key(item)
            if column not in types:
                raise StudioError(f"blocking rule {', '.join(rule)}: no column {column!r} (columns: {', '.join(c for c in list(types)[:20] if c != row_id)})")
            if column not in columns:
                internal = f"k{len(columns) - len(config.comparisons)}"
                columns[column] = internal
                kinds[internal] = "exact"
                selects.append(f"{_normalized_sql(sql_identifier(column), 'exact', types[column])} AS {internal}")
            keys.append((columns[column], size))
        rule_keys.append(keys)
    name = _table_name("input")
    con.execute(f"CREATE TEMP TABLE {name} AS SELECT {', '.join(selects)} FROM {sql_identifier(table)}")
    try:
        rows, distinct, nulls = _row(con, f"SELECT count(*), count(DISTINCT unique_id), count(*) - count(unique_id) FROM {name}")
        if nulls:
            raise StudioError(f"row id column {row_id!r} has {nulls} missing values; number every row")
        if distinct != rows:
            raise StudioError(f"row id column {row_id!r} has {rows - distinct} repeated values; it must be unique")
    except StudioError:
        _drop(con, name)
        raise
    return _Prepared(name, rows, columns, kinds, rule_keys)


def _table_name(what: str) -> str:
    return f"{_TABLE_PREFIX}{what}_{uuid.uuid4().hex[:12]}"


def _row(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[Any, ...] | None:
    """The first row of a query. (DuckDB 2 refuses further work on a connection while a result
    is only partly fetched, so results are always fetched to the end.)"""
    rows = con.execute(sql).fetchall()
    return rows[0] if rows else None


def _drop(con: duckdb.DuckDBPyConnection, *names: str) -> None:
    for name in names:
        con.execute(f"DROP TABLE IF EXISTS {name}")
        con.execute(f"DROP VIEW IF EXISTS {name}")


# ------------------------------------------------------------------ Splink settings


def _comparison_dict(internal: str, kind: str, name_columns: list[str]) -> dict[str, Any]:
    l, r = f"{internal}_l", f"{internal}_r"
    null = {"sql_condition": f"{l} IS NULL OR {r} IS NULL", "label_for_charts": "missing", "is_null_level": True}
    exact = {"sql_condition": f"{l} = {r}", "label_for_charts": "exact match"}
    if kind in ("name", "email", "exact"):
        exact["tf_adjustment_column"] = internal
        exact["tf_adjustment_weight"] = 1.0
    levels: list[dict[str, Any]] = [null, exact]

    def level(condition: str, label: str) -> None:
        levels.append({"sql_condition": condition, "label_for_charts": label})

    def jaro_winkler(threshold: float) -> None:
        level(f"jaro_winkler_similarity({l}, {r}) >= {threshold}", f"similar (Jaro-Winkler >= {threshold})")

    def words_within() -> None:
        # "green cafe" in "the green cafe", "silver kitchen" in "the silver kitchen llc": every
        # word of one value in the other. Jaro-Winkler weighs the start, which a leading word
        # ("the") throws off. Two words at least, so one common word is not enough.
        left_words, right_words = f"string_split({l}, ' ')", f"string_split({r}, ' ')"
        level(
            f"least(len({left_words}), len({right_words})) >= 2 AND (list_has_all({left_words}, {right_words}) OR list_has_all({right_words}, {left_words}))",
            "all words of one in the other",
        )

    if kind == "name":
        jaro_winkler(0.92)
        words_within()
        jaro_winkler(0.85)
        others = [other for other in name_columns if other != internal]
        if others:
            swapped = " OR ".join(
                f"jaro_winkler_similarity({l}, {other}_r) >= 0.92 OR jaro_winkler_similarity({other}_l, {r}) >= 0.92" for other in others
            )
            level(swapped, "matches another name column (swapped)")
        jaro_winkler(0.7)
    elif kind == "string":
        jaro_winkler(0.92)
        words_within()
        jaro_winkler(0.8)
    elif kind == "email":
        # Only a typo counts as close: addresses are made of names, so "similar" addresses
        # (same user name elsewhere, Jaro-Winkler) would count name agreement twice.
        level(_one_edit(l, r), "one character differs")
    elif kind == "date":
        level(f"year({l}) = year({r}) AND month({l}) = day({r}) AND day({l}) = month({r})", "day and month swapped")
        two_parts = f"(year({l}) = year({r}) AND month({l}) = month({r})) OR (year({l}) = year({r}) AND day({l}) = day({r})) OR (month({l}) = month({r}) AND day({l}) = day({r}))"
        level(f"CASE WHEN {two_parts} THEN damerau_levenshtein(CAST({l} AS VARCHAR), CAST({r} AS VARCHAR)) <= 1 ELSE false END", "one digit differs")
        level(f"abs(date_diff('day', {l}, {r})) <= 31", "within a month")
        level(f"abs(date_diff('day', {l}, {r})) <= 366", "within a year")
        level(f"abs(date_diff('day', {l}, {r})) <= 3653", "within ten years")
    elif kind == "number":
        level(f"abs({l} - {r}) <= 0.01 * greatest(abs({l}), abs({r}))", "within 1%")
        level(f"abs({l} - {r}) <= 0.1 * greatest(abs({l}), abs({r}))", "within 10%")
    elif kind == "postcode":
        level(_one_edit(l, r), "one character differs")
        level(f"left({l}, length({l}) - 3) = left({r}, length({r}) - 3) AND length({l}) > 4", "same but the last 3 characters")
        level(f"left({l}, 2) = left({r}, 2)", "same first 2 characters")
    elif kind == "phone":
        level(f"right({l}, 7) = right({r}, 7) AND length({l}) >= 7", "same last seven digits")
        level(_one_edit(l, r), "one digit differs")
    levels.append({"sql_condition": "ELSE", "label_for_charts": "different"})
    return {"output_column_name": internal, "comparison_levels": levels, "comparison_description": kind}


def _one_edit(l: str, r: str) -> str:
    """Damerau-Levenshtein distance <= 1, computed only where it can hold: it is ~60x slower
    than Jaro-Winkler, and one edit keeps Jaro-Winkler above 0.8 from 4 characters up."""
    return f"CASE WHEN least(length({l}), length({r})) <= 3 OR jaro_winkler_similarity({l}, {r}) >= 0.8 THEN damerau_levenshtein({l}, {r}) <= 1 ELSE false END"


def _comparison_columns(prepared: _Prepared) -> dict[str, set[str]]:
    """Internal columns each comparison reads (a name comparison also reads the other names)."""
    names = [c for c, k in prepared.kinds.items() if k == "name" and c.startswith("c")]
    return {c: ({c} | set(names) if k == "name" else {c}) for c, k in prepared.kinds.items() if c.startswith("c")}


def _settings(prepared: _Prepared, blocking: list[str]) -> dict[str, Any]:
    names = [c for c, k in prepared.kinds.items() if k == "name" and c.startswith("c")]
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": "unique_id",
        "comparisons": [_comparison_dict(c, k, names) for c, k in prepared.kinds.items() if c.startswith("c")],
        "blocking_rules_to_generate_predictions": [{"blocking_rule": rule} for rule in blocking],
        "retain_matching_columns": True,  # the only way to keep the gamma columns in predictions
        "retain_intermediate_calculation_columns": False,
        "probability_two_random_records_match": 1e-4,
        "max_iterations": 25,
        "em_convergence": 1e-4,
    }


class _Collect(logging.Handler):
    """Keeps Splink's warnings (levels never observed, parameters not trained) for
    ``parameters["warnings"]`` instead of printing them."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = " ".join(record.getMessage().split())
        if message and message not in self.messages:
            self.messages.append(message)


@contextmanager
def _splink_quiet() -> Iterator[_Collect]:
    """Splink's loggers at WARNING, their records collected, Python warnings muted."""
    logger = logging.getLogger("splink")
    saved = (logger.level, logger.propagate)
    collect = _Collect()
    logger.setLevel(logging.WARNING)
    logger.propagate = False
    logger.addHandler(collect)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield collect
    finally:
        logger.removeHandler(collect)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]


def _linker(con: duckdb.DuckDBPyConnection, prepared: _Prepared, settings: dict[str, Any]) -> Any:
    """A Splink linker over the prepared table, on the caller's connection."""
    from splink import DuckDBAPI, Linker

    db_api = DuckDBAPI(connection=con)
    frame = db_api.register(prepared.table, table_name=prepared.table)
    settings = copy.deepcopy(settings)
    settings.pop("linker_uid", None)
    return Linker(frame, settings, log_level=None)


@contextmanager
def _linked(con: duckdb.DuckDBPyConnection, prepared: _Prepared, settings: dict[str, Any]) -> Iterator[Any]:
    """A linker whose tables are dropped when the block ends."""
    linker = _linker(con, prepared, settings)
    try:
        yield linker
    finally:
        linker.table_management.delete_tables_created_by_splink_from_db()


# ------------------------------------------------------------------ comparisons counts


def _raw_counts(con: duckdb.DuckDBPyConnection, prepared: _Prepared) -> list[int]:
    """Pairs each rule generates on its own (before removing pairs found by earlier rules)."""
    counts = []
    for keys in prepared.rule_keys:
        expressions = [_key_sql("", c, n) for c, n in keys]
        not_null = " AND ".join(f"{e} IS NOT NULL" for e in expressions)
        sql = (
            f"SELECT coalesce(sum(n * (n - 1) // 2), 0) FROM (SELECT count(*) AS n FROM {prepared.table} "
            f"WHERE {not_null} GROUP BY {', '.join(expressions)})"
        )
        counts.append(int(_row(con, sql)[0]))
    return counts


def _splink_counts(con: duckdb.DuckDBPyConnection, prepared: _Prepared, raw: list[int], texts: list[str]) -> list[dict[str, Any]]:
    from splink import DuckDBAPI
    from splink.blocking_analysis import count_comparisons_from_blocking_rules

    total = sum(raw)
    proportion = 1.0 if total <= EXACT_ESTIMATE_PAIRS else max(0.002, math.sqrt(EXACT_ESTIMATE_PAIRS / total))
    db_api = DuckDBAPI(connection=con)
    frame = db_api.register(prepared.table, table_name=prepared.table)
    registered = _row(con, "SELECT count(*) FROM duckdb_views() WHERE view_name = 'result_df'")[0]
    with _splink_quiet():
        records = count_comparisons_from_blocking_rules(
            frame,
            blocking_rules=list(prepared.rules),
            link_type="dedupe_only",
            unique_id_column_name="unique_id",
            record_sample_proportion=proportion,
        )
    db_api.delete_tables_created_by_splink_from_db()
    if not registered:  # Splink's blocking analysis leaves this name registered on the connection
        con.unregister("result_df")
    by_key = {int(record["match_key"]): record for record in records}
    return [
        {"rule": text, "comparisons": int(by_key[i]["marginal_comparison_count"]) if i in by_key else 0, "exact": proportion >= 1.0}
        for i, text in enumerate(texts)
    ]


def _estimate(con: duckdb.DuckDBPyConnection, prepared: _Prepared, config: FuzzyConfig, raw: list[int] | None = None) -> list[dict[str, Any]]:
    texts = [_rule_text(rule) for rule in config.blocking]
    raw = _raw_counts(con, prepared) if raw is None else raw
    if sum(raw) > RAW_ONLY_PAIRS:
        # Too many to even sample sensibly: report each rule's own count (an upper bound).
        return [{"rule": text, "comparisons": count, "exact": False} for text, count in zip(texts, raw)]
    return _splink_counts(con, prepared, raw, texts)


def estimate_comparisons(con: duckdb.DuckDBPyConnection, table: str, row_id: str, config: FuzzyConfig) -> list[dict[str, Any]]:
    """Pairs each blocking rule adds (not counting pairs an earlier rule already found), as
    Splink's blocking analysis reports them: exact on small inputs, from a hash sample of the
    records on large ones (``"exact"`` says which)."""
    prepared = _prepare(con, table, row_id, config)
    try:
        return _estimate(con, prepared, config)
    finally:
        _drop(con, prepared.table)


def _refuse_if_too_many(con: duckdb.DuckDBPyConnection, prepared: _Prepared, config: FuzzyConfig) -> list[int]:
    raw = _raw_counts(con, prepared)
    if sum(raw) <= config.max_comparisons:
        return raw
    estimates = _estimate(con, prepared, config, raw)
    total = sum(e["comparisons"] for e in estimates)
    if total > config.max_comparisons:
        worst = max(estimates, key=lambda e: e["comparisons"])
        raise StudioError(
            f"the blocking rules would compare about {total:,} pairs, more than max_comparisons ({config.max_comparisons:,}); "
            f"make the rules stricter (add a column to \"{worst['rule']}\", which makes {worst['comparisons']:,}) or raise max_comparisons"
        )
    return raw


# ------------------------------------------------------------------ training and prediction


def _progress(on_progress: Callable[[float, str], None] | None, fraction: float, message: str) -> None:
    if on_progress is not None:
        on_progress(fraction, message)


def _train(con: duckdb.DuckDBPyConnection, prepared: _Prepared, config: FuzzyConfig, raw: list[int], on_progress: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The trained model (a Splink settings dict with m, u and lambda) and notes on training.

    u comes from random pairs. m comes from one EM session per blocking rule, each in a fresh
    linker starting from Splink's default m values, and each level's m is the median over the
    sessions that could estimate it (then rescaled to sum to 1). Sessions are independent on
    purpose: blocking on a column makes agreement on correlated columns (postcode and city,
    names and e-mail) look certain, and a later session started from such values stays stuck
    there; the median outvotes the one biased session.

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
    _progress(on_progress, 0.1, "estimating u from random pairs")
    u_pairs = float(max(1, min(U_MAX_PAIRS, 100 * prepared.rows, pairs_total)))
    with _linked(con, prepared, _settings(prepared, prepared.rules)) as linker:
        linker.training.estimate_u_using_random_sampling(max_pairs=u_pairs, seed=config.seed, min_count_per_level=None, num_chunks=1)
        model = linker.misc.save_model_to_json()
    covered = _comparison_columns(prepared)
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
                with _linked(con, prepared, session_model) as linker:
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
        _progress(on_progress, 0.2 + 0.35 * index / len(prepared.rules), f"training m by EM on rule {index + 1} of {len(prepared.rules)}")
        em(rule, _rule_text(config.blocking[index]), raw[index], keys)
    tried = set(prepared.rules)
    for column in sorted(set(covered) - trained - set(redundant)):
        if column in trained:
            continue
        fallback = _fallback_rule(con, prepared, covered[column] | set(redundant))
        if fallback is not None and fallback[0] not in tried:
            tried.add(fallback[0])
            em(*fallback)
    _set_m(model, estimates)
    for comparison in model["comparisons"]:
        if comparison["output_column_name"] in redundant:
            _neutralize(comparison)
    model["probability_two_random_records_match"] = _lambda(model, prepared, blocked_lambdas, pairs_total, filled)
    notes = {
        "em_sessions": sessions,
        "untrained": sorted(set(covered) - trained - set(redundant)),
        "redundant": dict(sorted(redundant.items())),
        "u_max_pairs": int(u_pairs),
    }
    return model, notes


REDUNDANT_AGREEMENT = 0.95  # agreeing on one column means agreeing on the other this often: one is redundant
IMPLIED_AGREEMENT = 0.95  # pairs in a rule's blocks agree on a column this often: the rule implies it
MAX_MATCHES_PER_ROW = 10  # lambda never implies more matches per row than this


def _pair_sums(con: duckdb.DuckDBPyConnection, table: str, groups: list[list[str]], where: str) -> list[int]:
    """For each list of expressions, the number of pairs of rows (satisfying ``where``) equal on all of them."""
    if not groups:
        return []
    selects = ", ".join(
        f"(SELECT coalesce(sum(n * (n - 1) // 2), 0) FROM (SELECT count(*) AS n FROM {table} WHERE {where} GROUP BY {', '.join(g)}))" for g in groups
    )
    return [int(v) for v in _row(con, f"SELECT {selects}")]


def _redundant_columns(con: duckdb.DuckDBPyConnection, prepared: _Prepared) -> dict[str, str]:
    """Compared columns that duplicate another compared column: among rows where both are
    filled, pairs that agree on either agree on both (at least ``REDUNDANT_AGREEMENT`` of them,
    both ways), like a city and its only zip. Returns {redundant column: the column kept}; the
    kept one is the one with more filled values, then more comparison levels, then the first."""
    compared = [c for c in prepared.kinds if c.startswith("c")]
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
    levels = {c: len(_comparison_dict(c, k, [])["comparison_levels"]) for c, k in prepared.kinds.items() if c.startswith("c")}
    counts = dict(zip(compared, _row(con, f"SELECT {', '.join(f'count({c})' for c in compared)} FROM {prepared.table}")))
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


def _implied_columns(con: duckdb.DuckDBPyConnection, prepared: _Prepared, keys: list[tuple[str, int | None]], columns: list[str]) -> set[str]:
    """Of ``columns``, those on which at least ``IMPLIED_AGREEMENT`` of the rule's pairs (both
    values filled) agree exactly: within the rule's blocks they carry no information, and EM
    with u from random pairs would read their agreement as evidence that every pair matches."""
    expressions = [_key_sql("", c, n) for c, n in keys]
    key_filled = " AND ".join(f"{e} IS NOT NULL" for e in expressions)
    implied = set()
    for column in columns:
        where = f"{key_filled} AND {column} IS NOT NULL"
        pairs, agreeing = _pair_sums(con, prepared.table, [expressions, expressions + [column]], where)
        if pairs and agreeing >= IMPLIED_AGREEMENT * pairs:
            implied.add(column)
    return implied


def _filled_shares(con: duckdb.DuckDBPyConnection, prepared: _Prepared) -> dict[str, float]:
    columns = list(prepared.kinds)
    values = _row(con, f"SELECT {', '.join(f'count({c})' for c in columns)} FROM {prepared.table}")
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
    prepared: _Prepared,
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


def _fallback_rule(con: duckdb.DuckDBPyConnection, prepared: _Prepared, avoid: set[str]) -> tuple[str, str, int, list[tuple[str, int | None]]] | None:
    """An EM blocking rule for a comparison that every configured rule blocks on: equality on
    the one or two most distinctive other compared columns, whichever gives a workable number
    of pairs."""
    candidates = [c for c, k in prepared.kinds.items() if c.startswith("c") and c not in avoid and k != "number"]
    if not candidates:
        return None
    distinct = _row(con, f"SELECT {', '.join(f'approx_count_distinct({c})' for c in candidates)} FROM {prepared.table}")
    ranked = [c for _, c in sorted(zip(distinct, candidates), key=lambda pair: -pair[0])][:4]
    inverse = {v: k for k, v in prepared.columns.items()}
    options = [(c,) for c in ranked] + list(combinations(ranked, 2))
    best = None
    for option in options:
        keys = ", ".join(option)
        not_null = " AND ".join(f"{c} IS NOT NULL" for c in option)
        count = int(_row(con, f"SELECT coalesce(sum(n * (n - 1) // 2), 0) FROM (SELECT count(*) AS n FROM {prepared.table} WHERE {not_null} GROUP BY {keys})")[0])
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


def _parameters(model: dict[str, Any], prepared: _Prepared, config: FuzzyConfig, training: dict[str, Any]) -> dict[str, Any]:
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
        "blocking": [_rule_text(rule) for rule in config.blocking],
        "training": {
            "u_max_pairs": training["u_max_pairs"],
            "em_sessions": sessions,
            "m_untrained": [inverse[c] for c in training["untrained"]],
            "redundant": {inverse[c]: inverse[kept] for c, kept in training["redundant"].items()},
        },
        "seed": config.seed,
    }


def _public_names(message: str, prepared: _Prepared) -> str:
    """A Splink message with internal column names (c0, k1) replaced by the user's."""
    names = {internal: column for column, internal in prepared.columns.items()}
    return re.sub(r"\b([ck]\d+)\b", lambda m: names.get(m.group(1), m.group(1)), message)


def _pairs_table(con: duckdb.DuckDBPyConnection, predictions: str | None, prepared: _Prepared, row_id: str, config: FuzzyConfig) -> str:
    name = _table_name("pairs")
    left, right = sql_identifier(f"{row_id}_l"), sql_identifier(f"{row_id}_r")
    gammas = [(f"gamma_c{i}", sql_identifier(f"gamma_{c.column}")) for i, c in enumerate(config.comparisons)]
    if predictions is None:
        columns = ", ".join(f"NULL::INTEGER AS {alias}" for _, alias in gammas)
        con.execute(
            f"CREATE TABLE {name} AS SELECT NULL::BIGINT AS {left}, NULL::BIGINT AS {right}, NULL::DOUBLE AS match_weight, "
            f"NULL::DOUBLE AS match_probability, {columns} LIMIT 0"
        )
        return name
    columns = ", ".join(f"CAST({source} AS INTEGER) AS {alias}" for source, alias in gammas)
    con.execute(
        f"CREATE TABLE {name} AS SELECT CAST(unique_id_l AS BIGINT) AS {left}, CAST(unique_id_r AS BIGINT) AS {right}, "
        f"CAST(match_weight AS DOUBLE) AS match_weight, CAST(match_probability AS DOUBLE) AS match_probability, {columns} "
        f"FROM {predictions} ORDER BY 1, 2"
    )
    return name


def _histogram(con: duckdb.DuckDBPyConnection, pairs: str, bins: int = 60) -> list[dict[str, Any]]:
    low, high, count = _row(con, f"SELECT min(match_weight), max(match_weight), count(*) FROM {pairs} WHERE isfinite(match_weight)")
    if not count:
        return []
    width = max(0.5, math.ceil((high - low) / bins * 2) / 2)
    start = math.floor(low / width) * width
    rows = con.execute(
        f"SELECT floor((match_weight - {start!r}) / {width!r})::BIGINT AS b, count(*) FROM {pairs} WHERE isfinite(match_weight) GROUP BY b ORDER BY b"
    ).fetchall()
    return [{"weight_from": start + b * width, "weight_to": start + (b + 1) * width, "pairs": int(n)} for b, n in rows]


# ------------------------------------------------------------------ labels and clustering


def _label_rows(labels: Sequence[tuple[int, int, bool]]) -> list[tuple[int, int, bool]]:
    seen: dict[tuple[int, int], bool] = {}
    for label in labels:
        if not isinstance(label, (tuple, list)) or len(label) != 3:
            raise StudioError(f"a label is (row id, row id, same entity true/false), not {label!r}")
        a, b, same = label
        if isinstance(a, bool) or isinstance(b, bool) or not isinstance(a, int) or not isinstance(b, int) or not isinstance(same, bool):
            raise StudioError(f"a label is (row id, row id, same entity true/false), not {label!r}")
        if a == b:
            raise StudioError(f"label ({a}, {b}) pairs a row with itself; label two different rows")
        key = (min(a, b), max(a, b))
        if seen.get(key, same) != same:
            raise StudioError(f"rows {key[0]} and {key[1]} are labelled both as a match and as a non-match; keep one label")
        seen[key] = same
    return [(a, b, same) for (a, b), same in sorted(seen.items())]


def _labels_table(con: duckdb.DuckDBPyConnection, labels: list[tuple[int, int, bool]], table: str, row_id: str) -> str:
    name = _table_name("labels")
    con.execute(f"CREATE TEMP TABLE {name} (a BIGINT, b BIGINT, same BOOLEAN)")
    if labels:
        con.executemany(f"INSERT INTO {name} VALUES (?, ?, ?)", labels)
        unknown = _row(con, 
            f"SELECT id FROM (SELECT a AS id FROM {name} UNION SELECT b FROM {name}) "
            f"WHERE id NOT IN (SELECT {sql_identifier(row_id)} FROM {sql_identifier(table)}) ORDER BY id LIMIT 1"
        )
        if unknown:
            _drop(con, name)
            raise StudioError(f"a label refers to row id {unknown[0]}, which is not in {table!r}; remove that label")
    return name


def cluster_pairs(
    con: duckdb.DuckDBPyConnection, table: str, row_id: str, pairs: str, threshold: float, labels: Sequence[tuple[int, int, bool]] = ()
) -> str:
    """Cluster at ``threshold``: the connected components of the pairs whose match probability
    is at least ``threshold``, plus confirmed labels, minus rejected labels. Returns the name of
    a new members table (``<row_id>``, ``cluster_id``, ``match_probability``) with every row of
    ``table`` exactly once; cluster ids are the smallest row id of each cluster."""
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0.0 <= threshold <= 1.0:
        raise StudioError(f"threshold must be a match probability from 0 to 1, not {threshold!r}")
    label_rows = _label_rows(labels)
    types = _describe(con, table)
    if row_id not in types:
        raise StudioError(f"no row id column {row_id!r} in {table!r}")
    left, right, rid = sql_identifier(f"{row_id}_l"), sql_identifier(f"{row_id}_r"), sql_identifier(row_id)
    labelled = _labels_table(con, label_rows, table, row_id)
    edges, nodes, members = _table_name("edges"), _table_name("nodes"), _table_name("members")
    try:
        con.execute(
            f"CREATE TEMP TABLE {edges} AS SELECT a, b, max(p) AS p FROM ("
            f"SELECT least({left}, {right}) AS a, greatest({left}, {right}) AS b, match_probability AS p FROM {pairs} "
            f"WHERE match_probability >= {float(threshold)!r} "
            f"UNION ALL SELECT a, b, 1.0 FROM {labelled} WHERE same) e "
            f"WHERE NOT EXISTS (SELECT 1 FROM {labelled} x WHERE NOT x.same AND x.a = e.a AND x.b = e.b) GROUP BY a, b"
        )
        con.execute(f"CREATE TEMP TABLE {nodes} AS SELECT id, min(id) AS c FROM (SELECT a AS id FROM {edges} UNION ALL SELECT b FROM {edges}) GROUP BY id")
        _connected_components(con, edges, nodes)
        con.execute(
            f"CREATE TABLE {members} AS SELECT t.{rid} AS {rid}, CAST(coalesce(n.c, t.{rid}) AS BIGINT) AS cluster_id, "
            f"CAST(coalesce(w.p, 1.0) AS DOUBLE) AS match_probability FROM {sql_identifier(table)} t "
            f"LEFT JOIN {nodes} n ON n.id = t.{rid} "
            f"LEFT JOIN (SELECT id, max(p) AS p FROM (SELECT a AS id, p FROM {edges} UNION ALL SELECT b, p FROM {edges}) GROUP BY id) w ON w.id = t.{rid} "
            f"ORDER BY t.{rid}"
        )
    finally:
        _drop(con, edges, nodes, labelled)
    return members


def _connected_components(con: duckdb.DuckDBPyConnection, edges: str, nodes: str) -> None:
    """Label propagation with pointer jumping: every node ends with the smallest id of its
    component (the number of rounds grows with the log of the component diameter)."""
    while True:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {nodes}_next AS "
            f"WITH spread AS (SELECT e.a AS id, n.c FROM {edges} e JOIN {nodes} n ON n.id = e.b "
            f"UNION ALL SELECT e.b, n.c FROM {edges} e JOIN {nodes} n ON n.id = e.a UNION ALL SELECT id, c FROM {nodes}), "
            f"step AS (SELECT id, min(c) AS c FROM spread GROUP BY id) "
            f"SELECT s.id, least(s.c, coalesce(j.c, s.c)) AS c FROM step s LEFT JOIN step j ON j.id = s.c"
        )
        changed = _row(con, f"SELECT count(*) FROM {nodes}_next x JOIN {nodes} n USING (id) WHERE x.c <> n.c")[0]
        con.execute(f"DROP TABLE {nodes}")
        con.execute(f"ALTER TABLE {nodes}_next RENAME TO {nodes}")
        if changed == 0:
            return


def suggest_threshold(labels_with_probabilities: Sequence[tuple[float, bool]]) -> float | None:
    """The match-probability threshold that best separates labelled pairs (max F1 of ``p >=
    threshold`` against the labels; ties go to the higher threshold), halfway between the
    probabilities it separates. None with fewer than ``MIN_LABELS_EACH`` of each kind."""
    items = [(float(p), bool(same)) for p, same in labels_with_probabilities]
    positives = sum(1 for _, same in items if same)
    if positives < MIN_LABELS_EACH or len(items) - positives < MIN_LABELS_EACH:
        return None
    values = sorted({p for p, _ in items}, reverse=True)
    best: tuple[float, float] | None = None
    for index, cut in enumerate(values):
        true_positive = sum(1 for p, same in items if same and p >= cut)
        predicted = sum(1 for p, _ in items if p >= cut)
        f1 = 2 * true_positive / (predicted + positives)
        below = values[index + 1] if index + 1 < len(values) else 0.0
        threshold = (cut + below) / 2 if below < cut else cut
        if best is None or f1 > best[0] + 1e-12:
            best = (f1, threshold)
    assert best is not None
    return min(max(best[1], 1e-9), 1.0)


# ------------------------------------------------------------------ resolve


def resolve(
    con: duckdb.DuckDBPyConnection,
    table: str,
    row_id: str,
    config: FuzzyConfig,
    labels: Sequence[tuple[int, int, bool]] = (),
    on_progress: Callable[[float, str], None] | None = None,
) -> FuzzyResult:
    """Train a Splink model on ``table``, score the blocked pairs and cluster them (see the
    module docstring). Tables ``FuzzyResult.pairs`` and ``.members`` are left in ``con``."""
    label_rows = _label_rows(labels)
    _progress(on_progress, 0.0, "preparing the input")
    prepared = _prepare(con, table, row_id, config)
    try:
        _progress(on_progress, 0.05, "counting comparisons")
        raw = _refuse_if_too_many(con, prepared, config)
        parameters: dict[str, Any] = {}
        if prepared.rows < 2:
            pairs = _pairs_table(con, None, prepared, row_id, config)
        else:
            with _splink_quiet() as collected:
                model, training = _train(con, prepared, config, raw, on_progress)
                _progress(on_progress, 0.6, "scoring the candidate pairs")
                with _linked(con, prepared, model) as linker:
                    predictions = linker.inference.predict(warning_mode="never").physical_name
                    pairs = _pairs_table(con, predictions, prepared, row_id, config)
            parameters = _parameters(model, prepared, config, training)
            parameters["warnings"] = [_public_names(m, prepared) for m in collected.messages]
    finally:
        _drop(con, prepared.table)
    _progress(on_progress, 0.85, "clustering")
    threshold, source = float(config.threshold), "config"
    confirmed = sum(1 for *_, same in label_rows if same)
    if confirmed >= MIN_LABELS_EACH and len(label_rows) - confirmed >= MIN_LABELS_EACH:
        scored = _scored_labels(con, pairs, row_id, label_rows)
        chosen = suggest_threshold(scored)
        if chosen is not None:
            threshold, source = chosen, "labels"
    members = cluster_pairs(con, table, row_id, pairs, threshold, label_rows)
    clusters = int(_row(con, f"SELECT count(DISTINCT cluster_id) FROM {members}")[0])
    parameters["threshold"] = {"configured": config.threshold, "used": threshold, "from": source}
    parameters["labels"] = {"confirmed": confirmed, "rejected": len(label_rows) - confirmed}
    histogram = _histogram(con, pairs)
    _progress(on_progress, 1.0, f"{clusters:,} clusters")
    return FuzzyResult(pairs, members, clusters, histogram, parameters)


def _scored_labels(con: duckdb.DuckDBPyConnection, pairs: str, row_id: str, labels: list[tuple[int, int, bool]]) -> list[tuple[float, bool]]:
    """Each label with the predicted probability of its pair (0 when blocking never made it)."""
    left, right = sql_identifier(f"{row_id}_l"), sql_identifier(f"{row_id}_r")
    values = ", ".join(f"({a}, {b}, {str(same).upper()})" for a, b, same in labels)
    rows = con.execute(
        f"SELECT coalesce(p.match_probability, 0.0), x.same FROM (VALUES {values}) x(a, b, same) "
        f"LEFT JOIN {pairs} p ON p.{left} = x.a AND p.{right} = x.b ORDER BY x.a, x.b"
    ).fetchall()
    return [(float(p), bool(same)) for p, same in rows]


# ------------------------------------------------------------------ suggest_config


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
        if _is_text(types[column]):
            text = f"nullif(trim(CAST({col} AS VARCHAR)), '')"
            selects += [
                f"count({text}) AS f{i}",
                f"avg(length({text})) AS l{i}",
                f"count(DISTINCT {_text_sql(col)}) AS dn{i}",
                f"count(*) FILTER (WHERE regexp_full_match({text}, '[^@\\s]+@[^@\\s]+\\.[^@\\s]+')) AS e{i}",
                f"count(TRY_CAST({text} AS DATE)) AS t{i}",
                f"count(*) FILTER (WHERE regexp_full_match({text}, '[+()0-9 .-]{{7,}}')) AS p{i}",
                f"count(*) FILTER (WHERE contains({text}, ' ')) AS s{i}",
            ]
    values = _row(con, f"SELECT count(*) AS rows, {', '.join(selects)} FROM {source}")
    names = ["rows"] + [s.rsplit(" AS ", 1)[1] for s in selects]
    flat = dict(zip(names, values))
    profile = {}
    for i, column in enumerate(columns):
        stats = {"rows": flat["rows"], "filled": flat[f"n{i}"], "distinct": flat[f"d{i}"]}
        if _is_text(types[column]):
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
    if _is_temporal(dtype):
        if dtype.startswith("TIMESTAMP") and (words & _METADATA_WORDS):
            return None  # when the record was written, not a fact about the entity
        return "date"
    if _is_numeric(dtype):
        if dtype in _INTEGER_TYPES and ratio > 0.95 and (words & _ID_WORDS or distinct > 1000):
            return None
        return "exact" if distinct <= 20 else "number"
    if not _is_text(dtype):
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
    if distinct <= 50:
        return "exact"
    return "string"


def suggest_config(con: duckdb.DuckDBPyConnection, table: str, row_id: str, exclude: Sequence[str] = ()) -> FuzzyConfig:
    """A starting configuration from the data: a comparison kind per column (by name, type,
    distinct share and text shape; id-like, constant, empty and excluded columns left out, and
    columns filled in fewer than ``MIN_FILLED_SHARE`` of the rows when others are better) and
    2-4 blocking rules chosen to find most duplicate pairs while keeping the comparisons
    affordable (about 10 per row, at most half of ``max_comparisons``)."""
    types = _describe(con, table)
    if row_id not in types:
        raise StudioError(f"no row id column {row_id!r} in {table!r}")
    skip = set(exclude) | {row_id}
    candidates = [c for c in types if c not in skip]
    if not candidates:
        raise StudioError("the table has no column to compare besides the row id and the excluded ones")
    rows = int(_row(con, f"SELECT count(*) FROM {sql_identifier(table)}")[0])
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
    sample = _table_name("sample")
    selects = []
    for i, (c, size) in enumerate(keys):
        value = _normalized_sql(sql_identifier(c.column), c.kind, types[c.column])
        selects.append(f"{_key_sql('', value, size)} AS k{i}")
    source = _sample_source(table, row_id, rows)
    con.execute(f"CREATE TEMP TABLE {sample} AS SELECT {', '.join(selects)} FROM {source}")
    try:
        sampled = int(_row(con, f"SELECT count(*) FROM {sample}")[0])
        scale = (rows / sampled) ** 2 if sampled else 1.0
        distinct = _row(con, f"SELECT {', '.join(f'count(DISTINCT k{i})' for i in range(len(keys)))} FROM {sample}")
        options = [(i,) for i in range(len(keys))] + [
            (i, j) for i, j in combinations(range(len(keys)), 2) if keys[i][0].column != keys[j][0].column
        ]
        costs = {}
        for option in options:
            group = ", ".join(f"k{i}" for i in option)
            not_null = " AND ".join(f"k{i} IS NOT NULL" for i in option)
            pairs = _row(con, f"SELECT coalesce(sum(n * (n - 1) // 2), 0) FROM (SELECT count(*) AS n FROM {sample} WHERE {not_null} GROUP BY {group})")[0]
            costs[option] = int(pairs * scale)
    finally:
        _drop(con, sample)
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
