"""Evaluation: what a model version is worth on its holdout (the report), whether it may ship
(the ML test suite), its input signature and expectations, and its model card."""

from studio.evaluation._card import model_card
from studio.evaluation._expectations import EXPECTATIONS_FORMAT, expectation_drift, input_expectations, psi, worst_drift
from studio.evaluation._metrics import DEFAULT_METRIC, METRICS, Metric, get_metric, task_metrics
from studio.evaluation._predictions import TASKS, Predictions, predict
from studio.evaluation._report import REPORT_FORMAT, evaluation_report
from studio.evaluation._signature import SIGNATURE_FORMAT, check_frame, column_kind, conform_frame, input_signature
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
    "EXPECTATIONS_FORMAT",
    "ExpectationsTest",
    "HoldoutTest",
    "InvarianceTest",
    "LatencyTest",
    "METRICS",
    "Metric",
    "NoRegressionTest",
    "Predictions",
    "REPORT_FORMAT",
    "SIGNATURE_FORMAT",
    "SliceTest",
    "SuiteSpec",
    "TASKS",
    "check_frame",
    "column_kind",
    "conform_frame",
    "evaluation_report",
    "expectation_drift",
    "get_metric",
    "input_expectations",
    "input_signature",
    "model_card",
    "predict",
    "psi",
    "run_suite",
    "suite_passed",
    "task_metrics",
    "worst_drift",
]
