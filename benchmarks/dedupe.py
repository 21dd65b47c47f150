"""Dedupe benchmark: the studio's exact dedupe (a recipe build) against the bare DuckDB SQL.

Run from the repository root with the project's virtualenv:

    .venv/bin/python benchmarks/dedupe.py                       # exact: 10,000,000 rows; then fuzzy
    .venv/bin/python benchmarks/dedupe.py --part exact          # the exact part only
    .venv/bin/python benchmarks/dedupe.py --part exact --repeat 2  # best (minimum) time of 2 runs each
    .venv/bin/python benchmarks/dedupe.py --part exact --rows 1000000  # a smaller table, for a quick check
    .venv/bin/python benchmarks/dedupe.py --part fuzzy --fuzzy-rows 100000
    .venv/bin/python benchmarks/dedupe.py --json                # the figures as one JSON document

Part "exact" (the issue's part a: exact dedupe of 10M rows on 3 keys, floor: the studio within
1.3x of the bare DuckDB SQL). The table (people records, 15 columns of mixed types: ids, text,
dates, timestamps, numbers, booleans, nulls) is generated deterministically from a fixed numpy
seed into ``benchmarks/.data/`` as Parquet and reused while its row count, seed and generator
version match. About 15% of the rows repeat an earlier row's three keys (``last_name``,
``postcode``, ``birth_date``, never null: the studio puts a row with a null key in a cluster of
its own while a bare PARTITION BY groups the nulls, so null keys would make the two disagree);
``updated_at`` (1% null) picks the survivor, the row order breaks ties.

Outside the timing, a fresh workspace is created in a scratch folder under ``benchmarks/.data/``
and the Parquet file is registered as source ``people`` (ingest is benchmarked by ingest.py).
Every contender then reads the same bytes, the source's lake file, with the workspace's DuckDB
settings (memory limit, threads; a temp directory for spilling). Each contender runs in its own
subprocess, in this order:

1. studio: ``workspace.datasets.build(Recipe.from_json({... "dedupe": {"method": "exact", "keys":
   [...], "survivorship": {"newest_by": "updated_at"}}}))``: writes the golden table and the
   members table (every input row's cluster), content-hashes both and registers them. Each run
   writes a new output name, so each does the full work.
2. duckdb_golden: ``COPY (SELECT * FROM read_parquet(..) QUALIFY row_number() OVER (PARTITION BY
   keys ORDER BY updated_at DESC NULLS LAST, file_row_number) = 1 ORDER BY file_row_number) TO ..``,
   the golden table only (the issue's baseline, the floor).
3. duckdb_members: the same window once into a temp table, then two COPYs: the golden table and
   a members table (person_id, cluster_id) for every input row, which is the work the studio does.

The outputs are checked to agree: the same number of golden rows and the same survivors
(sum of ``person_id``), and a members table with one row per input row and as many clusters.

Seconds are wall time around the subprocess (interpreter start-up and imports included); peak
memory is the child's ``ru_maxrss`` from ``os.wait4``, taken by a small launcher process (see
ingest.py). The studio child also times its phases by wrapping the pipeline's statement runner
(``RecipePipeline._execute``) and the registration (``DatasetStore.register``) from the
outside; the wrappers only read the clock. The floor checked is studio within 1.3x of
duckdb_golden; a missed floor is reported, not an error: the exit code is 0 unless a contender
fails outright.

Part "fuzzy" runs ``benchmarks/dedupe_fuzzy.py`` (``--fuzzy-rows`` is passed as its ``--rows``),
when that file is there.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from _measure import Measurement, Outcome, data_is_current, log, run_measured, warm_page_cache, write_data_marker

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA_DIR = HERE / ".data"
FUZZY_SCRIPT = HERE / "dedupe_fuzzy.py"
DEFAULT_ROWS = 10_000_000
CHUNK_ROWS = 1_000_000
SEED = 20240611
GENERATOR_VERSION = 1
DUPLICATE_SHARE = 0.15
RATIO_FLOOR = 1.3
KEYS = ["last_name", "postcode", "birth_date"]
ID_COLUMN = "person_id"
NEWEST_BY = "updated_at"
SOURCE_NAME = "people"

COUNTRIES = ["NL", "BE", "DE", "FR", "GB", "IE", "ES", "PT", "IT", "AT", "CH", "DK", "SE", "NO", "FI", "PL", "CZ", "HU", "GR", "LU"]
SEGMENTS = ["retail", "smb", "enterprise", "public", "partner", "internal"]
DOMAINS = ["example.com", "mail.test", "post.example", "inbox.test", "web.example"]
SYLLABLES = ["ba", "de", "ki", "lo", "mu", "na", "pe", "ri", "so", "ta", "ve", "yo", "zan", "mer", "tol", "gar", "hen", "bri", "cor", "dal"]
NOTE_WORDS = ["called", "about", "invoice", "moved", "asked", "for", "refund", "new", "address", "prefers", "email", "phone", "vip", "late", "payment", "contract", "renewal", "complaint", "resolved", "pending"]
START_EPOCH_S = 1_640_995_200  # 2022-01-01 00:00:00 UTC
FIRST_BIRTH_DAY = -10_957  # 1940-01-01 as days since 1970-01-01
BIRTH_DAYS = 24_000


# ------------------------------------------------------------------ the data


def data_path(rows: int) -> Path:
    return DATA_DIR / f"dedupe_people_{rows}.parquet"


def _names(rng: np.random.Generator, count: int, prefix: str = "") -> pa.Array:
    names: set[str] = set()
    while len(names) < count:
        parts = rng.integers(0, len(SYLLABLES), int(rng.integers(2, 5)))
        names.add((prefix + "".join(SYLLABLES[p] for p in parts)).capitalize() + (str(int(rng.integers(0, 10))) if len(names) > count // 2 else ""))
    return pa.array(sorted(names), pa.string())


def _entities(rng: np.random.Generator, count: int) -> dict[str, np.ndarray]:
    """The people behind the rows: their keys and the attributes every copy of them shares."""
    zipf = 1.0 / (np.arange(40_000) + 30.0) ** 0.9
    return {
        "last": rng.choice(40_000, size=count, p=zipf / zipf.sum()),
        "postcode": rng.integers(0, 100_000, count),
        "birth": FIRST_BIRTH_DAY + rng.integers(0, BIRTH_DAYS, count),
        "first": rng.integers(0, 3_000, count),
        "city": rng.integers(0, 800, count),
        "country": rng.integers(0, len(COUNTRIES), count),
        "domain": rng.integers(0, len(DOMAINS), count),
        "created": START_EPOCH_S + rng.integers(0, 365 * 86_400, count),
    }


def _chunk(rng: np.random.Generator, first_row: int, who: np.ndarray, people: dict[str, np.ndarray], pools: dict[str, pa.Array]) -> pa.Table:
    n = len(who)
    first = pools["first"].take(pa.array(people["first"][who]))
    last = pools["last"].take(pa.array(people["last"][who]))
    domain = pools["domain"].take(pa.array(people["domain"][who]))
    email = pc.binary_join_element_wise(pc.utf8_lower(first), ".", pc.utf8_lower(last), "@", domain, "")
    email = pc.if_else(pa.array(rng.random(n) < 0.08), pa.scalar(None, pa.string()), email)
    created = people["created"][who]
    updated = created + rng.integers(0, 2 * 365 * 86_400, n)
    balance = np.round(rng.lognormal(5.0, 1.2, n), 2)
    note_words = pools["notes"].take(pa.array(rng.integers(0, len(pools["notes"]), n)))
    notes = pc.if_else(pa.array(rng.random(n) < 0.7), pa.scalar(None, pa.string()), note_words)
    return pa.table(
        {
            ID_COLUMN: pa.array(np.arange(first_row + 1, first_row + n + 1, dtype=np.int64)),
            "first_name": pc.if_else(pa.array(rng.random(n) < 0.01), pa.scalar(None, pa.string()), first),
            "last_name": last,
            "postcode": pools["postcode"].take(pa.array(people["postcode"][who])),
            "birth_date": pa.array(people["birth"][who].astype(np.int32), pa.date32()),
            "email": email,
            "city": pools["city"].take(pa.array(people["city"][who])),
            "country": pools["country"].take(pa.array(people["country"][who])),
            "segment": pools["segment"].take(pa.array(rng.integers(0, len(SEGMENTS), n))),
            "created_at": pa.array(created.astype("datetime64[s]")),
            NEWEST_BY: pa.array(updated.astype("datetime64[s]"), mask=rng.random(n) < 0.01),
            "balance": pa.array(balance, mask=rng.random(n) < 0.03),
            "loyalty_points": pa.array(rng.integers(0, 50_000, n).astype(np.int32), mask=rng.random(n) < 0.2),
            "is_active": pa.array(rng.random(n) < 0.85),
            "notes": notes,
        }
    )


def _is_current(path: Path, rows: int) -> bool:
    return data_is_current(path, path.with_suffix(".json"), {"rows": rows, "seed": SEED, "generator": GENERATOR_VERSION})


def ensure_data(rows: int) -> Path:
    """Write the benchmark table (deterministic for a given row count) unless it is already there."""
    path = data_path(rows)
    if _is_current(path, rows):
        log(f"using {path} ({path.stat().st_size / 1e6:,.0f} MB, {rows:,} rows)")
        return path
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    log(f"generating {path} ({rows:,} rows) ...")
    started = time.perf_counter()
    rng = np.random.default_rng(SEED)
    distinct = max(1, round(rows * (1 - DUPLICATE_SHARE)))
    # Every person appears once; the remaining rows repeat people drawn at random; shuffled.
    who = rng.permutation(np.concatenate([np.arange(distinct), rng.integers(0, distinct, rows - distinct)]))
    people = _entities(rng, distinct)
    notes = [" ".join(NOTE_WORDS[w] for w in rng.integers(0, len(NOTE_WORDS), int(rng.integers(2, 12)))) for _ in range(2_000)]
    pools = {
        "first": _names(rng, 3_000),
        "last": _names(rng, 40_000, prefix=""),
        "postcode": pa.array([f"{1000 + i // 26 // 26 % 9000:04d} {chr(65 + i // 26 % 26)}{chr(65 + i % 26)}" for i in range(100_000)]),
        "city": _names(rng, 800),
        "country": pa.array(COUNTRIES),
        "domain": pa.array(DOMAINS),
        "segment": pa.array(SEGMENTS),
        "notes": pa.array(notes),
    }
    partial = path.with_suffix(".parquet.partial")
    writer: pq.ParquetWriter | None = None
    try:
        for first in range(0, rows, CHUNK_ROWS):
            table = _chunk(rng, first, who[first : first + CHUNK_ROWS], people, pools)
            if writer is None:
                writer = pq.ParquetWriter(str(partial), table.schema, compression="snappy")
            writer.write_table(table, row_group_size=122_880)
    finally:
        if writer is not None:
            writer.close()
    os.replace(partial, path)
    write_data_marker(path, path.with_suffix(".json"), {"rows": rows, "seed": SEED, "generator": GENERATOR_VERSION})
    log(f"generated {path.stat().st_size / 1e6:,.0f} MB in {time.perf_counter() - started:.1f} s")
    return path


# ------------------------------------------------------------------ running


def sql_literal(text: str | Path) -> str:
    return "'" + str(text).replace("'", "''") + "'"


@dataclass(frozen=True)
class Setup:
    """The workspace all contenders share and the settings they all run with."""

    workspace: Path
    source: Path  # the source's lake file: the bytes every contender reads
    memory_limit: str
    threads: int | None
    temp_dir: Path


def prepare_workspace(data: Path, scratch: Path) -> Setup:
    """A fresh workspace with ``data`` registered as source ``people`` (not timed)."""
    sys.path.insert(0, str(ROOT))
    from studio.workspace import Workspace

    root = scratch / "workspace"
    started = time.perf_counter()
    workspace = Workspace.init(root)
    source = workspace.sources.add_file(data, SOURCE_NAME).source
    log(f"registered {data.name} as source {SOURCE_NAME!r} in {time.perf_counter() - started:.1f} s (not timed)")
    lake = workspace.lake
    temp_dir = scratch / "duckdb_tmp"
    temp_dir.mkdir()
    setup = Setup(root, Path(source.path), lake.memory_limit, lake.threads, temp_dir)
    workspace.engine.dispose()
    return setup


# The studio contender: the public API, with its phases timed from the outside.
STUDIO = """\
import json, sys, time
started = time.perf_counter()
sys.path.insert(0, {root!r})
from studio.datasets import Recipe
from studio.datasets import _build, _store
from studio.workspace import Workspace
imported = time.perf_counter()
phases = []

def timed(owner, name, label):
    original = getattr(owner, name, None)
    if original is None:
        return
    def wrapper(*args, **kwargs):
        begun = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            phases.append([label(args), time.perf_counter() - begun])
    setattr(owner, name, wrapper)

timed(_build.RecipePipeline, "_execute", lambda a: a[2] + ": " + " ".join(a[1].split()[:6])[:48])
timed(_store.DatasetStore, "register", lambda a: "registering (hash, store, metadata)")
workspace = Workspace.open({workspace!r})
recipe = Recipe.from_json({recipe!r})
begun = time.perf_counter()
phases.append(["opening the workspace", begun - imported])
result = workspace.datasets.build(recipe)
built = time.perf_counter()
print(json.dumps({{
    "golden_rows": result.dataset.rows, "golden_path": str(result.dataset.path),
    "members_rows": result.members.rows, "members_path": str(result.members.path),
    "clusters": result.stats.get("clusters"), "unchanged": result.unchanged,
    "import_seconds": imported - started, "build_seconds": built - imported, "phases": phases,
}}))
"""


def run_studio(setup: Setup, scratch: Path, attempt: int) -> tuple[Measurement, dict[str, Any]]:
    output = f"deduped_{attempt}"
    recipe = {
        "name": f"bench_{attempt}",
        "output": output,
        "inputs": [SOURCE_NAME],
        "id": ID_COLUMN,
        "dedupe": {"method": "exact", "keys": KEYS, "survivorship": {"newest_by": NEWEST_BY}},
    }
    code = STUDIO.format(root=str(ROOT), workspace=str(setup.workspace), recipe=recipe)
    measured, stdout = run_measured([sys.executable, "-c", code], scratch)
    details = json.loads(stdout.strip().splitlines()[-1])
    if details["unchanged"]:
        log(f"note: studio run {attempt} found its output unchanged")
    return measured, details


def _connect_code(setup: Setup) -> str:
    config: dict[str, Any] = {"memory_limit": setup.memory_limit, "temp_directory": str(setup.temp_dir)}
    if setup.threads:
        config["threads"] = setup.threads
    return f"import duckdb, json\ncon = duckdb.connect(':memory:', config={config!r})\n"


def _window(setup: Setup) -> tuple[str, str]:
    source = f"read_parquet({sql_literal(setup.source)}, file_row_number = true)"
    window = f"PARTITION BY {', '.join(KEYS)} ORDER BY {NEWEST_BY} DESC NULLS LAST, file_row_number"
    return source, window


def run_duckdb_golden(setup: Setup, scratch: Path, attempt: int) -> tuple[Measurement, dict[str, Any]]:
    """The issue's baseline: the golden rows only, in one COPY."""
    golden = scratch / f"duckdb_golden_{attempt}.parquet"
    source, window = _window(setup)
    statements = [
        f"COPY (SELECT * EXCLUDE (file_row_number) FROM {source} QUALIFY row_number() OVER ({window}) = 1 "
        f"ORDER BY file_row_number) TO {sql_literal(golden)} (FORMAT parquet)",
    ]
    code = _connect_code(setup) + "".join(f"con.execute({s!r})\n" for s in statements)
    measured, _ = run_measured([sys.executable, "-c", code], scratch)
    return measured, {"golden_path": str(golden)}


def run_duckdb_members(setup: Setup, scratch: Path, attempt: int) -> tuple[Measurement, dict[str, Any]]:
    """What the studio does, in bare SQL: the window once, then the golden and members tables."""
    golden, members = scratch / f"duckdb_members_golden_{attempt}.parquet", scratch / f"duckdb_members_{attempt}.parquet"
    source, window = _window(setup)
    statements = [
        f"CREATE TEMP TABLE ranked AS SELECT *, row_number() OVER w AS _rank, first_value({ID_COLUMN}) OVER w AS cluster_id "
        f"FROM {source} WINDOW w AS ({window})",
        f"COPY (SELECT * EXCLUDE (_rank, cluster_id, file_row_number) FROM ranked WHERE _rank = 1 ORDER BY file_row_number) "
        f"TO {sql_literal(golden)} (FORMAT parquet)",
        f"COPY (SELECT {ID_COLUMN}, cluster_id FROM ranked ORDER BY file_row_number) TO {sql_literal(members)} (FORMAT parquet)",
    ]
    code = _connect_code(setup) + "".join(f"con.execute({s!r})\n" for s in statements)
    measured, _ = run_measured([sys.executable, "-c", code], scratch)
    return measured, {"golden_path": str(golden), "members_path": str(members)}


CONTENDERS = {"studio": run_studio, "duckdb_golden": run_duckdb_golden, "duckdb_members": run_duckdb_members}


def check_outputs(name: str, details: dict[str, Any], rows: int, expected: dict[str, int] | None) -> dict[str, int]:
    """Golden rows and survivors (sum of person_id); members: one row per input row. Removes
    the bare contenders' output files after reading them."""
    import duckdb

    con = duckdb.connect()
    golden = sql_literal(details["golden_path"])
    facts = dict(zip(("golden_rows", "survivor_id_sum"), map(int, con.execute(f"SELECT count(*), sum({ID_COLUMN}) FROM read_parquet({golden})").fetchone())))
    if "members_path" in details:
        member_rows, clusters = con.execute(f"SELECT count(*), count(DISTINCT cluster_id) FROM read_parquet({sql_literal(details['members_path'])})").fetchone()
        if member_rows != rows or clusters != facts["golden_rows"]:
            raise SystemExit(f"{name}: members has {member_rows:,} rows in {clusters:,} clusters; expected {rows:,} rows in {facts['golden_rows']:,}")
    con.close()
    if name != "studio":
        for key in ("golden_path", "members_path"):
            if key in details:
                Path(details[key]).unlink(missing_ok=True)
    if expected is not None and facts != expected:
        raise SystemExit(f"{name} disagrees with the first contender: {facts} != {expected}")
    return facts


def benchmark(data: Path, rows: int, repeat: int) -> tuple[dict[str, Outcome], dict[str, Any]]:
    outcomes = {name: Outcome(name) for name in CONTENDERS}
    scratch = Path(tempfile.mkdtemp(prefix="dedupe-", dir=DATA_DIR))
    try:
        setup = prepare_workspace(data, scratch)
        warm_page_cache(setup.source)
        expected = None
        for attempt in range(1, repeat + 1):
            for name, run in CONTENDERS.items():
                measured, details = run(setup, scratch, attempt)
                expected = check_outputs(name, details, rows, expected)
                outcomes[name].runs.append(measured)
                outcomes[name].details.append(details)
                log(
                    f"run {attempt}/{repeat} {name}: {measured.seconds:.2f} s "
                    f"({measured.cpu_seconds:.2f} CPU s), peak {measured.peak_rss_kb / 1024:,.0f} MB"
                )
        settings = {"memory_limit": setup.memory_limit, "threads": setup.threads or os.cpu_count(), "golden_rows": expected["golden_rows"]}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return outcomes, settings


# ------------------------------------------------------------------ reporting


def exact_report(data: Path, rows: int, repeat: int, outcomes: dict[str, Outcome], settings: dict[str, Any]) -> dict[str, Any]:
    import duckdb

    baselines = ("duckdb_golden", "duckdb_members")
    studio = outcomes["studio"]
    best = studio.details[studio.best]
    ratio = studio.best_seconds / outcomes["duckdb_golden"].best_seconds
    return {
        "data": str(data),
        "rows": rows,
        "data_bytes": data.stat().st_size,
        "keys": KEYS,
        "golden_rows": settings["golden_rows"],
        "repeat": repeat,
        "machine": {"nproc": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "versions": {"duckdb": duckdb.__version__, "pyarrow": pa.__version__},
        "duckdb_settings": {"memory_limit": settings["memory_limit"], "threads": settings["threads"]},
        "contenders": {
            name: {
                "seconds": round(outcome.best_seconds, 3),
                "all_seconds": [round(run.seconds, 3) for run in outcome.runs],
                "cpu_seconds": round(outcome.best_cpu_seconds, 3),
                **{f"ratio_vs_{b}": round(outcome.best_seconds / outcomes[b].best_seconds, 3) for b in baselines},
                "peak_rss_mb": round(outcome.peak_mb, 1),
            }
            for name, outcome in outcomes.items()
        },
        "studio_phases": {
            "import_seconds": round(best["import_seconds"], 3),
            "build_seconds": round(best["build_seconds"], 3),
            "steps": [[label, round(seconds, 3)] for label, seconds in best["phases"]],
        },
        "floors": {"studio_vs_duckdb": round(ratio, 3), "studio_vs_duckdb_max": RATIO_FLOOR, "studio_vs_duckdb_pass": ratio <= RATIO_FLOOR},
    }


def print_exact(figures: dict[str, Any]) -> None:
    machine, floors, settings = figures["machine"], figures["floors"], figures["duckdb_settings"]
    print(
        f"exact dedupe benchmark: {figures['rows']:,} rows -> {figures['golden_rows']:,} golden rows on {', '.join(figures['keys'])}; "
        f"{figures['data_bytes'] / 1e6:,.0f} MB Parquet, {machine['nproc']} CPUs, DuckDB memory_limit {settings['memory_limit']}, "
        f"threads {settings['threads']}, best of {figures['repeat']}"
    )
    print(f"{'contender':<16} {'seconds':>9} {'vs golden':>10} {'vs members':>11} {'peak RSS MB':>12}")
    for name, row in figures["contenders"].items():
        print(
            f"{name:<16} {row['seconds']:>9.2f} {row['ratio_vs_duckdb_golden']:>9.2f}x "
            f"{row['ratio_vs_duckdb_members']:>10.2f}x {row['peak_rss_mb']:>12,.0f}"
        )
    phases = figures["studio_phases"]
    print(f"studio phases (best run): imports {phases['import_seconds']:.2f} s, open + build {phases['build_seconds']:.2f} s")
    for label, seconds in phases["steps"]:
        print(f"  {seconds:>8.2f} s  {label}")
    other = phases["build_seconds"] - sum(seconds for _, seconds in phases["steps"])
    print(f"  {other:>8.2f} s  other (row count, cluster stats, resolving inputs)")
    verdict = {True: "PASS", False: "FAIL"}
    print(f"studio / duckdb_golden = {floors['studio_vs_duckdb']:.2f}x (floor <= {RATIO_FLOOR}x): {verdict[floors['studio_vs_duckdb_pass']]}")


def run_fuzzy(args: argparse.Namespace) -> dict[str, Any] | None:
    """Run benchmarks/dedupe_fuzzy.py when it is there; its figures (--json) or None."""
    if not FUZZY_SCRIPT.exists():
        print(f"fuzzy part: not available ({FUZZY_SCRIPT.relative_to(ROOT)} is missing)")
        return None
    command = [sys.executable, str(FUZZY_SCRIPT)] + (["--rows", str(args.fuzzy_rows)] if args.fuzzy_rows else []) + (["--json"] if args.as_json else [])
    completed = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE if args.as_json else None, text=True)
    if completed.returncode != 0:
        raise SystemExit(f"fuzzy part: {FUZZY_SCRIPT.name} failed with exit code {completed.returncode}")
    return json.loads(completed.stdout) if args.as_json else None


def main() -> None:
    parser = argparse.ArgumentParser(description="Dedupe benchmark: studio exact dedupe vs bare DuckDB SQL; fuzzy via dedupe_fuzzy.py.")
    parser.add_argument("--part", choices=("exact", "fuzzy", "all"), default="all", help="which part to run (default all)")
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help=f"rows in the exact part's table (default {DEFAULT_ROWS:,})")
    parser.add_argument("--repeat", type=int, default=1, help="runs per contender; the best (minimum) time is reported (default 1)")
    parser.add_argument("--fuzzy-rows", type=int, default=None, help="records for the fuzzy part (passed as dedupe_fuzzy.py --rows)")
    parser.add_argument("--json", dest="as_json", action="store_true", help="print the figures as one JSON document")
    args = parser.parse_args()
    if args.rows < 1 or args.repeat < 1:
        parser.error("--rows and --repeat must be at least 1")
    figures: dict[str, Any] = {}
    if args.part in ("exact", "all"):
        data = ensure_data(args.rows)
        outcomes, settings = benchmark(data, args.rows, args.repeat)
        figures["exact"] = exact_report(data, args.rows, args.repeat, outcomes, settings)
        if not args.as_json:
            print_exact(figures["exact"])
    if args.part in ("fuzzy", "all"):
        if not args.as_json and args.part == "all":
            print()
        figures["fuzzy"] = run_fuzzy(args)
    if args.as_json:
        print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
