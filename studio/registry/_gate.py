"""The promotion gate: the ML test suite run on a model version's own holdout rows, with the
model's current production version as the no-regression reference, and what a promotion
answers (``PromotionResult``, the CLI's JSON)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import pandas as pd

from studio.errors import StudioError
from studio.evaluation import METRICS, SuiteSpec, run_suite
from studio.models import ModelStore, ModelVersion


@dataclass(frozen=True)
class TestRun:
    """One stored run of the test suite on a version (``reference_version``: the production
    version it was compared with, None when there was none)."""

    __test__ = False  # not a pytest class, despite its name

    id: int
    model: str
    version: int
    reference_version: int | None
    passed: bool
    tests: list[dict[str, Any]]
    spec: dict[str, Any]
    actor: str
    at: float

    @property
    def failed(self) -> list[str]:
        return [row["name"] for row in self.tests if not row["passed"]]

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class PromotionResult:
    """What ``Registry.promote`` did. ``promoted`` False means blocked: the suite failed and no
    reason was given (``blocked_message`` says so in one line). ``overridden``: the suite failed
    and ``reason`` let it through. ``unchanged``: the version held the alias already, so
    nothing ran and ``tests`` are its last stored ones."""

    model: str
    version: int
    alias: str
    tests: list[dict[str, Any]]
    promoted: bool
    previous_version: int | None
    overridden: bool = False
    unchanged: bool = False
    reason: str | None = None
    test_run: int | None = None

    @property
    def failed(self) -> list[str]:
        return [row["name"] for row in self.tests if not row["passed"]]

    def blocked_message(self, override: str = "--reason TEXT") -> str:
        """The one-line error a blocked promotion shows (empty when it was not blocked);
        ``override`` says where the reason goes: an option on the command line, a box on a page."""
        if self.promoted:
            return ""
        return (
            f"model {self.model} v{self.version} failed {', '.join(self.failed)}, so it is not {self.alias}; "
            f"fix the model, or override with a written reason ({override})"
        )

    def to_json(self) -> dict[str, Any]:
        """The CLI contract ``{"model", "version", "alias", "tests": [{"name", "passed", "value",
        "threshold", ...}], "promoted"}`` and what else is known."""
        return dataclasses.asdict(self)


def suite_spec(version: ModelVersion, suite: SuiteSpec | dict[str, Any] | None) -> SuiteSpec:
    """The suite to run: ``suite`` when given, else the suite file kept with the version
    (``info["suite"]``), else the defaults; with no metric named, the version's own metric."""
    raw = suite if suite is not None else version.info.get("suite")
    spec = raw if isinstance(raw, SuiteSpec) else SuiteSpec.from_json(raw)
    metric = version.info.get("metric")
    if spec.metric is None and isinstance(metric, str) and metric in METRICS:
        spec = dataclasses.replace(spec, metric=metric)
    return spec


def run_gate(models: ModelStore, candidate: ModelVersion, reference: ModelVersion | None, spec: SuiteSpec) -> list[dict[str, Any]]:
    """The suite's results for ``candidate`` on its holdout rows, ``reference`` scored on the
    same rows. A suite that cannot run at all (no holdout kept, a changed artifact) is one
    failed test named ``suite`` saying why, so it blocks like any failure."""
    if not candidate.task or not candidate.target:
        return [_failed(f"model {candidate.name} v{candidate.version} records no task or target; register it with both")]
    try:
        holdout = models.holdout(candidate)
        pipeline = models.load(candidate)
        other = models.load(reference) if reference is not None else None
        return run_suite(
            pipeline, holdout, candidate.target, candidate.task, spec, reference=other,
            reference_rows=None if reference is None else _reference_rows(models, reference, holdout, candidate.target),
            signature=candidate.signature or None, expectations=candidate.expectations or None, artifact_bytes=candidate.bytes,
        )
    except StudioError as error:
        return [_failed(f"the test suite could not run: {error}")]


def _reference_rows(models: ModelStore, reference: ModelVersion, holdout: pd.DataFrame, target: str) -> pd.DataFrame | None:
    """The reference's own holdout when it holds the candidate's rows (equal on every column
    both kept, the target among them, in the same order) with columns the candidate's lacks: a
    challenger that reads fewer columns is then compared with production on the same rows,
    each model reading its own columns. None: the reference is scored on the candidate's rows."""
    try:
        theirs = models.holdout(reference)
    except StudioError:
        return None
    shared = [column for column in holdout.columns if column in theirs.columns]
    if len(shared) == len(theirs.columns) or target not in shared or len(theirs) != len(holdout):
        return None
    same = holdout[shared].reset_index(drop=True).equals(theirs[shared].reset_index(drop=True))
    return theirs if same else None


def _failed(detail: str) -> dict[str, Any]:
    return {"name": "suite", "passed": False, "value": None, "threshold": None, "detail": detail}
