"""studio.training.train end to end on small data: the result, reproducibility, budgets."""

import datetime
from pathlib import Path

import numpy as np
import optuna
import pandas as pd
import pytest
import skops.io

from benchmarks._training_data import generated, stand_in_features
from studio.errors import StudioError
from studio.training import METRICS, TRUSTED_TYPES, WeightedEnsemble, open_storage, train
from studio.training._finalize import aligned_proba


@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_train_returns_the_refit_pipeline_scored_on_the_holdout(task: str, tmp_path: Path) -> None:
    X, y = generated(task, 300, seed=1)
    result = train(X, y, stand_in_features, run_dir=tmp_path, trials=6, families=["linear", "lightgbm"], seed=0)
    assert result.task == task and result.trials >= 1
    assert result.metric == {"binary": "roc_auc", "multiclass": "log_loss", "regression": "rmse"}[task]
    assert isinstance(result.pipeline.named_steps["model"], WeightedEnsemble)
    assert result.family in ("linear", "lightgbm") and result.best_params
    assert abs(sum(m.weight for m in result.members) - 1) < 1e-9
    holdout = X.iloc[result.holdout_rows]
    assert len(result.holdout_rows) == 60 and not set(result.holdout_rows) & set(result.oof.rows)
    metric = METRICS[result.metric]
    if task == "regression":
        again = metric.score(y.iloc[result.holdout_rows].to_numpy(), result.pipeline.predict(holdout))
    else:
        classes = np.unique(y.to_numpy())
        truth = np.searchsorted(classes, y.iloc[result.holdout_rows].to_numpy())
        again = metric.score(truth, aligned_proba(result.pipeline, holdout, classes.tolist()))
        assert set(result.pipeline.predict(holdout)) <= set(classes)
    assert again == pytest.approx(result.holdout_score)
    assert len(result.oof.predictions) == len(result.oof.rows) == 240
    path = tmp_path / "model.skops"
    skops.io.dump(result.pipeline, path)
    ours = {t for t in skops.io.get_untrusted_types(file=path) if not t.startswith(("sklearn.", "numpy.", "benchmarks."))}
    assert ours <= set(TRUSTED_TYPES)


def test_same_seed_and_inputs_give_the_same_holdout_score(tmp_path: Path) -> None:
    X, y = generated("binary", 300, seed=2)
    runs = [train(X, y, stand_in_features, run_dir=tmp_path / str(i), trials=7, families=["linear", "lightgbm", "extra_trees"], seed=3)
            for i in range(2)]
    assert runs[0].holdout_score == runs[1].holdout_score
    assert runs[0].best_params == runs[1].best_params
    assert [m.trial for m in runs[0].members] == [m.trial for m in runs[1].members]
    other = train(X, y, stand_in_features, run_dir=tmp_path / "other", trials=7, families=["linear", "lightgbm", "extra_trees"], seed=4)
    assert not np.array_equal(other.holdout_rows, runs[0].holdout_rows)


def test_no_trial_starts_after_the_deadline(tmp_path: Path) -> None:
    X, y = generated("regression", 400, seed=3)
    started = datetime.datetime.now()
    result = train(X, y, stand_in_features, run_dir=tmp_path, seconds=8, families=["lightgbm", "random_forest"], seed=0)
    study = optuna.load_study(study_name=result.study_name, storage=open_storage(result.storage))
    starts = [t.datetime_start for t in study.trials if t.datetime_start is not None]
    assert starts and max(starts) < started + datetime.timedelta(seconds=8)
    assert all(t.state != optuna.trial.TrialState.RUNNING for t in study.trials)


def test_trial_budget_is_the_number_of_trials(tmp_path: Path) -> None:
    X, y = generated("binary", 200, seed=4)
    result = train(X, y, stand_in_features, run_dir=tmp_path, trials=4, families=["linear"], seed=0)
    assert sum(result.trial_states.values()) == 4


def test_bad_inputs_are_one_line_errors(tmp_path: Path) -> None:
    X, y = generated("binary", 100, seed=5)
    with pytest.raises(StudioError, match="also among the feature columns"):
        train(X.assign(target=y), y, stand_in_features, run_dir=tmp_path, trials=1)
    with pytest.raises(StudioError, match="rows but the target has"):
        train(X.iloc[:50], y, stand_in_features, run_dir=tmp_path, trials=1)
    with pytest.raises(StudioError, match="unknown model family"):
        train(X, y, stand_in_features, run_dir=tmp_path, trials=1, families=["magic"])
    with pytest.raises(StudioError, match="importable module-level callable"):
        train(X, y, lambda: stand_in_features(), run_dir=tmp_path, trials=1)
    with pytest.raises(StudioError, match="already exists"):
        train(X, y, stand_in_features, run_dir=tmp_path / "twice", trials=1, families=["linear"])
        train(X, y, stand_in_features, run_dir=tmp_path / "twice", trials=1, families=["linear"])


def test_rows_without_a_target_are_left_out(tmp_path: Path) -> None:
    X, y = generated("regression", 200, seed=6)
    y = y.where(pd.Series(np.arange(200) % 10 != 0), None)
    result = train(X, y, stand_in_features, run_dir=tmp_path, trials=2, families=["linear"], seed=0)
    used = set(result.oof.rows) | set(result.holdout_rows)
    assert len(used) == 180 and not any(row % 10 == 0 for row in used)


def test_a_budget_spent_before_any_trial_still_ends_with_a_model(tmp_path):
    """A busy machine may spend a short budget on starting the run: then one trial, the
    cheapest the scheduler knows, runs to its end (the run ends a little late with a model
    rather than on time with none), and no other trial starts."""
    X, y = generated("regression", 600, seed=2)
    result = train(X, y, stand_in_features, run_dir=tmp_path, seconds=0.001, families=["lightgbm", "linear"], seed=0)
    assert result.trial_states == {"COMPLETE": 1} and result.family == "linear"
