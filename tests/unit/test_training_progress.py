"""A run's progress as plain data (trials, best so far, budget, importances) and the figures
drawn from it."""

from pathlib import Path

import optuna
import pytest

from benchmarks._training_data import generated, stand_in_features
from components.training_charts import families_figure, history_figure, importance_figure, timeline_figure
from studio.training import open_storage, train
from studio.training import StudyProgress, TrialRow, parameter_importances, study_progress


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("run")
    X, y = generated("binary", 400, seed=2)
    result = train(X, y, stand_in_features, run_dir=run_dir, trials=14, families=["linear", "lightgbm"], seed=0)
    return result


def test_progress_reads_every_trial_of_the_study(run):
    progress = study_progress(run.storage, run.study_name)
    assert progress.metric == "roc_auc" and progress.maximize and progress.budget_trials == 14
    assert progress.counts()["complete"] == run.trials == len(progress.finished)
    assert sum(progress.counts().values()) == len(progress.trials)
    assert {t.family for t in progress.trials} <= {"linear", "lightgbm"}
    assert all("." not in name for t in progress.trials for name in t.params)  # the family's prefix is dropped
    assert progress.best is not None and progress.best.number == run.best_trial
    assert progress.best.value == pytest.approx(run.best_trial_score)
    line = progress.best_so_far()
    assert [n for n, _ in line] == sorted(t.number for t in progress.finished)
    assert all(a <= b for (_, a), (_, b) in zip(line, line[1:]))  # never worse (higher is better here)
    assert line[-1][1] == pytest.approx(run.best_trial_score)
    assert progress.remaining() is None and progress.elapsed() > 0
    assert progress.to_json()["best"]["number"] == run.best_trial


def test_importances_cover_one_familys_varied_parameters(run):
    study = optuna.load_study(study_name=run.study_name, storage=open_storage(run.storage))
    importances = parameter_importances(study, "lightgbm")  # 9 finished lightgbm trials under this seed
    assert importances and all(0 <= v <= 1 for v in importances.values()) and sum(importances.values()) == pytest.approx(1)
    assert set(importances) <= {"num_leaves", "learning_rate", "reg_lambda", "reg_alpha", "subsample", "colsample_bytree", "min_child_samples", "n_estimators", "max_depth", "min_split_gain"}
    assert parameter_importances(study, "linear") == {}  # fewer finished trials than fANOVA needs
    assert parameter_importances(study, "mlp") == {}  # a family with no trials


def _row(number, state="complete", value=None, family="linear", started=0.0, finished=1.0):
    return TrialRow(number, state, family, value, started, finished, {}, None)


def test_best_so_far_follows_the_direction_and_skips_unfinished_trials():
    trials = [_row(0, value=3.0), _row(1, state="pruned", value=None), _row(2, value=2.0), _row(3, value=5.0), _row(4, state="running", finished=None)]
    assert StudyProgress("rmse", False, 0.0, None, 60.0, trials).best_so_far() == [(0, 3.0), (2, 2.0), (3, 2.0)]
    assert StudyProgress("roc_auc", True, 0.0, None, None, trials).best_so_far() == [(0, 3.0), (2, 3.0), (3, 5.0)]
    budgeted = StudyProgress("rmse", False, 100.0, None, 60.0, trials)
    assert budgeted.elapsed(now=130.0) == 30.0 and budgeted.remaining(now=130.0) == 30.0  # a trial still runs
    assert budgeted.remaining(now=500.0) == 0.0
    assert StudyProgress("rmse", False, 0.0, None, None, []).best is None


def test_figures_are_labelled_and_bounded(run):
    progress = study_progress(run.storage, run.study_name)
    for figure in (history_figure(progress), timeline_figure(progress), families_figure(progress)):
        assert figure.layout.xaxis.title.text and figure.layout.yaxis.title.text
        assert all(len(trace.x) <= 10_000 for trace in figure.data if trace.x is not None)
    history = history_figure(progress)
    assert [t.name for t in history.data][-1] == "best so far"
    assert importance_figure({"num_leaves": 0.7, "learning_rate": 0.3}).data[0].y == ("learning_rate", "num_leaves")
