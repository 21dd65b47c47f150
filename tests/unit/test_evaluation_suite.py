"""The ML test suite: every test on a constructed model that passes it and one that fails it.

The constructed models are scripted: their outputs are formulas of the input columns, so each
test knows what the model does (the holdout's target is driven by ``signal`` and ``city``)."""

import json
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm
from sklearn.linear_model import LinearRegression, LogisticRegression

from studio.errors import StudioError
from studio.evaluation import SuiteSpec, run_suite, suite_passed
from studio.models import input_expectations, input_signature
from tests.helpers.pipelines import fit, frame


class Scripted:
    """A binary classifier whose P(yes) is ``score(frame)``; each call costs ``cost_ms`` on
    the test's clock."""

    classes_ = np.array(["no", "yes"], dtype=object)

    def __init__(self, score: Callable[[pd.DataFrame], np.ndarray], clock: "Clock | None" = None, cost_ms: float = 0.0) -> None:
        self.score, self.clock, self.cost_ms = score, clock, cost_ms

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        if self.clock is not None:
            self.clock.now += self.cost_ms / 1000
        p = np.clip(np.asarray(self.score(X), dtype="float64"), 1e-6, 1 - 1e-6)
        return np.column_stack([1 - p, p])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return self.classes_[(self.predict_proba(X)[:, 1] >= 0.5).astype(int)]


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def truth(X: pd.DataFrame) -> np.ndarray:
    """The true P(yes) of the helper's frame: drive = 2 signal + [Paris] + N(0, 0.5) > 0.5."""
    return norm.cdf((2 * X["signal"] + (X["city"] == "Paris") - 0.5) / 0.5)


GOOD = Scripted(truth)
HOLDOUT = frame(3000, "binary", seed=2)
TRAINING = frame(3000, "binary", seed=1)
ONLY = {section: False for section in ("holdout", "no_regression", "slices", "calibration", "latency", "artifact", "expectations")}


def run(model, spec: dict, **kwargs) -> dict:
    """The one result of the section(s) left on in ``spec`` (the others are off)."""
    results = run_suite(model, HOLDOUT, "y", "binary", {**ONLY, **spec}, **kwargs)
    json.dumps(results, allow_nan=False)
    assert all(set(row) == {"name", "passed", "value", "threshold", "detail"} for row in results)
    assert len(results) == 1, results
    return results[0]


def test_holdout_metric_must_beat_a_constant_prediction_or_reach_a_floor():
    good = run(GOOD, {"holdout": {}})
    assert good["passed"] and good["value"] > 0.9 and good["threshold"] == 0.5
    constant = run(Scripted(lambda X: np.full(len(X), 0.3)), {"holdout": {}})
    assert not constant["passed"] and constant["value"] == 0.5 and "must beat a constant prediction" in constant["detail"]
    high_floor = run(GOOD, {"holdout": {"floor": 0.999}})
    assert not high_floor["passed"] and high_floor["threshold"] == 0.999


def test_holdout_floor_of_an_error_metric_is_a_ceiling():
    good = run(GOOD, {"metric": "log_loss", "holdout": {"floor": 0.5}})
    assert good["passed"] and good["value"] < 0.5 and "at most" in good["detail"]
    assert not run(GOOD, {"metric": "log_loss", "holdout": {"floor": 0.01}})["passed"]


def test_no_regression_blocks_only_a_challenger_worse_beyond_the_interval():
    noisy_rng = np.random.default_rng(3)
    noise = noisy_rng.normal(0, 1.5, len(HOLDOUT))
    worse = Scripted(lambda X: norm.cdf((2 * X["signal"] - 0.5) / 0.5 + noise[: len(X)]))
    settings = {"no_regression": {"resamples": 300}}
    better = run(GOOD, settings, reference=worse)
    assert better["passed"] and better["value"] > 0 and better["threshold"] == 0
    blocked = run(worse, settings, reference=GOOD)
    assert not blocked["passed"] and blocked["value"] < 0 and "whole interval is below" in blocked["detail"]
    tiny = noisy_rng.normal(0, 1e-3, len(HOLDOUT))
    same_but_noise = Scripted(lambda X: np.clip(truth(X) + tiny[: len(X)], 0, 1))
    within = run(same_but_noise, settings, reference=GOOD)
    assert within["passed"], "a difference inside the interval is not a regression"
    low, high = (float(v) for v in within["detail"].split("interval [")[1].split("]")[0].split(", "))
    assert low < 0 < high or abs(within["value"]) < 1e-3
    allowed = run(worse, {"no_regression": {"resamples": 300, "margin": 0.5}}, reference=GOOD)
    assert allowed["passed"] and allowed["threshold"] == -0.5


def test_no_regression_is_skipped_without_a_reference():
    skipped = run(GOOD, {"no_regression": {}})
    assert skipped["passed"] and skipped["value"] is None and skipped["detail"].startswith("skipped:")


def test_slice_floor_finds_a_slice_the_model_gets_wrong():
    assert run(GOOD, {"slices": {}})["passed"]
    wrong_in_nice = Scripted(lambda X: np.where(X["city"] == "Nice", 1 - truth(X), truth(X)))
    failed = run(wrong_in_nice, {"slices": {}})
    assert not failed["passed"] and "city = Nice" in failed["detail"] and failed["value"] < 0.5
    lenient = run(wrong_in_nice, {"slices": {"margin": 0.9}})
    assert lenient["passed"]


def test_slice_floor_on_named_numeric_columns_uses_ranges():
    result = run(GOOD, {"slices": {"columns": ["signal"], "margin": 0.5}})
    assert result["passed"] and "signal = " in result["detail"] and " – " in result["detail"]
    with pytest.raises(StudioError, match="the slice test names column 'speed'"):
        run(GOOD, {"slices": {"columns": ["speed"]}})


def test_invariance_holds_for_an_ignored_column_and_fails_for_a_used_one():
    assert run(GOOD, {"invariance": [{"feature": "size"}]})["value"] == 0.0
    leaky = Scripted(lambda X: np.clip(truth(X) + 0.05 * np.nan_to_num(X["size"] - 10), 0, 1))
    failed = run(leaky, {"invariance": [{"feature": "size"}]})
    assert not failed["passed"] and failed["name"] == "invariance:size" and failed["value"] > 0.02
    by_values = run(leaky, {"invariance": [{"feature": "count", "values": [0, 3], "name": "count does not matter"}]})
    assert by_values["passed"] and by_values["name"] == "count does not matter"
    assert run(leaky, {"invariance": [{"feature": "size", "tolerance": 1.0}]})["passed"]


def test_directional_passes_the_right_way_and_fails_the_wrong_way_or_flat():
    higher = run(GOOD, {"directional": [{"feature": "signal", "expect": "higher"}]})
    assert higher["passed"] and higher["value"] == 0.0 and higher["threshold"] == 0.05
    lower = run(GOOD, {"directional": [{"feature": "signal", "expect": "lower"}]})
    assert not lower["passed"] and lower["value"] > 0.5
    flat = run(Scripted(lambda X: np.full(len(X), 0.4)), {"directional": [{"feature": "signal", "expect": "higher"}]})
    assert not flat["passed"] and flat["value"] == 0.0 and "does not get higher on average" in flat["detail"]
    by_factor = run(GOOD, {"directional": [{"feature": "size", "factor": 1.5, "expect": "higher"}]})
    assert not by_factor["passed"], "the model ignores size"
    with pytest.raises(StudioError, match="directional test on 'city' needs a numeric column"):
        run(GOOD, {"directional": [{"feature": "city"}]})


def test_calibration_bound_separates_calibrated_from_overconfident():
    calibrated = run(GOOD, {"calibration": {}})
    assert calibrated["passed"] and calibrated["value"] < 0.05
    overconfident = Scripted(lambda X: norm.cdf((2 * X["signal"] + (X["city"] == "Paris") - 0.5) / 0.05))
    failed = run(overconfident, {"calibration": {}})
    assert not failed["passed"] and failed["value"] > 0.05


def test_latency_budget_per_record():
    clock = Clock()
    fast = run(Scripted(truth, clock, cost_ms=5), {"latency": {}}, clock=clock)
    assert fast["passed"] and fast["value"] == pytest.approx(5.0) and fast["threshold"] == 100
    slow = run(Scripted(truth, clock, cost_ms=250), {"latency": {"records": 5}}, clock=clock)
    assert not slow["passed"] and slow["value"] == pytest.approx(250.0) and "5 single-record" in slow["detail"]


def test_artifact_size_budget():
    assert run(GOOD, {"artifact": {}}, artifact_bytes=10 * 1024 * 1024)["value"] == 10.0
    assert not run(GOOD, {"artifact": {"max_mb": 5}}, artifact_bytes=10 * 1024 * 1024)["passed"]
    skipped = run(GOOD, {"artifact": {}})
    assert skipped["passed"] and skipped["detail"].startswith("skipped:")


def expectation_results(holdout: pd.DataFrame, **kwargs) -> dict:
    results = run_suite(GOOD, holdout, "y", "binary", {**ONLY, "expectations": {}}, **kwargs)
    return {row["name"]: row for row in results}


def test_input_expectations_from_training_data_pass_on_a_like_holdout_and_fail_on_a_shift():
    signature, expectations = input_signature(TRAINING, "y"), input_expectations(TRAINING.drop(columns=["y"]))
    same = expectation_results(HOLDOUT, signature=signature, expectations=expectations)
    assert [row["passed"] for row in same.values()] == [True, True, True] and list(same) == ["input_schema", "input_drift", "input_nulls"]
    shifted = HOLDOUT.assign(signal=HOLDOUT["signal"] + 2)
    shifted.loc[::2, "city"] = None
    moved = expectation_results(shifted, signature=signature, expectations=expectations)
    assert not moved["input_drift"]["passed"] and "(signal)" in moved["input_drift"]["detail"]
    assert not moved["input_nulls"]["passed"] and moved["input_nulls"]["value"] == pytest.approx(0.5) and "(city)" in moved["input_nulls"]["detail"]
    broken = HOLDOUT.astype({"count": object})
    broken.loc[0, "count"] = "many"
    schema = expectation_results(broken, signature=signature, expectations=expectations)["input_schema"]
    assert not schema["passed"] and schema["value"] == 1 and "column 'count' should be a number" in schema["detail"]
    skipped = expectation_results(HOLDOUT)
    assert all(row["passed"] and row["detail"].startswith("skipped:") for row in skipped.values())


def test_default_suite_on_a_trained_model_passes_and_reports_every_test():
    pipeline = fit(LogisticRegression(), TRAINING)
    results = run_suite(
        pipeline, HOLDOUT, "y", "binary",
        {"invariance": [{"feature": "count", "tolerance": 0.05}], "directional": [{"feature": "signal"}]},
        signature=input_signature(TRAINING, "y"), expectations=input_expectations(TRAINING.drop(columns=["y"])), artifact_bytes=50_000,
    )
    names = [row["name"] for row in results]
    assert names == ["holdout_metric", "no_regression", "slice_floor", "invariance:count", "directional:signal", "calibration",
                     "latency", "artifact_size", "input_schema", "input_drift", "input_nulls"]
    assert suite_passed(results), [row for row in results if not row["passed"]]


def test_regression_suite_uses_error_metrics_and_has_no_calibration():
    train, holdout = frame(1500, "regression", seed=1), frame(800, "regression", seed=2)
    good, poor = fit(LinearRegression(), train), fit(LinearRegression(), train.assign(y=np.random.default_rng(0).normal(10, 5, len(train))))
    results = {row["name"]: row for row in run_suite(good, holdout, "y", "regression", {"latency": False, "invariance": [{"feature": "count"}]}, reference=poor)}
    assert "calibration" not in results
    assert results["holdout_metric"]["passed"] and results["holdout_metric"]["value"] < results["holdout_metric"]["threshold"]
    assert results["no_regression"]["passed"] and results["no_regression"]["value"] > 0
    assert results["invariance:count"]["threshold"] == pytest.approx(0.02 * holdout["y"].std(ddof=0))
    blocked = run_suite(poor, holdout, "y", "regression", {**ONLY, "no_regression": {"resamples": 200}}, reference=good)
    assert not suite_passed(blocked)


def test_multiclass_directional_names_its_class():
    train, holdout = frame(1500, "multiclass", seed=1), frame(600, "multiclass", seed=2)
    model = fit(LogisticRegression(max_iter=500), train)
    spec = {**ONLY, "directional": [{"feature": "signal", "class": "high", "expect": "higher"}, {"feature": "signal", "class": "low", "expect": "lower", "name": "low falls"}]}
    assert suite_passed(run_suite(model, holdout, "y", "multiclass", spec))
    with pytest.raises(StudioError, match='needs "class" set to one of'):
        run_suite(model, holdout, "y", "multiclass", {**ONLY, "directional": [{"feature": "signal"}]})


def test_a_test_naming_an_unknown_column_is_refused():
    with pytest.raises(StudioError, match="the invariance test names column 'speed', which the holdout does not have"):
        run(GOOD, {"invariance": [{"feature": "speed"}]})


def test_suite_spec_round_trips_and_refuses_bad_files_by_path():
    spec = SuiteSpec.from_json({"metric": "f1", "calibration": False, "invariance": [{"feature": "size", "values": [1, 2]}], "directional": [{"feature": "signal", "class": "yes"}]})
    assert SuiteSpec.from_json(spec.to_json()) == spec and spec.calibration is None
    assert spec.to_json()["directional"][0]["class"] == "yes"
    assert SuiteSpec.from_json(None) == SuiteSpec() == SuiteSpec.from_json({})
    bad = {
        "suite.latency.max_ms: unknown setting": {"latency": {"max_ms": 3}},
        "suite.metric: unknown metric 'auc'": {"metric": "auc"},
        "suite.no_regression.confidence: must be between 0.5 and 1": {"no_regression": {"confidence": 1.5}},
        "suite.directional\\[1\\].feature: missing": {"directional": [{"feature": "a"}, {"expect": "higher"}]},
        "suite.directional\\[0\\].factor: must be above 1": {"directional": [{"feature": "a", "factor": 0.5}]},
        "suite.invariance\\[0\\].values: expected a non-empty list": {"invariance": [{"feature": "a", "values": []}]},
        "suite.calibration: expected an object": {"calibration": 3},
        "suite.seed: expected a whole number": {"seed": 1.5},
        "two tests are named 'directional:a'": {"directional": [{"feature": "a"}, {"feature": "a", "expect": "lower"}]},
    }
    for message, data in bad.items():
        with pytest.raises(StudioError, match=message):
            SuiteSpec.from_json(data)


def test_models_predict_on_one_thread_unless_told_otherwise():
    from threadpoolctl import threadpool_info

    def widest() -> int:
        return max((pool["num_threads"] for pool in threadpool_info()), default=1)

    seen = []
    spy = Scripted(lambda X: seen.append(widest()) or truth(X))
    run(spy, {"holdout": {}})
    assert seen and set(seen) == {1}
    seen.clear()
    run_suite(spy, HOLDOUT, "y", "binary", {**ONLY, "holdout": {}}, threads=None)
    assert set(seen) == {widest()}, "None leaves the pools as they are"
