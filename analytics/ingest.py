"""Storing messages: contact, conversation, message, wait and opt events in the caller's transaction.

There is one path: `record_messages` in `analytics.ingest_batch` (a single message is a batch of one).
Messages that arrive in order are folded onto the contact's stored state with `analytics.waits.step`;
a message older than the contact's newest makes the contact replay its whole history
(`analytics.rebuild`), so arrival order never changes the waits.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from analytics.ingest_batch import record_messages
from analytics.ingest_types import IncomingMessage, IngestConfig, IngestResult, message_values, validate
from analytics.models import OPT_OUT, WAIT_CANCELLED, Contact, OptEvent, Wait
from analytics.rebuild import rebuild_contact

__all__ = [
    "IncomingMessage",
    "IngestConfig",
    "IngestResult",
    "message_values",
    "record_message",
    "record_messages",
    "record_opt_event",
    "validate",
]


async def record_message(session: AsyncSession, msg: IncomingMessage, config: IngestConfig) -> IngestResult:
    """Store one message and everything it changes; idempotent on `sid`. Runs in the caller's transaction."""
    return (await record_messages(session, [msg], config))[0]


async def record_opt_event(session: AsyncSession, address: str, kind: str, at: datetime, source: str,
                           config: IngestConfig) -> bool:
    """An opt-out/opt-in that came without a message (e.g. Twilio error 21610). True if it changed state."""
    result = await session.execute(select(Contact).where(Contact.address == address).with_for_update()
                                   .execution_options(populate_existing=True))
    contact = result.scalar_one_or_none()
    if contact is None or (kind == OPT_OUT) == contact.opted_out:
        return False
    session.add(OptEvent(contact_id=contact.id or 0, kind=kind, at=at, source=source))
    if contact.last_message_at is not None and at < contact.last_message_at:
        await session.flush()
        await rebuild_contact(session, contact.id or 0, config)
        return True
    contact.opted_out = kind == OPT_OUT
    contact.opted_out_at = at if contact.opted_out else None
    if contact.opted_out and contact.open_wait_id is not None:
        wait = await session.get(Wait, contact.open_wait_id, populate_existing=True)
        if wait is not None:
            wait.state = WAIT_CANCELLED
            wait.closed_at = at
        contact.open_wait_id = None
    await session.flush()
    return True
