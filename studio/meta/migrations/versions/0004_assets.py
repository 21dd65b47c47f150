"""The tables say what they hold: ``sources``/``source_versions`` (which held datasets too)
become ``assets``/``asset_versions``, the store of every named, versioned thing; ``recipes``
becomes ``consolidation_recipes``, whose names now ignore case like table names.

Every row is carried over with its id (lineage and jobs refer to table ids); a table's rows and
columns move into the version's ``info``. Names that differed only in case (the old schema could
not forbid it) keep the first one's name; later ones get their id appended.

Revision ID: 0004
Revises: 0003
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TABLE_NAMESPACE = "table"


def _unique_by_case(rows: list[Any]) -> dict[int, str]:
    """id -> name, with later names that clash regardless of case made unique by their id."""
    seen: set[str] = set()
    names = {}
    for row in sorted(rows, key=lambda r: r.id):
        name = row.name if row.name.lower() not in seen else f"{row.name}_{row.id}"
        seen.add(name.lower())
        names[row.id] = name
    return names


def _advance_sequences(tables: list[str]) -> None:
    """PostgreSQL: rows were inserted with explicit ids, so move each id sequence past them."""
    if op.get_bind().dialect.name == "postgresql":
        for table in tables:
            op.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), coalesce((SELECT max(id) FROM {table}), 0) + 1, false)")


def upgrade() -> None:
    assets = op.create_table(
        "assets",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("namespace", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("name_key", sa.String(200), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.UniqueConstraint("namespace", "name_key", name="uq_assets_namespace_name_key"),
    )
    asset_versions = op.create_table(
        "asset_versions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("asset_id", sa.Integer, sa.ForeignKey("assets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("bytes", sa.BigInteger, nullable=False),
        sa.Column("info", sa.JSON, nullable=False),
        sa.Column("origin", sa.JSON, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.UniqueConstraint("asset_id", "version", name="uq_asset_versions_asset_version"),
    )
    op.create_index("ix_asset_versions_content_hash", "asset_versions", ["content_hash"])
    recipes = op.create_table(
        "consolidation_recipes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("name_key", sa.String(200), nullable=False),
        sa.Column("spec", sa.JSON, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
        sa.UniqueConstraint("name_key", name="uq_consolidation_recipes_name_key"),
    )

    bind = op.get_bind()
    old = sa.MetaData()
    sources = sa.Table("sources", old, autoload_with=bind)
    source_versions = sa.Table("source_versions", old, autoload_with=bind)
    old_recipes = sa.Table("recipes", old, autoload_with=bind)

    tables = bind.execute(sa.select(sources)).all()
    names = _unique_by_case(tables)
    if tables:
        op.bulk_insert(
            assets,
            [
                {"id": t.id, "namespace": TABLE_NAMESPACE, "kind": t.kind, "name": names[t.id], "name_key": names[t.id].lower(), "created_at": t.created_at}
                for t in tables
            ],
        )
    versions = bind.execute(sa.select(source_versions)).all()
    if versions:
        op.bulk_insert(
            asset_versions,
            [
                {
                    "id": v.id, "asset_id": v.source_id, "version": v.version, "content_hash": v.content_hash, "bytes": v.bytes,
                    "info": {"rows": v.rows, "columns": v.columns}, "origin": v.origin, "created_at": v.created_at,
                }
                for v in versions
            ],
        )
    saved = bind.execute(sa.select(old_recipes)).all()
    recipe_names = _unique_by_case(saved)
    if saved:
        op.bulk_insert(
            recipes,
            [
                {"id": r.id, "name": recipe_names[r.id], "name_key": recipe_names[r.id].lower(), "spec": r.spec, "created_at": r.created_at, "updated_at": r.updated_at}
                for r in saved
            ],
        )
    _advance_sequences(["assets", "asset_versions", "consolidation_recipes"])
    op.drop_table("source_versions")
    op.drop_table("sources")
    op.drop_table("recipes")


def downgrade() -> None:
    sources = op.create_table(
        "sources",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False, server_default="source"),
    )
    source_versions = op.create_table(
        "source_versions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source_id", sa.Integer, sa.ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("rows", sa.BigInteger, nullable=False),
        sa.Column("bytes", sa.BigInteger, nullable=False),
        sa.Column("columns", sa.JSON, nullable=False),
        sa.Column("origin", sa.JSON, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.UniqueConstraint("source_id", "version", name="uq_source_versions_source_version"),
    )
    recipes = op.create_table(
        "recipes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("spec", sa.JSON, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    bind = op.get_bind()
    new = sa.MetaData()
    assets = sa.Table("assets", new, autoload_with=bind)
    asset_versions = sa.Table("asset_versions", new, autoload_with=bind)
    consolidation = sa.Table("consolidation_recipes", new, autoload_with=bind)
    tables = bind.execute(sa.select(assets).where(assets.c.namespace == TABLE_NAMESPACE)).all()
    if tables:
        op.bulk_insert(sources, [{"id": t.id, "name": t.name, "created_at": t.created_at, "kind": t.kind} for t in tables])
    ids = [t.id for t in tables]
    versions = bind.execute(sa.select(asset_versions).where(asset_versions.c.asset_id.in_(ids))).all() if ids else []
    if versions:
        op.bulk_insert(
            source_versions,
            [
                {
                    "id": v.id, "source_id": v.asset_id, "version": v.version, "content_hash": v.content_hash, "rows": v.info["rows"],
                    "bytes": v.bytes, "columns": v.info["columns"], "origin": v.origin, "created_at": v.created_at,
                }
                for v in versions
            ],
        )
    saved = bind.execute(sa.select(consolidation)).all()
    if saved:
        op.bulk_insert(recipes, [{"id": r.id, "name": r.name, "spec": r.spec, "created_at": r.created_at, "updated_at": r.updated_at} for r in saved])
    _advance_sequences(["sources", "source_versions", "recipes"])
    op.drop_table("asset_versions")
    op.drop_table("assets")
    op.drop_table("consolidation_recipes")
