"""The metadata DB schema (SQLAlchemy Core). Migrations in ``migrations/`` must build exactly this.

Timestamps are UNIX seconds (float) so that heartbeats compare the same way on SQLite and
PostgreSQL and no timezone conversion can drift.
"""

import sqlalchemy as sa

metadata = sa.MetaData()

# Every named, versioned thing of the workspace (an asset): sources and datasets (lake tables)
# today, feature recipes, models and deployments next. Names are unique within a namespace
# regardless of case (``name_key`` is the lower-cased name): sources and datasets share the
# namespace "table", because SQL sees them all by name. See studio/versioned.py.
assets = sa.Table(
    "assets",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("namespace", sa.String(40), nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("name_key", sa.String(200), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.UniqueConstraint("namespace", "name_key", name="uq_assets_namespace_name_key"),
)

# Immutable versions: a content hash naming the payload (a lake file, an artifact), its size,
# what is specific to the kind (``info``: a table's rows and columns) and where it came from
# (``origin``: a file, a database, a recipe over other versions).
asset_versions = sa.Table(
    "asset_versions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("asset_id", sa.Integer, sa.ForeignKey("assets.id", ondelete="CASCADE"), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False, index=True),
    sa.Column("bytes", sa.BigInteger, nullable=False),
    sa.Column("info", sa.JSON, nullable=False),
    sa.Column("origin", sa.JSON, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.UniqueConstraint("asset_id", "version", name="uq_asset_versions_asset_version"),
)

profiles = sa.Table(
    "profiles",
    metadata,
    sa.Column("content_hash", sa.String(64), primary_key=True),
    sa.Column("profile", sa.JSON, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
)

settings = sa.Table(
    "settings",
    metadata,
    sa.Column("key", sa.String(100), primary_key=True),
    sa.Column("value", sa.JSON, nullable=False),
)

jobs = sa.Table(
    "jobs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(100), nullable=False),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("params", sa.JSON, nullable=False),
    sa.Column("status", sa.String(20), nullable=False, index=True),
    sa.Column("progress", sa.Float, nullable=False, default=0.0),
    sa.Column("message", sa.Text, nullable=False, default=""),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("started_at", sa.Float),
    sa.Column("finished_at", sa.Float),
    sa.Column("heartbeat_at", sa.Float),
    sa.Column("worker_host", sa.String(200)),
    sa.Column("worker_pid", sa.Integer),
    sa.Column("cancel_requested", sa.Boolean, nullable=False, default=False),
    sa.Column("result", sa.JSON),
    sa.Column("error", sa.Text),
)

job_logs = sa.Table(
    "job_logs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("job_id", sa.Integer, sa.ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("level", sa.String(10), nullable=False),
    sa.Column("message", sa.Text, nullable=False),
)

# Saved consolidation recipes (replaced in place when saved again); names ignore case.
consolidation_recipes = sa.Table(
    "consolidation_recipes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("name_key", sa.String(200), nullable=False),
    sa.Column("spec", sa.JSON, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
    sa.UniqueConstraint("name_key", name="uq_consolidation_recipes_name_key"),
)

# The registry (studio/registry/): what happens to model versions once they exist. Aliases,
# notes and test runs belong to a model (they go when it is deleted); the audit log does not
# (who promoted what stays on record after the model is gone).
model_aliases = sa.Table(
    "model_aliases",
    metadata,
    sa.Column("asset_id", sa.Integer, sa.ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("alias", sa.String(40), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
)

# What may change about an immutable version: its description, tags and whether it is archived.
model_version_notes = sa.Table(
    "model_version_notes",
    metadata,
    sa.Column("asset_id", sa.Integer, sa.ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("tags", sa.JSON, nullable=False),
    sa.Column("archived", sa.Boolean, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
)

# Every run of the ML test suite on a version (by a promotion or a validation).
model_test_runs = sa.Table(
    "model_test_runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("asset_id", sa.Integer, sa.ForeignKey("assets.id", ondelete="CASCADE"), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("reference_version", sa.Integer),
    sa.Column("passed", sa.Boolean, nullable=False),
    sa.Column("tests", sa.JSON, nullable=False),
    sa.Column("spec", sa.JSON, nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("at", sa.Float, nullable=False),
    sa.Index("ix_model_test_runs_asset_version", "asset_id", "version"),
)

# The audit log: one row per promotion (passed, overridden or blocked), rollback, alias change
# and (un)archive. ``asset_id`` has no foreign key on purpose: rows outlive the model.
registry_audit = sa.Table(
    "registry_audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("asset_id", sa.Integer, nullable=False, index=True),
    sa.Column("model", sa.String(200), nullable=False),
    sa.Column("model_key", sa.String(200), nullable=False, index=True),
    sa.Column("version", sa.Integer),
    sa.Column("alias", sa.String(40)),
    sa.Column("previous_version", sa.Integer),
    sa.Column("reason", sa.Text),
    sa.Column("tests", sa.JSON),
)

# Where registry events are POSTed (JSON): ``events`` None means every event; each POST may take
# ``timeout_s`` and is tried up to ``attempts`` times.
webhooks = sa.Table(
    "webhooks",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("url", sa.String(2000), nullable=False),
    sa.Column("events", sa.JSON),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("timeout_s", sa.Float, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("last_delivery", sa.JSON),
    sa.UniqueConstraint("url", name="uq_webhooks_url"),
)
