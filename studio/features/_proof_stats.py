"""The measurements behind the feature proof, as plain numpy functions over one sampled
feature and the target: discrete codes, mutual information, a cross-validated one-feature
model, population stability between time-ordered folds, and pairwise redundancy."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from scipy.stats import rankdata
from sklearn.metrics import balanced_accuracy_score, r2_score, roc_auc_score
from sklearn.model_selection import GroupKFold, KFold, StratifiedKFold
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

QUANTILE_BINS = 16
TOP_CATEGORIES = 50
FOLDS = 3
TREE_LEAVES = 32
PSI_FOLDS = 4
PSI_FLOOR = 1e-4  # a share of 0 in one fold would make PSI infinite
TARGET_SMOOTHING = 2.0

Split = tuple[np.ndarray, np.ndarray]


def quantile_codes(values: np.ndarray, bins: int = QUANTILE_BINS) -> np.ndarray:
    """Bin numbers 0..k-1 by quantiles of the finite values; missing values get code k."""
    finite = np.isfinite(values)
    if not finite.any():
        return np.zeros(len(values), dtype=np.int64)
    edges = np.unique(np.quantile(values[finite], np.linspace(0, 1, bins + 1)[1:-1]))
    codes = np.searchsorted(edges, values, side="right")
    codes[~finite] = len(edges) + 1
    return codes.astype(np.int64)


def category_codes(values: np.ndarray, top: int | None = TOP_CATEGORIES) -> np.ndarray:
    """0 for the most frequent category, 1 for the next, ...; with ``top``, the categories
    past the ``top`` most frequent share code ``top``. Missing values (None) get the code
    after all others."""
    missing = np.array([v is None for v in values], dtype=bool)
    uniques, inverse, counts = np.unique(values[~missing].astype(str), return_inverse=True, return_counts=True)
    rank = np.empty(len(uniques), dtype=np.int64)
    rank[np.lexsort((uniques, -counts))] = np.arange(len(uniques))
    last = len(uniques) if top is None else min(top, len(uniques))
    codes = np.full(len(values), last + 1, dtype=np.int64)
    codes[~missing] = rank[inverse] if top is None else np.minimum(rank[inverse], top)
    return codes


def _dense(codes: np.ndarray) -> np.ndarray:
    return np.unique(codes, return_inverse=True)[1]


def mutual_information(a: np.ndarray, b: np.ndarray) -> float:
    """I(a; b) in nats from the joint counts of two code vectors, with the Miller-Madow
    correction of the plug-in estimate's upward bias; never below 0."""
    a, b = _dense(a), _dense(b)
    n = len(a)
    if n == 0:
        return 0.0
    joint = np.bincount(a * (b.max() + 1) + b, minlength=(a.max() + 1) * (b.max() + 1)).reshape(a.max() + 1, b.max() + 1) / n
    pa, pb = joint.sum(axis=1), joint.sum(axis=0)
    nonzero = joint > 0
    plug_in = float(np.sum(joint[nonzero] * np.log(joint[nonzero] / np.outer(pa, pb)[nonzero])))
    bias = (nonzero.sum() - (pa > 0).sum() - (pb > 0).sum() + 1) / (2 * n)
    return max(0.0, plug_in - bias)


def adjusted_mutual_information(a: np.ndarray, b: np.ndarray, shuffled_b: list[np.ndarray]) -> float:
    """I(a; b) less its mean over ``shuffled_b`` (b in random orders): what is left is signal,
    not the estimate's bias on a finite sample with many codes. Never below 0."""
    chance = float(np.mean([mutual_information(a, other) for other in shuffled_b])) if shuffled_b else 0.0
    return max(0.0, mutual_information(a, b) - chance)


def cramers_v(a: np.ndarray, b: np.ndarray) -> float:
    """Association of two categorical code vectors, 0 (independent) to 1 (one determines the other)."""
    a, b = _dense(a), _dense(b)
    k = min(a.max(), b.max()) + 1
    if k < 2:
        return 0.0
    n = len(a)
    observed = np.bincount(a * (b.max() + 1) + b, minlength=(a.max() + 1) * (b.max() + 1)).reshape(a.max() + 1, b.max() + 1)
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / n
    chi2 = float(np.sum((observed - expected) ** 2 / np.where(expected > 0, expected, 1.0)))
    return float(np.sqrt(chi2 / (n * (k - 1))))


def spearman_matrix(columns: list[np.ndarray]) -> np.ndarray:
    """Rank correlations between numeric columns (missing values ranked as the median)."""
    ranks = []
    for values in columns:
        filled = np.where(np.isfinite(values), values, np.nanmedian(values) if np.isfinite(values).any() else 0.0)
        ranks.append(rankdata(filled))
    with np.errstate(invalid="ignore", divide="ignore"):
        matrix = np.corrcoef(np.vstack(ranks)) if len(ranks) > 1 else np.ones((1, 1))
    return np.nan_to_num(matrix, nan=0.0)


def psi_by_fold(codes: np.ndarray, fold_of_row: np.ndarray) -> list[float]:
    """Population stability index of each later time fold against the first one, over the
    feature's codes: sum (q - p) ln(q / p)."""
    codes = _dense(codes)
    size = codes.max() + 1
    first = np.bincount(codes[fold_of_row == 0], minlength=size) / max(1, int((fold_of_row == 0).sum()))
    out = []
    for fold in range(1, int(fold_of_row.max()) + 1):
        share = np.bincount(codes[fold_of_row == fold], minlength=size) / max(1, int((fold_of_row == fold).sum()))
        p, q = np.maximum(first, PSI_FLOOR), np.maximum(share, PSI_FLOOR)
        out.append(float(np.sum((q - p) * np.log(q / p))))
    return out


def time_folds(times: np.ndarray, folds: int = PSI_FOLDS) -> np.ndarray:
    """Fold number 0..folds-1 of each row by time order, equal row counts."""
    order = np.argsort(times, kind="stable")
    fold = np.empty(len(times), dtype=np.int64)
    fold[order] = np.arange(len(times)) * folds // max(1, len(times))
    return fold


def splits(method: str, rows: int, y_codes: np.ndarray, classification: bool, times: np.ndarray | None, groups: np.ndarray | None, seed: int) -> list[Split]:
    """Cross-validation folds: ``time`` trains on the past and tests on the next block,
    ``group`` keeps each group on one side, ``random`` shuffles (stratified for classes)."""
    index = np.arange(rows)
    if method == "time" and times is not None:
        order = np.argsort(times, kind="stable")
        blocks = np.array_split(order, FOLDS + 1)
        return [(np.concatenate(blocks[: k + 1]), blocks[k + 1]) for k in range(FOLDS)]
    if method == "group" and groups is not None and len(np.unique(groups)) >= FOLDS:
        return list(GroupKFold(FOLDS, shuffle=True, random_state=seed).split(index, groups=groups))
    if classification and np.bincount(_dense(y_codes)).min() >= FOLDS:
        return list(StratifiedKFold(FOLDS, shuffle=True, random_state=seed).split(index, y_codes))
    return list(KFold(FOLDS, shuffle=True, random_state=seed).split(index))


def _target_mean_encoding(codes: np.ndarray, target: np.ndarray, train: np.ndarray) -> np.ndarray:
    """Each category's smoothed mean target over the training rows only (unseen: the mean)."""
    prior = float(target[train].mean())
    size = int(codes.max()) + 1
    sums = np.bincount(codes[train], weights=target[train], minlength=size)
    counts = np.bincount(codes[train], minlength=size)
    encoding = (sums + TARGET_SMOOTHING * prior) / (counts + TARGET_SMOOTHING)
    return encoding[codes]


def _folds(split_list: list[Split]) -> Iterator[Split]:
    for train, test in split_list:
        if len(train) and len(test):
            yield train, test


def single_feature_score(x: np.ndarray, categorical: bool, y: np.ndarray, task: str, split_list: list[Split], seed: int) -> float | None:
    """Mean held-out score of a small tree on this one feature: R^2 (regression), ROC AUC
    (binary) or balanced accuracy (multiclass). A categorical ``x`` holds every category's
    code; categories enter as their training-fold mean target (binary and regression) or
    their frequency rank (multiclass). None when no fold can be scored."""
    scores = []
    for train, test in _folds(split_list):
        column = _target_mean_encoding(x.astype(np.int64), y.astype(float), train) if categorical and task != "multiclass" else x
        leaf = max(5, len(train) // 500)
        if task == "regression":
            model = DecisionTreeRegressor(max_leaf_nodes=TREE_LEAVES, min_samples_leaf=leaf, random_state=seed)
            model.fit(column[train, None], y[train])
            scores.append(r2_score(y[test], model.predict(column[test, None])))
            continue
        if len(np.unique(y[train])) < 2 or len(np.unique(y[test])) < 2:
            continue
        model = DecisionTreeClassifier(max_leaf_nodes=TREE_LEAVES, min_samples_leaf=leaf, random_state=seed)
        model.fit(column[train, None], y[train])
        if task == "binary":
            positive = list(model.classes_).index(np.max(model.classes_))
            scores.append(roc_auc_score(y[test] == model.classes_[positive], model.predict_proba(column[test, None])[:, positive]))
        else:
            scores.append(balanced_accuracy_score(y[test], model.predict(column[test, None])))
    return float(np.mean(scores)) if scores else None
