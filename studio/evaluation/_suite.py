"""The ML test suite: the checks a model version must pass before it may serve, each one
``{"name", "passed", "value", "threshold", "detail"}`` with the measured value, the threshold
it was held to and one line saying what was measured.

A test that cannot run (no reference model yet, no artifact size, no training expectations)
passes with ``value`` None and a detail that starts with ``skipped:``, so a first version is
not blocked by what only later versions can have.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from studio.errors import StudioError
from studio.evaluation._curves import calibration
from studio.evaluation._importance import sample_rows
from studio.evaluation._metrics import Metric, get_metric
from studio.evaluation._predictions import PREDICT_THREADS, Predictions, check_task, constant_baseline, model_output, predict, scoring_of, split_target
from studio.models import check_frame, column_kind, expectation_drift, worst_drift
from studio.evaluation._slices import slice_metrics, sliced_by_value
from studio.evaluation._suite_spec import DirectionalTest, InvarianceTest, SuiteSpec, display_name

CLASSIFIER_TOLERANCE = 0.02  # probability
REGRESSION_TOLERANCE = 0.02  # share of the target's standard deviation
SCORE_MARGIN = 0.1  # slice margin for bounded scores (AUC, accuracy, R²)
ERROR_MARGIN = 0.5  # slice margin for error metrics, relative to the overall error
MB = 1024 * 1024


def result(name: str, passed: bool, value: float | None, threshold: float | None, detail: str) -> dict[str, Any]:
    return {
        "name": name,
        "passed": bool(passed),
        "value": None if value is None else float(value),
        "threshold": None if threshold is None else float(threshold),
        "detail": detail,
    }


def suite_passed(results: list[dict[str, Any]]) -> bool:
    return all(row["passed"] for row in results)


def run_suite(
    pipeline: Any,
    holdout: pd.DataFrame,
    target: str,
    task: str,
    spec: SuiteSpec | dict[str, Any] | None = None,
    *,
    reference: Any = None,
    reference_rows: pd.DataFrame | None = None,
    signature: dict[str, Any] | None = None,
    expectations: dict[str, Any] | None = None,
    artifact_bytes: int | None = None,
    predictions: Predictions | None = None,
    clock: Callable[[], float] = time.perf_counter,
    threads: int | None = PREDICT_THREADS,
) -> list[dict[str, Any]]:
    """Run every test of ``spec`` (a ``SuiteSpec``, its JSON, or None for the defaults).

    ``reference`` is the model to beat (the production version), scored on the same rows:
    ``reference_rows`` when given (those rows with the columns the reference reads, for a
    challenger that reads fewer), else ``holdout``;
    ``signature`` and ``expectations`` are the ones derived from the training data;
    ``artifact_bytes`` is the size of the saved artifact; ``predictions`` reuses a scoring of
    ``holdout`` by ``pipeline``; ``clock`` times the latency test; ``threads`` caps the numeric
    libraries' thread pools while the models predict (see ``PREDICT_THREADS``; None leaves them
    as they are).
    """
    with threadpool_limits(limits=threads):
        check_task(task)
        spec = spec if isinstance(spec, SuiteSpec) else SuiteSpec.from_json(spec)
        metric = get_metric(spec.metric, task)
        features, _ = split_target(holdout, target)
        scored = scoring_of(pipeline, holdout, target, task, predictions)
        overall = metric(scored)
        out = []
        if spec.holdout is not None:
            out.append(_holdout(scored, metric, overall, spec.holdout.floor))
        if spec.no_regression is not None:
            out.append(_no_regression(reference, holdout if reference_rows is None else reference_rows, target, task, scored, metric, spec))
        if spec.slices is not None:
            out.append(_slice_floor(features, scored, metric, overall, spec))
        perturbed = features.iloc[sample_rows(len(features), spec.sample_rows, spec.seed)].reset_index(drop=True)
        for test in spec.invariance:
            out.append(_invariance(pipeline, perturbed, task, scored, test, spec.seed))
        for test in spec.directional:
            out.append(_directional(pipeline, perturbed, task, scored, test))
        if spec.calibration is not None and task != "regression":
            found = calibration(scored, spec.calibration.bins)
            error = found["error"]
            out.append(result("calibration", error <= spec.calibration.max_error, error, spec.calibration.max_error,
                              f"expected calibration error {error:.4f} over {spec.calibration.bins} probability bins"))
        if spec.latency is not None:
            out.append(_latency(pipeline, features, task, spec, clock))
        if spec.artifact is not None:
            out.append(_artifact(artifact_bytes, spec.artifact.max_mb))
        if spec.expectations is not None:
            out.extend(_expectations(features, signature, expectations, spec))
        return out


def _holdout(scored: Predictions, metric: Metric, overall: float | None, floor: float | None) -> dict[str, Any]:
    if overall is None:
        return result("holdout_metric", False, None, floor, f"{metric.label} is undefined on these {len(scored)} rows (one class only?): evaluate on a holdout with every class")
    if floor is not None:
        passed = metric.better(overall, floor) >= 0
        word = "at least" if metric.greater_is_better else "at most"
        return result("holdout_metric", passed, overall, floor, f"{metric.label} {overall:.4g} on {len(scored)} holdout rows; must be {word} {floor:.4g}")
    baseline = metric(constant_baseline(scored))
    passed = baseline is None or metric.better(overall, baseline) > 0
    shown = "undefined" if baseline is None else f"{baseline:.4g}"
    return result("holdout_metric", passed, overall, baseline, f"{metric.label} {overall:.4g} on {len(scored)} holdout rows; must beat a constant prediction ({shown})")


def _no_regression(reference: Any, holdout: pd.DataFrame, target: str, task: str, scored: Predictions, metric: Metric, spec: SuiteSpec) -> dict[str, Any]:
    settings = spec.no_regression
    assert settings is not None
    threshold = -settings.margin if settings.margin else 0.0
    if reference is None:
        return result("no_regression", True, None, threshold, "skipped: no reference (production) model to compare with")
    try:
        theirs = predict(reference, holdout, target, task, threads=None)  # run_suite has set the limit
    except StudioError as error:
        return result("no_regression", False, None, threshold, f"the reference model cannot score this holdout: {error}")
    rows = sample_rows(len(scored), settings.max_rows, spec.seed)
    ours, theirs = scored.take(rows), theirs.take(rows)
    mine, other = metric(ours), metric(theirs)
    if mine is None or other is None:
        return result("no_regression", False, None, threshold, f"{metric.label} is undefined on these rows: evaluate on a holdout with every class")
    low, high = _paired_interval(ours, theirs, metric, settings.resamples, settings.confidence, spec.seed)
    difference = metric.better(mine, other)
    passed = high >= threshold
    percent = round(settings.confidence * 100)
    return result(
        "no_regression", passed, difference, threshold,
        f"{metric.label} {mine:.4g} vs reference {other:.4g} on the same {len(rows)} rows: gain {difference:+.4g} "
        f"(positive: the challenger is better), {percent}% interval [{low:+.4g}, {high:+.4g}]; blocked only when the whole interval is below {threshold:+.4g}",
    )


def _paired_interval(ours: Predictions, theirs: Predictions, metric: Metric, resamples: int, confidence: float, seed: int) -> tuple[float, float]:
    """Bootstrap interval of how much better ``ours`` is than ``theirs``: both scored on the same
    resamples (Poisson(1) row weights, the streaming form of resampling with replacement)."""
    rng = np.random.default_rng(seed)
    mine, other = metric.resampler(ours), metric.resampler(theirs)
    differences = []
    for _ in range(resamples):
        weights = rng.poisson(1.0, len(ours)).astype("float64")
        a, b = mine(weights), other(weights)
        if a is not None and b is not None:
            differences.append(metric.better(a, b))
    if not differences:
        return 0.0, 0.0
    tail = (1 - confidence) / 2
    low, high = np.quantile(differences, [tail, 1 - tail])
    return float(low), float(high)


def _slice_floor(features: pd.DataFrame, scored: Predictions, metric: Metric, overall: float | None, spec: SuiteSpec) -> dict[str, Any]:
    settings = spec.slices
    assert settings is not None
    if overall is None:
        return result("slice_floor", False, None, None, f"{metric.label} is undefined on the holdout: evaluate on a holdout with every class")
    if settings.margin is not None:
        margin = settings.margin if metric.bounded else settings.margin * abs(overall)
    else:
        margin = SCORE_MARGIN if metric.bounded else ERROR_MARGIN * abs(overall)
    floor = overall - margin if metric.greater_is_better else overall + margin
    if settings.columns is None:
        columns = [name for name in features.columns if sliced_by_value(features[name])]
    else:
        columns = [str(name) for name in settings.columns]
        for name in columns:
            _feature(features, name, "slice")
    found = slice_metrics(features[columns], scored, metric, overall)
    slices = [row for row in found if row["rows"] >= settings.min_rows and row["metric"] is not None]
    if not slices:
        return result("slice_floor", True, None, floor, f"skipped: no slice has {settings.min_rows} rows with a defined {metric.label}")
    worst = min(slices, key=lambda row: row["gap"])
    failing = [row for row in slices if metric.better(row["metric"], floor) < 0]
    return result(
        "slice_floor", not failing, worst["metric"], floor,
        f"worst slice {worst['column']} = {worst['slice']} ({worst['rows']} rows): {metric.label} {worst['metric']:.4g} vs overall {overall:.4g}; "
        f"{len(failing)} of {len(slices)} slices beyond the margin",
    )


def _output(pipeline: Any, frame: pd.DataFrame, task: str) -> np.ndarray:
    """One number per row (the value, the positive-class probability) or, for a multiclass
    model, one probability per class."""
    predicted, proba = model_output(pipeline, frame, task)
    if task == "regression":
        return predicted
    assert proba is not None
    return proba[:, 1] if task == "binary" else proba


def _feature(frame: pd.DataFrame, name: str, kind: str) -> pd.Series:
    if name not in frame.columns:
        raise StudioError(f"the {kind} test names column {name!r}, which the holdout does not have: name one of its columns")
    return frame[name]


def _invariance(pipeline: Any, sample: pd.DataFrame, task: str, scored: Predictions, test: InvarianceTest, seed: int) -> dict[str, Any]:
    column = _feature(sample, test.feature, "invariance")
    tolerance = test.tolerance
    if tolerance is None:
        tolerance = REGRESSION_TOLERANCE * float(np.std(scored.y_true)) if task == "regression" else CLASSIFIER_TOLERANCE
    before = _output(pipeline, sample, task)
    if test.values is None:
        rng = np.random.default_rng(seed)
        variants = [column.iloc[rng.permutation(len(column))].reset_index(drop=True)]
        how = "shuffled among rows"
    else:
        variants = [pd.Series([value] * len(sample)).astype(column.dtype) for value in test.values]
        how = f"set to each of {len(test.values)} values"
    largest = 0.0
    for variant in variants:
        changed = sample.copy()
        changed[test.feature] = variant
        largest = max(largest, float(np.max(np.abs(_output(pipeline, changed, task) - before))))
    return result(display_name(test), largest <= tolerance, largest, tolerance,
                  f"largest change of the prediction over {len(sample)} rows with {test.feature} {how}")


def _directional(pipeline: Any, sample: pd.DataFrame, task: str, scored: Predictions, test: DirectionalTest) -> dict[str, Any]:
    column = _feature(sample, test.feature, "directional")
    if column_kind(column) != "numeric":
        raise StudioError(f"directional test on {test.feature!r} needs a numeric column: use an invariance test for other kinds")
    rows = column.notna().to_numpy()
    values = pd.to_numeric(column[rows]).astype("float64")
    base = sample[rows].reset_index(drop=True)
    if not len(base):
        return result(display_name(test), False, None, test.max_failure_rate, f"{test.feature} has no values in the holdout sample")
    if test.factor is not None:
        moved, how = values * test.factor, f"multiplied by {test.factor:g}"
    else:
        delta = test.delta if test.delta is not None else float(values.std()) or 1.0
        moved, how = values + delta, f"raised by {delta:.4g}"
    changed = base.copy()
    changed[test.feature] = moved.to_numpy()
    shift = _output(pipeline, changed, task) - _output(pipeline, base, task)
    if task == "multiclass":
        shift = shift[:, _class_index(scored, test)]
    sign = 1.0 if test.expect == "higher" else -1.0
    wrong = float(np.mean(sign * shift < -test.tolerance))
    mean_shift = float(np.mean(shift))
    passed = wrong <= test.max_failure_rate and sign * mean_shift > 0
    verdict = "" if sign * mean_shift > 0 else f"; the prediction does not get {test.expect} on average"
    return result(display_name(test), passed, wrong, test.max_failure_rate,
                  f"share of {len(base)} rows whose prediction moves the wrong way with {test.feature} {how} (mean change {mean_shift:+.4g}){verdict}")


def _class_index(scored: Predictions, test: DirectionalTest) -> int:
    assert scored.classes is not None
    labels = [str(value) for value in scored.classes]
    if test.class_ is None or test.class_ not in labels:
        raise StudioError(f"directional test on {test.feature!r} needs \"class\" set to one of the model's classes ({', '.join(labels)})")
    return labels.index(test.class_)


def _latency(pipeline: Any, features: pd.DataFrame, task: str, spec: SuiteSpec, clock: Callable[[], float]) -> dict[str, Any]:
    settings = spec.latency
    assert settings is not None
    rows = sample_rows(len(features), settings.records + 1, spec.seed)
    timings = []
    # one thread, as a server should score one record: a single row has nothing to share out,
    # and waking a pool of threads per call costs more than the prediction
    with threadpool_limits(limits=1):
        for i, row in enumerate(rows):
            record = features.iloc[[row]]
            started = clock()
            model_output(pipeline, record, task)
            if i:  # the first call warms caches; the server pays it once
                timings.append((clock() - started) * 1000)
    median = float(np.median(timings)) if timings else 0.0
    return result("latency", median <= settings.max_ms_per_record, median, settings.max_ms_per_record,
                  f"median milliseconds of {len(timings)} single-record predictions (one thread)")


def _artifact(size: int | None, max_mb: float) -> dict[str, Any]:
    if size is None:
        return result("artifact_size", True, None, max_mb, "skipped: the artifact is not saved yet")
    mb = size / MB
    return result("artifact_size", mb <= max_mb, mb, max_mb, f"saved artifact of {mb:.2f} MB")


def _expectations(features: pd.DataFrame, signature: dict[str, Any] | None, expectations: dict[str, Any] | None, spec: SuiteSpec) -> list[dict[str, Any]]:
    settings = spec.expectations
    assert settings is not None
    out = []
    if signature is None:
        out.append(result("input_schema", True, None, 0, "skipped: no input signature from the training data"))
    else:
        problems = check_frame(features, signature)
        out.append(result("input_schema", not problems, len(problems), 0, problems[0] if problems else "every column of the signature is present with the right type"))
    if expectations is None:
        out.append(result("input_drift", True, None, settings.max_psi, "skipped: no input expectations from the training data"))
        out.append(result("input_nulls", True, None, settings.max_null_rate_increase, "skipped: no input expectations from the training data"))
        return out
    drift = expectation_drift(expectations, features)
    column, value = worst_drift(drift)
    where = f" ({column})" if column else ""
    out.append(result("input_drift", value <= settings.max_psi, value, settings.max_psi, f"largest PSI of a holdout column against the training data{where}"))
    changes = {name: entry["null_rate_change"] for name, entry in drift.items()}
    worst = max(changes, key=lambda name: changes[name]) if changes else None
    rise = max(0.0, changes[worst]) if worst else 0.0
    out.append(result("input_nulls", rise <= settings.max_null_rate_increase, rise, settings.max_null_rate_increase,
                      "largest rise of a column's null rate over training" + (f" ({worst})" if worst and rise > 0 else "")))
    return out
