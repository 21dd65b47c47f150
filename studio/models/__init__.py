"""Models, the store every model stage shares (as tables serve sources and datasets): safe
artifacts (skops with an allow-list kept in code, sha256 checked before every load) and each
version's input signature and input expectations, which training writes and evaluation,
serving and monitoring read."""

from studio.models._artifacts import BASE_TRUSTED_TYPES, artifact_bytes, load_artifact, save_artifact, trusted_types
from studio.models._expectations import EXPECTATIONS_FORMAT, expectation_drift, input_expectations, psi, worst_drift
from studio.models._signature import SIGNATURE_FORMAT, check_frame, column_kind, conform_frame, input_signature
from studio.models._store import MODEL_NAMESPACE, ModelStore, ModelVersion

__all__ = [
    "BASE_TRUSTED_TYPES",
    "EXPECTATIONS_FORMAT",
    "MODEL_NAMESPACE",
    "ModelStore",
    "ModelVersion",
    "SIGNATURE_FORMAT",
    "artifact_bytes",
    "check_frame",
    "column_kind",
    "conform_frame",
    "expectation_drift",
    "input_expectations",
    "input_signature",
    "load_artifact",
    "psi",
    "save_artifact",
    "trusted_types",
    "worst_drift",
]
