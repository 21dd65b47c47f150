"""Model artifacts: skops files with an allow-list, sha256 checked before loading; refused when
tampered with, mislabelled or holding a type outside the list; and the MLflow and ONNX exports."""

import io
import json
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest
import skops.io as sio
from lightgbm import LGBMClassifier, LGBMRegressor
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.ensemble import (
    ExtraTreesClassifier,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from studio.errors import StudioError
from studio.models import BASE_TRUSTED_TYPES, load_artifact, save_artifact, trusted_types
from studio.registry import export_mlflow, export_onnx, unsupported_onnx_steps
from tests.helpers.pipelines import features, fit, frame


class Doubler(BaseEstimator, TransformerMixin):
    """A transformer of the kind the features stage defines: trusted only when listed."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return np.asarray(X, dtype="float64") * 2.0


DOUBLER = f"{Doubler.__module__}.Doubler"

ESTIMATORS = {
    "hist_gbm_classifier": (HistGradientBoostingClassifier(max_iter=5), "binary"),
    "hist_gbm_regressor": (HistGradientBoostingRegressor(max_iter=5), "regression"),
    "logistic": (LogisticRegression(), "binary"),
    "ridge": (Ridge(), "regression"),
    "random_forest_classifier": (RandomForestClassifier(n_estimators=3, random_state=0), "multiclass"),
    "random_forest_regressor": (RandomForestRegressor(n_estimators=3, random_state=0), "regression"),
    "extra_trees": (ExtraTreesClassifier(n_estimators=3, random_state=0), "binary"),
    "lightgbm_classifier": (LGBMClassifier(n_estimators=5, verbose=-1), "binary"),
    "lightgbm_regressor": (LGBMRegressor(n_estimators=5, verbose=-1), "regression"),
}


@pytest.fixture(scope="module")
def model():
    return fit(LogisticRegression(), frame(200, "binary"))


@pytest.fixture
def saved(tmp_path, model):
    path = tmp_path / "model.skops"
    return path, save_artifact(model, path)


@pytest.mark.parametrize("name", ESTIMATORS)
def test_round_trip_gives_the_same_predictions(tmp_path, name):
    estimator, task = ESTIMATORS[name]
    data = frame(300, task)
    pipeline = fit(estimator, data)
    path = tmp_path / f"{name}.skops"
    digest = save_artifact(pipeline, path)
    loaded = load_artifact(path, digest)
    inputs = data.drop(columns=["y"])
    assert type(loaded) is Pipeline
    np.testing.assert_array_equal(loaded.predict(inputs), pipeline.predict(inputs))
    if task != "regression":
        np.testing.assert_array_equal(loaded.predict_proba(inputs), pipeline.predict_proba(inputs))


def test_saved_file_is_skops_not_pickle_and_hash_is_of_its_bytes(saved):
    path, digest = saved
    import hashlib

    assert digest == hashlib.sha256(path.read_bytes()).hexdigest()
    with zipfile.ZipFile(path) as archive:
        assert "schema.json" in archive.namelist()
    assert not path.read_bytes().startswith(b"\x80"), "a pickle stream starts with the PROTO opcode"


def test_atomic_write_leaves_no_temp_and_replaces(tmp_path, model):
    path = tmp_path / "deep" / "folder" / "model.skops"
    first = save_artifact(model, path)
    second = save_artifact(fit(LogisticRegression(C=0.01), frame(200, "binary")), path)
    assert first != second
    assert [p.name for p in path.parent.iterdir()] == ["model.skops"]
    load_artifact(path, second)


def test_flipped_bytes_are_refused_before_loading(saved):
    path, digest = saved
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(StudioError, match="does not match its recorded sha256") as error:
        load_artifact(path, digest)
    assert "\n" not in str(error.value) and "register the model again" in str(error.value)


def test_wrong_hash_is_refused(saved):
    path, digest = saved
    wrong = ("0" if digest[0] != "0" else "1") + digest[1:]
    with pytest.raises(StudioError, match="does not match its recorded sha256"):
        load_artifact(path, wrong)


def test_missing_file_is_one_line(tmp_path):
    with pytest.raises(StudioError, match="is missing"):
        load_artifact(tmp_path / "gone.skops", "0" * 64)


def _write_with_hash(path: Path, data: bytes) -> str:
    import hashlib

    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def test_a_function_like_os_system_is_refused_even_with_the_right_hash(tmp_path):
    path = tmp_path / "evil.skops"
    digest = _write_with_hash(path, sio.dumps(Pipeline([("run", FunctionTransformer(func=os.system))])))
    with pytest.raises(StudioError, match=r"types that are not allowed \(posix\.system\)") as error:
        load_artifact(path, digest)
    assert "\n" not in str(error.value)


def test_an_unknown_class_is_refused(tmp_path):
    path = tmp_path / "unknown.skops"
    digest = _write_with_hash(path, sio.dumps(Pipeline([("double", Doubler())])))
    with pytest.raises(StudioError, match=f"not allowed \\({DOUBLER}\\)"):
        load_artifact(path, digest)


def test_a_hand_crafted_schema_naming_os_system_is_refused(tmp_path):
    """A file edited by hand (not made by skops.dump) to reference os.system."""
    original = sio.dumps(FunctionTransformer(func=abs))
    with zipfile.ZipFile(io.BytesIO(original)) as archive:
        schema = json.loads(archive.read("schema.json"))
    schema["content"]["content"]["func"].update({"__class__": "system", "__module__": "os"})
    crafted = io.BytesIO()
    with zipfile.ZipFile(crafted, "w") as archive:
        archive.writestr("schema.json", json.dumps(schema))
    path = tmp_path / "crafted.skops"
    digest = _write_with_hash(path, crafted.getvalue())
    with pytest.raises(StudioError, match=r"not allowed \(os\.system\)"):
        load_artifact(path, digest)


def test_garbage_with_matching_hash_is_one_line(tmp_path):
    path = tmp_path / "garbage.skops"
    digest = _write_with_hash(path, b"not a zip file at all")
    with pytest.raises(StudioError, match="not a readable skops file"):
        load_artifact(path, digest)


def test_save_refuses_what_load_would_refuse_and_writes_nothing(tmp_path, model):
    path = tmp_path / "model.skops"
    digest = save_artifact(model, path)
    with pytest.raises(StudioError, match=f"outside the artifact allow-list \\({DOUBLER}\\)"):
        save_artifact(Pipeline([("double", Doubler())]).fit(np.ones((3, 2))), path)
    load_artifact(path, digest)  # the earlier file is untouched
    assert [p.name for p in tmp_path.iterdir()] == ["model.skops"]


def test_extra_trusted_names_let_a_stage_add_its_own_types(tmp_path):
    pipeline = Pipeline([("double", Doubler()), ("model", LogisticRegression())]).fit(np.arange(20.0).reshape(10, 2), [0, 1] * 5)
    path = tmp_path / "custom.skops"
    digest = save_artifact(pipeline, path, trusted_extra=[DOUBLER])
    loaded = load_artifact(path, digest, trusted_extra=[DOUBLER])
    np.testing.assert_array_equal(loaded.predict(np.ones((2, 2))), pipeline.predict(np.ones((2, 2))))
    with pytest.raises(StudioError, match="not allowed"):
        load_artifact(path, digest)


def test_allow_list_is_a_sorted_union():
    names = trusted_types(["b.B", "a.A"], ("a.A",))
    assert names == sorted(set(BASE_TRUSTED_TYPES) | {"a.A", "b.B"})
    assert "posix.system" not in trusted_types() and all("." in name for name in names)


# ------------------------------------------------------------------ exports


@pytest.mark.filterwarnings("ignore:Hint. Inferred schema contains integer:UserWarning")
def test_mlflow_export_loads_with_pyfunc(tmp_path):
    import mlflow.pyfunc as pyfunc  # the export extra, installed by the test command
    data = frame(200, "binary")
    pipeline = fit(HistGradientBoostingClassifier(max_iter=5), data)
    inputs = data.drop(columns=["y"])
    target = export_mlflow(pipeline, tmp_path / "mlflow_model", sample=inputs, predict_fn="predict_proba")
    assert (target / "MLmodel").exists() and (target / "model.skops").exists()
    loaded = pyfunc.load_model(str(target))
    np.testing.assert_allclose(np.asarray(loaded.predict(inputs)), pipeline.predict_proba(inputs))
    requirements = (target / "requirements.txt").read_text()
    assert "skops==" in requirements and "scikit-learn==" in requirements
    with pytest.raises(StudioError, match="already exists"):
        export_mlflow(pipeline, target)


def test_mlflow_export_refuses_types_outside_the_allow_list(tmp_path):
    import mlflow.sklearn  # noqa: F401 - the export extra, installed by the test command
    pipeline = Pipeline([("double", Doubler()), ("model", LogisticRegression())]).fit(np.arange(20.0).reshape(10, 2), [0, 1] * 5)
    with pytest.raises(StudioError, match="allow-list"):
        export_mlflow(pipeline, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_onnx_export_matches_the_pipeline(tmp_path):
    data = frame(300, "binary")
    pipeline = fit(RandomForestClassifier(n_estimators=5, random_state=0), data)
    found = export_onnx(pipeline, data.drop(columns=["y"]), tmp_path / "model.onnx")
    assert Path(found["path"]).stat().st_size > 0
    assert found["rows_checked"] == 300 and found["max_difference"] <= 1e-4


def test_onnx_export_refuses_an_unsupported_step_by_name(tmp_path):
    pipeline = Pipeline([("features", features()), ("double", Doubler()), ("model", LogisticRegression())])
    data = frame(100, "binary")
    pipeline.fit(data.drop(columns=["y"]), data["y"])
    assert unsupported_onnx_steps(pipeline) == ["double (Doubler)"]
    with pytest.raises(StudioError, match=r"no converter for step double \(Doubler\)"):
        export_onnx(pipeline, data.drop(columns=["y"]), tmp_path / "model.onnx")
    assert not (tmp_path / "model.onnx").exists()


def test_onnx_export_refuses_when_the_outputs_differ(tmp_path):
    data = frame(300, "regression")
    data["y"] = data["y"] * 1e9  # float32 cannot carry these values to 1e-12
    pipeline = fit(Ridge(), data)
    with pytest.raises(StudioError, match="outputs differ from the scikit-learn pipeline"):
        export_onnx(pipeline, data.drop(columns=["y"]), tmp_path / "model.onnx", tolerance=1e-12)
    assert not (tmp_path / "model.onnx").exists()
