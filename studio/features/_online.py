"""Online tables: the latest value of every entity aggregate of a feature recipe, per entity,
as a lake table named ``<recipe>_online`` (kind ``online``, in the table namespace, so SQL
sees it by name). A job refreshes it; whoever serves loads it into memory with
``set_online_table``, so a request carries only the entity key.

The table is computed as of one moment (by default the second after the newest event
the aggregates read), with exactly the window rules of the training rows' point-in-time
aggregates, so serving sees what training saw."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, ClassVar

import duckdb

from studio.errors import StudioError
from studio.features._aggregates import write_online_table
from studio.features._recipe import Aggregate
from studio.jobs import JobContext
from studio.lake import Lake, sql_identifier
from studio.tables import AddResult, TableStore

ONLINE_KIND = "online"
ONLINE_SUFFIX = "_online"


def online_table_name(recipe: str) -> str:
    return f"{recipe}{ONLINE_SUFFIX}"


class OnlineTableStore(TableStore):
    """The online tables (one per feature recipe with aggregates)."""

    kind: ClassVar[str | None] = ONLINE_KIND
    reads: ClassVar[tuple[str, ...]] = (ONLINE_KIND,)
    noun: ClassVar[str] = "online table"
    list_command: ClassVar[str] = "studio features list"  # the recipes; `studio features materialize NAME` makes one
    versions_command: ClassVar[str] = "studio features show"


def parse_as_of(text: str | None) -> dt.datetime | None:
    """An ISO date or time (``2026-09-28``, ``2026-09-28 12:00``), or None."""
    if text is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise StudioError(f"as of {text!r}: not a date or time; write it like 2026-09-28 or 2026-09-28 12:00") from None
    return moment.replace(tzinfo=None) if moment.tzinfo is None else moment.astimezone(dt.timezone.utc).replace(tzinfo=None)


def newest_event(con: duckdb.DuckDBPyConnection, aggregates: Sequence[Aggregate]) -> dt.datetime:
    """The second after the newest event any of ``aggregates`` reads: the first whole second
    as of which every event is in the past."""
    moments = []
    for table, time in dict.fromkeys((a.table, a.time) for a in aggregates):
        row = con.execute(f"SELECT max(CAST({sql_identifier(time)} AS TIMESTAMP)) FROM {sql_identifier(table)}").fetchone()
        if row and row[0] is not None:
            moments.append(row[0])
    if not moments:
        raise StudioError("the aggregates' event tables have no events with a time; there is nothing to put in the online table")
    return max(moments).replace(microsecond=0) + dt.timedelta(seconds=1)


def materialize(
    con: duckdb.DuckDBPyConnection,
    lake: Lake,
    store: OnlineTableStore,
    recipe_name: str,
    aggregates: Sequence[Aggregate],
    as_of: dt.datetime | None,
    origin: dict[str, Any],
    context: JobContext,
) -> AddResult:
    """Write the online table of ``aggregates`` as of ``as_of`` (None: just after the newest
    event) as the next version of ``<recipe>_online``; unchanged when the values are."""
    moment = as_of or newest_event(con, aggregates)
    context.progress(0.3, f"computing {len(aggregates)} aggregates as of {moment.isoformat(sep=' ')}")
    lake.tmp_dir.mkdir(parents=True, exist_ok=True)
    temp = lake.temp_path()
    try:
        rows = write_online_table(con, aggregates, moment, temp)
        context.progress(0.8, f"{rows:,} entity values")
        name = online_table_name(recipe_name)
        (result,) = store.register([(name, temp, {**origin, "as_of": moment.isoformat(sep=" ")})], f"online table {name}", context, allow_empty=True)
    finally:
        temp.unlink(missing_ok=True)
    return result
