"""Features benchmark: the feature proof at scale, the fitted pipeline's transform throughput
against the same transforms written by hand in pandas and in polars, and single-record latency.

Run from the repository root with the project's virtualenv:

    .venv/bin/python benchmarks/features.py                 # 1,000,000 rows x 30 columns
    .venv/bin/python benchmarks/features.py --rows 50000    # a quick check
    .venv/bin/python benchmarks/features.py --json          # the figures as one JSON document

The table (food deliveries: 30 columns of every kind, with missing values, high-cardinality
keys, a copied label, a timestamp after the label time, a constant and an identifier) is
generated deterministically from a fixed numpy seed into ``benchmarks/.data/`` and reused
while its size and row count match. All three parts run in the same run on the same machine:

(a) proof: ``prove_features`` over ``read_parquet(...)`` with the label time, in its own
    process (wall seconds and peak memory from ``os.wait4``, as in benchmarks/ingest.py).
    Floors: under 60 s and under 4096 MB.
(b) throughput: a recipe (numbers median-imputed with indicators and standardized, one clipped
    and logged, six categoricals one-hot encoded with rare grouping, a target-encoded key,
    date parts with cyclic encodings, a boolean, a derived expression) is fitted on 100,000
    rows; then ``transform`` of all rows is timed against the same transforms written by hand
    in pandas and in polars, which use statistics fitted the same way. Their outputs are
    checked equal to the pipeline's before any time is reported. Best of --repeat.
(c) latency: ``transform(pd.DataFrame([record]))`` of single JSON-like records (ISO text
    times, None for missing): p50 and p99 wall milliseconds, and mean CPU milliseconds (the
    steadier figure on a shared machine).
A missed floor is reported, not an error: the exit code is 0 unless a part fails outright.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
from _measure import data_is_current, log, run_measured, write_data_marker

from studio.features import FeatureRecipe, compile_pipeline

DATA_DIR = Path(__file__).resolve().parent / ".data"
DEFAULT_ROWS = 1_000_000
FIT_ROWS = 100_000
LATENCY_RECORDS = 2_000
WARMUP_RECORDS = 50
SEED = 20240802
GENERATOR_VERSION = 1
PROOF_SECONDS_FLOOR = 60.0
PROOF_MEMORY_FLOOR_MB = 4096
TARGET = "delivery_minutes"

CITIES = ["Amsterdam", "Rotterdam", "Utrecht", "Eindhoven", "Groningen", "Tilburg", "Almere", "Breda", "Nijmegen", "Haarlem"]
PAYMENTS = ["card", "cash", "wallet", "voucher"]
WEATHER = ["clear", "cloudy", "rain", "snow", "fog", "windy"]
VEHICLES = ["bike", "scooter", "car"]
CUISINES = ["Pizza", "Sushi", "Burgers", "Thai", "Curry", "Salads", "Tacos", "Pho", "Falafel", "Noodles", "BBQ", "Bakery"]
CATEGORIES = ["standard", "premium", "express", "group", "late_night", "breakfast", "dessert", "grocery", "alcohol"]
NOTES = ["ring twice please", "leave at the door", "call when outside, the bell does not work", "no onions", "extra napkins and cutlery for four people"]
NUMERIC = ["distance_km", "items", "subtotal", "avg_prep_minutes", "restaurant_rating", "courier_speed_kmh", "courier_experience_months", "temperature_c", "traffic_index"]
ONE_HOT = ["city", "payment", "weather", "vehicle", "cuisine", "category"]
ONE_HOT_MIN_FREQUENCY = 0.01
TARGET_SMOOTH = 20.0
TIP_CLIP = (0.0, 30.0)


# ------------------------------------------------------------------ the data


def data_path(rows: int) -> Path:
    return DATA_DIR / f"features_{rows}.parquet"


def _pick(rng: np.random.Generator, pool: list[str], n: int, missing: float = 0.0, p: np.ndarray | None = None) -> pa.Array:
    index = rng.choice(len(pool), n, p=p)
    return pa.array(np.asarray(pool, dtype=object)[index], mask=rng.random(n) < missing if missing else None)


def generate(rows: int) -> pa.Table:
    rng = np.random.default_rng(SEED)
    n = rows
    placed = np.datetime64("2026-01-01T00:00:00") + rng.integers(0, 180 * 86_400, n).astype("timedelta64[s]")
    hour = (placed.astype("datetime64[h]").astype(np.int64) % 24).astype(float)
    distance = rng.gamma(2.0, 1.6, n)
    prep = rng.normal(14, 4, n).clip(3, 40)
    speed = rng.normal(21, 6, n).clip(8, 40)
    weather_index = rng.integers(0, len(WEATHER), n)
    courier_effect = rng.normal(0, 3, 20_000)
    courier = rng.integers(0, 20_000, n)
    minutes = 8 + 60 * distance / speed + 0.6 * prep + 4 * np.isin(hour, [12, 13, 18, 19, 20]) + 3 * (weather_index == 2) + courier_effect[courier] + rng.normal(0, 4, n)
    subtotal = rng.integers(1, 9, n) * rng.uniform(6, 25, n)
    rare = np.array([0.3, 0.25, 0.2, 0.15, 0.095, 0.005])
    table = {
        "order_id": pa.array([f"O{i:08d}" for i in rng.permutation(n)]),
        "placed_at": pa.array(placed),
        "delivered_at": pa.array(placed + (minutes * 60).astype("timedelta64[s]")),
        "restaurant_id": pa.array(np.char.add("R", rng.integers(0, 5_000, n).astype(str))),
        "courier_id": pa.array(np.char.add("C", courier.astype(str))),
        "customer_id": pa.array(np.char.add("U", rng.integers(0, 200_000, n).astype(str))),
        "city": _pick(rng, CITIES, n),
        "payment": _pick(rng, PAYMENTS, n, p=np.array([0.6, 0.1, 0.295, 0.005])),
        "weather": pa.array(np.asarray(WEATHER, dtype=object)[weather_index], mask=rng.random(n) < 0.05),
        "vehicle": _pick(rng, VEHICLES, n),
        "cuisine": _pick(rng, CUISINES, n, missing=0.002),
        "category": _pick(rng, CATEGORIES[:6], n, missing=0.17, p=rare),
        "promo": pa.array(rng.random(n) < 0.2, mask=rng.random(n) < 0.01),
        "distance_km": pa.array(distance.round(2), mask=rng.random(n) < 0.02),
        "items": pa.array(rng.integers(1, 9, n)),
        "subtotal": pa.array(subtotal.round(2)),
        "tip": pa.array((subtotal * rng.uniform(0, 0.2, n)).round(2), mask=rng.random(n) < 0.1),
        "avg_prep_minutes": pa.array(prep.round(1)),
        "restaurant_rating": pa.array(rng.uniform(3.2, 5.0, n).round(1), mask=rng.random(n) < 0.23),
        "courier_speed_kmh": pa.array(speed.round(2)),
        "courier_experience_months": pa.array(rng.integers(0, 60, n)),
        "temperature_c": pa.array(rng.normal(12, 7, n).round(1)),
        "traffic_index": pa.array(rng.uniform(0, 1, n).round(3)),
        "basket_note": _pick(rng, NOTES, n, missing=0.6),
        "noise_a": pa.array(rng.normal(size=n)),
        "noise_b": pa.array(rng.uniform(size=n)),
        "channel": pa.array(np.full(n, "web", dtype=object)),
        "actual_minutes_logged": pa.array((minutes + rng.normal(0, 0.5, n)).round(1)),  # the label under another name
        "cluster_id": pa.array(rng.integers(0, int(n * 0.8), n)),
        TARGET: pa.array(minutes.round(1)),
    }
    return pa.table(table)


def ensure_data(rows: int) -> Path:
    path = data_path(rows)
    marker = path.with_suffix(".json")
    facts = {"rows": rows, "seed": SEED, "generator": GENERATOR_VERSION}
    if data_is_current(path, marker, facts):
        log(f"using {path} ({path.stat().st_size / 1e6:,.0f} MB, {rows:,} rows)")
        return path
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    log(f"generating {path} ({rows:,} rows x 30 columns) ...")
    started = time.perf_counter()
    partial = path.with_suffix(".parquet.partial")
    pq.write_table(generate(rows), partial, row_group_size=100_000)
    os.replace(partial, path)
    write_data_marker(path, marker, facts)
    log(f"generated {path.stat().st_size / 1e6:,.0f} MB in {time.perf_counter() - started:.1f} s")
    return path


# ------------------------------------------------------------------ (a) the proof


PROOF_CODE = """\
import json, sys
import duckdb
from studio.features import prove_features
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")  # its bar would print to stdout on a long query
result = prove_features(con, "read_parquet('" + sys.argv[1].replace("'", "''") + "')", sys.argv[2], time_column="placed_at")
verdicts = {}
for feature in result["features"]:
    verdicts[feature["verdict"]] = verdicts.get(feature["verdict"], 0) + 1
print(json.dumps({"features": len(result["features"]), "sample_rows": result["sample_rows"], "verdicts": verdicts,
                  "rejected": sorted(f["name"] for f in result["features"] if f["verdict"] == "reject")}))
"""


def run_proof(path: Path, scratch: Path) -> dict[str, Any]:
    measured, stdout = run_measured([sys.executable, "-c", PROOF_CODE, str(path), TARGET], scratch, cwd=Path(__file__).resolve().parent.parent)
    summary = json.loads(stdout.strip().splitlines()[-1])
    return {"seconds": round(measured.seconds, 3), "cpu_seconds": round(measured.cpu_seconds, 3), "peak_rss_mb": round(measured.peak_rss_kb / 1024, 1), **summary}


# ------------------------------------------------------------------ (b) throughput


def recipe() -> FeatureRecipe:
    numbers = [{"op": "impute", "strategy": "median"}, {"op": "standardize"}]
    columns: dict[str, Any] = {name: {"kind": "numeric", "steps": numbers} for name in NUMERIC}
    columns["tip"] = {"kind": "numeric", "steps": [{"op": "impute", "strategy": "median"}, {"op": "clip", "low": TIP_CLIP[0], "high": TIP_CLIP[1]}, {"op": "log"}, {"op": "standardize"}]}
    columns.update({name: {"kind": "categorical", "steps": [{"op": "one_hot", "min_frequency": ONE_HOT_MIN_FREQUENCY, "max_categories": None}]} for name in ONE_HOT})
    columns["restaurant_id"] = {"kind": "categorical", "steps": [{"op": "target", "smooth": TARGET_SMOOTH}]}
    columns["placed_at"] = {"kind": "date", "steps": [{"op": "date_parts", "parts": ["month", "dayofweek", "hour"]}, {"op": "cyclic", "parts": ["dayofweek", "hour"]}]}
    columns["promo"] = {"kind": "boolean", "steps": [{"op": "impute", "strategy": "most_frequent"}]}
    expressions = [{"name": "eta", "expr": "distance_km / courier_speed_kmh * 60", "steps": numbers}]
    return FeatureRecipe.from_json({"target": TARGET, "columns": columns, "expressions": expressions})


def fit_statistics(train: pd.DataFrame) -> dict[str, Any]:
    """What the hand-written contenders learn from the fitting rows (not timed)."""
    stats: dict[str, Any] = {"median": {}, "mean": {}, "std": {}, "missing": [], "one_hot": {}}
    train = train.assign(eta=np.where(train["courier_speed_kmh"] == 0, np.nan, train["distance_km"] / train["courier_speed_kmh"] * 60))
    for name in [*NUMERIC, "tip", "eta"]:
        values = train[name].astype(float)
        median = float(values.median())
        filled = values.fillna(median)
        if name == "tip":
            filled = filled.clip(*TIP_CLIP)
            filled = np.sign(filled) * np.log1p(np.abs(filled))
        stats["median"][name], stats["mean"][name], stats["std"][name] = median, float(filled.mean()), float(filled.std(ddof=0))
        if values.isna().any():
            stats["missing"].append(name)
    for name in ONE_HOT:
        values = train[name].astype(object).where(train[name].notna(), "(missing)")
        counts = values.value_counts()
        kept = sorted(str(v) for v, n in counts.items() if n >= ONE_HOT_MIN_FREQUENCY * len(values))
        stats["one_hot"][name] = (kept, len(kept) < len(counts))
    y = train[TARGET].to_numpy(dtype=float)
    grouped = pd.DataFrame({"key": train["restaurant_id"].astype(object), "y": y}).groupby("key")["y"].agg(["sum", "count"])
    stats["target_mean"] = float(y.mean())
    stats["target"] = ((grouped["sum"] + TARGET_SMOOTH * y.mean()) / (grouped["count"] + TARGET_SMOOTH)).to_dict()
    promo = train["promo"].dropna().astype(float)
    stats["promo"] = float(promo.value_counts().sort_index().idxmax())
    return stats


def hand_pandas(frame: pd.DataFrame, stats: dict[str, Any], names: list[str]) -> np.ndarray:
    out: dict[str, np.ndarray] = {}
    speed = frame["courier_speed_kmh"].to_numpy(dtype=float, na_value=np.nan)
    distance = frame["distance_km"].to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        eta = np.where(speed == 0, np.nan, distance / speed * 60)
    for name in [*NUMERIC, "tip", "eta"]:
        values = eta if name == "eta" else frame[name].to_numpy(dtype=float, na_value=np.nan)
        missing = np.isnan(values)
        filled = np.where(missing, stats["median"][name], values)
        if name == "tip":
            filled = np.clip(filled, *TIP_CLIP)
            filled = np.sign(filled) * np.log1p(np.abs(filled))
        out[name] = (filled - stats["mean"][name]) / stats["std"][name]
        if name in stats["missing"]:
            out[f"{name}__missing"] = missing.astype(float)
    for name in ONE_HOT:
        values = frame[name].astype(object).where(frame[name].notna(), "(missing)").to_numpy()
        kept, has_other = stats["one_hot"][name]
        for category in kept:
            out[f"{name}={category}"] = (values == category).astype(float)
        if has_other:
            out[f"{name}=(other)"] = (~pd.Series(values).isin(kept).to_numpy()).astype(float)
    out["restaurant_id"] = frame["restaurant_id"].map(stats["target"]).fillna(stats["target_mean"]).to_numpy(dtype=float)
    times = frame["placed_at"]
    hour, weekday = times.dt.hour.to_numpy(dtype=float), times.dt.day_of_week.to_numpy(dtype=float)
    out["placed_at__month"], out["placed_at__dayofweek"], out["placed_at__hour"] = times.dt.month.to_numpy(dtype=float), weekday, hour
    out["placed_at__dayofweek_sin"], out["placed_at__dayofweek_cos"] = np.sin(2 * np.pi * weekday / 7), np.cos(2 * np.pi * weekday / 7)
    out["placed_at__hour_sin"], out["placed_at__hour_cos"] = np.sin(2 * np.pi * hour / 24), np.cos(2 * np.pi * hour / 24)
    promo = frame["promo"].astype(float)
    out["promo"] = promo.fillna(stats["promo"]).to_numpy(dtype=float)
    if "promo__missing" in names:
        out["promo__missing"] = promo.isna().to_numpy(dtype=float)
    return np.column_stack([out[name] for name in names])


def hand_polars(frame: pl.DataFrame, stats: dict[str, Any], names: list[str]) -> np.ndarray:
    exprs: dict[str, pl.Expr] = {}
    eta = pl.when(pl.col("courier_speed_kmh") == 0).then(None).otherwise(pl.col("distance_km") / pl.col("courier_speed_kmh") * 60)
    for name in [*NUMERIC, "tip", "eta"]:
        values = (eta if name == "eta" else pl.col(name)).cast(pl.Float64)
        filled = values.fill_null(stats["median"][name])
        if name == "tip":
            filled = filled.clip(*TIP_CLIP)
            filled = filled.sign() * filled.abs().log1p()
        exprs[name] = (filled - stats["mean"][name]) / stats["std"][name]
        if name in stats["missing"]:
            exprs[f"{name}__missing"] = values.is_null().cast(pl.Float64)
    for name in ONE_HOT:
        values = pl.col(name).fill_null("(missing)")
        kept, has_other = stats["one_hot"][name]
        for category in kept:
            exprs[f"{name}={category}"] = (values == category).cast(pl.Float64)
        if has_other:
            exprs[f"{name}=(other)"] = (~values.is_in(kept)).cast(pl.Float64)
    encoding = stats["target"]
    exprs["restaurant_id"] = pl.col("restaurant_id").replace_strict(list(encoding), list(encoding.values()), default=stats["target_mean"], return_dtype=pl.Float64)
    hour, weekday = pl.col("placed_at").dt.hour().cast(pl.Float64), (pl.col("placed_at").dt.weekday() - 1).cast(pl.Float64)
    exprs["placed_at__month"], exprs["placed_at__dayofweek"], exprs["placed_at__hour"] = pl.col("placed_at").dt.month().cast(pl.Float64), weekday, hour
    exprs["placed_at__dayofweek_sin"], exprs["placed_at__dayofweek_cos"] = (2 * np.pi * weekday / 7).sin(), (2 * np.pi * weekday / 7).cos()
    exprs["placed_at__hour_sin"], exprs["placed_at__hour_cos"] = (2 * np.pi * hour / 24).sin(), (2 * np.pi * hour / 24).cos()
    exprs["promo"] = pl.col("promo").cast(pl.Float64).fill_null(stats["promo"])
    if "promo__missing" in names:
        exprs["promo__missing"] = pl.col("promo").is_null().cast(pl.Float64)
    return frame.select([exprs[name].alias(name) for name in names]).to_numpy()


def best_time(action: Any, repeat: int) -> tuple[float, float, Any]:
    """The best wall seconds and the CPU seconds of that run (steadier on a shared machine)."""
    best, best_cpu, result = float("inf"), float("inf"), None
    for _ in range(repeat):
        started, cpu_started = time.perf_counter(), time.process_time()
        result = action()
        seconds = time.perf_counter() - started
        if seconds < best:
            best, best_cpu = seconds, time.process_time() - cpu_started
    return best, best_cpu, result


def run_throughput(path: Path, rows: int, repeat: int) -> tuple[dict[str, Any], Any, pd.DataFrame]:
    con = duckdb.connect()
    frame = con.execute(f"SELECT * FROM read_parquet('{path}')").df()
    polars_frame = pl.read_parquet(path)
    train = frame.iloc[: min(FIT_ROWS, rows)]
    pipeline = compile_pipeline(recipe(), task="regression").fit(train, train[TARGET])
    names = [str(n) for n in pipeline.get_feature_names_out()]
    stats = fit_statistics(train)
    contenders = {
        "studio": lambda: pipeline.transform(frame),
        "pandas": lambda: hand_pandas(frame, stats, names),
        "polars": lambda: hand_polars(polars_frame, stats, names),
    }
    figures: dict[str, Any] = {"features_out": len(names)}
    reference = None
    for name, action in contenders.items():
        seconds, cpu_seconds, output = best_time(action, repeat)
        if reference is None:
            reference = output
        elif not np.allclose(output, reference, rtol=1e-9, atol=1e-9, equal_nan=True):
            worst = int(np.argmax(np.nanmax(np.abs(output - reference), axis=0)))
            raise SystemExit(f"{name} differs from the studio pipeline, first at feature {names[worst]!r}")
        figures[name] = {"seconds": round(seconds, 3), "cpu_seconds": round(cpu_seconds, 3), "rows_per_second": round(rows / seconds)}
        log(f"throughput {name}: {seconds:.2f} s ({cpu_seconds:.2f} CPU s), {rows / seconds:,.0f} rows/s")
    for name in ("pandas", "polars"):
        figures[f"studio_vs_{name}"] = round(figures["studio"]["seconds"] / figures[name]["seconds"], 3)
    return figures, pipeline, frame


# ------------------------------------------------------------------ (c) latency


def json_records(frame: pd.DataFrame, count: int) -> list[dict[str, Any]]:
    """Records as a JSON request carries them: ISO text for times, None for missing."""
    rows = frame.sample(min(count, len(frame)), random_state=SEED).drop(columns=[TARGET])
    return json.loads(rows.to_json(orient="records", date_format="iso"))


def run_latency(pipeline: Any, frame: pd.DataFrame) -> dict[str, Any]:
    records = json_records(frame, LATENCY_RECORDS + WARMUP_RECORDS)
    for record in records[:WARMUP_RECORDS]:
        pipeline.transform(pd.DataFrame([record]))
    walls, cpu_started = [], time.process_time()
    for record in records[WARMUP_RECORDS:]:
        started = time.perf_counter()
        pipeline.transform(pd.DataFrame([record]))
        walls.append(time.perf_counter() - started)
    cpu = (time.process_time() - cpu_started) / len(walls)
    ms = np.array(walls) * 1000
    return {"records": len(walls), "p50_ms": round(float(np.percentile(ms, 50)), 3), "p99_ms": round(float(np.percentile(ms, 99)), 3), "mean_cpu_ms": round(cpu * 1000, 3)}


# ------------------------------------------------------------------ reporting


def main() -> None:
    parser = argparse.ArgumentParser(description="Features benchmark: proof at scale, pipeline transform vs pandas and polars, single-record latency.")
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help=f"rows in the generated table (default {DEFAULT_ROWS:,})")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each throughput contender; the best is reported (default 1)")
    parser.add_argument("--json", dest="as_json", action="store_true", help="print the figures as one JSON document")
    args = parser.parse_args()
    if args.rows < 1000 or args.repeat < 1:
        parser.error("--rows must be at least 1000 and --repeat at least 1")
    path = ensure_data(args.rows)
    scratch = Path(tempfile.mkdtemp(prefix="features-", dir=DATA_DIR))
    try:
        log("proof ...")
        proof = run_proof(path, scratch)
        log(f"proof: {proof['seconds']:.1f} s, peak {proof['peak_rss_mb']:,.0f} MB, rejected {proof['rejected']}")
    finally:
        scratch.rmdir()
    throughput, pipeline, frame = run_throughput(path, args.rows, args.repeat)
    latency = run_latency(pipeline, frame)
    figures = {
        "rows": args.rows,
        "columns": 30,
        "machine": {"nproc": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "versions": {name: __import__(name).__version__ for name in ("duckdb", "pandas", "polars", "sklearn", "numpy")},
        "proof": proof,
        "throughput": throughput,
        "latency": latency,
        "floors": {
            "proof_seconds_max": PROOF_SECONDS_FLOOR,
            "proof_seconds_pass": proof["seconds"] < PROOF_SECONDS_FLOOR,
            "proof_peak_mb_max": PROOF_MEMORY_FLOOR_MB,
            "proof_peak_mb_pass": proof["peak_rss_mb"] < PROOF_MEMORY_FLOOR_MB,
        },
    }
    if args.as_json:
        print(json.dumps(figures, indent=2))
        return
    verdict = {True: "PASS", False: "FAIL"}
    floors = figures["floors"]
    print(f"features benchmark: {args.rows:,} rows x 30 columns, {os.cpu_count()} CPUs")
    print(f"(a) proof: {proof['seconds']:.1f} s ({proof['cpu_seconds']:.1f} CPU s), peak {proof['peak_rss_mb']:,.0f} MB, {proof['features']} features on {proof['sample_rows']:,} sampled rows: {proof['verdicts']}")
    print(f"    rejected: {', '.join(proof['rejected'])}")
    print(f"    under {PROOF_SECONDS_FLOOR:.0f} s: {verdict[floors['proof_seconds_pass']]}; under {PROOF_MEMORY_FLOOR_MB} MB: {verdict[floors['proof_peak_mb_pass']]}")
    print(f"(b) transform of {args.rows:,} rows into {throughput['features_out']} features (outputs checked equal):")
    for name in ("studio", "pandas", "polars"):
        row = throughput[name]
        print(f"    {name:<7} {row['seconds']:>8.2f} s ({row['cpu_seconds']:.2f} CPU s) {row['rows_per_second']:>12,} rows/s")
    print(f"    studio / pandas = {throughput['studio_vs_pandas']:.2f}x time, studio / polars = {throughput['studio_vs_polars']:.2f}x time")
    print(f"(c) single record: p50 {latency['p50_ms']:.2f} ms, p99 {latency['p99_ms']:.2f} ms, mean CPU {latency['mean_cpu_ms']:.2f} ms over {latency['records']:,} records")


if __name__ == "__main__":
    main()
