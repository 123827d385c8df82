"""Bulk import of message history: store new messages, then rebuild each affected contact once.

The rebuild replays each contact's whole history, so the result is exactly what live ingestion of the
same messages would have stored, in whatever order they were read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import insert, select

from analytics.db import Database
from analytics.ingest_batch import lock_contacts
from analytics.ingest_types import IncomingMessage, IngestConfig, message_values
from analytics.models import Message
from analytics.rebuild import rebuild_contact

CHUNK = 500


@dataclass(frozen=True)
class ImportStats:
    read: int
    new: int
    skipped: int
    contacts: int


async def import_messages(db: Database, messages: Sequence[IncomingMessage], config: IngestConfig,
                          progress: Callable[[str], None] | None = None) -> ImportStats:
    """Store `messages` (idempotent on sid) in one transaction: all of them or, on error, none."""
    new = 0
    touched: set[int] = set()
    contact_ids: dict[str, int] = {}
    now = datetime.now(UTC)
    async with db.transaction() as session:
        for start in range(0, len(messages), CHUNK):
            chunk = messages[start:start + CHUNK]
            sids = [m.sid for m in chunk]
            known = set((await session.execute(select(Message.sid).where(Message.sid.in_(sids)))).scalars())
            rows: list[dict[str, object]] = []
            for msg in chunk:
                if msg.sid in known:
                    continue
                known.add(msg.sid)
                contact_id = contact_ids.get(msg.address)
                if contact_id is None:
                    locked = await lock_contacts(session, {msg.address: (msg.channel, msg.sent_at)})
                    contact_id = contact_ids[msg.address] = locked[msg.address].id or 0
                rows.append(message_values(msg, contact_id, config.topics, now))
                touched.add(contact_id)
                new += 1
            if rows:
                await session.execute(insert(Message.__table__), rows)
            if progress:
                progress(f"stored {min(start + CHUNK, len(messages))}/{len(messages)} messages ({new} new)")
        for i, contact_id in enumerate(sorted(touched), 1):
            await rebuild_contact(session, contact_id, config)
            if progress and i % 200 == 0:
                progress(f"rebuilt waits for {i}/{len(touched)} contacts")
    return ImportStats(read=len(messages), new=new, skipped=len(messages) - new, contacts=len(touched))
