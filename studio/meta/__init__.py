"""Metadata DB: SQLAlchemy Core tables and Alembic migrations."""

from studio.meta._engine import create_engine, current_revision, head_revision, hide_password, normalize_url, upgrade
from studio.meta._tables import (
    asset_versions,
    assets,
    consolidation_recipes,
    job_logs,
    jobs,
    metadata,
    model_aliases,
    model_test_runs,
    model_version_notes,
    profiles,
    registry_audit,
    settings,
    webhooks,
)

__all__ = [
    "asset_versions",
    "assets",
    "consolidation_recipes",
    "create_engine",
    "current_revision",
    "head_revision",
    "hide_password",
    "job_logs",
    "jobs",
    "metadata",
    "model_aliases",
    "model_test_runs",
    "model_version_notes",
    "normalize_url",
    "profiles",
    "registry_audit",
    "settings",
    "upgrade",
    "webhooks",
]
