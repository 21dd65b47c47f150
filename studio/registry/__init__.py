"""Registry: model artifacts (skops files with an allow-list of types, sha256 checked before
every load), the input signature and expectations kept with each version, and exports."""

from studio.evaluation import check_frame, conform_frame, expectation_drift, input_expectations, input_signature, psi
from studio.registry._artifacts import BASE_TRUSTED_TYPES, artifact_bytes, load_artifact, save_artifact, trusted_types
from studio.registry._export import export_mlflow, export_onnx, unsupported_onnx_steps

__all__ = [
    "BASE_TRUSTED_TYPES",
    "artifact_bytes",
    "check_frame",
    "conform_frame",
    "expectation_drift",
    "export_mlflow",
    "export_onnx",
    "input_expectations",
    "input_signature",
    "load_artifact",
    "psi",
    "save_artifact",
    "trusted_types",
    "unsupported_onnx_steps",
]
