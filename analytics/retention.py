"""Retention: delete message text and the waits and conversations built from it after RETENTION_DAYS.

Contacts and their opt-out events are kept whatever their age: forgetting that a number opted out
would let Leadline text it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from analytics.models import Contact, Conversation, Message, OptEvent, Wait
from analytics.rebuild import renumber_sentiment


@dataclass(frozen=True)
class Purged:
    messages: int
    waits: int
    conversations: int


async def purge_before(session: AsyncSession, cutoff: datetime) -> Purged:
    """Delete messages sent before `cutoff`, waits opened before it, and conversations left empty."""
    # A wait opened before the cutoff may be open still: keep those (the lead is waiting now).
    waits = (await session.execute(
        delete(Wait).where(Wait.opened_at < cutoff, Wait.state != "open")
    )).rowcount or 0
    kept_refs = select(Wait.opened_message_id).union(
        select(Wait.closed_message_id).where(Wait.closed_message_id.is_not(None)))
    old = select(Message.id).where(Message.sent_at < cutoff, Message.id.not_in(kept_refs))
    await session.execute(update(OptEvent).where(OptEvent.message_id.in_(old)).values(message_id=None))
    messages = (await session.execute(
        delete(Message).where(Message.sent_at < cutoff, Message.id.not_in(kept_refs))
    )).rowcount or 0
    # Kept messages (a still-open wait's) may now sit in a conversation with a gap before them.
    gapped = (await session.execute(
        select(Message.conversation_id).where(Message.sent_at < cutoff, Message.sentiment_seq.is_not(None))
        .distinct()
    )).scalars()
    await renumber_sentiment(session, [c for c in gapped if c is not None])
    empty = select(Conversation.id).where(
        Conversation.last_message_at < cutoff,
        ~exists().where(Message.conversation_id == Conversation.id),
        ~exists().where(Wait.conversation_id == Conversation.id),
    )
    empty_ids = list((await session.execute(empty)).scalars())
    if empty_ids:
        await session.execute(update(Contact).where(Contact.current_conversation_id.in_(empty_ids))
                              .values(current_conversation_id=None))
        await session.execute(delete(Conversation).where(Conversation.id.in_(empty_ids)))
    return Purged(messages, waits, len(empty_ids))
