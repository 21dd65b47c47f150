"""Fuzzy dedupe benchmark: studio's Splink entity resolution on person records with known truth.

Run from the repository root with the project's virtualenv:

    .venv/bin/python benchmarks/dedupe_fuzzy.py                 # 1,000,000 records
    .venv/bin/python benchmarks/dedupe_fuzzy.py --rows 100000   # a quick run
    .venv/bin/python benchmarks/dedupe_fuzzy.py --json          # the figures as one JSON document

The records (``benchmarks/_people.py``: ~1.69 records a person, with typos, swapped first and
last names, missing values, transposed date parts, moves and changed e-mail addresses) are
generated deterministically into ``benchmarks/.data/`` as Parquet and reused while their row
count, seed and generator version match.

The measured run is one subprocess that opens DuckDB the way the studio does (in memory, with
a memory limit and a temp directory under ``benchmarks/.data/``), puts a view over the Parquet
file, and calls ``suggest_config`` then ``resolve`` with the suggested settings, untouched: any
tuning belongs in ``suggest_config``'s heuristics, not here. It then scores the clusters against
the truth, pairwise: precision = true pairs found / pairs put together, recall = true pairs
found / true pairs, F1 their harmonic mean.

Seconds are wall time around the subprocess (interpreter start-up, imports and the scoring
included) and, separately, suggest + resolve alone; peak memory is the child's ``ru_maxrss``
from ``os.wait4`` (DuckDB runs in the child's process, so this covers it), taken by a small
launcher process so this script's own memory (the generator) does not count. The floors checked
are F1 >= 0.95, resolve under 600 s and peak memory under 8 GB; a missed floor is reported, not
an error: the exit code is 0 unless the run fails outright.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _measure import MEASURE, log

DATA_DIR = Path(__file__).resolve().parent / ".data"
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ROWS = 1_000_000
SEED = 20240607
GENERATOR_VERSION = 1
MEMORY_LIMIT = "6GB"
F1_FLOOR = 0.95
SECONDS_FLOOR = 600.0
MEMORY_FLOOR_MB = 8192


# ------------------------------------------------------------------ the data


def data_path(rows: int) -> Path:
    return DATA_DIR / f"people_{rows}.parquet"


def ensure_data(rows: int) -> Path:
    """Write the benchmark records (deterministic for a row count) unless already there."""
    import pyarrow.parquet as pq

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _people import people

    path = data_path(rows)
    marker = path.with_suffix(".json")
    expected = {"rows": rows, "seed": SEED, "generator": GENERATOR_VERSION}
    if path.exists() and marker.exists() and json.loads(marker.read_text()) == {**expected, "bytes": path.stat().st_size}:
        log(f"using {path} ({rows:,} records)")
        return path
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    log(f"generating {path} ({rows:,} records) ...")
    started = time.perf_counter()
    table = people(rows, SEED)
    partial = path.with_suffix(".parquet.partial")
    pq.write_table(table, partial)
    os.replace(partial, path)
    marker.write_text(json.dumps({**expected, "bytes": path.stat().st_size}) + "\n")
    log(f"generated {table.num_rows:,} records of {len(set(table.column('entity_id').to_pylist())):,} people in {time.perf_counter() - started:.1f} s")
    return path


# ------------------------------------------------------------------ the measured child


CHILD = """\
import json, sys, time
sys.path.insert(0, {root!r})
import duckdb
from studio.consolidate import resolve, suggest_config

started = time.perf_counter()
con = duckdb.connect(":memory:", config={{"memory_limit": {memory!r}, "temp_directory": {temp!r}}})
con.execute({view!r})
phases = []
def progress(fraction, message):
    phases.append([round(time.perf_counter() - started, 2), message])
config = suggest_config(con, "people", "row_id", exclude=["entity_id"])
suggested = time.perf_counter()
result = resolve(con, "people", "row_id", config, on_progress=progress)
resolved = time.perf_counter()
tp, predicted, actual, rows, clusters = con.execute(
    "WITH m AS (SELECT m.cluster_id, p.entity_id FROM " + result.members + " m JOIN people p USING (row_id)) "
    "SELECT (SELECT sum(n * (n - 1) // 2) FROM (SELECT count(*) AS n FROM m GROUP BY cluster_id, entity_id)), "
    "(SELECT sum(n * (n - 1) // 2) FROM (SELECT count(*) AS n FROM m GROUP BY cluster_id)), "
    "(SELECT sum(n * (n - 1) // 2) FROM (SELECT count(*) AS n FROM m GROUP BY entity_id)), "
    "(SELECT count(*) FROM m), (SELECT count(DISTINCT entity_id) FROM m)"
).fetchall()[0]
pairs = con.execute("SELECT count(*) FROM " + result.pairs).fetchall()[0][0]
print(json.dumps({{
    "config": config.to_json(), "clusters": result.clusters, "true_entities": clusters, "member_rows": rows,
    "true_positive_pairs": int(tp), "predicted_pairs": int(predicted), "true_pairs": int(actual), "scored_pairs": int(pairs),
    "suggest_seconds": suggested - started, "resolve_seconds": resolved - suggested, "phases": phases,
    "threshold": result.parameters["threshold"], "probability_two_random_records_match": result.parameters.get("probability_two_random_records_match"),
}}))
"""

def run(path: Path, rows: int) -> dict[str, Any]:
    scratch = Path(tempfile.mkdtemp(prefix="dedupe-fuzzy-", dir=DATA_DIR))
    temp = scratch / "duckdb_tmp"
    view = "CREATE VIEW people AS SELECT * FROM read_parquet('" + str(path).replace("'", "''") + "')"
    code = CHILD.format(root=str(ROOT), memory=MEMORY_LIMIT, temp=str(temp), view=view)
    measure = scratch / "measure.json"
    try:
        completed = subprocess.run([sys.executable, "-c", MEASURE, str(measure), sys.executable, "-c", code], capture_output=True, text=True)
        if completed.returncode != 0:
            raise SystemExit(f"the fuzzy dedupe run failed with exit code {completed.returncode}:\n{completed.stderr.strip()[-3000:]}")
        measured = json.loads(measure.read_text())
    finally:
        for item in sorted(scratch.rglob("*"), reverse=True):
            item.rmdir() if item.is_dir() else item.unlink()
        scratch.rmdir()
    outcome = json.loads(completed.stdout.strip().splitlines()[-1])
    if outcome["member_rows"] != rows:
        raise SystemExit(f"members has {outcome['member_rows']:,} rows, expected {rows:,}")
    return {**outcome, **measured}


# ------------------------------------------------------------------ reporting


def report(path: Path, rows: int, outcome: dict[str, Any]) -> dict[str, Any]:
    tp, predicted, actual = outcome["true_positive_pairs"], outcome["predicted_pairs"], outcome["true_pairs"]
    precision = tp / predicted if predicted else 1.0
    recall = tp / actual if actual else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    dedupe_seconds = outcome["suggest_seconds"] + outcome["resolve_seconds"]
    peak_mb = outcome["peak_rss_kb"] / 1024
    import duckdb
    import splink

    return {
        "data": str(path),
        "rows": rows,
        "machine": {"nproc": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "versions": {"duckdb": duckdb.__version__, "splink": splink.__version__},
        "memory_limit": MEMORY_LIMIT,
        "config": outcome["config"],
        "threshold": outcome["threshold"],
        "probability_two_random_records_match": outcome["probability_two_random_records_match"],
        "clusters": outcome["clusters"],
        "true_entities": outcome["true_entities"],
        "scored_pairs": outcome["scored_pairs"],
        "pairs": {"true_positive": tp, "predicted": predicted, "true": actual},
        "precision": round(precision, 5),
        "recall": round(recall, 5),
        "f1": round(f1, 5),
        "seconds": {
            "suggest_config": round(outcome["suggest_seconds"], 2),
            "resolve": round(outcome["resolve_seconds"], 2),
            "suggest_and_resolve": round(dedupe_seconds, 2),
            "process_wall": round(outcome["seconds"], 2),
            "process_cpu": round(outcome["cpu_seconds"], 2),
        },
        "phases": outcome["phases"],
        "peak_rss_mb": round(peak_mb, 1),
        "floors": {
            "f1_min": F1_FLOOR,
            "f1_pass": f1 >= F1_FLOOR,
            "seconds_max": SECONDS_FLOOR,
            "seconds_pass": outcome["seconds"] < SECONDS_FLOOR,
            "peak_mb_max": MEMORY_FLOOR_MB,
            "peak_mb_pass": peak_mb < MEMORY_FLOOR_MB,
        },
    }


def print_table(figures: dict[str, Any]) -> None:
    seconds, floors = figures["seconds"], figures["floors"]
    verdict = {True: "PASS", False: "FAIL"}
    print(f"fuzzy dedupe benchmark: {figures['rows']:,} records of {figures['true_entities']:,} people, {figures['machine']['nproc']} CPUs")
    print(f"suggested blocking: {' | '.join(' + '.join(rule) for rule in figures['config']['blocking'])}")
    print(f"comparisons: {', '.join(c['column'] + ':' + c['kind'] for c in figures['config']['comparisons'])}")
    print(f"scored pairs {figures['scored_pairs']:,}; threshold {figures['threshold']['used']:.3f} ({figures['threshold']['from']}); clusters {figures['clusters']:,}")
    print(f"precision {figures['precision']:.4f}  recall {figures['recall']:.4f}  F1 {figures['f1']:.4f} (floor >= {F1_FLOOR}): {verdict[floors['f1_pass']]}")
    print(
        f"seconds: suggest {seconds['suggest_config']:.1f}, resolve {seconds['resolve']:.1f}, whole process {seconds['process_wall']:.1f} "
        f"(floor < {SECONDS_FLOOR:.0f}): {verdict[floors['seconds_pass']]}"
    )
    print(f"peak memory {figures['peak_rss_mb']:,.0f} MB (floor < {MEMORY_FLOOR_MB} MB): {verdict[floors['peak_mb_pass']]}")


def main() -> None:
    parser = argparse.ArgumentParser(description="Fuzzy dedupe benchmark: suggest_config + resolve on person records with known truth.")
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help=f"records to generate (default {DEFAULT_ROWS:,})")
    parser.add_argument("--json", dest="as_json", action="store_true", help="print the figures as one JSON document")
    args = parser.parse_args()
    if args.rows < 2:
        parser.error("--rows must be at least 2")
    path = ensure_data(args.rows)
    outcome = run(path, args.rows)
    figures = report(path, args.rows, outcome)
    if args.as_json:
        print(json.dumps(figures, indent=2))
    else:
        print_table(figures)


if __name__ == "__main__":
    main()
