"""The evaluation report of one model version, computed once from the fitted pipeline and its
holdout, as plain JSON (components/evaluation_charts.py draws it)."""

from __future__ import annotations

from typing import Any

import pandas as pd
from threadpoolctl import threadpool_limits

from studio.evaluation import _curves as curves
from studio.evaluation._importance import DEPENDENCE_POINTS, DEPENDENCE_ROWS, IMPORTANCE_REPEATS, IMPORTANCE_ROWS, TOP_FEATURES, partial_dependence, permutation_importance
from studio.evaluation._metrics import get_metric, task_metrics
from studio.evaluation._predictions import PREDICT_THREADS, Predictions, check_task, constant_baseline, scoring_of, split_target
from studio.evaluation._slices import MIN_SLICE_ROWS, slice_metrics, worst_slices

REPORT_FORMAT = 1
MAX_POINTS = 2000


def evaluation_report(
    pipeline: Any,
    holdout: pd.DataFrame,
    target: str,
    task: str,
    *,
    metric: str | None = None,
    predictions: Predictions | None = None,
    max_points: int = MAX_POINTS,
    top_features: int = TOP_FEATURES,
    importance_rows: int = IMPORTANCE_ROWS,
    importance_repeats: int = IMPORTANCE_REPEATS,
    dependence_rows: int = DEPENDENCE_ROWS,
    dependence_points: int = DEPENDENCE_POINTS,
    min_slice_rows: int = MIN_SLICE_ROWS,
    seed: int = 0,
    threads: int | None = PREDICT_THREADS,
) -> dict[str, Any]:
    """Everything the Models page shows about a version's quality on ``holdout``.

    ``metric`` (default: the task's) ranks importance and slices. Pass ``predictions`` (from
    ``predict``) to reuse a scoring the test suite also needs. Deterministic under ``seed``.
    ``threads`` caps the numeric libraries' thread pools while the model predicts (see
    ``PREDICT_THREADS``; None leaves them as they are).
    """
    with threadpool_limits(limits=threads):
        check_task(task)
        chosen = get_metric(metric, task)
        features, _ = split_target(holdout, target)
        scored = scoring_of(pipeline, holdout, target, task, predictions)
        overall = chosen(scored)
        report: dict[str, Any] = {
            "format": REPORT_FORMAT,
            "task": task,
            "target": target,
            "rows": len(scored),
            "metric": chosen.name,
            "metric_label": chosen.label,
            "greater_is_better": chosen.greater_is_better,
            "metrics": {m.name: m(scored) for m in task_metrics(task)},
            "baseline": {m.name: m(constant_baseline(scored)) for m in task_metrics(task)},
        }
        if task == "regression":
            report["predicted_vs_actual"] = curves.predicted_vs_actual(scored, max_points, seed)
            report["residuals"] = curves.residual_bins(scored)
            report["residual_histogram"] = curves.residual_histogram(scored)
        else:
            assert scored.classes is not None
            report["classes"] = curves.plain(scored.classes)
            report["confusion"] = curves.confusion(scored)
            report["roc"] = curves.roc_curves(scored, max_points)
            report["pr"] = curves.pr_curves(scored, max_points)
            report["calibration"] = curves.calibration(scored)
            if task == "binary":
                report["thresholds"] = curves.threshold_table(scored)
            else:
                report["confidence"] = curves.confidence_table(scored)
        importance = permutation_importance(pipeline, features, scored, chosen, rows=importance_rows, repeats=importance_repeats, seed=seed)
        report["importance"] = importance
        ranked = [row["feature"] for row in importance]
        report["partial_dependence"] = partial_dependence(
            pipeline, features, task, ranked, classes=scored.classes, limit=top_features, rows=dependence_rows, points=dependence_points, seed=seed
        )
        slices = slice_metrics(features, scored, chosen, overall)
        report["slices"] = slices
        report["worst_slices"] = worst_slices(slices, min_rows=min_slice_rows)
        return report
