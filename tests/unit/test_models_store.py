"""The model store beyond the store contract: loading checks the artifact's hash and types, a
model blocks deleting the data it was trained on, and a refused save leaves nothing."""

import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression

from studio import StudioError


def _registered(workspace, name="eta", origin=None):
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "y": [2.0, 4.0, 6.0, 8.0]})
    model = LinearRegression().fit(frame[["x"]], frame["y"])
    version, unchanged = workspace.models.register(name, workspace.models.serialize(model), {"task": "regression", "target": "y"}, origin or {"kind": "test"})
    return version, unchanged, model


def test_a_registered_model_loads_back_and_a_retry_changes_nothing(workspace):
    version, unchanged, model = _registered(workspace)
    assert (version.name, version.version, unchanged, version.task) == ("eta", 1, False, "regression")
    assert version.path.exists() and version.bytes == version.path.stat().st_size
    assert workspace.models.load(version).predict(pd.DataFrame({"x": [5.0]}))[0] == pytest.approx(10.0)
    again, unchanged = workspace.models.register("eta", version.path.read_bytes(), version.info, version.origin)
    assert (again.version, unchanged) == (1, True)


def test_a_tampered_artifact_is_refused_before_it_is_read(workspace):
    version, _, _ = _registered(workspace)
    data = bytearray(version.path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    version.path.write_bytes(bytes(data))
    with pytest.raises(StudioError, match="does not match its recorded sha256"):
        workspace.models.load(version)
    version.path.unlink()
    with pytest.raises(StudioError, match="is missing"):
        workspace.models.load(version)


def test_a_model_that_could_not_be_loaded_again_is_not_stored(workspace):
    class Unknown:
        pass

    model = LinearRegression().fit([[1.0], [2.0]], [1.0, 2.0])
    model.extra_ = Unknown()
    with pytest.raises(StudioError, match="cannot save the model"):
        workspace.models.serialize(model)
    assert workspace.models.list() == [] and not list((workspace.root / "artifacts").rglob("*.skops"))


def test_a_model_blocks_deleting_its_training_data(workspace, files):
    table = workspace.sources.add_file(files["csv"], "orders").table
    _registered(workspace, origin={"kind": "training_run", "dataset": table.lineage()})
    with pytest.raises(StudioError, match="orders is the training data of model eta v1; deleting it would break it: delete it first"):
        workspace.sources.delete("orders")
    assert workspace.sources.rename("orders", "old_orders").name == "old_orders"  # lineage is by id
    workspace.models.delete("eta")
    assert workspace.sources.delete("old_orders") == [1]
