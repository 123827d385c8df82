"""Lead threads: the Slack thread each conversation gets, stored on the conversation, and what is read to
post a lead's message in it.

The thread's channel and ts are stored once Slack has answered the parent post; a conversation keeps the
first thread it got.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from analytics.models import Contact, Conversation, Message

Thread = tuple[str, str]  # (Slack channel, thread ts)


@dataclass(frozen=True)
class LeadText:
    """A lead's message with what its Slack post shows: who, how, and the conversation's thread if any."""

    message_id: int
    contact_name: str | None
    contact_address: str
    channel: str
    body: str
    sentiment: str | None
    topics: tuple[str, ...]
    media_count: int
    keyword: str | None
    sent_at: datetime
    conversation_id: int | None
    thread: Thread | None


async def lead_text(session: AsyncSession, message_id: int) -> LeadText | None:
    """The message `message_id` (None when it no longer exists), with its contact and thread."""
    row = (await session.execute(
        select(Message, Contact.display_name, Contact.address, Conversation.slack_channel,
               Conversation.slack_thread_ts)
        .join(Contact, Contact.id == Message.contact_id)
        .outerjoin(Conversation, Conversation.id == Message.conversation_id)
        .where(Message.id == message_id)
    )).first()
    if row is None:
        return None
    message, name, address, channel, ts = row
    return LeadText(message.id or 0, name, address, message.channel, message.body, message.sentiment_label,
                    tuple(t for t in message.topics.split(",") if t), message.media_count, message.keyword,
                    message.sent_at, message.conversation_id, (channel, ts) if channel and ts else None)


async def thread_of(session: AsyncSession, conversation_id: int) -> tuple[str | None, str] | None:
    """(channel, ts) of the conversation's thread; None while it has none."""
    row = (await session.execute(
        select(Conversation.slack_channel, Conversation.slack_thread_ts).where(Conversation.id == conversation_id)
    )).first()
    return (row[0], row[1]) if row and row[1] else None


async def keep_thread(session: AsyncSession, conversation_id: int, channel: str, ts: str) -> None:
    """Store the conversation's thread, unless it has one already."""
    await session.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id, Conversation.slack_thread_ts.is_(None))
        .values(slack_channel=channel, slack_thread_ts=ts)
    )


async def lead_in_thread(session: AsyncSession, channel: str, thread_ts: str) -> tuple[int, str] | None:
    """(contact id, address) of the lead whose conversation has this thread; None for any other thread."""
    row = (await session.execute(
        select(Contact.id, Contact.address).join(Conversation, Conversation.contact_id == Contact.id)
        .where(Conversation.slack_channel == channel, Conversation.slack_thread_ts == thread_ts)
        .order_by(Conversation.id.desc()).limit(1)  # type: ignore[union-attr]
    )).first()
    return (int(row[0]), str(row[1])) if row else None


async def latest_thread(session: AsyncSession, contact_id: int) -> Thread | None:
    """(channel, thread_ts) of the contact's latest conversation that has a Slack thread."""
    row = (await session.execute(
        select(Conversation.slack_channel, Conversation.slack_thread_ts)
        .where(Conversation.contact_id == contact_id, Conversation.slack_thread_ts.is_not(None),
               Conversation.slack_channel.is_not(None))
        .order_by(Conversation.started_at.desc()).limit(1)
    )).first()
    return (row[0], row[1]) if row else None
