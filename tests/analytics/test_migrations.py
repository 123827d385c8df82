"""Migrations create the whole schema on both databases, with no drift from the models."""

from __future__ import annotations

import asyncio

from alembic import command
from sqlalchemy import inspect
from sqlmodel import SQLModel

from analytics.db import Database
from bot.migrations import alembic_config, current_revision, head_revision


async def test_migrations_reach_head_without_drift(database_url: str) -> None:
    # `alembic check` raises when autogenerate would emit any operation.
    await asyncio.to_thread(command.check, alembic_config(database_url))
    db = Database(database_url)
    try:
        async with db.engine.connect() as conn:
            assert await current_revision(conn) == head_revision(database_url)
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    finally:
        await db.dispose()
    assert {t.name for t in SQLModel.metadata.sorted_tables} <= tables


async def test_upgrade_is_idempotent(database_url: str) -> None:
    from bot.migrations import upgrade

    await asyncio.to_thread(upgrade, database_url)
    await asyncio.to_thread(upgrade, database_url)
