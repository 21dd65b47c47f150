"""Search spaces, portfolios and the ensemble of studio.training."""

import time

import numpy as np
import optuna
import pytest
import skops.io
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from studio.features import TRUSTED_TYPES as FEATURE_TYPES
from studio.models import load_artifact, save_artifact
from studio.training import FAMILIES, METRICS, TRUSTED_TYPES, WeightedEnsemble, available_families, greedy_weights
from studio.training._evaluate import fit_fold, predict, refit_params
from studio.training._families import build, enqueued_params, suggest

TASKS = {"binary": 2, "multiclass": 3, "regression": 0}


def tiny(task: str, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(90, 4))
    signal = x[:, 0] + 0.5 * x[:, 1]
    if task == "regression":
        y = signal + rng.normal(scale=0.1, size=90)
    else:
        y = np.digitize(signal, np.quantile(signal, np.linspace(0, 1, TASKS[task] + 1)[1:-1])).astype(np.int64)
    return x[:60], y[:60], x[60:], y[60:]


@pytest.mark.parametrize("task", list(TASKS))
@pytest.mark.parametrize("family", available_families())
def test_every_sampled_configuration_fits(family: str, task: str) -> None:
    """Random configurations from the family's space, and its portfolio, all fit and predict."""
    train_x, train_y, valid_x, valid_y = tiny(task)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    for params in FAMILIES[family].portfolio(task):
        study.enqueue_trial(enqueued_params(family, params))
    checked = []

    def objective(trial: optuna.Trial) -> float:
        name, params = suggest(trial, [family], task)
        # fewer trees than sampled: the configuration's validity does not depend on their number
        estimator = build(name, {**params, **({"n_estimators": 20} if "n_estimators" in params or FAMILIES[family].early_stopping else {})}, task, 0, 1)
        rounds = fit_fold(name, estimator, train_x, train_y, valid_x, valid_y)
        prediction = predict(estimator, valid_x, task, TASKS[task])
        assert np.isfinite(prediction).all()
        assert prediction.shape == ((len(valid_x),) if task == "regression" else (len(valid_x), TASKS[task]))
        assert (rounds is not None) == FAMILIES[family].early_stopping
        checked.append(refit_params(name, params, [rounds], 1.25))
        return 0.0

    with threadpool_limits(limits=1):  # as the search runs them: idle OpenMP threads spin on a busy machine
        study.optimize(objective, n_trials=len(FAMILIES[family].portfolio(task)) + 4)
    assert len(checked) == len(study.trials)
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials)


@pytest.mark.parametrize("family", list(FAMILIES))
def test_portfolio_lies_inside_the_space(family: str) -> None:
    """An enqueued portfolio configuration is what the space then suggests, unchanged."""
    for task in TASKS:
        for params in FAMILIES[family].portfolio(task):
            study = optuna.create_study()
            study.enqueue_trial(enqueued_params(family, params))
            trial = study.ask()
            assert suggest(trial, [family], task) == (family, params)


def test_refit_uses_the_rounds_the_folds_chose() -> None:
    assert refit_params("lightgbm", {"learning_rate": 0.1}, [100, 120, None], 1.21) == {"learning_rate": 0.1, "n_estimators": 121}
    assert refit_params("extra_trees", {"n_estimators": 100}, [None], 1.5) == {"n_estimators": 100}
    # a forest its time box cut short refits with the trees its folds grew, never more than asked
    assert refit_params("random_forest", {"n_estimators": 100, "max_features": 0.5}, [30, 50], 1.25) == {"n_estimators": 40, "max_features": 0.5}
    assert refit_params("extra_trees", {"n_estimators": 100}, [100, 100], 1.25) == {"n_estimators": 100}


@pytest.mark.parametrize("family", ["random_forest", "extra_trees"])
def test_time_boxed_forest_is_the_whole_forest_or_a_part_of_it(family: str) -> None:
    """Under a time box a forest grows in tenths: given time, it ends as the very forest a single
    fit makes (warm start draws the same trees); with its time already over, it keeps the first
    tenth, which still predicts."""
    train_x, train_y, valid_x, valid_y = tiny("regression")
    params = {"n_estimators": 40, "max_features": 0.6, "min_samples_leaf": 1}
    plain = build(family, params, "regression", 3, 1)
    assert fit_fold(family, plain, train_x, train_y, valid_x, valid_y) is None
    boxed = build(family, params, "regression", 3, 1)
    assert fit_fold(family, boxed, train_x, train_y, valid_x, valid_y, stop_at=time.time() + 3600) == 40
    assert len(boxed.estimators_) == 40
    np.testing.assert_array_equal(boxed.predict(valid_x), plain.predict(valid_x))
    cut = build(family, params, "regression", 3, 1)
    assert fit_fold(family, cut, train_x, train_y, valid_x, valid_y, stop_at=time.time() - 1) == 4
    assert len(cut.estimators_) == 4 and np.isfinite(cut.predict(valid_x)).all()


def test_time_boxed_mlp_trains_in_tenths_of_its_epochs() -> None:
    """Under a time box the MLP trains 30 epochs (a tenth of 300) at a time: with its time over
    it keeps the first step's weights, which predict; given time it runs until its own early
    stopping ends it. The refit then gets the epochs the folds ran."""
    train_x, train_y, valid_x, valid_y = tiny("regression")
    params = FAMILIES["mlp"].portfolio("regression")[0]
    cut = build("mlp", params, "regression", 0, 1)
    epochs = fit_fold("mlp", cut, train_x, train_y, valid_x, valid_y, stop_at=time.time() - 1)
    assert 1 <= epochs <= 30 and cut[-1].max_iter == 300 and not cut[-1].warm_start
    assert np.isfinite(cut.predict(valid_x)).all()
    given = build("mlp", params, "regression", 0, 1)
    ran = fit_fold("mlp", given, train_x, train_y, valid_x, valid_y, stop_at=time.time() + 3600)
    assert epochs <= ran <= 300 and (ran == 300 or given[-1].n_iter_ < 30)
    assert refit_params("mlp", params, [40, 60], 1.25) == {**params, "max_iter": 50}
    assert build("mlp", {**params, "max_iter": 50}, "regression", 0, 1)[-1].max_iter == 50


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from(["roc_auc", "log_loss", "rmse", "mae"]), st.integers(2, 6))
def test_ensemble_is_never_worse_than_its_best_member(seed: int, name: str, candidates: int) -> None:
    rng = np.random.default_rng(seed)
    metric = METRICS[name]
    if name in ("rmse", "mae"):
        y = rng.normal(size=50)
        predictions = [y + rng.normal(scale=rng.uniform(0.1, 2), size=50) for _ in range(candidates)]
    else:
        y = np.arange(50) % 2
        predictions = []
        for _ in range(candidates):
            p = np.clip(y * rng.uniform(0.3, 1.0) + rng.uniform(0, 0.7, size=50), 0.01, 0.99)
            predictions.append(np.column_stack([1 - p, p]))
    counts, score = greedy_weights(predictions, y, metric)
    best = min(metric.loss(metric.score(y, p)) for p in predictions)
    assert metric.loss(score) <= best + 1e-12
    blend = sum(c * p for c, p in zip(counts, predictions)) / sum(counts)
    assert metric.score(y, blend) == pytest.approx(score)


def test_weighted_ensemble_follows_the_estimator_contract(tmp_path) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(80, 3))
    labels = np.where(x[:, 0] > 0, "yes", "no")
    members = [("linear", Pipeline([("scale", StandardScaler()), ("model", LogisticRegression())])),
               ("plain", LogisticRegression(C=0.1))]
    ensemble = WeightedEnsemble(members, [0.75, 0.25], "binary")
    assert clone(ensemble).get_params()["weights"] == [0.75, 0.25]
    ensemble.fit(x, labels)
    assert list(ensemble.classes_) == ["no", "yes"]
    proba = ensemble.predict_proba(x)
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert set(ensemble.predict(x)) <= {"no", "yes"}
    path = tmp_path / "ensemble.skops"
    skops.io.dump(ensemble, path)
    unknown = [t for t in skops.io.get_untrusted_types(file=path) if not t.startswith(("sklearn.", "numpy."))]
    assert set(unknown) <= set(TRUSTED_TYPES)
    loaded = skops.io.load(path, trusted=skops.io.get_untrusted_types(file=path))
    assert np.array_equal(loaded.predict_proba(x), proba)
    regression = WeightedEnsemble([("a", LinearRegression())], [1.0], "regression").fit(x, x[:, 0] * 2)
    assert np.allclose(regression.predict(x), x[:, 0] * 2)


@pytest.mark.parametrize("task", ["binary", "regression"])
@pytest.mark.parametrize("family", available_families())
def test_every_family_saves_with_the_allow_list(family: str, task: str, tmp_path) -> None:
    """A fitted estimator of each family is saved and loaded again through the model store's
    own path (its allow-list: the base types, the features' and the training's), so a model a
    run trains can always be stored; the MLP's fitted optimizer was once refused this way."""
    train_x, train_y, valid_x, valid_y = tiny(task)
    params = FAMILIES[family].portfolio(task)[0]
    estimator = build(family, {**params, **({"n_estimators": 10} if "n_estimators" in params or FAMILIES[family].early_stopping else {})}, task, 0, 1)
    ensemble = WeightedEnsemble([(family, estimator)], [1.0], task).fit(train_x, train_y)
    path = tmp_path / "model.skops"
    trusted = [*FEATURE_TYPES, *TRUSTED_TYPES]
    loaded = load_artifact(path, save_artifact(ensemble, path, trusted), trusted)
    score = (lambda model: model.predict(valid_x)) if task == "regression" else (lambda model: model.predict_proba(valid_x))
    assert np.allclose(score(loaded), score(ensemble))
