"""Small real scikit-learn pipelines registered through the model store for the registry tests:
a good binary classifier, a worse one (blind to ``city``) and one a shade different from the
good one, each with the same kept holdout rows and a quick suite (no timing-based test)."""

from __future__ import annotations

from typing import Any

from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from studio import Workspace
from studio.models import ModelVersion
from tests.helpers.pipelines import features, frame

TRAINING = frame(1500, "binary", seed=1)
HOLDOUT = frame(600, "binary", seed=2)
SUITE: dict[str, Any] = {"no_regression": {"resamples": 200}, "latency": False, "calibration": False}


def pipeline(kind: str) -> Pipeline:
    """``good``: every column; ``worse``: blind to city; ``good_too``: the good one, less regularized."""
    model = LogisticRegression(C=10.0 if kind == "good_too" else 1.0, max_iter=500)
    fitted = Pipeline([("features", features(one_hot=kind != "worse")), ("model", model)])
    return fitted.fit(TRAINING.drop(columns=["y"]), TRAINING["y"])


def register(workspace: Workspace, kind: str = "good", name: str = "churn", suite: dict[str, Any] | None = None, holdout: bool = True) -> ModelVersion:
    info: dict[str, Any] = {"task": "binary", "target": "y", "suite": SUITE if suite is None else suite}
    if holdout:
        info["holdout"] = workspace.models.save_holdout(HOLDOUT)
    version, _ = workspace.models.register(name, workspace.models.serialize(pipeline(kind)), info, {"kind": "test", "variant": kind})
    return version
