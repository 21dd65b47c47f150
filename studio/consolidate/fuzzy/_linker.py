"""Splink linkers on the caller's DuckDB connection, with Splink's logging kept quiet and its
warnings collected for ``FuzzyResult.parameters``."""

from __future__ import annotations

import copy
import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import duckdb

from studio.consolidate.fuzzy._prepare import Prepared


class Collect(logging.Handler):
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
def splink_quiet() -> Iterator[Collect]:
    """Splink's loggers at WARNING, their records collected, Python warnings muted."""
    logger = logging.getLogger("splink")
    saved = (logger.level, logger.propagate)
    collect = Collect()
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


def _linker(con: duckdb.DuckDBPyConnection, prepared: Prepared, settings: dict[str, Any]) -> Any:
    """A Splink linker over the prepared table, on the caller's connection."""
    from splink import DuckDBAPI, Linker

    db_api = DuckDBAPI(connection=con)
    frame = db_api.register(prepared.table, table_name=prepared.table)
    settings = copy.deepcopy(settings)
    settings.pop("linker_uid", None)
    return Linker(frame, settings, log_level=None)


@contextmanager
def linked(con: duckdb.DuckDBPyConnection, prepared: Prepared, settings: dict[str, Any]) -> Iterator[Any]:
    """A linker whose tables are dropped when the block ends."""
    linker = _linker(con, prepared, settings)
    try:
        yield linker
    finally:
        linker.table_management.delete_tables_created_by_splink_from_db()
