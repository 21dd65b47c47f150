"""Metadata DB: SQLAlchemy Core tables and Alembic migrations."""

from studio.meta._engine import create_engine, current_revision, head_revision, hide_password, normalize_url, upgrade
from studio.meta._tables import job_logs, jobs, metadata, profiles, recipes, settings, source_versions, sources

__all__ = [
    "create_engine",
    "current_revision",
    "head_revision",
    "hide_password",
    "job_logs",
    "jobs",
    "metadata",
    "normalize_url",
    "profiles",
    "recipes",
    "settings",
    "source_versions",
    "sources",
    "upgrade",
]
