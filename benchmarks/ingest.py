"""Ingest benchmark: one large CSV loaded by the studio, by bare DuckDB and by pandas.

Run from the repository root with the project's virtualenv:

    .venv/bin/python benchmarks/ingest.py              # 10,000,000 rows (~1 GB), one run each
    .venv/bin/python benchmarks/ingest.py --repeat 3   # best (minimum) time of 3 runs each
    .venv/bin/python benchmarks/ingest.py --rows 200000  # a small file, for a quick check
    .venv/bin/python benchmarks/ingest.py --json       # the figures as one JSON document

The CSV (food delivery orders, 14 columns, ~100 bytes a row) is generated deterministically
from a fixed numpy seed into ``benchmarks/.data/`` and reused while its size and row count
match. Before timing, the file is read once so every contender finds it in the page cache.

Each contender runs in its own subprocess, in this order, on the same machine in the same run:

1. studio: ``studio sources add CSV --name bench --workspace WS --json`` into a fresh workspace
   (created with ``studio init`` outside the timing); the reported row count is checked.
2. duckdb: ``CREATE TABLE t AS SELECT * FROM read_csv(CSV)`` then ``COPY t TO OUT (FORMAT parquet)``.
3. duckdb_one_pass: ``COPY (SELECT * FROM read_csv(CSV)) TO OUT (FORMAT parquet)``, the stricter
   baseline (one pass over the CSV, as the studio makes; reported, not a floor).
4. pandas: ``pandas.read_csv(CSV)`` (the read only).

Seconds are wall time around the subprocess (interpreter start-up and imports included); peak
memory is the child's ``ru_maxrss`` from ``os.wait4``. Both are taken by a small launcher process,
so the child's peak is not inflated by this script's own memory (Linux carries the spawning
process's high-water mark over into the child's ``ru_maxrss``); ``--json`` adds CPU seconds.
The floors checked are: studio within 1.25x of bare DuckDB, and studio peak memory under 2048 MB.
A missed floor is reported, not an error: the exit code is 0 unless a contender fails outright.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from _measure import Measurement, Outcome, data_is_current, log, run_measured, warm_page_cache, write_data_marker

DATA_DIR = Path(__file__).resolve().parent / ".data"
DEFAULT_ROWS = 10_000_000
CHUNK_ROWS = 1_000_000
SEED = 20240601
GENERATOR_VERSION = 3
RATIO_FLOOR = 1.25
MEMORY_FLOOR_MB = 2048
READ_BLOCK = 16 * 1024 * 1024

CITIES = ["Amsterdam", "Rotterdam", "Utrecht", "Eindhoven", "Groningen", "Tilburg", "Almere", "Breda", "Nijmegen", "Haarlem"]
PAYMENTS = ["card", "cash", "wallet", "voucher"]
WEATHER = ["clear", "cloudy", "rain", "snow", "fog", "windy"]
STATUSES = ["delivered", "cancelled", "refunded"]
STATUS_WEIGHTS = [0.94, 0.04, 0.02]
START_EPOCH_S = 1_704_067_200  # 2024-01-01 00:00:00 UTC


# ------------------------------------------------------------------ the data


def csv_path(rows: int) -> Path:
    return DATA_DIR / f"orders_{rows}.csv"


def _pool(prefix: str, count: int, width: int) -> pa.Array:
    return pa.array([f"{prefix}{i:0{width}d}" for i in range(count)], type=pa.string())


def _rounded(values: np.ndarray, decimals: int, mask: np.ndarray | None = None) -> pa.Array:
    return pa.array(np.round(values, decimals), mask=mask)


def _chunk(rng: np.random.Generator, first_id: int, n: int, pools: dict[str, pa.Array]) -> pa.Table:
    placed = START_EPOCH_S + rng.integers(0, 366 * 86_400, n)
    distance = rng.gamma(2.0, 2.0, n)
    items = rng.integers(1, 9, n)
    subtotal = items * rng.uniform(6.0, 25.0, n)
    weather_index = pa.array(rng.integers(0, len(WEATHER), n), mask=rng.random(n) < 0.05)
    minutes = np.maximum(5.0, 12.0 + distance * 3.2 + rng.normal(0.0, 5.0, n))
    return pa.table(
        {
            "order_id": pa.array(np.arange(first_id, first_id + n, dtype=np.int64)),
            "placed_at": pa.array(placed.astype("datetime64[s]")),
            "restaurant_id": pools["restaurant"].take(pa.array(rng.integers(0, len(pools["restaurant"]), n))),
            "courier_id": pools["courier"].take(pa.array(rng.integers(0, len(pools["courier"]), n))),
            "customer_id": pools["customer"].take(pa.array(rng.integers(0, len(pools["customer"]), n))),
            "city": pools["city"].take(pa.array(rng.integers(0, len(CITIES), n))),
            "distance_km": _rounded(distance, 2, mask=rng.random(n) < 0.02),
            "items": pa.array(items),
            "subtotal": _rounded(subtotal, 2),
            "tip": _rounded(subtotal * rng.uniform(0.0, 0.2, n), 2),
            "payment": pools["payment"].take(pa.array(rng.integers(0, len(PAYMENTS), n))),
            "weather": pc.take(pools["weather"], weather_index),
            "delivery_minutes": _rounded(minutes, 1),
            "status": pools["status"].take(pa.array(rng.choice(len(STATUSES), n, p=STATUS_WEIGHTS))),
        }
    )


def _marker(path: Path) -> Path:
    return path.with_suffix(".json")


def _is_current(path: Path, rows: int) -> bool:
    return data_is_current(path, _marker(path), {"rows": rows, "seed": SEED, "generator": GENERATOR_VERSION})


def ensure_csv(rows: int) -> Path:
    """Write the benchmark CSV (deterministic for a given row count) unless it is already there."""
    path = csv_path(rows)
    if _is_current(path, rows):
        log(f"using {path} ({path.stat().st_size / 1e6:,.0f} MB, {rows:,} rows)")
        return path
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    log(f"generating {path} ({rows:,} rows) ...")
    started = time.perf_counter()
    rng = np.random.default_rng(SEED)
    pools = {
        "restaurant": _pool("R", 5_000, 4),
        "courier": _pool("C", 20_000, 5),
        "customer": _pool("U", 2_000_000, 7),
        "city": pa.array(CITIES),
        "payment": pa.array(PAYMENTS),
        "weather": pa.array(WEATHER),
        "status": pa.array(STATUSES),
    }
    partial = path.with_suffix(".csv.partial")
    writer: pacsv.CSVWriter | None = None
    try:
        for first in range(0, rows, CHUNK_ROWS):
            table = _chunk(rng, first + 1, min(CHUNK_ROWS, rows - first), pools)
            if writer is None:
                writer = pacsv.CSVWriter(str(partial), table.schema, write_options=pacsv.WriteOptions(quoting_style="none", quoting_header="none"))
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
    os.replace(partial, path)
    write_data_marker(path, _marker(path), {"rows": rows, "seed": SEED, "generator": GENERATOR_VERSION})
    log(f"generated {path.stat().st_size / 1e6:,.0f} MB in {time.perf_counter() - started:.1f} s")
    return path


# ------------------------------------------------------------------ running


def studio_command() -> str:
    command = Path(sys.executable).with_name("studio")
    if not command.exists():
        raise SystemExit(f"{command} not found; run this with the project's virtualenv python (.venv/bin/python)")
    return str(command)


def run_studio(csv: Path, rows: int, scratch: Path) -> Measurement:
    studio = studio_command()
    workspace = scratch / "workspace"
    run_measured([studio, "init", "--workspace", str(workspace), "--json"], scratch)
    try:
        measured, stdout = run_measured([studio, "sources", "add", str(csv), "--name", "bench", "--workspace", str(workspace), "--json"], scratch)
    finally:
        shutil.rmtree(workspace, ignore_errors=True)
    reported = json.loads(stdout)["rows"]
    if reported != rows:
        raise SystemExit(f"studio reported {reported:,} rows, expected {rows:,}")
    return measured


def _run_duckdb(name: str, csv: Path, scratch: Path, rows: int, statements: list[str], count_sql: str) -> Measurement:
    """Run DuckDB ``statements`` in a fresh process, then check the row count ``count_sql`` gives."""
    out = scratch / f"{name}.parquet"
    code = "import duckdb\ncon = duckdb.connect()\n"
    for statement in statements + [count_sql]:
        code += f"result = con.execute({statement.format(csv=sql_literal(csv), out=sql_literal(out))!r})\n"
    code += "print(result.fetchone()[0])\n"
    try:
        measured, stdout = run_measured([sys.executable, "-c", code], scratch)
    finally:
        out.unlink(missing_ok=True)
    check_rows(name, stdout, rows)
    return measured


def run_duckdb(csv: Path, rows: int, scratch: Path) -> Measurement:
    """The issue's baseline: build a DuckDB table from the CSV, then write it as Parquet."""
    statements = ["CREATE TABLE t AS SELECT * FROM read_csv({csv})", "COPY t TO {out} (FORMAT parquet)"]
    return _run_duckdb("duckdb", csv, scratch, rows, statements, "SELECT count(*) FROM t")


def run_duckdb_one_pass(csv: Path, rows: int, scratch: Path) -> Measurement:
    """The stricter baseline: DuckDB streaming the CSV straight into Parquet, as the studio does."""
    statements = ["COPY (SELECT * FROM read_csv({csv})) TO {out} (FORMAT parquet)"]
    return _run_duckdb("duckdb_one_pass", csv, scratch, rows, statements, "SELECT count(*) FROM read_parquet({out})")


def run_pandas(csv: Path, rows: int, scratch: Path) -> Measurement:
    code = f"import pandas\nframe = pandas.read_csv({str(csv)!r})\nprint(len(frame))\n"
    measured, stdout = run_measured([sys.executable, "-c", code], scratch)
    check_rows("pandas", stdout, rows)
    return measured


def sql_literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def check_rows(name: str, stdout: str, rows: int) -> None:
    counted = int(stdout.strip().splitlines()[-1])
    if counted != rows:
        raise SystemExit(f"{name} read {counted:,} rows, expected {rows:,}")


CONTENDERS = {"studio": run_studio, "duckdb": run_duckdb, "duckdb_one_pass": run_duckdb_one_pass, "pandas": run_pandas}


def benchmark(csv: Path, rows: int, repeat: int) -> dict[str, Outcome]:
    outcomes = {name: Outcome(name) for name in CONTENDERS}
    scratch = Path(tempfile.mkdtemp(prefix="ingest-", dir=DATA_DIR))
    try:
        for attempt in range(1, repeat + 1):
            for name, run in CONTENDERS.items():
                measured = run(csv, rows, scratch)
                outcomes[name].runs.append(measured)
                log(
                    f"run {attempt}/{repeat} {name}: {measured.seconds:.2f} s "
                    f"({measured.cpu_seconds:.2f} CPU s), peak {measured.peak_rss_kb / 1024:,.0f} MB"
                )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return outcomes


# ------------------------------------------------------------------ reporting


def package_version(module: str) -> str:
    return __import__(module).__version__


def report(csv: Path, rows: int, repeat: int, outcomes: dict[str, Outcome]) -> dict[str, Any]:
    duckdb_seconds = outcomes["duckdb"].best_seconds
    studio = outcomes["studio"]
    ratio = studio.best_seconds / duckdb_seconds
    return {
        "csv": str(csv),
        "rows": rows,
        "csv_bytes": csv.stat().st_size,
        "repeat": repeat,
        "machine": {"nproc": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "versions": {name: package_version(name) for name in ("duckdb", "pandas", "pyarrow")},
        "contenders": {
            name: {
                "seconds": round(outcome.best_seconds, 3),
                "all_seconds": [round(run.seconds, 3) for run in outcome.runs],
                "cpu_seconds": round(outcome.best_cpu_seconds, 3),
                "ratio_vs_duckdb": round(outcome.best_seconds / duckdb_seconds, 3),
                "peak_rss_mb": round(outcome.peak_mb, 1),
            }
            for name, outcome in outcomes.items()
        },
        "floors": {
            "studio_vs_duckdb": round(ratio, 3),
            "studio_vs_duckdb_max": RATIO_FLOOR,
            "studio_vs_duckdb_pass": ratio <= RATIO_FLOOR,
            "studio_peak_mb": round(studio.peak_mb, 1),
            "studio_peak_mb_max": MEMORY_FLOOR_MB,
            "studio_peak_mb_pass": studio.peak_mb < MEMORY_FLOOR_MB,
        },
    }


def print_table(figures: dict[str, Any]) -> None:
    machine, floors = figures["machine"], figures["floors"]
    print(
        f"ingest benchmark: {figures['rows']:,} rows, {figures['csv_bytes'] / 1e6:,.0f} MB CSV, "
        f"{machine['nproc']} CPUs, best of {figures['repeat']}"
    )
    print(f"{'contender':<16} {'seconds':>9} {'vs duckdb':>10} {'peak RSS MB':>12}")
    for name, row in figures["contenders"].items():
        print(f"{name:<16} {row['seconds']:>9.2f} {row['ratio_vs_duckdb']:>9.2f}x {row['peak_rss_mb']:>12,.0f}")
    verdict = {True: "PASS", False: "FAIL"}
    print(f"studio / duckdb = {floors['studio_vs_duckdb']:.2f}x (floor <= {RATIO_FLOOR}x): {verdict[floors['studio_vs_duckdb_pass']]}")
    print(f"studio peak memory = {floors['studio_peak_mb']:.0f} MB (floor < {MEMORY_FLOOR_MB} MB): {verdict[floors['studio_peak_mb_pass']]}")


def main() -> None:
    parser = argparse.ArgumentParser(description="Ingest benchmark: studio sources add vs bare DuckDB vs pandas.read_csv.")
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help=f"rows in the generated CSV (default {DEFAULT_ROWS:,})")
    parser.add_argument("--repeat", type=int, default=1, help="runs per contender; the best (minimum) time is reported (default 1)")
    parser.add_argument("--json", dest="as_json", action="store_true", help="print the figures as one JSON document")
    args = parser.parse_args()
    if args.rows < 1 or args.repeat < 1:
        parser.error("--rows and --repeat must be at least 1")
    csv = ensure_csv(args.rows)
    warm_page_cache(csv)
    outcomes = benchmark(csv, args.rows, args.repeat)
    figures = report(csv, args.rows, args.repeat, outcomes)
    if args.as_json:
        print(json.dumps(figures, indent=2))
    else:
        print_table(figures)


if __name__ == "__main__":
    main()
