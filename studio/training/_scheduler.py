"""What to try next: the studio's part of the search (Optuna samples the parameters).

After FLAML (Wang et al., "FLAML: A Fast and Lightweight AutoML Library", MLSys 2021):

- every family first runs its portfolio's first configuration, cheapest family first;
- then the next family is drawn with probability inversely proportional to its *estimated cost
  for improvement* (ECI): the time it would take to beat the best score so far at its own
  observed speed of improvement, never less than the cost of one of its trials, and growing
  while a family stops improving;
- a family's remaining portfolio configurations come before Optuna's sampled ones;
- a time model per family (seconds per fold, measured on its own trials, a prior from rows x
  columns before) says what a trial will cost; one that cannot end inside the remaining budget
  is not started; a family failing three times is dropped.

With no seconds budget the choice must not depend on the clock (so that a seed reproduces a
run): costs then come from the priors and speeds are counted per trial.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from optuna.trial import FrozenTrial, TrialState

from studio.training._evaluate import FOLD_SECONDS, SECONDS
from studio.training._families import FAMILIES, Params
from studio.training._tasks import Metric

MAX_FAILURES = 3


@dataclass
class FamilyRecord:
    """One family's trials so far, in trial order."""

    losses: list[float] = field(default_factory=list)  # finished trials only
    costs: list[float] = field(default_factory=list)  # every trial that ran
    fold_seconds: list[float] = field(default_factory=list)
    started: int = 0
    failures: int = 0

    @property
    def best(self) -> float:
        return min(self.losses) if self.losses else float("inf")


@dataclass(frozen=True)
class Choice:
    family: str
    params: Params | None  # a portfolio configuration, or None: Optuna samples it
    estimated_seconds: float


class Scheduler:
    def __init__(self, families: list[str], task: str, metric: Metric, rows: int, columns: int, folds: int,
                 seed: int, timed: bool) -> None:
        self.families = families
        self.task = task
        self.metric = metric
        self.folds = folds
        self.timed = timed
        self.cells = max(rows * max(columns, 1), 1)
        self.rng = np.random.default_rng(seed)

    def records(self, trials: list[FrozenTrial]) -> dict[str, FamilyRecord]:
        records = {name: FamilyRecord() for name in self.families}
        for trial in trials:
            family = trial.params.get("family")
            if family not in records or trial.state == TrialState.WAITING:
                continue
            record = records[family]
            record.started += 1
            if trial.state == TrialState.FAIL:
                record.failures += 1
            if trial.state == TrialState.COMPLETE and trial.value is not None:
                record.losses.append(self.metric.loss(trial.value))
            if SECONDS in trial.user_attrs:
                record.costs.append(float(trial.user_attrs[SECONDS]) if self.timed else 1.0)
                record.fold_seconds.extend(trial.user_attrs.get(FOLD_SECONDS, []))
        return records

    def prior_seconds(self, family: str) -> float:
        return FAMILIES[family].relative_cost * max(self.cells / 1e6, 0.05) * self.folds

    def estimated_seconds(self, family: str, record: FamilyRecord) -> float:
        if self.timed and record.fold_seconds:
            return float(np.median(record.fold_seconds)) * self.folds
        return self.prior_seconds(family)

    def eci(self, record: FamilyRecord, cost: float, best_loss: float) -> float:
        spent = float(np.sum(record.costs)) if record.costs else cost
        if not record.losses:
            return max(cost, 2 * spent)
        losses = record.losses
        last_improvement = max(i for i, loss in enumerate(losses) if loss == min(losses[: i + 1]))
        stuck = float(np.sum(record.costs[last_improvement + 1:])) if len(record.costs) > last_improvement + 1 else 0.0
        if record.best <= best_loss:
            return max(cost, 2 * stuck)
        gain = losses[0] - record.best
        speed = gain / spent if gain > 0 else 0.0
        gap = record.best - best_loss
        to_improve = gap / speed if speed > 0 else 2 * spent + cost
        return max(cost, 2 * stuck, to_improve)

    def choose(self, trials: list[FrozenTrial], remaining_seconds: float) -> Choice | None:
        records = self.records(trials)
        live = [name for name in self.families if records[name].failures < MAX_FAILURES]
        costs = {name: self.estimated_seconds(name, records[name]) for name in live}
        fitting = [name for name in live if not self.timed or costs[name] <= remaining_seconds]
        if not fitting:
            return None
        untried = [name for name in fitting if records[name].started == 0]
        if untried:
            family = min(untried, key=lambda name: (costs[name], self.families.index(name)))
        else:
            best_loss = min(records[name].best for name in live)
            ecis = np.array([self.eci(records[name], costs[name] if self.timed else 1.0, best_loss) for name in fitting])
            weights = 1.0 / np.maximum(ecis, 1e-9)
            family = fitting[int(self.rng.choice(len(fitting), p=weights / weights.sum()))]
        portfolio = FAMILIES[family].portfolio(self.task)
        started = records[family].started
        params = portfolio[started] if started < len(portfolio) else None
        return Choice(family, params, costs[family])
