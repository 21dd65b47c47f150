"""Registry: what happens to model versions once they exist — aliases (``staging``,
``production`` and your own), promotion behind the ML test suite (overridden only with a written
reason), rollback, archive, tags and descriptions, an audit log of every such change, webhooks
that registry events are posted to, and exports (MLflow, ONNX)."""

from studio.registry._audit import ACTIONS, AuditEntry, default_actor
from studio.registry._export import export_mlflow, export_onnx, unsupported_onnx_steps
from studio.registry._gate import PromotionResult, TestRun, suite_spec
from studio.registry._registry import GATED_ALIASES, BlockedPromotion, PRODUCTION, STAGING, Registry, RegistryVersion, checked_alias
from studio.registry._webhooks import Webhook, Webhooks

__all__ = [
    "ACTIONS",
    "AuditEntry",
    "BlockedPromotion",
    "GATED_ALIASES",
    "PRODUCTION",
    "PromotionResult",
    "Registry",
    "RegistryVersion",
    "STAGING",
    "TestRun",
    "Webhook",
    "Webhooks",
    "checked_alias",
    "default_actor",
    "export_mlflow",
    "export_onnx",
    "suite_spec",
    "unsupported_onnx_steps",
]
