"""Resampling: the untouched holdout, and the validation folds inside the rest.

Three ways, each used for both the holdout and the folds, so the holdout is split the way the
model will meet new data:

- ``stratified`` (shuffled; stratified by class for classifiers),
- ``group`` (rows sharing a group value, e.g. a consolidated ``cluster_id``, stay on one side),
- ``time`` (ordered by a time column: the holdout is the latest rows; folds are expanding
  windows, each validating on the rows right after its training rows).

Whether the folds are k-fold or one validation split follows FLAML's rule of rows x columns per
second of budget: data large for its budget gets one holdout-style validation split (see
``choose_folds`` for the number of folds).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupKFold, GroupShuffleSplit, KFold, StratifiedKFold, train_test_split

from studio.errors import StudioError

VALIDATIONS = ("stratified", "group", "time")

# FLAML's thresholds: k-fold while rows x columns / budget seconds stays under this and the data
# has fewer than MAX_CV_ROWS rows; one validation split beyond.
CV_CELLS_PER_SECOND = 10_000_000
MAX_CV_ROWS = 100_000
SMALL_ROWS = 1_000


@dataclass(frozen=True)
class Folds:
    """Row positions (into the non-holdout rows) of each fold's training and validation part."""

    train: tuple[np.ndarray, ...]
    valid: tuple[np.ndarray, ...]

    def __len__(self) -> int:
        return len(self.train)


def choose_folds(rows: int, columns: int, budget_seconds: float | None, requested: int | None) -> int:
    """The number of folds: ``requested`` when given; else 1 (a single validation split) when
    the data is large for the budget (FLAML's rule); else 5 on small data or without a seconds
    budget, and 3 under one from SMALL_ROWS rows on: a 3-fold trial trains on half the rows a
    5-fold one does, so the budget buys twice the trials, which pays more than the steadier
    estimate once the folds are a few hundred rows each."""
    if requested is not None:
        if requested < 1:
            raise StudioError(f"folds must be at least 1, not {requested}")
        return requested
    if rows >= MAX_CV_ROWS:
        return 1
    if budget_seconds is not None and rows * max(columns, 1) / budget_seconds >= CV_CELLS_PER_SECOND:
        return 1
    return 5 if budget_seconds is None or rows < SMALL_ROWS else 3


def _check_column(frame: pd.DataFrame, column: str | None, validation: str) -> pd.Series:
    if column is None:
        raise StudioError(f"{validation} validation needs a column; name it with --{validation}-column")
    if column not in frame.columns:
        raise StudioError(f"{validation} column {column!r} is not in the data; pick one of its columns")
    return frame[column]


def holdout_split(
    frame: pd.DataFrame,
    y: np.ndarray,
    *,
    validation: str,
    fraction: float,
    seed: int,
    stratify: bool,
    group_column: str | None = None,
    time_column: str | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the rows kept for search and of the untouched holdout."""
    if not 0 < fraction < 1:
        raise StudioError(f"holdout fraction must be between 0 and 1, not {fraction}")
    positions = np.arange(len(frame))
    if validation == "stratified":
        labels = y if stratify and np.min(np.bincount(y.astype(np.int64))) >= 2 else None
        rest, holdout = train_test_split(positions, test_size=fraction, random_state=seed, stratify=labels)
        return np.sort(rest), np.sort(holdout)
    if validation == "group":
        groups = _check_column(frame, group_column, "group").astype(str).to_numpy()
        rest, holdout = next(GroupShuffleSplit(n_splits=1, test_size=fraction, random_state=seed).split(positions, groups=groups))
        return np.sort(rest), np.sort(holdout)
    if validation == "time":
        order = _time_order(_check_column(frame, time_column, "time"))
        cut = len(order) - max(1, int(round(len(order) * fraction)))
        return np.sort(order[:cut]), np.sort(order[cut:])
    raise StudioError(f"unknown validation {validation!r}; use one of {', '.join(VALIDATIONS)}")


def _time_order(times: pd.Series) -> np.ndarray:
    return np.argsort(times.to_numpy(), kind="stable")


def make_folds(
    frame: pd.DataFrame,
    y: np.ndarray,
    *,
    validation: str,
    folds: int,
    seed: int,
    stratify: bool,
    group_column: str | None = None,
    time_column: str | None = None,
) -> Folds:
    """The validation folds over ``frame`` (the non-holdout rows). One fold is a single
    validation split of a fifth of the rows, made the same way as the holdout."""
    positions = np.arange(len(frame))
    if folds == 1:
        train, valid = holdout_split(frame, y, validation=validation, fraction=0.2, seed=seed + 1, stratify=stratify,
                                     group_column=group_column, time_column=time_column)
        return Folds((train,), (valid,))
    if validation == "stratified":
        if stratify and np.min(np.bincount(y.astype(np.int64))) >= folds:
            splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
        else:
            splitter = KFold(n_splits=folds, shuffle=True, random_state=seed)
        pairs = list(splitter.split(positions, y))
    elif validation == "group":
        groups = _check_column(frame, group_column, "group").astype(str).to_numpy()
        if len(np.unique(groups)) < folds:
            raise StudioError(f"group column {group_column!r} has fewer than {folds} groups; use fewer folds or another column")
        pairs = list(GroupKFold(n_splits=folds, shuffle=True, random_state=seed).split(positions, groups=groups))
    elif validation == "time":
        order = _time_order(_check_column(frame, time_column, "time"))
        edges = np.linspace(0, len(order), folds + 2).astype(int)
        pairs = [(order[: edges[i + 1]], order[edges[i + 1]: edges[i + 2]]) for i in range(folds)]
    else:
        raise StudioError(f"unknown validation {validation!r}; use one of {', '.join(VALIDATIONS)}")
    return Folds(tuple(np.sort(t) for t, _ in pairs), tuple(np.sort(v) for _, v in pairs))
