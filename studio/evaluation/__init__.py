"""Evaluation: what a model version is worth on its holdout (the report), whether it may ship
(the ML test suite) and its model card; the report of each version computed once and stored
(``EvaluationReports``, the ``evaluation.report`` job). The input signature and expectations it tests
against are the model store's (``studio.models``)."""

from studio.evaluation._card import model_card
from studio.evaluation._metrics import DEFAULT_METRIC, METRICS, Metric, get_metric, task_metrics
from studio.evaluation._predictions import TASKS, Predictions, predict
from studio.evaluation._report import REPORT_FORMAT, evaluation_report
from studio.evaluation._stored import REPORT_JOB, EvaluationReports
from studio.evaluation._suite import run_suite, suite_passed
from studio.evaluation._suite_spec import (
    ArtifactTest,
    CalibrationTest,
    DirectionalTest,
    ExpectationsTest,
    HoldoutTest,
    InvarianceTest,
    LatencyTest,
    NoRegressionTest,
    SliceTest,
    SuiteSpec,
)

__all__ = [
    "ArtifactTest",
    "CalibrationTest",
    "DEFAULT_METRIC",
    "DirectionalTest",
    "EvaluationReports",
    "ExpectationsTest",
    "HoldoutTest",
    "InvarianceTest",
    "LatencyTest",
    "METRICS",
    "Metric",
    "NoRegressionTest",
    "Predictions",
    "REPORT_FORMAT",
    "REPORT_JOB",
    "SliceTest",
    "SuiteSpec",
    "TASKS",
    "evaluation_report",
    "get_metric",
    "model_card",
    "predict",
    "run_suite",
    "suite_passed",
    "task_metrics",
]
