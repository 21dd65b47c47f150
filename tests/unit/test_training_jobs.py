"""Training wired to the workspace: a run as a ``training.run`` job in a real worker process
stores the refit pipeline as a model version (with its signature, expectations, holdout rows
and lineage); runs on a saved recipe and on the default treatment by column kind; group folds
on ``cluster_id``; bad parameters refused before any worker starts; batch prediction keeps
the input's order, names its columns by class, looks up the aggregates the input lacks in the
online table, refuses a bad record or a tampered artifact in one line and writes nothing then."""

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from studio import StudioError, Workspace
from studio.features import set_online_table
from studio.jobs import FAILED, SUCCEEDED, JobContext
from studio.training import METRICS
from tests.unit.test_features_store import recipe_json, shops  # noqa: F401 - the fixture
from tests.unit.test_jobs import wait_for

RESULT_KEYS = {"run", "model", "version", "task", "metric", "cv_score", "holdout_score", "trials", "best_params", "seconds"}


def orders(rows: int = 240, seed: int = 0) -> pd.DataFrame:
    """Orders of 30 consolidated customers (``cluster_id``): minutes grow with the distance and
    in the north; an order is late past the median. Some distances are missing."""
    rng = np.random.default_rng(seed)
    distance = np.round(rng.uniform(0.5, 10, rows), 2)
    city = rng.choice(["north", "south", "east"], rows)
    minutes = np.round(5 + 3 * distance + np.where(city == "north", 6, 0) + rng.normal(0, 2, rows), 1)
    frame = pd.DataFrame({
        "order_id": np.arange(1, rows + 1), "cluster_id": rng.integers(0, 30, rows), "distance": distance, "city": city,
        "items": rng.integers(1, 6, rows), "minutes": minutes, "late": np.where(minutes > np.median(minutes), "late", "on_time"),
    })  # fmt: skip
    frame.loc[rng.choice(rows, 12, replace=False), "distance"] = np.nan
    return frame


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> tuple[Workspace, pd.DataFrame, dict, dict]:
    """A workspace with table ``orders``, a late/on-time classifier trained in this process
    with a saved recipe, and a minutes regressor on the default treatment."""
    folder = tmp_path_factory.mktemp("trained")
    frame = orders()
    frame.to_csv(folder / "orders.csv", index=False)
    workspace = Workspace.init(folder / "ws")
    workspace.sources.add_file(folder / "orders.csv", "orders")
    recipe = {"target": "late", "columns": {"distance": {"kind": "numeric"}, "city": {"kind": "categorical"}, "items": {"kind": "numeric"}}}
    workspace.features.save("lateness", recipe, table="orders")
    runs = workspace.runs
    classifier = runs.run(JobContext(), table="orders", target="late", recipe="lateness", trials=3, families=["linear"], model="late")
    regressor = runs.run(JobContext(), table="orders", target="minutes", trials=3, families=["linear"])
    return workspace, frame, classifier, regressor


def test_run_job_trains_in_a_worker_and_stores_the_model(trained):
    workspace, frame, _classifier, _regressor = trained
    run = workspace.runs.submit("orders", "minutes", trials=2, families=["linear"], model="minutes_job")
    job = wait_for(workspace, run, (SUCCEEDED, FAILED), timeout=300)
    assert job.status == SUCCEEDED, job.error
    assert set(job.result) == RESULT_KEYS and job.progress == 1.0 and job.kind == "training.run"
    assert (job.result["run"], job.result["model"], job.result["version"], job.result["trials"]) == (run, "minutes_job", 1, 2)
    version = workspace.models.get("minutes_job")
    assert version.origin["run"] == run and version.origin["dataset"]["table"] == "orders" and version.origin["feature_recipe"] is None
    assert version.origin["features"] == "default by column kind"
    assert (workspace.runs.run_dir(run) / "study.db").exists()
    shown = workspace.runs.show(run)
    assert shown["status"] == SUCCEEDED and shown["trials"] == {"COMPLETE": 2} and shown["result"] == job.result
    assert [r.id for r in workspace.runs.list()] == [run]  # the in-process runs of the fixture are not jobs


def test_the_stored_model_keeps_what_later_stages_read(trained):
    workspace, frame, classifier, _regressor = trained
    assert set(classifier) == RESULT_KEYS and classifier["run"] is None and (classifier["model"], classifier["version"]) == ("late", 1)
    version = workspace.models.get("late")
    info = version.info
    assert (info["task"], info["target"], info["metric"], info["trials"]) == ("binary", "late", "roc_auc", 3)
    assert info["cv_score"] == classifier["cv_score"] and info["holdout_score"] == classifier["holdout_score"]
    assert info["best_params"] == classifier["best_params"] and info["classes"] == ["late", "on_time"] and info["validation"] == "group"
    assert [(c["name"], c["kind"], c["required"]) for c in version.signature["columns"]] == [
        ("city", "categorical", True), ("distance", "numeric", True), ("items", "numeric", True),
    ]
    assert set(version.expectations["columns"]) == {"city", "distance", "items"}
    assert version.origin["feature_recipe"]["recipe"] == "lateness" and version.origin["dataset"]["version"] == 1
    assert version.origin["features"] == "saved recipe"
    with pytest.raises(StudioError, match="late v1"):
        workspace.sources.delete("orders")  # the model's training data
    with pytest.raises(StudioError, match="late v1"):
        workspace.features.delete("lateness")
    holdout = workspace.models.holdout(version)
    assert list(holdout.columns) == ["city", "distance", "items", "late"] and 0.1 * len(frame) < len(holdout) < 0.35 * len(frame)
    pipeline = workspace.models.load(version)
    proba = pipeline.predict_proba(holdout.drop(columns=["late"]))
    truth = (holdout["late"] == "on_time").astype(int).to_numpy()
    assert METRICS["roc_auc"].score(truth, proba) == pytest.approx(info["holdout_score"])


def test_group_folds_keep_each_cluster_on_one_side(trained):
    workspace, frame, _classifier, regressor = trained
    version = workspace.models.get(regressor["model"])
    assert regressor["model"] == "orders_minutes" and version.info["validation"] == "group"
    held = workspace.models.holdout(version)
    assert version.info["task"] == "regression" and list(held.columns)[-1] == "minutes"
    # the default treatment groups by cluster_id without reading it; the holdout holds whole clusters
    assert "cluster_id" not in held.columns
    found = held.merge(frame, on=list(held.columns), how="inner")  # each held row, found again by all its values
    assert len(found) == len(held)
    held_clusters = set(found["cluster_id"])
    assert held_clusters and not held_clusters & set(frame.loc[~frame["order_id"].isin(found["order_id"]), "cluster_id"])
    inputs = workspace.runs.inputs("orders", "minutes")
    assert (inputs.validation, inputs.group_column, inputs.saved) == ("group", "cluster_id", None)
    timed = workspace.runs.inputs("orders", "minutes", time_column="order_id")
    assert (timed.validation, timed.time_column) == ("time", "order_id") and "order_id" in timed.columns  # read to order the split


@pytest.mark.parametrize(("changes", "message"), [
    ({"target": "nope"}, "orders has no column 'nope' to predict"),
    ({"recipe": "missing"}, "no feature recipe"),
    ({"target": "minutes", "recipe": "lateness"}, "the recipe predicts 'late', not 'minutes'"),
    ({"metric": "rmse", "task": "binary"}, "metric 'rmse' does not apply to a binary task"),
    ({"metric": "magic"}, "unknown metric 'magic'"),
    ({"families": ["magic"]}, "unknown model family 'magic'"),
    ({"trials": 0}, "trials must be at least 1"),
    ({"seconds": -1}, "the timeout must be a positive number of seconds"),
    ({"workers": 0}, "workers must be between 1 and"),
    ({"model": "bad name!"}, "model"),
    ({"group_column": "nope"}, "orders has no group column 'nope'"),
])
def test_bad_parameters_are_refused_before_any_worker_starts(trained, changes, message):
    workspace = trained[0]
    before = len(workspace.jobs.list())
    with pytest.raises(StudioError, match=message.replace("(", r"\(")):
        workspace.runs.submit(**{"table": "orders", "target": "late", **changes})
    assert len(workspace.jobs.list()) == before


def _shuffled_input(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Rows in another order, the target left out, an extra column the model never saw."""
    data = frame.sample(frac=1.0, random_state=5).drop(columns=["late", "minutes"]).assign(note="x").head(100)
    data.to_csv(path, index=False)
    return data


def test_predict_a_classifier_keeps_the_order_and_names_a_column_per_class(trained, tmp_path):
    workspace, frame, _classifier, _regressor = trained
    data = _shuffled_input(frame, tmp_path / "new.csv")
    written = workspace.runs.predict("late:1", tmp_path / "new.csv", tmp_path / "out.parquet")
    assert written == {"model": "late", "version": 1, "rows": 100, "path": str(tmp_path / "out.parquet")}
    out = pd.read_parquet(tmp_path / "out.parquet")
    assert list(out.columns) == ["prediction", "proba_late", "proba_on_time"] and len(out) == len(data)
    pipeline = workspace.models.load(workspace.models.get("late"))
    expected = pipeline.predict_proba(data[["city", "distance", "items"]])
    np.testing.assert_allclose(out[["proba_late", "proba_on_time"]].to_numpy(), expected)
    assert list(out["prediction"]) == list(np.where(expected[:, 1] > expected[:, 0], "on_time", "late"))


def test_predict_a_regressor_over_a_table_writes_one_number_per_row(trained, tmp_path):
    workspace, frame, _classifier, regressor = trained
    written = workspace.runs.predict(regressor["model"], "orders", tmp_path / "out.csv")
    assert (written["rows"], written["version"]) == (len(frame), 1)
    out = pd.read_csv(tmp_path / "out.csv")
    pipeline = workspace.models.load(workspace.models.get(regressor["model"]))
    assert list(out.columns) == ["prediction"]
    np.testing.assert_allclose(out["prediction"], pipeline.predict(frame.drop(columns=["minutes"])), rtol=1e-9)


def test_a_missing_column_or_a_wrong_type_is_one_line_and_nothing_is_written(trained, tmp_path):
    workspace, frame, _classifier, _regressor = trained
    data = frame.drop(columns=["late"]).head(70)
    data.drop(columns=["city"]).to_csv(tmp_path / "no_city.csv", index=False)
    with pytest.raises(StudioError, match=r"no_city.csv \(rows 1-70\): input does not match the model's signature: column 'city' is missing"):
        workspace.runs.predict("late", tmp_path / "no_city.csv", tmp_path / "out.csv")
    data.astype({"distance": object}).assign(distance=lambda d: d["distance"].where(d.index != 7, "far")).to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(StudioError, match="column 'distance' should be a number but holds 1 value\\(s\\) like 'far'") as error:
        workspace.runs.predict("late", tmp_path / "bad.csv", tmp_path / "out.csv")
    assert "\n" not in str(error.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv", "no_city.csv"]  # no output, no temp file


def test_a_tampered_artifact_is_refused(trained, tmp_path):
    workspace, frame, _classifier, _regressor = trained
    workspace.runs.run(JobContext(), table="orders", target="late", trials=1, families=["linear"], model="tampered")
    version = workspace.models.get("tampered")
    data = bytearray(version.path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    version.path.write_bytes(bytes(data))
    frame.head(5).to_csv(tmp_path / "in.csv", index=False)
    with pytest.raises(StudioError, match="does not match its recorded sha256"):
        workspace.runs.predict("tampered", tmp_path / "in.csv", tmp_path / "out.csv")
    assert not (tmp_path / "out.csv").exists()


def test_model_references_and_missing_inputs(trained, tmp_path):
    workspace = trained[0]
    with pytest.raises(StudioError, match="is not MODEL or MODEL:VERSION"):
        workspace.runs.predict("late:x", "orders", tmp_path / "out.csv")
    with pytest.raises(StudioError, match="late has no version 9"):
        workspace.runs.predict("late:9", "orders", tmp_path / "out.csv")
    with pytest.raises(StudioError, match="nope.csv: no such file"):
        workspace.runs.predict("late", tmp_path / "nope.csv", tmp_path / "out.csv")
    with pytest.raises(StudioError, match="predict writes .parquet or .csv"):
        workspace.runs.predict("late", "orders", tmp_path / "out.txt")


def test_predict_looks_up_the_aggregates_the_input_lacks_in_the_online_table(shops, tmp_path):  # noqa: F811
    workspace, frame = shops
    workspace.features.save("delivery", recipe_json(), table="events")
    result = workspace.runs.run(JobContext(), table="events", target="minutes", recipe="delivery", trials=2, families=["linear"], model="eta")
    assert workspace.models.get("eta").info["validation"] == "time"  # the recipe's time column
    requests = frame.drop(columns=["minutes"]).tail(50)
    requests.to_csv(tmp_path / "in.csv", index=False)
    with pytest.raises(StudioError, match="feature recipe delivery has no online table yet"):
        workspace.runs.predict("eta", tmp_path / "in.csv", tmp_path / "out.csv")
    workspace.features.materialize("delivery")
    assert workspace.runs.predict("eta", tmp_path / "in.csv", tmp_path / "out.csv")["rows"] == 50
    pipeline = workspace.models.load(workspace.models.get("eta", result["version"]))
    set_online_table(pipeline, workspace.features.online_table("delivery"))
    np.testing.assert_allclose(pd.read_csv(tmp_path / "out.csv")["prediction"], pipeline.predict(requests), rtol=1e-9)


def test_a_budget_spent_before_training_is_one_line(trained):
    workspace = trained[0]
    with pytest.raises(StudioError, match=r"the budget of 5 s was spent before training began \(starting the run and reading its rows took 1\d s\)"):
        workspace.runs.run(JobContext(), table="orders", target="late", seconds=5, started=time.time() - 12)


def test_predict_job_scores_in_a_worker(trained, tmp_path):
    workspace, frame, _classifier, _regressor = trained
    frame.head(30).to_csv(tmp_path / "in.csv", index=False)
    with pytest.raises(StudioError, match="late has no version 7"):
        workspace.runs.submit_predict("late:7", str(tmp_path / "in.csv"), str(tmp_path / "out.csv"))
    job = wait_for(workspace, workspace.runs.submit_predict("late", str(tmp_path / "in.csv"), str(tmp_path / "out.csv")), (SUCCEEDED, FAILED))
    assert job.status == SUCCEEDED, job.error
    assert (job.kind, job.title, job.result) == (
        "training.predict", f"Predict {tmp_path / 'in.csv'} with late v1", {"model": "late", "version": 1, "rows": 30, "path": str(tmp_path / "out.csv")},
    )
    assert len(pd.read_csv(tmp_path / "out.csv")) == 30
