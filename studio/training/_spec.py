"""The run spec: everything a worker process needs to join a study, kept in the study itself
(a study user attribute), so that a worker needs only the storage URL and the study name.

The feature pipeline travels as a reference to an importable factory (``module:qualname``),
optionally a ``functools.partial`` of one with JSON arguments (a recipe's JSON, for example);
never as pickled code.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import optuna

from studio.errors import StudioError
from studio.training._folds import FeaturesFactory

SPEC_ATTR = "studio_run"


def features_reference(factory: FeaturesFactory) -> dict[str, Any]:
    """A JSON reference to ``factory``; a lambda, a local function or non-JSON arguments
    cannot travel to another process and are refused."""
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    if isinstance(factory, functools.partial):
        args, kwargs, factory = list(factory.args), dict(factory.keywords), factory.func
    module, qualname = getattr(factory, "__module__", None), getattr(factory, "__qualname__", "")
    if not module or "<" in qualname:
        raise StudioError("the features factory must be an importable module-level callable (or a functools.partial of one) to run in workers")
    reference = {"callable": f"{module}:{qualname}", "args": args, "kwargs": kwargs}
    try:
        json.dumps(reference)
    except TypeError as error:
        raise StudioError(f"the features factory's arguments must be JSON values to run in workers: {error}") from error
    return reference


def load_features(reference: dict[str, Any]) -> FeaturesFactory:
    module_name, qualname = reference["callable"].split(":")
    try:
        target: Any = importlib.import_module(module_name)
        for part in qualname.split("."):
            target = getattr(target, part)
    except (ImportError, AttributeError) as error:
        raise StudioError(f"cannot import the features factory {reference['callable']!r}: {error}; run the worker where the project is installed") from error
    if reference["args"] or reference["kwargs"]:
        return functools.partial(target, *reference["args"], **reference["kwargs"])
    return target


@dataclass(frozen=True)
class RunSpec:
    """A resolved run: task, metric, resampling, budget and where its data is."""

    target: str
    task: str
    metric: str
    validation: str
    group_column: str | None
    time_column: str | None
    folds: int
    holdout: float
    seed: int
    families: list[str]
    trials: int | None
    seconds: float | None
    started: float  # wall-clock time (epoch seconds) the run's budget counts from
    threads: int
    features: dict[str, Any]
    run_dir: str
    classes: list[Any] | None  # the class labels in encoding order, for classifiers

    @property
    def search_path(self) -> Path:
        """The non-holdout rows (features and target), which the workers search on."""
        return Path(self.run_dir) / "search.parquet"

    @property
    def holdout_path(self) -> Path:
        return Path(self.run_dir) / "holdout.parquet"

    @property
    def oof_dir(self) -> Path:
        return Path(self.run_dir) / "oof"

    @property
    def ends(self) -> float | None:
        return None if self.seconds is None else self.started + self.seconds

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunSpec:
        return cls(**data)

    @classmethod
    def of(cls, study: optuna.Study) -> RunSpec:
        data = study.user_attrs.get(SPEC_ATTR)
        if data is None:
            raise StudioError(f"study {study.study_name!r} is not a studio training run; check the study name")
        return cls.from_json(data)
