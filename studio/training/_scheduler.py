"""What to try next: the studio's part of the search (Optuna samples the parameters).

After FLAML (Wang et al., "FLAML: A Fast and Lightweight AutoML Library", MLSys 2021):

- every family first runs its portfolio's first configuration, in the portfolio order of
  FAMILIES (LightGBM first), unless that trial would take more than a quarter of the time left
  (a slow family on this data does not eat the budget before the others are tried);
- then the next family is drawn with probability inversely proportional to its *estimated cost
  for improvement* (ECI): the time it would take to beat the best score so far at its own
  observed speed of improvement, never less than the cost of one of its trials, and growing
  while a family stops improving;
- a family's remaining portfolio configurations come before Optuna's sampled ones;
- on data with many rows, a family's first trials train on a sample of each fold's training
  rows (10,000, then four times more every two trials, then all of them): cheap configurations
  on a sample first, growing the sample as the family keeps being chosen (the validation rows
  are always all of them, so scores stay comparable);
- a time model per family (seconds per training row per fold, measured on its own trials;
  before that, a prior relative to the other families from rows x columns x classes, scaled
  by the speed this machine showed on the families already timed) says what a trial will
  cost; one that cannot end inside the remaining budget is not started; a family failing
  three times is dropped.

With no seconds budget the choice must not depend on the clock (so that a seed reproduces a
run): costs then come from the priors and speeds are counted per trial.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from optuna.trial import FrozenTrial, TrialState

from studio.training._evaluate import FOLD_SECONDS, SAMPLE_ROWS, SECONDS
from studio.training._families import FAMILIES, Params
from studio.training._tasks import Metric

MAX_FAILURES = 3
SAMPLE_START = 10_000
TRIALS_PER_SAMPLE = 2
FIRST_TRIAL_SHARE = 0.25


@dataclass
class FamilyRecord:
    """One family's trials so far, in trial order."""

    losses: list[float] = field(default_factory=list)  # finished trials only
    costs: list[float] = field(default_factory=list)  # every trial that ran
    seconds_per_row: list[float] = field(default_factory=list)  # per fold
    started: int = 0
    failures: int = 0

    @property
    def best(self) -> float:
        return min(self.losses) if self.losses else float("inf")


@dataclass(frozen=True)
class Choice:
    family: str
    params: Params | None  # a portfolio configuration, or None: Optuna samples it
    sample_rows: int | None  # training rows per fold, None for all
    estimated_seconds: float


class Scheduler:
    def __init__(self, families: list[str], task: str, metric: Metric, fold_rows: int, columns: int, folds: int,
                 classes: int, seed: int, timed: bool) -> None:
        """``fold_rows``: the training rows of a fold; ``classes``: of a multiclass task (else 1)."""
        self.families = [name for name in FAMILIES if name in families]
        self.classes = max(classes, 1)
        self.task = task
        self.metric = metric
        self.folds = folds
        self.timed = timed
        self.fold_rows = fold_rows
        self.columns = max(columns, 1)
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
                used = trial.user_attrs.get(SAMPLE_ROWS) or self.fold_rows
                record.seconds_per_row.extend(s / used for s in trial.user_attrs.get(FOLD_SECONDS, []))
        return records

    def sample_rows(self, record: FamilyRecord) -> int | None:
        size = SAMPLE_START * 4 ** (record.started // TRIALS_PER_SAMPLE)
        return None if 2 * size > self.fold_rows else size

    def prior_seconds(self, family: str, rows: int) -> float:
        spec = FAMILIES[family]
        return spec.relative_cost * (self.classes if spec.per_class else 1) * max(rows * self.columns / 1e6, 0.01) * self.folds

    def costs(self, records: dict[str, FamilyRecord], samples: dict[str, int | None]) -> dict[str, float]:
        """Each family's estimated seconds for its next trial."""
        measured = {name: float(np.median(records[name].seconds_per_row)) * (samples[name] or self.fold_rows) * self.folds
                    for name in samples if self.timed and records[name].seconds_per_row}
        speed = float(np.median([measured[name] / self.prior_seconds(name, samples[name] or self.fold_rows) for name in measured])) \
            if measured else 1.0
        return {name: measured.get(name, speed * self.prior_seconds(name, samples[name] or self.fold_rows)) for name in samples}

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

    def choose(self, trials: list[FrozenTrial], remaining_seconds: float, cheapest: bool = False) -> Choice | None:
        """The next trial, or None when none fits ``remaining_seconds``; ``cheapest``: the
        family whose next trial costs least (the search's last resort when none has finished)."""
        records = self.records(trials)
        live = [name for name in self.families if records[name].failures < MAX_FAILURES]
        samples = {name: self.sample_rows(records[name]) for name in live}
        costs = self.costs(records, samples)
        fitting = [name for name in live if not self.timed or costs[name] <= remaining_seconds]
        if not fitting:
            return None
        untried = [name for name in fitting if records[name].started == 0
                   and (not self.timed or costs[name] <= FIRST_TRIAL_SHARE * remaining_seconds)]
        tried = [name for name in fitting if records[name].started > 0]
        if cheapest:
            family = min(fitting, key=lambda name: costs[name])
        elif untried:
            family = untried[0]
        elif not tried:
            family = min(fitting, key=lambda name: costs[name])
        else:
            fitting = tried
            best_loss = min(records[name].best for name in live)
            ecis = np.array([self.eci(records[name], costs[name] if self.timed else 1.0, best_loss) for name in fitting])
            weights = 1.0 / np.maximum(ecis, 1e-9)
            family = fitting[int(self.rng.choice(len(fitting), p=weights / weights.sum()))]
        portfolio = FAMILIES[family].portfolio(self.task)
        started = records[family].started
        params = portfolio[started] if started < len(portfolio) else None
        return Choice(family, params, samples[family], costs[family])
