"""Storing messages: contact, conversation, message, wait and opt events in the caller's transaction.

`record_message` is the live path: one message, usually the newest for its contact, applied with
`analytics.waits.step`. A message older than the contact's newest (a late webhook) is stored and the
contact is rebuilt with `analytics.rebuild.rebuild_contact`, which replays the whole history, so
arrival order never changes the waits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from analytics.business_hours import BusinessCalendar
from analytics.errors import InvalidInput
from analytics.models import (
    INBOUND,
    OPT_OUT,
    OUTBOUND,
    WAIT_CANCELLED,
    Contact,
    Conversation,
    Message,
    OptEvent,
    Wait,
)
from analytics.opt_out import classify_keyword
from analytics.rebuild import rebuild_contact
from analytics.sentiment import score_sentiment
from analytics.topics import TopicMatcher
from analytics.wait_rows import close_wait, merge_topics
from analytics.waits import CANCEL, CLOSE, EXTEND, OPEN, ContactState, Event, step


@dataclass(frozen=True)
class IngestConfig:
    gap: timedelta
    calendar: BusinessCalendar
    topics: TopicMatcher


@dataclass(frozen=True)
class IncomingMessage:
    """A message as an edge (webhook, import, sender) hands it to analytics. `address` is the contact's."""

    sid: str
    address: str
    direction: str
    channel: str
    body: str
    sent_at: datetime
    media_count: int = 0
    status: str | None = None
    rep_id: int | None = None
    automated: bool = False
    opt_out_type: str | None = None
    error_code: int | None = None
    error_message: str | None = None


@dataclass(frozen=True)
class IngestResult:
    duplicate: bool
    message_id: int
    contact_id: int
    conversation_id: int | None
    new_conversation: bool
    keyword: str | None
    wait_action: str | None
    opted_out: bool
    rebuilt: bool = False


def _validate(msg: IncomingMessage) -> None:
    if msg.direction not in (INBOUND, OUTBOUND):
        raise InvalidInput(f"direction must be inbound or outbound, not {msg.direction!r}")
    if msg.sent_at.utcoffset() is None:
        raise InvalidInput("sent_at must be an aware datetime")
    if not msg.sid or not msg.address:
        raise InvalidInput("a message needs a sid and an address")


def _insert_ignore(session: AsyncSession):  # type: ignore[no-untyped-def]
    return pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert


async def lock_contact(session: AsyncSession, address: str, channel: str, at: datetime) -> Contact:
    """Get or create the contact and lock its row, so one contact's messages are applied one at a time."""
    query = select(Contact).where(Contact.address == address).with_for_update().execution_options(
        populate_existing=True
    )
    contact = (await session.execute(query)).scalar_one_or_none()
    if contact is not None:
        return contact
    # Two first messages from a new contact may race: the loser's insert does nothing, then it waits on the lock.
    insert = _insert_ignore(session)
    await session.execute(
        insert(Contact)
        .values(address=address, channel=channel, created_at=at)
        .on_conflict_do_nothing(index_elements=["address"])
    )
    return (await session.execute(query)).scalar_one()


def message_row(msg: IncomingMessage, contact_id: int, topics: TopicMatcher) -> Message:
    sentiment = score_sentiment(msg.body) if msg.direction == INBOUND else None
    return Message(
        sid=msg.sid,
        contact_id=contact_id,
        direction=msg.direction,
        channel=msg.channel,
        body=msg.body,
        media_count=msg.media_count,
        sent_at=msg.sent_at,
        status=msg.status,
        error_code=msg.error_code,
        error_message=msg.error_message,
        rep_id=msg.rep_id,
        automated=msg.automated,
        keyword=classify_keyword(msg.body, msg.opt_out_type) if msg.direction == INBOUND else None,
        sentiment_score=sentiment.score if sentiment else None,
        sentiment_label=sentiment.label if sentiment else None,
        topics=",".join(topics.match(msg.body)) if msg.direction == INBOUND else "",
    )


async def record_message(session: AsyncSession, msg: IncomingMessage, config: IngestConfig) -> IngestResult:
    """Store one message and everything it changes; idempotent on `sid`. Runs in the caller's transaction."""
    _validate(msg)
    contact = await lock_contact(session, msg.address, msg.channel, msg.sent_at)
    existing = (
        await session.execute(select(Message.id, Message.conversation_id).where(Message.sid == msg.sid))
    ).first()
    if existing is not None:
        return IngestResult(True, existing[0], contact.id or 0, existing[1], False, None, None,
                            contact.opted_out)

    row = message_row(msg, contact.id or 0, config.topics)
    if contact.last_message_at is not None and msg.sent_at <= contact.last_message_at:
        session.add(row)
        await session.flush()
        await rebuild_contact(session, contact.id or 0, config)
        await session.refresh(row)
        await session.refresh(contact)
        return IngestResult(False, row.id or 0, contact.id or 0, row.conversation_id, False, row.keyword,
                            None, contact.opted_out, rebuilt=True)

    has_wait = False
    if contact.current_conversation_id is not None and contact.open_wait_id is None:
        has_wait = bool(await session.scalar(
            select(exists().where(Wait.conversation_id == contact.current_conversation_id))
        ))
    state = ContactState(
        opted_out=contact.opted_out,
        last_message_at=contact.last_message_at,
        wait_open=contact.open_wait_id is not None,
        conversation_has_wait=has_wait or contact.open_wait_id is not None,
        has_conversation=contact.current_conversation_id is not None,
    )
    event = Event(msg.sent_at, msg.sid, msg.direction, msg.automated, row.keyword)
    result = step(state, event, config.gap)
    row.keyword = result.keyword

    if result.new_conversation:
        conversation = Conversation(contact_id=contact.id or 0, started_at=msg.sent_at,
                                    last_message_at=msg.sent_at, channel=msg.channel)
        session.add(conversation)
        await session.flush()
        contact.current_conversation_id = conversation.id
    else:
        conversation = await session.get(Conversation, contact.current_conversation_id)
        assert conversation is not None
        conversation.last_message_at = msg.sent_at
    row.conversation_id = conversation.id
    session.add(row)
    await session.flush()

    await _apply_wait(session, contact, row, result.wait_action, result.first_in_conversation, config)
    if result.keyword is not None:
        source = "advanced_opt_out" if msg.opt_out_type else "keyword"
        session.add(OptEvent(contact_id=contact.id or 0, kind=result.keyword, at=msg.sent_at, source=source,
                             message_id=row.id))
    if result.state.opted_out != contact.opted_out:
        contact.opted_out = result.state.opted_out
        contact.opted_out_at = msg.sent_at if result.state.opted_out else None
    contact.last_message_at = msg.sent_at
    if contact.first_message_at is None:
        contact.first_message_at = msg.sent_at
    await session.flush()
    return IngestResult(False, row.id or 0, contact.id or 0, conversation.id, result.new_conversation,
                        result.keyword, result.wait_action, contact.opted_out)


async def _apply_wait(session: AsyncSession, contact: Contact, row: Message, action: str | None,
                      first: bool, config: IngestConfig) -> None:
    if action == OPEN:
        wait = Wait(contact_id=contact.id or 0, conversation_id=row.conversation_id or 0,
                    opened_message_id=row.id or 0, opened_at=row.sent_at, last_inbound_at=row.sent_at,
                    first_in_conversation=first, channel=row.channel, topics=row.topics)
        session.add(wait)
        await session.flush()
        contact.open_wait_id = wait.id
        return
    if action is None or contact.open_wait_id is None:
        return
    wait = await session.get(Wait, contact.open_wait_id)
    assert wait is not None
    if action == EXTEND:
        wait.last_inbound_at = row.sent_at
        wait.inbound_count += 1
        wait.topics = merge_topics(wait.topics, row.topics)
        return
    if action == CLOSE:
        close_wait(wait, row.sent_at, config.calendar, row.id, row.rep_id)
    elif action == CANCEL:
        wait.state = WAIT_CANCELLED
        wait.closed_at = row.sent_at
    contact.open_wait_id = None


async def record_opt_event(session: AsyncSession, address: str, kind: str, at: datetime, source: str,
                           config: IngestConfig) -> bool:
    """An opt-out/opt-in that came without a message (e.g. Twilio error 21610). True if it changed state."""
    result = await session.execute(select(Contact).where(Contact.address == address).with_for_update())
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
        wait = await session.get(Wait, contact.open_wait_id)
        if wait is not None:
            wait.state = WAIT_CANCELLED
            wait.closed_at = at
        contact.open_wait_id = None
    await session.flush()
    return True
