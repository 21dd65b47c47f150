"""Datasets share the versioned-table machinery of sources (a ``kind`` column); recipes.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("sources", sa.Column("kind", sa.String(20), nullable=False, server_default="source"))
    op.create_table(
        "recipes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("spec", sa.JSON, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("recipes")
    # A plain ALTER (SQLite >= 3.35): a batch rebuild would drop the table and, with foreign
    # keys on, cascade-delete every version.
    op.drop_column("sources", "kind")
