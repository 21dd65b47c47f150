"""Evaluation benchmark: the evaluation report and the ML test suite of a model trained on
1,000,000 rows, and the model's skops artifact against a plain joblib dump of the same pipeline.

Run from the repository root with the project's virtualenv:

    .venv/bin/python benchmarks/evaluation.py                 # 1,000,000 training rows, 200,000 holdout rows
    .venv/bin/python benchmarks/evaluation.py --repeat 3      # best (minimum) time of 3 runs of each timed step
    .venv/bin/python benchmarks/evaluation.py --rows 50000 --holdout-rows 10000   # a quick check
    .venv/bin/python benchmarks/evaluation.py --json          # the figures as one JSON document

The data (food deliveries: 11 input columns of numbers with gaps, whole numbers, categories and
a flag, and a binary target ``late``) is generated deterministically from a fixed numpy seed
into ``benchmarks/.data/`` as two Parquet files (training and holdout) and reused while its row
counts, seed and generator version match.

Steps, each in its own subprocess:

1. train (not timed against a floor): the studio's kind of pipeline, a ColumnTransformer
   (median imputation and scaling of numbers, one-hot of categories) and a
   HistGradientBoostingClassifier (100 iterations), fitted on the training rows; a weaker
   reference model (20 iterations, 200,000 rows) stands for the current production version.
   Both are saved with ``save_artifact`` (skops, sha256); the challenger also with a plain
   ``joblib.dump``. The input signature and expectations come from 100,000 training rows.
2. evaluate (the floor): load both artifacts (hash checked, allow-list), read the holdout,
   score it once, compute ``evaluation_report`` and ``run_suite`` (the default tests plus an
   invariance and a directional test, the no-regression test against the reference with 1,000
   bootstrap resamples, the input expectations, the artifact size), sharing the one scoring,
   with the library defaults (models predict on one thread, ``PREDICT_THREADS``).
3. load_skops and load_joblib: load the challenger's artifact (``load_artifact``: read, sha256,
   allow-list, skops) or its joblib dump (``joblib.load``, which runs pickle), timed inside the
   process around the load call alone (the same modules imported before the clock starts).

Seconds are wall time around the subprocess (interpreter start-up and imports included); peak
memory is the child's ``ru_maxrss`` from ``os.wait4``, taken by a small launcher process (see
ingest.py). The evaluate step also reports its phases. The floor checked is the evaluate step
under 60 s and under 4,096 MB; a missed floor is reported, not an error: the exit code is 0
unless a step fails outright.
"""

from __future__ import annotations

import argparse
import importlib
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
import pyarrow.parquet as pq
from _measure import Outcome, data_is_current, log, run_measured, warm_page_cache, write_data_marker

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(__file__).resolve().parent / ".data"
DEFAULT_ROWS = 1_000_000
DEFAULT_HOLDOUT_ROWS = 200_000
SEED = 20240610
GENERATOR_VERSION = 1
SECONDS_FLOOR = 60.0
MEMORY_FLOOR_MB = 4096
TARGET = "late"
NUMERIC = ["distance_km", "prep_minutes", "items", "hour", "courier_rating", "basket_eur", "noise"]
CATEGORICAL = ["city", "weather", "vehicle", "segment"]
CITIES = ["Amsterdam", "Rotterdam", "Utrecht", "Eindhoven", "Groningen", "Tilburg", "Almere", "Breda", "Nijmegen", "Haarlem"]
WEATHER = {"clear": 0.0, "cloudy": 0.1, "rain": 0.6, "snow": 1.2, "fog": 0.4, "windy": 0.3}
VEHICLE = {"bike": 0.3, "scooter": 0.0, "car": -0.2}
SEGMENTS = ["new", "casual", "regular", "loyal", "business"]
REFERENCE_ROWS = 200_000
EXPECTATION_ROWS = 100_000
SUITE = {
    "invariance": [{"feature": "segment", "tolerance": 0.1}],
    "directional": [{"feature": "distance_km", "expect": "higher", "max_failure_rate": 0.2}],
}


# ------------------------------------------------------------------ the data


def _table(rng: np.random.Generator, rows: int) -> pa.Table:
    distance = rng.gamma(2.0, 2.5, rows)
    prep = np.clip(rng.normal(15, 5, rows), 2, None)
    items = rng.poisson(2, rows) + 1
    hour = rng.integers(0, 24, rows)
    rating = rng.normal(4.5, 0.3, rows)
    basket = rng.lognormal(3, 0.5, rows)
    city = rng.choice(len(CITIES), rows, p=np.linspace(2, 1, len(CITIES)) / np.linspace(2, 1, len(CITIES)).sum())
    weather = rng.choice(len(WEATHER), rows, p=[0.4, 0.25, 0.2, 0.03, 0.07, 0.05])
    vehicle = rng.choice(len(VEHICLE), rows)
    segment = rng.choice(len(SEGMENTS), rows)
    rush = ((hour >= 11) & (hour <= 13)) | ((hour >= 17) & (hour <= 20))
    logit = (
        -2.2 + 0.22 * distance + 0.06 * (prep - 15) + 0.1 * items + 0.7 * rush - 0.8 * (rating - 4.5)
        + np.array(list(WEATHER.values()))[weather] + np.array(list(VEHICLE.values()))[vehicle] + 0.05 * city
        + rng.logistic(0, 1, rows) * 0.5
    )
    late = rng.random(rows) < 1 / (1 + np.exp(-logit))
    rating_mask = rng.random(rows) < 0.05
    return pa.table(
        {
            "distance_km": np.round(distance, 2),
            "prep_minutes": np.round(prep, 1),
            "items": items.astype("int64"),
            "hour": hour.astype("int64"),
            "courier_rating": pa.array(np.round(rating, 2), mask=rating_mask),
            "basket_eur": np.round(basket, 2),
            "noise": rng.normal(0, 1, rows),
            "city": pa.array(np.array(CITIES)[city]),
            "weather": pa.array(np.array(list(WEATHER))[weather]),
            "vehicle": pa.array(np.array(list(VEHICLE))[vehicle]),
            "segment": pa.array(np.array(SEGMENTS)[segment]),
            TARGET: pa.array(np.where(late, "yes", "no")),
        }
    )


def ensure_data(rows: int, holdout_rows: int) -> tuple[Path, Path]:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    paths = (DATA_DIR / f"evaluation_train_{rows}.parquet", DATA_DIR / f"evaluation_holdout_{holdout_rows}.parquet")
    for path, count, offset in ((paths[0], rows, 0), (paths[1], holdout_rows, 1)):
        marker = path.with_suffix(".json")
        facts = {"rows": count, "seed": SEED + offset, "generator": GENERATOR_VERSION}
        if data_is_current(path, marker, facts):
            continue
        log(f"generating {count:,} rows into {path.name} ...")
        pq.write_table(_table(np.random.default_rng(SEED + offset), count), path)
        write_data_marker(path, marker, facts)
    return paths


# ------------------------------------------------------------------ the steps (run in children)


def _pipeline(iterations: int) -> Any:
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    features = ColumnTransformer(
        [
            ("numeric", Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]), NUMERIC),
            ("categorical", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL),
        ]
    )
    return Pipeline([("features", features), ("model", HistGradientBoostingClassifier(max_iter=iterations, random_state=0))])


def step_train(train: Path, scratch: Path) -> dict[str, Any]:
    import joblib
    import pandas as pd

    from studio.models import input_expectations, input_signature, save_artifact

    started = time.perf_counter()
    frame = pd.read_parquet(train)
    inputs, target = frame.drop(columns=[TARGET]), frame[TARGET]
    challenger = _pipeline(100).fit(inputs, target)
    fitted = time.perf_counter()
    reference = _pipeline(20).fit(inputs.iloc[:REFERENCE_ROWS], target.iloc[:REFERENCE_ROWS])
    sample = frame.sample(n=min(EXPECTATION_ROWS, len(frame)), random_state=0)
    (scratch / "signature.json").write_text(json.dumps(input_signature(sample, TARGET)))
    (scratch / "expectations.json").write_text(json.dumps(input_expectations(sample.drop(columns=[TARGET]))))
    saving = time.perf_counter()
    sha = save_artifact(challenger, scratch / "challenger.skops")
    saved = time.perf_counter()
    joblib.dump(challenger, scratch / "challenger.joblib")
    dumped = time.perf_counter()
    return {
        "challenger_sha256": sha,
        "reference_sha256": save_artifact(reference, scratch / "reference.skops"),
        "fit_seconds": fitted - started,
        "skops_save_seconds": saved - saving,
        "joblib_dump_seconds": dumped - saved,
        "skops_bytes": (scratch / "challenger.skops").stat().st_size,
        "joblib_bytes": (scratch / "challenger.joblib").stat().st_size,
    }


def step_evaluate(holdout: Path, scratch: Path, shas: dict[str, str]) -> dict[str, Any]:
    phases: list[list[Any]] = []
    begun = time.perf_counter()

    def phase(label: str) -> None:
        nonlocal begun
        now = time.perf_counter()
        phases.append([label, now - begun])
        begun = now

    import pandas as pd

    from studio.evaluation import evaluation_report, predict, run_suite, suite_passed
    from studio.models import load_artifact

    phase("imports")
    challenger = load_artifact(scratch / "challenger.skops", shas["challenger_sha256"])
    reference = load_artifact(scratch / "reference.skops", shas["reference_sha256"])
    phase("loading both artifacts (sha256, allow-list)")
    frame = pd.read_parquet(holdout)
    signature = json.loads((scratch / "signature.json").read_text())
    expectations = json.loads((scratch / "expectations.json").read_text())
    phase("reading the holdout")
    scored = predict(challenger, frame, TARGET, "binary")
    phase("scoring the holdout once")
    report = evaluation_report(challenger, frame, TARGET, "binary", predictions=scored)
    phase("evaluation report")
    results = run_suite(
        challenger, frame, TARGET, "binary", SUITE, reference=reference, signature=signature, expectations=expectations,
        artifact_bytes=(scratch / "challenger.skops").stat().st_size, predictions=scored,
    )
    phase("test suite")
    points = max(len(curve["fpr"]) for curve in report["roc"])
    return {
        "phases": phases,
        "roc_auc": report["metrics"]["roc_auc"],
        "report_bytes": len(json.dumps(report)),
        "max_points_per_curve": points,
        "tests": [{key: row[key] for key in ("name", "passed", "value", "threshold")} for row in results],
        "suite_passed": suite_passed(results),
    }


def step_load(kind: str, scratch: Path, shas: dict[str, str]) -> dict[str, Any]:
    """Time the load call alone: the pipeline's scikit-learn modules are imported first in
    both cases, so neither pays for imports the other made before its clock started."""
    import joblib

    from studio.models import load_artifact

    for module in ("sklearn.compose", "sklearn.ensemble", "sklearn.impute", "sklearn.pipeline", "sklearn.preprocessing"):
        importlib.import_module(module)

    started = time.perf_counter()
    if kind == "skops":
        load_artifact(scratch / "challenger.skops", shas["challenger_sha256"])
    else:
        joblib.load(scratch / "challenger.joblib")
    return {"load_seconds": time.perf_counter() - started}


# ------------------------------------------------------------------ the driver


def _child(step: str, scratch: Path, *args: str) -> tuple[Any, dict[str, Any]]:
    measured, stdout = run_measured([sys.executable, str(Path(__file__).resolve()), "--step", step, "--scratch", str(scratch), *args], scratch, cwd=ROOT)
    return measured, json.loads(stdout.strip().splitlines()[-1])


def benchmark(train: Path, holdout: Path, repeat: int) -> dict[str, Any]:
    scratch = Path(tempfile.mkdtemp(prefix="evaluation-", dir=DATA_DIR))
    try:
        warm_page_cache(train)
        log("training the challenger and the reference ...")
        trained, training = _child("train", scratch, "--train", str(train))
        log(f"trained in {trained.seconds:.1f} s (fit {training['fit_seconds']:.1f} s), peak {trained.peak_rss_kb / 1024:,.0f} MB")
        shas = json.dumps({k: training[k] for k in ("challenger_sha256", "reference_sha256")})
        warm_page_cache(holdout)
        outcomes = {name: Outcome(name) for name in ("evaluate", "load_skops", "load_joblib")}
        for attempt in range(1, repeat + 1):
            for name, args in (("evaluate", ["--holdout", str(holdout)]), ("load_skops", []), ("load_joblib", [])):
                step = "load" if name.startswith("load") else name
                kind = ["--kind", name.split("_")[1]] if step == "load" else []
                measured, details = _child(step, scratch, "--shas", shas, *args, *kind)
                outcomes[name].runs.append(measured)
                outcomes[name].details.append(details)
                log(f"run {attempt}/{repeat} {name}: {measured.seconds:.2f} s ({measured.cpu_seconds:.2f} CPU s), peak {measured.peak_rss_kb / 1024:,.0f} MB")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return {"trained": trained, "training": training, "outcomes": outcomes}


def figures_of(rows: int, holdout_rows: int, repeat: int, found: dict[str, Any]) -> dict[str, Any]:
    import lightgbm
    import sklearn
    import skops

    outcomes, training = found["outcomes"], found["training"]
    evaluate = outcomes["evaluate"]
    best = evaluate.details[evaluate.best]
    return {
        "rows": rows,
        "holdout_rows": holdout_rows,
        "repeat": repeat,
        "machine": {"nproc": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "versions": {"scikit-learn": sklearn.__version__, "skops": skops.__version__, "lightgbm": lightgbm.__version__, "numpy": np.__version__},
        "train": {"seconds": round(found["trained"].seconds, 2), "fit_seconds": round(training["fit_seconds"], 2), "peak_rss_mb": round(found["trained"].peak_rss_kb / 1024, 1)},
        "evaluate": {
            "seconds": round(evaluate.best_seconds, 2),
            "all_seconds": [round(run.seconds, 2) for run in evaluate.runs],
            "cpu_seconds": round(evaluate.best_cpu_seconds, 2),
            "peak_rss_mb": round(evaluate.peak_mb, 1),
            "phases": [[label, round(seconds, 2)] for label, seconds in best["phases"]],
            "roc_auc": round(best["roc_auc"], 4),
            "report_kb": round(best["report_bytes"] / 1024, 1),
            "max_points_per_curve": best["max_points_per_curve"],
            "tests": best["tests"],
            "suite_passed": best["suite_passed"],
        },
        "artifact": {
            "skops_mb": round(training["skops_bytes"] / 2**20, 3),
            "joblib_mb": round(training["joblib_bytes"] / 2**20, 3),
            "size_ratio_skops_vs_joblib": round(training["skops_bytes"] / training["joblib_bytes"], 3),
            "skops_save_seconds": round(training["skops_save_seconds"], 3),
            "joblib_dump_seconds": round(training["joblib_dump_seconds"], 3),
            "skops_load_seconds": round(min(d["load_seconds"] for d in outcomes["load_skops"].details), 3),
            "joblib_load_seconds": round(min(d["load_seconds"] for d in outcomes["load_joblib"].details), 3),
            "skops_load_process_seconds": round(outcomes["load_skops"].best_seconds, 2),
            "joblib_load_process_seconds": round(outcomes["load_joblib"].best_seconds, 2),
        },
        "floors": {
            "evaluate_seconds_max": SECONDS_FLOOR,
            "evaluate_memory_mb_max": MEMORY_FLOOR_MB,
            "seconds_pass": evaluate.best_seconds < SECONDS_FLOOR,
            "memory_pass": evaluate.peak_mb < MEMORY_FLOOR_MB,
        },
    }


def print_figures(figures: dict[str, Any]) -> None:
    machine, evaluate, artifact, floors = figures["machine"], figures["evaluate"], figures["artifact"], figures["floors"]
    print(
        f"evaluation benchmark: HistGradientBoosting pipeline trained on {figures['rows']:,} rows, evaluated on {figures['holdout_rows']:,}; "
        f"{machine['nproc']} CPUs, best of {figures['repeat']}"
    )
    print(f"train (not a floor): {figures['train']['seconds']:.1f} s (fit {figures['train']['fit_seconds']:.1f} s), peak {figures['train']['peak_rss_mb']:,.0f} MB")
    print(f"evaluate (report + suite): {evaluate['seconds']:.2f} s ({evaluate['cpu_seconds']:.2f} CPU s), peak {evaluate['peak_rss_mb']:,.0f} MB; ROC AUC {evaluate['roc_auc']}")
    for label, seconds in evaluate["phases"]:
        print(f"  {seconds:>8.2f} s  {label}")
    passed = sum(row["passed"] for row in evaluate["tests"])
    print(f"  tests: {passed} of {len(evaluate['tests'])} passed; report {evaluate['report_kb']} KB, at most {evaluate['max_points_per_curve']} points per curve")
    for row in evaluate["tests"]:
        value = "–" if row["value"] is None else f"{row['value']:.4g}"
        print(f"    {'pass' if row['passed'] else 'FAIL'}  {row['name']:<28} {value:>10}  (threshold {row['threshold']})")
    print(
        f"artifact: skops {artifact['skops_mb']:.2f} MB vs joblib {artifact['joblib_mb']:.2f} MB ({artifact['size_ratio_skops_vs_joblib']:.2f}x); "
        f"load {artifact['skops_load_seconds']:.3f} s vs {artifact['joblib_load_seconds']:.3f} s (in process), "
        f"save {artifact['skops_save_seconds']:.3f} s vs {artifact['joblib_dump_seconds']:.3f} s"
    )
    verdict = {True: "PASS", False: "FAIL"}
    print(f"floor: evaluate under {SECONDS_FLOOR:.0f} s: {verdict[floors['seconds_pass']]}; under {MEMORY_FLOOR_MB:,} MB: {verdict[floors['memory_pass']]}")


def main() -> None:
    parser = argparse.ArgumentParser(description="Evaluation benchmark: report and test suite on a 1M-row model; skops artifact vs joblib.")
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help=f"training rows (default {DEFAULT_ROWS:,})")
    parser.add_argument("--holdout-rows", type=int, default=DEFAULT_HOLDOUT_ROWS, help=f"holdout rows (default {DEFAULT_HOLDOUT_ROWS:,})")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each timed step; the best (minimum) time is reported (default 1)")
    parser.add_argument("--json", dest="as_json", action="store_true", help="print the figures as one JSON document")
    parser.add_argument("--step", choices=("train", "evaluate", "load"), help=argparse.SUPPRESS)
    parser.add_argument("--scratch", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--train", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--holdout", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--shas", help=argparse.SUPPRESS)
    parser.add_argument("--kind", choices=("skops", "joblib"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        if args.step == "train":
            print(json.dumps(step_train(args.train, args.scratch)))
        elif args.step == "evaluate":
            print(json.dumps(step_evaluate(args.holdout, args.scratch, json.loads(args.shas))))
        else:
            print(json.dumps(step_load(args.kind, args.scratch, json.loads(args.shas))))
        return
    if args.rows < 1000 or args.holdout_rows < 1000 or args.repeat < 1:
        parser.error("--rows and --holdout-rows must be at least 1000, --repeat at least 1")
    train, holdout = ensure_data(args.rows, args.holdout_rows)
    found = benchmark(train, holdout, args.repeat)
    figures = figures_of(args.rows, args.holdout_rows, args.repeat, found)
    if args.as_json:
        print(json.dumps(figures, indent=2))
    else:
        print_figures(figures)


if __name__ == "__main__":
    main()
