"""Alembic, driven from Leadline: apply migrations, and tell whether a database is at head.

The scripts live in the `analytics.migrations` package; `alembic.ini` at the root of a checkout points
there too, for plain `alembic` commands."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncConnection

from analytics.db import set_wal_mode


def alembic_dir() -> Path:
    """The migration scripts, shipped as package data (`analytics/migrations`): the same in a checkout,
    an installed wheel and the image, whatever the working directory."""
    import analytics.migrations

    return Path(analytics.migrations.__file__).resolve().parent


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(alembic_dir()))
    cfg.attributes["database_url"] = database_url
    cfg.attributes["configure_logger"] = False
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    """Apply migrations up to `revision`. Synchronous: Alembic's env runs its own event loop."""
    command.upgrade(alembic_config(database_url), revision)
    set_wal_mode(database_url)


def head_revision(database_url: str) -> str | None:
    return ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()


async def current_revision(conn: AsyncConnection) -> str | None:
    def _current(sync_conn):  # type: ignore[no-untyped-def]
        return MigrationContext.configure(sync_conn).get_current_revision()

    return await conn.run_sync(_current)
