"""Persisted de-duplication: a key claimed once per database, across retries, restarts and replicas."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from analytics.models import ProcessedEvent


async def claim(session: AsyncSession, key: str) -> bool:
    """Insert `key` into processed_event in the caller's transaction; False when it was already there.

    On PostgreSQL a concurrent claim of the same key waits for the first transaction and then loses;
    on SQLite the write lock serialises them; so exactly one caller ever gets True.
    """
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    result = await session.execute(
        insert(ProcessedEvent).values(key=key[:200]).on_conflict_do_nothing(index_elements=["key"])
    )
    return bool(result.rowcount)
