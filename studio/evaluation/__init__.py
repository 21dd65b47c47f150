"""Evaluation: what a model version is worth on its holdout (the report), whether it may ship
(the ML test suite), its input signature and expectations, and its model card."""

from studio.evaluation._expectations import EXPECTATIONS_FORMAT, expectation_drift, input_expectations, psi, worst_drift
from studio.evaluation._signature import SIGNATURE_FORMAT, check_frame, column_kind, conform_frame, input_signature

__all__ = [
    "EXPECTATIONS_FORMAT",
    "SIGNATURE_FORMAT",
    "check_frame",
    "column_kind",
    "conform_frame",
    "expectation_drift",
    "input_expectations",
    "input_signature",
    "psi",
    "worst_drift",
]
