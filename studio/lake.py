"""The Parquet lake: immutable, content-addressed table files and the DuckDB engine over them.

Every table is one Parquet file named by the sha256 of its bytes, so the same content is
stored once and a file never changes after it is written. Each process opens its own
in-memory DuckDB connection and reads the files; there is no shared DuckDB database file.
"""

import contextlib
import datetime as dt
import decimal
import hashlib
import math
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from studio.errors import StudioError

TEMP_MAX_AGE_S = 24 * 3600
OUTPUT_FORMATS = (".parquet", ".csv")


def sql_literal(text: str) -> str:
    """A SQL string literal (DuckDB and SQLite quoting)."""
    return "'" + text.replace("'", "''") + "'"


def sql_identifier(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def json_value(value: Any) -> Any:
    """A strict-JSON form of a value DuckDB returns: decimals as floats, dates and times as ISO
    text, NaN and infinities as null, lists and structs element by element, other objects
    (intervals, UUIDs, blobs) as text."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, decimal.Decimal):
        return float(value) if value.is_finite() else None
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    return str(value)


def sha256_file(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_replace(temp: Path, target: Path) -> None:
    """fsync ``temp``, rename it over ``target`` and fsync the folder, so a crash leaves either
    the old file or the new one, never half of one."""
    fsync_path(temp)
    os.replace(temp, target)
    fsync_path(target.parent)


def write_text_atomic(target: Path, text: str) -> None:
    """Write ``text`` to ``target`` through a temp file beside it: the old file or the new one,
    never half of one. An unwritable folder is one line naming it."""
    target = Path(target).expanduser().absolute()
    if not target.parent.is_dir():
        raise StudioError(f"{target.parent}: no such folder; create it first")
    temp = target.parent / f".{target.name}.{uuid.uuid4().hex}.part"
    try:
        temp.write_text(text, encoding="utf-8")
        atomic_replace(temp, target)
    except OSError as exc:
        reason = f" ({exc.strerror})" if exc.strerror else ""
        raise StudioError(f"{target.parent}: not writable{reason}; choose a folder you can write to") from None
    finally:
        temp.unlink(missing_ok=True)


def output_path(path: Path | str, overwrite: bool, verb: str) -> Path:
    """``path`` as an absolute output file path (.parquet or .csv) in an existing folder; a
    one-line error naming the fix otherwise. ``verb`` names the command (apply, predict)."""
    path = Path(path).expanduser().absolute()
    if path.suffix.lower() not in OUTPUT_FORMATS:
        raise StudioError(f"{path.name}: {verb} writes .parquet or .csv; change the file extension")
    if path.is_dir():
        raise StudioError(f"{path}: is a folder; give a file path ending in .parquet or .csv")
    if not path.parent.is_dir():
        raise StudioError(f"{path.parent}: no such folder; create it first")
    if path.exists() and not overwrite:
        raise StudioError(f"{path}: already exists; choose another path, or overwrite it (--overwrite)")
    return path


class OutputFile:
    """Arrow batches streamed to a temp file beside ``target`` (Parquet or CSV by its
    extension), renamed over it only when every batch is written: a failure leaves nothing."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self.temp = target.parent / f".{target.name}.{uuid.uuid4().hex}.part"
        self.writer: Any = None
        self.rows = 0

    def write(self, table: pa.Table) -> None:
        if self.writer is None:
            csv = self.target.suffix.lower() == ".csv"
            self.writer = pa_csv.CSVWriter(self.temp, table.schema) if csv else pq.ParquetWriter(self.temp, table.schema)
        self.writer.write_table(table)
        self.rows += table.num_rows

    @classmethod
    @contextlib.contextmanager
    def open(cls, target: Path, empty: str) -> Iterator["OutputFile"]:
        """The output being written; ``empty`` is the error when no batch came."""
        output = cls(target)
        try:
            try:
                yield output
            finally:
                if output.writer is not None:
                    output.writer.close()
            if output.writer is None:
                raise StudioError(empty)
            atomic_replace(output.temp, target)
        except OSError as exc:
            reason = f" ({exc.strerror})" if exc.strerror else ""
            raise StudioError(f"{target.parent}: not writable{reason}; choose a folder you can write to") from None
        finally:
            with contextlib.suppress(OSError):
                output.temp.unlink(missing_ok=True)


class Lake:
    """Content-addressed Parquet files under ``root`` plus a scratch folder for writes."""

    def __init__(self, root: Path, *, memory_limit: str = "2GB", threads: int | None = None) -> None:
        self.root = root
        self.tables_dir = root / "tables"
        self.tmp_dir = root / "tmp"
        self.memory_limit = memory_limit
        self.threads = threads

    def connect(self) -> duckdb.DuckDBPyConnection:
        """A private in-memory DuckDB connection with the workspace's resource limits."""
        config: dict[str, str | int | bool] = {
            "memory_limit": self.memory_limit,
            "temp_directory": str(self.tmp_dir / "duckdb"),
        }
        if self.threads:
            config["threads"] = self.threads
        return duckdb.connect(":memory:", config=config)

    def sandbox(self, tables: dict[str, Path], memory_limit: str, threads: int | None = None) -> duckdb.DuckDBPyConnection:
        """A DuckDB connection for user SQL: ``tables`` are views by name, and nothing else is
        reachable. External access is off except for exactly those files (no other file, no
        network, no ATTACH, no extension install or load), and the configuration is locked so
        SET cannot undo any of it. Statement types are checked by the caller (studio.sql)."""
        con = duckdb.connect(
            ":memory:",
            config={"autoinstall_known_extensions": False, "autoload_known_extensions": False, "memory_limit": memory_limit},
        )
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        con.execute("SET allowed_paths = [" + ", ".join(sql_literal(str(p)) for p in tables.values()) + "]")
        for name, path in tables.items():
            con.execute(f"CREATE VIEW {sql_identifier(name)} AS SELECT * FROM read_parquet({sql_literal(str(path))})")
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
        return con

    def table_path(self, content_hash: str) -> Path:
        return self.tables_dir / f"{content_hash}.parquet"

    def temp_path(self, suffix: str = ".parquet") -> Path:
        """A fresh scratch path. The pid prefix lets a cancelled job's files be swept."""
        return self.tmp_dir / f"{os.getpid()}-{uuid.uuid4().hex}{suffix}"

    def store(self, temp: Path) -> tuple[str, Path, bool]:
        """Move a finished Parquet file into the lake under its content hash.

        Returns (hash, final path, created). When the same content is already stored, the temp
        file is dropped and ``created`` is False.
        """
        content_hash = sha256_file(temp)
        target = self.table_path(content_hash)
        if target.exists():
            temp.unlink()
            return content_hash, target, False
        atomic_replace(temp, target)
        return content_hash, target, True

    def remove(self, content_hash: str) -> None:
        self.table_path(content_hash).unlink(missing_ok=True)

    def sweep_temp(self, pid: int | None = None, max_age_s: float = TEMP_MAX_AGE_S) -> int:
        """Remove scratch files of one process (``pid``) or older than ``max_age_s``."""
        removed = 0
        if not self.tmp_dir.exists():
            return 0
        now = time.time()
        for path in self.tmp_dir.iterdir():
            if not path.is_file():
                continue
            mine = pid is not None and path.name.startswith(f"{pid}-")
            if mine or now - path.stat().st_mtime > max_age_s:
                path.unlink(missing_ok=True)
                removed += 1
        return removed


def sweep_stale(folder: Path, max_age_s: float = TEMP_MAX_AGE_S, prefix: str = "") -> int:
    """Remove the entries of ``folder`` (files or folders) named with ``prefix`` and untouched
    for ``max_age_s``: the scratch a killed process left, which nothing else would remove."""
    if not folder.is_dir():
        return 0
    removed = 0
    now = time.time()
    for path in folder.iterdir():
        if not path.name.startswith(prefix) or now - path.stat().st_mtime <= max_age_s:
            continue
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed += 1
    return removed
