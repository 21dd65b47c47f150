"""What a run's study shows while it runs and after: its trials, the best score so far, the
budget used, and which parameters mattered. Plain data (the Optuna way: compute the info, then
draw it), read from the study's storage by any process, so the page, the CLI and tests share
it and the figure builders in components/ stay pure."""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import optuna
from optuna.trial import FrozenTrial, TrialState

from studio.training._evaluate import STOPPED
from studio.training._spec import RunSpec
from studio.training._storage import open_storage, quiet_optuna

STATES = {
    TrialState.COMPLETE: "complete",
    TrialState.PRUNED: "pruned",
    TrialState.FAIL: "failed",
    TrialState.RUNNING: "running",
    TrialState.WAITING: "waiting",
}
# fANOVA needs a handful of finished trials of one family before its answer means anything.
IMPORTANCE_MIN_TRIALS = 8


@dataclass(frozen=True)
class TrialRow:
    """One trial as a person reads it: its family, score and time, and why it stopped early."""

    number: int
    state: str
    family: str | None
    value: float | None
    started: float | None  # epoch seconds
    finished: float | None
    params: dict[str, Any]
    stopped: str | None  # "pruned" or "budget" when it ended before its last fold

    @property
    def seconds(self) -> float | None:
        if self.started is None or self.finished is None:
            return None
        return self.finished - self.started


@dataclass(frozen=True)
class StudyProgress:
    """A run's search at one moment."""

    metric: str
    maximize: bool
    started: float  # when the run's budget began (epoch seconds)
    budget_trials: int | None
    budget_seconds: float | None
    trials: list[TrialRow] = field(default_factory=list)

    @property
    def finished(self) -> list[TrialRow]:
        return [t for t in self.trials if t.state == "complete" and t.value is not None]

    @property
    def best(self) -> TrialRow | None:
        finished = self.finished
        if not finished:
            return None
        pick = max if self.maximize else min
        return pick(finished, key=lambda t: float(t.value or 0.0))

    def best_so_far(self) -> list[tuple[int, float]]:
        """(trial number, the best score up to it) for every finished trial, in trial order."""
        line: list[tuple[int, float]] = []
        best = -math.inf if self.maximize else math.inf
        for trial in sorted(self.finished, key=lambda t: t.number):
            value = float(trial.value or 0.0)
            best = max(best, value) if self.maximize else min(best, value)
            line.append((trial.number, best))
        return line

    def elapsed(self, now: float | None = None) -> float:
        """Seconds since the budget began: until ``now`` when given (the run goes on), else until
        now while a trial runs, else until the last trial's end."""
        if now is None:
            running = any(t.state == "running" for t in self.trials)
            ends = [t.finished for t in self.trials if t.finished is not None]
            now = time.time() if running or not ends else max(ends)
        return max(0.0, now - self.started)

    def remaining(self, now: float | None = None) -> float | None:
        """Seconds left of a seconds budget (None without one)."""
        if self.budget_seconds is None:
            return None
        return max(0.0, self.budget_seconds - self.elapsed(now))

    def counts(self) -> dict[str, int]:
        counts = {state: 0 for state in STATES.values()}
        for trial in self.trials:
            counts[trial.state] += 1
        return counts

    def to_json(self) -> dict[str, Any]:
        best = self.best
        return {
            "metric": self.metric,
            "maximize": self.maximize,
            "started": self.started,
            "budget_trials": self.budget_trials,
            "budget_seconds": self.budget_seconds,
            "counts": self.counts(),
            "best": None if best is None else asdict(best),
            "trials": [asdict(t) for t in self.trials],
        }


def _row(trial: FrozenTrial) -> TrialRow:
    family = trial.params.get("family")
    prefix = f"{family}."
    return TrialRow(
        number=trial.number,
        state=STATES.get(trial.state, trial.state.name.lower()),
        family=None if family is None else str(family),
        value=None if trial.value is None else float(trial.value),
        started=None if trial.datetime_start is None else trial.datetime_start.timestamp(),
        finished=None if trial.datetime_complete is None else trial.datetime_complete.timestamp(),
        params={k.removeprefix(prefix): v for k, v in trial.params.items() if k != "family"},
        stopped=trial.user_attrs.get(STOPPED),
    )


def progress_of(study: optuna.Study) -> StudyProgress:
    """The progress of a studio run's ``study``."""
    spec = RunSpec.of(study)
    return StudyProgress(
        metric=spec.metric,
        maximize=study.direction == optuna.study.StudyDirection.MAXIMIZE,
        started=spec.started,
        budget_trials=spec.trials,
        budget_seconds=spec.seconds,
        trials=[_row(t) for t in study.get_trials(deepcopy=False)],
    )


def study_progress(storage_url: str, study_name: str) -> StudyProgress:
    """The progress of the run whose study is ``study_name`` at ``storage_url``."""
    quiet_optuna()
    return progress_of(optuna.load_study(study_name=study_name, storage=open_storage(storage_url)))


def parameter_importances(study: optuna.Study, family: str) -> dict[str, float]:
    """How much each of ``family``'s parameters moved its finished trials' scores (Optuna's
    fANOVA over those trials alone: the search space is conditional on the family, so the
    parameters of different families never share trials). Empty below IMPORTANCE_MIN_TRIALS
    finished trials of that family, or when their parameters never varied."""
    prefix = f"{family}."
    trials = [
        t for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        if t.params.get("family") == family and t.value is not None
    ]
    if len(trials) < IMPORTANCE_MIN_TRIALS:
        return {}
    names = sorted({name for t in trials for name in t.params if name.startswith(prefix)})
    shared = [n for n in names if all(n in t.params for t in trials) and len({repr(t.params[n]) for t in trials}) > 1]
    if not shared:
        return {}
    quiet_optuna()
    subset = optuna.create_study(direction=study.direction)
    subset.add_trials(trials)
    importances = optuna.importance.get_param_importances(subset, params=shared, evaluator=optuna.importance.FanovaImportanceEvaluator(seed=0))
    return {name.removeprefix(prefix): float(value) for name, value in importances.items()}
