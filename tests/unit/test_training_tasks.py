"""Tasks, metrics and resampling of studio.training."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studio.errors import StudioError
from studio.training import DEFAULT_METRICS, METRICS, choose_folds, detect_task, holdout_split, make_folds
from studio.training._tasks import resolve_metric, resolve_task


@pytest.mark.parametrize(
    ("values", "task"),
    [
        ([0, 1, 1, 0], "binary"),
        (["yes", "no", "no"], "binary"),
        ([1, 2, 3, 1, 2, 3], "multiclass"),
        (["a", "b", "c"], "multiclass"),
        ([0.5, 1.25, 3.0, 7.5], "regression"),
        (list(range(100)), "regression"),
    ],
)
def test_detect_task(values: list, task: str) -> None:
    assert detect_task(pd.Series(values, name="t")) == task


def test_constant_target_is_refused() -> None:
    with pytest.raises(StudioError, match="at least two"):
        detect_task(pd.Series([1, 1, 1], name="t"))


def test_task_override_is_checked() -> None:
    assert resolve_task(pd.Series([1, 2, 3, 4], name="t"), "regression") == "regression"
    with pytest.raises(StudioError, match="not 2"):
        resolve_task(pd.Series([1, 2, 3], name="t"), "binary")
    with pytest.raises(StudioError, match="not numeric"):
        resolve_task(pd.Series(["a", "b"], name="t"), "regression")


def test_defaults_and_directions() -> None:
    assert DEFAULT_METRICS == {"binary": "roc_auc", "multiclass": "log_loss", "regression": "rmse"}
    assert METRICS["roc_auc"].maximize and not METRICS["log_loss"].maximize and not METRICS["rmse"].maximize
    for metric in METRICS.values():
        assert metric.direction in ("maximize", "minimize") and metric.description
    with pytest.raises(StudioError, match="does not apply"):
        resolve_metric("regression", "roc_auc")


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-5, 5), min_size=20, max_size=60), st.integers(0, 10_000))
def test_metric_prefers_the_truth(values: list[float], seed: int) -> None:
    """Every metric scores the truth itself at least as well as noise."""
    rng = np.random.default_rng(seed)
    y = np.array(values)
    noisy = y + rng.normal(size=len(y))
    for name in ("rmse", "mae"):
        metric = METRICS[name]
        assert metric.loss(metric.score(y, noisy)) >= metric.loss(metric.score(y, y)) - 1e-12
    labels = (y > np.median(y)).astype(int)
    if len(np.unique(labels)) == 2:
        perfect = np.column_stack([1 - labels, labels]).astype(float)
        guess = np.clip(perfect + rng.uniform(0, 0.9, size=perfect.shape), 0, None)
        guess /= guess.sum(axis=1, keepdims=True)
        for name in ("roc_auc", "log_loss", "accuracy", "average_precision"):
            metric = METRICS[name]
            assert metric.loss(metric.score(labels, guess)) >= metric.loss(metric.score(labels, perfect)) - 1e-12, name


def test_choose_folds_follows_rows_times_budget() -> None:
    assert choose_folds(500, 10, 60, None) == 5
    assert choose_folds(5000, 10, 60, None) == 3
    assert choose_folds(200_000, 10, 600, None) == 1
    assert choose_folds(90_000, 100, 0.5, None) == 1  # 18M cells per second of budget
    assert choose_folds(90_000, 100, None, None) == 5  # no seconds budget: time is not what is short
    assert choose_folds(1000, 10, 60, 3) == 3


def test_stratified_holdout_keeps_class_shares() -> None:
    y = np.array([0] * 80 + [1] * 20)
    frame = pd.DataFrame({"x": np.arange(100)})
    rest, hold = holdout_split(frame, y, validation="stratified", fraction=0.2, seed=0, stratify=True)
    assert len(hold) == 20 and np.sum(y[hold]) == 4
    assert not set(rest) & set(hold) and len(rest) + len(hold) == 100


def test_group_holdout_and_folds_keep_groups_apart() -> None:
    frame = pd.DataFrame({"cluster_id": np.repeat(np.arange(30), 4), "x": np.arange(120)})
    y = np.arange(120) % 2
    rest, hold = holdout_split(frame, y, validation="group", fraction=0.2, seed=0, stratify=True, group_column="cluster_id")
    assert not set(frame.cluster_id.iloc[rest]) & set(frame.cluster_id.iloc[hold])
    sub = frame.iloc[rest].reset_index(drop=True)
    folds = make_folds(sub, y[rest], validation="group", folds=3, seed=0, stratify=True, group_column="cluster_id")
    for train, valid in zip(folds.train, folds.valid):
        assert not set(sub.cluster_id.iloc[train]) & set(sub.cluster_id.iloc[valid])
    assert sorted(np.concatenate(folds.valid)) == list(range(len(sub)))


def test_time_holdout_is_the_latest_rows_and_folds_look_forward() -> None:
    times = pd.date_range("2026-01-01", periods=100, freq="h")
    frame = pd.DataFrame({"when": times[::-1], "x": np.arange(100)})
    y = np.arange(100) % 2
    rest, hold = holdout_split(frame, y, validation="time", fraction=0.2, seed=0, stratify=True, time_column="when")
    assert frame["when"].iloc[hold].min() > frame["when"].iloc[rest].max()
    sub = frame.iloc[rest].reset_index(drop=True)
    folds = make_folds(sub, y[rest], validation="time", folds=3, seed=0, stratify=True, time_column="when")
    for train, valid in zip(folds.train, folds.valid):
        assert sub["when"].iloc[train].max() < sub["when"].iloc[valid].min()


def test_missing_split_column_is_one_line() -> None:
    frame = pd.DataFrame({"x": [1, 2, 3]})
    with pytest.raises(StudioError, match="group column 'cluster_id' is not in the data"):
        holdout_split(frame, np.array([0, 1, 0]), validation="group", fraction=0.3, seed=0, stratify=True, group_column="cluster_id")
