"""Alembic, driven from Leadline: apply migrations, and tell whether a database is at head."""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncConnection

from analytics.db import set_wal_mode


def alembic_dir() -> Path:
    """The migration scripts: beside the packages in a checkout or image, else in the working directory."""
    candidates = [Path(__file__).resolve().parents[1] / "alembic", Path.cwd() / "alembic"]
    if env := os.environ.get("LEADLINE_ALEMBIC_DIR"):
        candidates.insert(0, Path(env))
    for path in candidates:
        if (path / "env.py").is_file():
            return path
    raise FileNotFoundError("cannot find the alembic/ migrations folder; set LEADLINE_ALEMBIC_DIR")


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
