"""Engine creation and migration of the metadata DB."""

from pathlib import Path

from typing import TYPE_CHECKING

import sqlalchemy as sa

from studio.errors import StudioError

if TYPE_CHECKING:
    from alembic.config import Config

_MIGRATIONS = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 10_000


def normalize_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs (SQLAlchemy defaults to psycopg2)."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def hide_password(url: str) -> str:
    """The URL with its password hidden, for messages, logs and job parameters."""
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(unparseable URL)"


def create_engine(url: str) -> sa.Engine:
    """An engine for the metadata DB; SQLite gets WAL, a busy timeout and foreign keys."""
    engine = sa.create_engine(normalize_url(url), future=True, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

    return engine


def alembic_config() -> "Config":
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: sa.Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    """Bring the metadata DB to ``revision`` (a no-op when it is there already)."""
    try:
        if revision == "head" and current_revision(engine) == head_revision():
            return
        from alembic import command

        config = alembic_config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    except sa.exc.OperationalError as exc:
        raise StudioError(
            f"cannot open the metadata DB at {engine.url.render_as_string(hide_password=True)}: "
            f"{str(exc.orig).splitlines()[0]}; check STUDIO_DB_URL or the workspace path"
        ) from exc
