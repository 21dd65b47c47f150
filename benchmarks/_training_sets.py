"""The training benchmark's datasets: scikit-learn's bundled ones (no download), generated ones
with categorical columns and missing values, and the demo's delivery_training."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
from sklearn import datasets as skd

from benchmarks._training_data import generated

ROOT = Path(__file__).resolve().parents[1]
DEMO_WORKSPACE = Path("/tmp/train-demo")
DEMO_ROWS = 30_000


def _bundled(loader: object, task: str) -> tuple[pd.DataFrame, pd.Series, str]:
    bunch = loader(as_frame=True)  # type: ignore[operator]
    return bunch.data, bunch.target.rename("target"), task


def delivery(rows: int = DEMO_ROWS) -> tuple[pd.DataFrame, pd.Series, str]:
    """A seeded sample of the demo's delivery_training (built with `studio demo` if missing),
    drawn in DuckDB; hour and weekday come from ``placed_at``, identifiers and constants go, and
    so do the two leaks the demo hides on purpose (its feature proof rejects them):
    ``service_minutes`` is the delivery time rounded to the minute and ``delivered_at`` is
    ``placed_at`` plus the delivery time. With them in, the benchmark would measure which tool
    reads the label back out of them best (their rounding error is the whole RMSE), not which
    one models a delivery."""
    show = [str(ROOT / ".venv/bin/studio"), "datasets", "show", "delivery_training", "--json", "--workspace", str(DEMO_WORKSPACE)]
    found = subprocess.run(show, capture_output=True, text=True)
    if found.returncode != 0:
        subprocess.run([str(ROOT / ".venv/bin/studio"), "demo", "--workspace", str(DEMO_WORKSPACE), "--train-seconds", "0"], check=True, capture_output=True)
        found = subprocess.run(show, capture_output=True, text=True, check=True)
    path = DEMO_WORKSPACE / "lake" / "tables" / f"{json.loads(found.stdout)['content_hash']}.parquet"
    connection = duckdb.connect(config={"threads": 1})  # one thread: the sample repeats exactly
    frame = connection.sql(
        f"SELECT * EXCLUDE (source, order_id, placed_at, service_minutes, delivered_at), hour(placed_at) AS hour, dayofweek(placed_at) AS weekday "
        f"FROM (SELECT * FROM read_parquet('{path}') ORDER BY order_id) USING SAMPLE reservoir({rows} ROWS) REPEATABLE (7)"
    ).df()
    frame = frame.sort_values(["restaurant_id", "courier_id", "distance_km", "subtotal"], kind="stable").reset_index(drop=True)
    for column in ["restaurant_id", "courier_id", "weather", "cuisine", "category", "vehicle"]:
        frame[column] = frame[column].astype("str").where(frame[column].notna(), None)
    y = frame.pop("delivery_minutes").rename("target")
    return frame, y, "regression"


def load(name: str) -> tuple[pd.DataFrame, pd.Series, str]:
    """(X, y, task) of the named dataset."""
    if name == "breast_cancer":
        return _bundled(skd.load_breast_cancer, "binary")
    if name == "wine":
        return _bundled(skd.load_wine, "multiclass")
    if name == "digits":
        return _bundled(skd.load_digits, "multiclass")
    if name == "diabetes":
        return _bundled(skd.load_diabetes, "regression")
    if name.startswith("generated_"):
        task = name.removeprefix("generated_")
        X, y = generated(task, {"binary": 5000, "multiclass": 4000, "regression": 5000}[task], seed=11)
        return X, y, task
    if name == "delivery":
        return delivery()
    sys.exit(f"unknown dataset {name!r}")


DATASETS = ["breast_cancer", "wine", "digits", "diabetes", "generated_binary", "generated_multiclass", "generated_regression", "delivery"]
