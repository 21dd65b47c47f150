"""The registry: model aliases, the notes of a version (description, tags, archived), the runs
of the ML test suite, the audit log and the webhooks registry events are posted to. New tables
only; nothing existing changes.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "model_aliases",
        sa.Column("asset_id", sa.Integer, sa.ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("alias", sa.String(40), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_table(
        "model_version_notes",
        sa.Column("asset_id", sa.Integer, sa.ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("tags", sa.JSON, nullable=False),
        sa.Column("archived", sa.Boolean, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_table(
        "model_test_runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("asset_id", sa.Integer, sa.ForeignKey("assets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("reference_version", sa.Integer),
        sa.Column("passed", sa.Boolean, nullable=False),
        sa.Column("tests", sa.JSON, nullable=False),
        sa.Column("spec", sa.JSON, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
    )
    op.create_index("ix_model_test_runs_asset_version", "model_test_runs", ["asset_id", "version"])
    op.create_table(
        "registry_audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("asset_id", sa.Integer, nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("model_key", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer),
        sa.Column("alias", sa.String(40)),
        sa.Column("previous_version", sa.Integer),
        sa.Column("reason", sa.Text),
        sa.Column("tests", sa.JSON),
    )
    op.create_index("ix_registry_audit_asset_id", "registry_audit", ["asset_id"])
    op.create_index("ix_registry_audit_model_key", "registry_audit", ["model_key"])
    op.create_table(
        "webhooks",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("events", sa.JSON),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("timeout_s", sa.Float, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_delivery", sa.JSON),
        sa.UniqueConstraint("url", name="uq_webhooks_url"),
    )


def downgrade() -> None:
    for table in ("webhooks", "registry_audit", "model_test_runs", "model_version_notes", "model_aliases"):
        op.drop_table(table)
