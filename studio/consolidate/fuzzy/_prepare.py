"""The prepared input: a normalized copy of the compared and blocking columns, under safe
internal names (``c0, c1, ...`` compared, ``k0, ...`` used only for blocking), that Splink
works on. No user text reaches SQL but validated column names."""

from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb

from studio.consolidate._normalize import email_text, phone_digits
from studio.consolidate.fuzzy._config import FuzzyConfig, parse_key
from studio.consolidate.fuzzy._sql import INTEGER_TYPES, describe, drop, first_row, is_temporal, is_text, table_name
from studio.errors import StudioError
from studio.lake import sql_identifier


@dataclass(frozen=True)
class Prepared:
    """The normalized copy of the input that Splink sees, under internal column names."""

    table: str
    rows: int
    columns: dict[str, str]  # original column -> internal name (c0, c1, ... compared; k0, ... blocking only)
    kinds: dict[str, str]  # internal name -> kind
    rule_keys: list[list[tuple[str, int | None]]]  # per blocking rule: (internal column, prefix length)

    @property
    def rules(self) -> list[str]:
        """The blocking rules as Splink SQL over l. and r."""
        return [" AND ".join(f"{key_sql('l', c, n)} = {key_sql('r', c, n)}" for c, n in keys) for keys in self.rule_keys]

    @property
    def compared(self) -> list[str]:
        """The internal names of the compared columns, in the config's order."""
        return [c for c in self.kinds if c.startswith("c")]


def text_sql(column: str) -> str:
    """Folded text: lower case, accents stripped, spaces collapsed; '' is NULL."""
    return f"nullif(trim(regexp_replace(lower(strip_accents(CAST({column} AS VARCHAR))), '\\s+', ' ', 'g')), '')"


def normalized_sql(column: str, kind: str, dtype: str) -> str:
    """The value a comparison of ``kind`` sees, as a DuckDB expression over ``column``."""
    if kind == "name":
        letters = f"regexp_replace({text_sql(column)}, '[^\\p{{L}}\\p{{M}} ''-]', '', 'g')"  # any script; no digits or punctuation
        return f"nullif(trim(regexp_replace({letters}, '\\s+', ' ', 'g')), '')"
    if kind == "email":
        return f"nullif({email_text(column)}, '')"
    if kind == "postcode":
        return f"nullif(upper(regexp_replace(CAST({column} AS VARCHAR), '[^A-Za-z0-9]', '', 'g')), '')"
    if kind == "phone":
        return f"nullif({phone_digits(column)}, '')"
    if kind == "date":
        if dtype == "DATE":
            return column
        if is_temporal(dtype):
            return f"CAST({column} AS DATE)"
        return f"TRY_CAST(trim(CAST({column} AS VARCHAR)) AS DATE)"
    if kind == "number":
        return f"TRY_CAST({column} AS DOUBLE)"
    if kind == "exact" and not is_text(dtype):
        return column
    return text_sql(column)


def key_sql(side: str, internal: str, size: int | None) -> str:
    """A blocking key: the column (``side``.column when a side is given) or its first ``size`` characters."""
    value = f"{side}.{internal}" if side else internal
    if size is None:
        return value
    return f"substr(CAST({value} AS VARCHAR), 1, {size})"


def prepare(con: duckdb.DuckDBPyConnection, table: str, row_id: str, config: FuzzyConfig) -> Prepared:
    """Check the input and write the normalized copy Splink works on."""
    types = describe(con, table)
    if row_id not in types:
        raise StudioError(f"no row id column {row_id!r} in {table!r}")
    if types[row_id] not in INTEGER_TYPES:
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
        selects.append(f"{normalized_sql(sql_identifier(comparison.column), comparison.kind, types[comparison.column])} AS {internal}")
    rule_keys = []
    for rule in config.blocking:
        keys: list[tuple[str, int | None]] = []
        for item in rule:
            column, size = parse_key(item)
            if column not in types:
                raise StudioError(f"blocking rule {', '.join(rule)}: no column {column!r} (columns: {', '.join(c for c in list(types)[:20] if c != row_id)})")
            if column not in columns:
                internal = f"k{len(columns) - len(config.comparisons)}"
                columns[column] = internal
                kinds[internal] = "exact"
                selects.append(f"{normalized_sql(sql_identifier(column), 'exact', types[column])} AS {internal}")
            keys.append((columns[column], size))
        rule_keys.append(keys)
    name = table_name("input")
    con.execute(f"CREATE TEMP TABLE {name} AS SELECT {', '.join(selects)} FROM {sql_identifier(table)}")
    try:
        rows, distinct, nulls = first_row(con, f"SELECT count(*), count(DISTINCT unique_id), count(*) - count(unique_id) FROM {name}")
        if nulls:
            raise StudioError(f"row id column {row_id!r} has {nulls} missing values; number every row")
        if distinct != rows:
            raise StudioError(f"row id column {row_id!r} has {rows - distinct} repeated values; it must be unique")
    except StudioError:
        drop(con, name)
        raise
    return Prepared(name, rows, columns, kinds, rule_keys)


def public_names(message: str, prepared: Prepared) -> str:
    """A message with internal column names (c0, k1) replaced by the user's."""
    names = {internal: column for column, internal in prepared.columns.items()}
    return re.sub(r"\b([ck]\d+)\b", lambda m: names.get(m.group(1), m.group(1)), message)
