"""Persisted de-duplication: a key claimed once per database, across retries, restarts and replicas.

Keys name events already handled (a Slack `event_id` or message `ts`, an SLA alert), so a repeated
delivery or a second replica finds the key taken and does nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from analytics.db import insert_ignore
from analytics.models import utcnow

MAX_KEY = 200


class ProcessedEvent(SQLModel, table=True):
    """Keys of events already handled (Slack `event_id`, message `ts`, SLA alerts), so a retry is a no-op."""

    __table_args__ = (UniqueConstraint("key", name="uq_processed_event_key"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=MAX_KEY)
    created_at: datetime = Field(default_factory=utcnow)


async def claim(session: AsyncSession, key: str) -> bool:
    """Insert `key` into processed_event in the caller's transaction; False when it was already there.

    On PostgreSQL a concurrent claim of the same key waits for the first transaction and then loses;
    on SQLite the write lock serialises them; so exactly one caller ever gets True.
    """
    result = await session.execute(insert_ignore(session, ProcessedEvent, ["key"]).values(key=key[:MAX_KEY]))
    return bool(result.rowcount)
